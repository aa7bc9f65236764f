"""Hostile values posted to every form of the app, as the users who may post it, on the demo
edition: whatever Hypothesis types, the answer is a page, a redirect or a 4xx, never a 500.

The forms are found, not listed: every <form method="post"> on every page a kind of user can
open (GET endpoints of the URL map, filled with the world's values), with its fields' names.
File inputs get random bytes and broken archives (the call package import among them).
"""
from __future__ import annotations

import io
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.web.authz_matrix import KINDS, MATRIX, SKIPPED, VALUES_FOR
from tests.web.test_authorization import _url, world  # noqa: F401  (the same world)

HOSTILE = ["\x00", "a\x00b", "\x1b[2J", "²³", "١٢", "𝟙", "9" * 400, "-1", "2147483648", "9223372036854775808",
           "1e308", "NaN", "%", "_", "%_%", "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd",
           "\u202etxt.exe", "=cmd|' /C calc'!A0", "", " ", "2026-02-30", "9999-12-31T99:99", "0", "1", "a" * 5000,
           "１２３", "12,000", "0.001", "abc:def", "1:xyz"]
TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(st.characters(blacklist_categories=("Cs",)), max_size=60))
NEVER_POSTED = ("/auth/logout", "/auth/password")  # would end the fuzzing clients' sessions


class FormFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, list[str], list[str]]] = []  # (action, text fields, file fields)
        self._open = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._open = (a.get("action") or "", [], [])
        elif self._open is not None and tag in ("input", "textarea", "select", "button") and a.get("name"):
            if a.get("name") == "csrf_token":
                return
            (self._open[2] if a.get("type") == "file" else self._open[1]).append(a["name"])

    def handle_endtag(self, tag):
        if tag == "form" and self._open is not None:
            self.forms.append(self._open)
            self._open = None


def _pages(app, values, extra):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED or "GET" not in rule.methods:
            continue
        url = _url(app, rule, {**values, **VALUES_FOR.get(rule.endpoint, {})})
        for kind in KINDS:
            if getattr(MATRIX[rule.endpoint], kind) == "ok":
                yield kind, url
    yield from extra


def discover(app, clients, values, extra=()) -> list[tuple[str, str, list[str], list[str]]]:
    """(kind of user, action, field names, file field names) of every post form each kind can open:
    on the matrix's pages, and on `extra` (kind, url) pages (a draft in an open call, a review in progress)."""
    found: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    for kind, url in _pages(app, values, extra):
        response = clients[kind].get(url)
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        finder = FormFinder()
        finder.feed(response.get_data(as_text=True))
        for action, fields, files in finder.forms:
            action = action or url
            if action.startswith("/") and not action.startswith(NEVER_POSTED):
                found.setdefault((kind, action), (sorted(set(fields)), sorted(set(files))))
    return [(kind, action, fields, files) for (kind, action), (fields, files) in sorted(found.items())]


def _zip_like(data: bytes) -> bytes:
    return b"PK\x03\x04" + data


def in_publicity(app, db) -> list[tuple[str, str]]:
    """Objections open on the demo: demo-2025-publicity's provisional results back in their window
    with a pending objection, and a mid-term evaluation of demo-2025 just published with one; the
    pages of their forms (filing, answering, the publication page) as the kinds who may post them."""
    from datetime import timedelta

    from sqlalchemy import select

    from gongyi.auth.models import User
    from gongyi.calls.models import Call
    from gongyi.clock import utcnow
    from gongyi.execution import evaluations
    from gongyi.execution.demo_edition import PASSED
    from gongyi.execution.models import ExecutionRecord
    from gongyi.results import publication
    from gongyi.results.models import Run, RunRow
    from gongyi.submissions.models import Submission

    admin, objector = (db.scalar(select(User).where(User.email == e))
                       for e in ("admin@demo.gongyi.cn", "org2@demo.gongyi.cn"))
    evaluator = db.scalar(select(User).where(User.email == "evaluator@demo.gongyi.cn"))
    now = utcnow()
    with app.test_request_context():
        call = db.scalar(select(Call).where(Call.slug == "demo-2025-publicity"))
        run = publication.published_run(db, call, "provisional")
        run.publicity_until = now + timedelta(days=7)  # the window open again (arranged: no service reopens it)
        row = db.scalar(select(RunRow).where(RunRow.run_id == run.id).order_by(RunRow.position).limit(1))
        pending = publication.file_objection(db, objector, row, real_name="王五", contact="0755-1", reason="请复核",
                                             max_bytes=1)
        rec = db.scalars(select(ExecutionRecord).join(Call, Call.id == ExecutionRecord.call_id)
                         .where(Call.slug == "demo-2025").order_by(ExecutionRecord.id)).first()
        evaluations.assign_evaluator(db, admin, rec, evaluator)
        evaluation = evaluations.save_evaluation(db, evaluator, rec, "midterm", scores=PASSED, comment="规范",
                                                 submit=True)
        evaluations.publish_evaluation(db, admin, evaluation, working_days=5)
        to_evaluation = evaluations.file_evaluation_objection(db, objector, evaluation, real_name="王五",
                                                              contact="0755-1", reason="请复核", max_bytes=1)
        db.commit()
    ref, own_ref = row.ref, db.get(Submission, rec.submission_id).ref
    assert db.get(Run, run.id).published == "provisional"
    return [
        *((kind, f"/results/demo-2025-publicity/projects/{ref}/objection") for kind in ("owner", "other_org")),
        *((kind, f"/results/demo-2025/projects/{own_ref}/evaluations/midterm/objection") for kind in ("owner", "other_org")),
        ("admin", f"/admin/objections/{pending.id}"), ("admin", f"/admin/evaluation-objections/{to_evaluation.id}"),
        ("admin", "/admin/calls/demo-2025-publicity/publication"),
    ]


@pytest.fixture
def forms(app, world, db):  # noqa: F811
    from sqlalchemy import select

    from gongyi.auth.models import User
    from gongyi.review.models import Review
    from gongyi.submissions.models import Submission

    clients, values = world
    owner = db.scalar(select(User).where(User.email == "org1@demo.gongyi.cn"))
    reviewer = db.scalar(select(User).where(User.id == values["user_id"]))
    extra = [("owner", f"/submissions/{s.id}{page}") for s in db.scalars(
        select(Submission).where(Submission.organisation_id == owner.organisation_id)) for page in ("", "/edit")]
    extra += [("assigned", f"/review/{r.id}") for r in db.scalars(select(Review).where(Review.reviewer_id == reviewer.id))]
    extra += [("owner", "/calls/demo-2027/apply")]
    publicity = in_publicity(app, db)
    found = discover(app, clients, values, extra + publicity)
    assert len(found) > 30, found  # the discovery itself works
    actions = {action for _, action, _, _ in found}
    objecting = {url for _, url in publicity} - {"/admin/calls/demo-2025-publicity/publication"}
    assert objecting <= actions, sorted(objecting - actions)  # the objection and answer forms were found
    return clients, found, [f for f in found if f[1] in objecting or "publication" in f[1]]


def _post_hostile(clients, found, data):
    kind, action, fields, files = data.draw(st.sampled_from(found))
    payload = {name: data.draw(TEXT) for name in fields}
    for name in files:
        content = data.draw(st.one_of(st.binary(max_size=300), st.binary(max_size=300).map(_zip_like)))
        payload[name] = (io.BytesIO(content), data.draw(st.sampled_from(["a.zip", "a.pdf", "x", "\x00.png", "a" * 300])))
    response = clients[kind].post(action, data=payload, content_type="multipart/form-data" if files else None)
    assert response.status_code < 500, f"{kind} POST {action} {payload!r}: {response.status_code}"
    if response.is_json:
        assert isinstance(response.get_json(), dict)


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_values_in_every_form_never_give_a_500(forms, data):
    clients, found, _ = forms
    _post_hostile(clients, found, data)


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_values_in_the_objection_and_publication_forms_never_give_a_500(forms, data):
    """Filing an objection to a result and to an evaluation, answering both, publishing: during publicity."""
    clients, _, publicity = forms
    _post_hostile(clients, publicity, data)


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(segment=TEXT, query=TEXT)
def test_hostile_paths_and_queries_never_give_a_500(app, world, segment, query):  # noqa: F811
    clients, values = world
    for url in (f"/calls/{segment}", f"/admin/submissions/?organisation={query}&call={query}",
                f"/api/v1/calls/{segment}/results?run={query}", f"/admin/calls/demo-2026/results?q={query}&run={query}",
                f"/admin/audit/?object_id={query}&since={query}", f"/communities/?q={query}&page={query}"):
        response = clients["admin"].get(url)
        assert response.status_code < 500, f"GET {url!r}: {response.status_code}"
        if url.startswith("/api/"):
            assert response.is_json
