"""How the results pages answer what a browser or a client may send: numbers beyond any id, errors
of the JSON API, stored evidence, and the actions each call state allows."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from gongyi.calls.models import Call
from gongyi.orgs.models import Organisation
from gongyi.results.models import Objection

SAMPLE = Path(__file__).parent.parent / "data" / "sample"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HUGE = "9" * 12  # beyond a database integer


@pytest.fixture
def computed(client, auth, make_user, runner):
    """The sample call with review finished (run 1 computed), the administrator logged in."""
    assert runner.invoke(args=["calls", "import", str(SAMPLE)]).exit_code == 0
    make_user("admin@example.org", roles=("admin",))
    auth.login("admin@example.org")
    client.post("/admin/calls/sz-2026/transition", data={"transition": "finish_review"})


def publish(client, kind="provisional", run="1"):
    return client.post("/admin/calls/sz-2026/publication/publish", data={"kind": kind, "run": run})


def test_numbers_beyond_any_id_are_ignored_or_not_found(client, computed):
    for url in (f"/admin/calls/sz-2026/results?run={HUGE}&page={HUGE}", "/admin/calls/sz-2026/results?page=²",
                f"/admin/calls/sz-2026/results/compare?a={HUGE}&b=1"):
        r = client.get(url)
        assert r.status_code == 200 and "第 1 次计算" in r.get_data(as_text=True), url
    assert client.get("/admin/calls/sz-2026/results/compare?a=1&b=7").status_code == 404
    assert client.get(f"/admin/objections/{HUGE}").status_code == 404
    assert publish(client, run=HUGE).status_code == 400
    assert publish(client).status_code == 302
    for url in (f"/results/sz-2026?page={HUGE}", f"/results/sz-2026/projects/A?run={HUGE}"):
        r = client.get(url)
        assert r.status_code == 200 and "公示结果（暂定）" in r.get_data(as_text=True), url
    assert client.get(f"/objections/{HUGE}/evidence").status_code == 404


def test_the_ranking_pages_through_the_shared_pager(client, auth, make_user, runner, tmp_path):
    from tests.package_gen import random_package

    folder = tmp_path / "pkg"
    folder.mkdir()
    for name, data in random_package(7, submissions=160, reviewers=10).items():
        (folder / name).write_bytes(data)
    assert runner.invoke(args=["calls", "import", str(folder)]).exit_code == 0
    assert runner.invoke(args=["calls", "compute", "random-7"]).exit_code == 0
    make_user("admin@example.org", roles=("admin",))
    auth.login("admin@example.org")
    first = client.get("/admin/calls/random-7/results?sort=ref&q=").get_data(as_text=True)
    assert 'rel="next"' in first and 'rel="prev"' not in first and "第 1 / 2 页" in first
    assert "sort=ref" in first[first.index('rel="next"') - 200:first.index('rel="next"')]  # the sort is kept
    last = client.get("/admin/calls/random-7/results?sort=ref&page=9").get_data(as_text=True)
    assert 'rel="prev"' in last and 'rel="next"' not in last and "第 2 / 2 页" in last  # clamped to the last page


def test_api_errors_are_json_whatever_the_url(client):
    for url, status, code in (("/api/v1/nope", 404, "not_found"), ("/api/v1/calls/x/results/more", 404, "not_found"),
                              ("/api/v1", 404, "not_found")):
        r = client.get(url)
        assert (r.status_code, r.mimetype) == (status, "application/json"), url
        assert r.get_json()["error"]["code"] == code and r.get_json()["error"]["message"]
        assert r.headers["Access-Control-Allow-Origin"] == "*"
    r = client.post("/api/v1/calls/x/results")
    assert (r.status_code, r.mimetype, r.get_json()["error"]["code"]) == (405, "application/json", "method_not_allowed")
    doc = client.get("/api/v1/openapi.json").get_json()
    codes = doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"]
    assert {"call_not_found", "not_published", "not_found", "method_not_allowed"} <= set(codes)
    assert client.get("/apiv1/nope").mimetype == "text/html"  # other pages keep their HTML error page


def test_api_server_errors_are_json(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("boom")

    r = app.test_client().get("/api/v1/boom")
    assert (r.status_code, r.get_json()["error"]["code"]) == (500, "internal_server_error")


def test_draft_calls_are_not_in_the_api(client, runner, db):
    assert runner.invoke(args=["calls", "import", str(SAMPLE)]).exit_code == 0
    db.scalar(select(Call)).status = "draft"
    db.commit()
    assert client.get("/api/v1/calls/sz-2026/results").get_json()["error"]["code"] == "call_not_found"


def test_evidence_is_always_a_download_with_strict_headers(client, auth, make_user, db, computed):
    publish(client)
    auth.logout()
    user = make_user("m@example.org")
    user.organisation_id = db.scalar(select(Organisation.id).where(Organisation.name == "深圳市长者关爱协会"))
    db.commit()
    auth.login("m@example.org")
    r = client.post("/results/sz-2026/projects/B/objection", content_type="multipart/form-data",
                    data={"real_name": "李四", "contact": "138", "reason": "未到账", "evidence": (io.BytesIO(PDF), "回单.pdf")})
    assert r.status_code == 302
    objection = db.scalar(select(Objection))
    r = client.get(f"/objections/{objection.id}/evidence")
    assert r.data == PDF and r.mimetype == "application/pdf"
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert r.headers["X-Content-Type-Options"] == "nosniff" and "sandbox" in r.headers["Content-Security-Policy"]
    assert "no-store" in r.headers["Cache-Control"]


def test_each_state_offers_only_what_it_allows(client, computed, db):
    ranking = client.get("/admin/calls/sz-2026/results").get_data(as_text=True)
    assert "按当前规则计算结果" in ranking and "记录撤回并重新计算" in ranking  # results: both allowed
    trial = client.post("/admin/calls/sz-2026/results/what-if", data={"matching_pool": "200000", "action": "try"})
    assert "保存为规则修订并重新计算" in trial.get_data(as_text=True)
    page = client.get("/admin/calls/sz-2026/publication").get_data(as_text=True)
    assert "发布公示结果</button>" in page and "按当前数据重新计算" not in page  # recomputing is offered in publicity
    publish(client)
    page = client.get("/admin/calls/sz-2026/publication").get_data(as_text=True)
    assert "按当前数据重新计算" in page and "发布公示结果</button>" not in page
    trial = {"matching_pool": "200000", "action": "try"}
    page = client.post("/admin/calls/sz-2026/results/what-if", data=trial).get_data(as_text=True)
    assert "测算结果" in page and "保存为规则修订并重新计算" not in page  # the published rules stay
    save = {**trial, "action": "save", "reason": "追加配套资金"}
    assert client.post("/admin/calls/sz-2026/results/what-if", data=save).status_code == 400
    db.scalar(select(Call)).status = "open"  # as if the call were still open for submissions
    db.commit()
    ranking = client.get("/admin/calls/sz-2026/results").get_data(as_text=True)
    assert "按当前规则计算结果" not in ranking and "记录撤回并重新计算" not in ranking
    assert "征集尚未进入结果阶段" in client.get("/admin/calls/sz-2026/publication").get_data(as_text=True)
    assert client.post("/admin/calls/sz-2026/publication/recompute").status_code == 400
