"""A small competition whose dashboard figures are worked out by hand in tests/db/test_dashboard_figures.py.

Two editions: call A opens this year, call B a year earlier (its results published as final).
Communities C1 (福田 440304, kept by O1) and C2 (南山 440305, kept by O2).

Needs lists (this year Y): C1 01.01 high, 02.01 medium; C2 02.01 low, 03.01 high. Year Y-1: C1 01.01 high.

Call A (year Y)                                    results (latest run, not published)
  S1  O1 -> C1 (440304)  items 01.01, 02.02        matched   R 500.00  matching 300.00
  S2  O2 -> C2 (440305)  items 02.01               library   R 100.00  library  200.00
  S3  O2, typed community (440305)  02.01, 03.02   not_shortlisted
  S4  O1 -> C1, a draft  02.01                     (not counted anywhere)
Call B (year Y-1)                                  results (published final)
  S5  O1 -> C1 (440304)  items 01.01               matched   R 400.00  matching 400.00

Funding lines of call A: S1 enterprise 500.00 verified, individual 50.00 pending; S2 foundation
100.00 verified, government 30.00 verified; S3 other 20.00 rejected; S4 enterprise 999.99 verified.
Reviews of call A (criteria need 50 + plan 50): S1 two submitted (85, 100), S2 one submitted
(65.5) and one draft (scored), S3 one assigned.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from gongyi.clock import china_date
from gongyi.communities import needs, service as communities
from gongyi.communities.models import SubmissionCommunity
from gongyi.results.models import Run, RunRow
from gongyi.review.models import Review, Score
from tests.factories import make_call, make_org, make_reviewer, make_submission

RULES = {"review": {"criteria": [{"code": "need", "name": "需求", "max": 50}, {"code": "plan", "name": "方案", "max": 50}]},
         "matching": {"pool": "1000.00"}, "library": {"pool": "500.00"}}


@dataclass
class World:
    admin: object
    o1: object
    o2: object
    m1: object
    m2: object
    c1: object
    c2: object
    call_a: object
    call_b: object
    subs: dict
    year: int


def save_run(session, call, rows, *, published=None, number=1):
    """A run of `call` with (submission, outcome, R fen, matching fen, library fen) rows, in that order."""
    matching = sum(r[3] for r in rows)
    library = sum(r[4] for r in rows)
    run = Run(call_id=call.id, number=number, rules_version_id=call.rules_version.id, rules=call.rules,
              input_digest="0" * 64, matching_pool_fen=100_000, matching_allocated_fen=matching,
              library_pool_fen=50_000, library_allocated_fen=library, published=published,
              published_at=datetime.now(timezone.utc) if published else None)
    for position, (s, outcome, raised, m, lib) in enumerate(rows, 1):
        run.rows.append(RunRow(submission_id=s.id, position=position, ref=s.ref, totals=[], requested_fen=s.requested_fen,
                               submitted_at=s.submitted_at, complete_reviews=1, aggregate="80", aggregate_display="80.00",
                               rank=position if outcome != "unranked" else None, outcome=outcome,
                               verified_raised_fen=raised, matching_fen=m, library_grant_fen=lib))
    session.add(run)
    session.flush()
    return run


def link(session, submission, community):
    session.add(SubmissionCommunity(submission_id=submission.id, community_id=community.id))


def _review(session, submission, reviewer, status, scores):
    review = Review(submission_id=submission.id, reviewer_id=reviewer.id, round="review", status=status)
    for criterion, centi in scores.items():
        review.scores.append(Score(criterion=criterion, points_centi=centi))
    session.add(review)


def build(session, admin) -> World:
    now = datetime.now(timezone.utc)
    m1, o1 = make_org(session, admin)
    m2, o2 = make_org(session, admin)
    o2.district_code = "440305"
    c1 = communities.create_community(session, admin, district_code="440304", street="莲花街道", name="莲花北社区",
                                      keeper_id=o1.id)
    c2 = communities.create_community(session, admin, district_code="440305", street="南头街道", name="荔林社区",
                                      keeper_id=o2.id)
    call_a = make_call(session, admin, slug="world-a", rules=RULES, opens_at=now - timedelta(minutes=1))
    year = china_date(call_a.opens_at).year
    last_year = datetime(year - 1, 6, 1, tzinfo=timezone.utc)
    call_b = make_call(session, admin, slug="world-b", rules=RULES, status="closed",
                       opens_at=last_year, closes_at=last_year + timedelta(days=20))
    assert china_date(call_b.opens_at).year == year - 1
    needs.save_needs(session, m1, c1, year, {"01.01": ("high", "困境家庭多"), "02.01": ("medium", "独居长者")})
    needs.save_needs(session, m2, c2, year, {"02.01": ("low", ""), "03.01": ("high", "放学无人看护")})
    needs.save_needs(session, m1, c1, year - 1, {"01.01": ("high", "")})
    s1 = make_submission(session, call_a, o1, ref="S1", items=("01.01", "02.02"), requested_fen=80_000, district="440304",
                         funds=[("enterprise", "甲公司", 50_000, "verified"), ("individual", "乙", 5_000, "pending")])
    s2 = make_submission(session, call_a, o2, ref="S2", items=("02.01",), requested_fen=60_000, district="440305",
                         funds=[("foundation", "丙基金会", 10_000, "verified"), ("government", "街道办", 3_000, "verified")])
    s3 = make_submission(session, call_a, o2, ref="S3", items=("02.01", "03.02"), requested_fen=40_000, district="440305",
                         funds=[("other", "丁", 2_000, "rejected")])
    s4 = make_submission(session, call_a, o1, ref="S4", status="draft", items=("02.01",), requested_fen=10_000,
                         district="440304", funds=[("enterprise", "戊", 99_999, "verified")])
    s5 = make_submission(session, call_b, o1, ref="S5", items=("01.01",), requested_fen=70_000, district="440304")
    for s, c in ((s1, c1), (s2, c2), (s4, c1), (s5, c1)):
        link(session, s, c)
    r1, r2, r3 = (make_reviewer(session, admin) for _ in range(3))
    _review(session, s1, r1, "submitted", {"need": 4000, "plan": 4500})
    _review(session, s1, r2, "submitted", {"need": 5000, "plan": 5000})
    _review(session, s2, r1, "submitted", {"need": 3000, "plan": 3550})
    _review(session, s2, r2, "draft", {"need": 1000, "plan": 1000})
    _review(session, s3, r3, "assigned", {})
    save_run(session, call_a, [(s1, "matched", 50_000, 30_000, 0), (s2, "library", 10_000, 0, 20_000),
                               (s3, "not_shortlisted", 0, 0, 0)])
    save_run(session, call_b, [(s5, "matched", 40_000, 40_000, 0)], published="final")
    session.flush()
    return World(admin, o1, o2, m1, m2, c1, c2, call_a, call_b, {"S1": s1, "S2": s2, "S3": s3, "S4": s4, "S5": s5}, year)
