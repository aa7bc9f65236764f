"""A call package under rules version 2 (spec section 8): two rounds, weighted panels, counted
funds, holds; and every new bad input refused as `file:line: reason`, the database untouched.

The sample package (tests/data/sample-v2) is worked by hand.

Funds ([funds]: government not counted by default, donor cap 50,000, at least 2 donors for matching):
- A: 腾讯公益 200,000 counts as 50,000 (donor cap); "ＡＢＣ　Ｆｏｕｎｄａｔｉｏｎ" and "abc  foundation" are one
  donor (NFKC, spaces, case): 30,000 + 30,000 = 60,000 counts as 50,000 (the second line 20,000);
  区民政局 100,000 is government money: not counted. R = 100,000, 2 donors.
- B: "Zhang Wei" 20,000 + "ZHANG  WEI" 10,000 are one donor; 李女士 5,000 is pending. R = 30,000, 1 donor.
- E: two anonymous gifts ("" and "   ") are one donor, 25,000; 某银行 40,000. R = 65,000, 2 donors.
- J: 20,000 + 2,000 from two donors: R = 22,000. C and D: 30,000 each from 某商会 (the cap is per
  submission). F: 12,000. G, H: nothing.

Round 1, online (网评): experts only (e1 has no panel: `expert`), mean of need + plan, 2 reviews
needed, advance 5, at least 50. Totals: A 80 90 -> 85; B 78 82 -> 80; E 78 78 -> 78; J 74 78 ->
76; C 70 70 -> 70; D 70 70 -> 70; F 65; G 45; H one complete review (90; e3 scored only `need`):
unranked. Ranks A 1, B 2, E 3, J 4, C 5, D 5 (equal on A, R and submission time: they share
the rank at the line and both advance), F 7, G 8.

Round 2, final (路演): trimmed mean from 3 reviews per panel; expert 0.7 (3 needed), public 0.3 (2 needed).
- B: experts 60 90 95 100 -> drop 60 and 100 -> 92.5; public 60 80 -> 70; 0.7 x 92.5 + 0.3 x 70 = 85.75.
- A: experts 70 80 90 -> 80; public 90 70 -> 80; A = 80.
- E: experts 75 75 75 -> 75; public 95 85 90 -> 90; 52.5 + 27 = 79.5.
- J: experts 70 72 74 -> 72; public 60 70 -> 65; 50.4 + 19.5 = 69.9.
- C: no public review: no aggregate, unranked. D: one public review of the 2 needed:
  0.7 x 70 + 0.3 x 50 = 64 shown, but unranked.
Shortlist (line 60): B 1, A 2, E 3, J 4.

Matching (pool 50,000, award_top 3, ratio 1, cap 80,000, rank_order): B has 1 donor of the 2
needed, so it is no candidate; E is held (套捐 complaint): ranked 3 as usual but no matching and
no library grant. A: d = 100,000, D = 80,000 > pool: A gets the whole 50,000.
Library (pool 40,000, pro_rata): B (asks 60,000) and J (rank 4, outside award_top; asks 30,000):
B 60,000 x 40,000 / 90,000 = 26,666.666..., J 13,333.333...; floors leave 1 fen, to B's larger
remainder: B 26,666.67, J 13,333.33.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from gongyi.calls.models import Call
from gongyi.funding.models import Hold
from gongyi.results.explain import explain_funds
from gongyi.results.models import RunRow
from gongyi.review.models import Review, ReviewerPanel
from tests.db.test_call_package import broken_package, counts
from tests.db.test_random_packages import round_trip
from tests.plain_results import plain_results_csv

SAMPLE = Path(__file__).parent.parent / "data" / "sample-v2"
EXPECTED = (Path(__file__).parent.parent / "data" / "sample-v2-expected-results.csv").read_text("utf-8")


def test_the_hand_worked_two_round_call(runner, tmp_path, db):
    files = {p.name: p.read_bytes() for p in SAMPLE.iterdir()}
    imported, computed, results = round_trip(runner, tmp_path, files, "sz-2027")
    assert "9 submissions, 15 funding lines, 47 reviews (64 scores), 1 holds" in imported
    assert "matched 1, library 2, not_shortlisted 2, unranked 3, held 1" in computed
    assert "rounds: online 9 taking part; final 6 taking part" in computed
    assert results == EXPECTED.encode("utf-8")
    assert plain_results_csv(files) == EXPECTED  # the independent computation agrees with the hand


def test_what_the_import_stores(runner, db):
    assert runner.invoke(args=["calls", "import", str(SAMPLE)]).exit_code == 0
    db.rollback()
    call = db.scalar(select(Call).where(Call.slug == "sz-2027"))
    assert [r["code"] for r in call.rules["rounds"]] == ["online", "final"]
    assert call.rules["rounds"][1]["panels"][0]["weight"] == "0.7"  # a TOML number, kept exact
    assert call.rules["funds"]["counted_sources"] == ["enterprise", "individual", "foundation", "other"]
    assert dict(db.execute(select(Review.round, func.count()).group_by(Review.round)).all()) == {"online": 18, "final": 29}
    panels = dict(db.execute(select(ReviewerPanel.panel, func.count()).where(ReviewerPanel.call_id == call.id)
                             .group_by(ReviewerPanel.panel)).all())
    assert panels == {"expert": 4, "public": 3}
    (hold,) = db.scalars(select(Hold)).all()
    assert hold.reason == "套捐投诉调查中：捐赠资金疑似回流" and hold.released_at is None


def test_the_ledger_explains_counted_funds_line_by_line(runner, db):
    runner.invoke(args=["calls", "import", str(SAMPLE)])
    runner.invoke(args=["calls", "compute", "sz-2027"])
    db.rollback()
    a = db.scalar(select(RunRow).where(RunRow.ref == "A"))
    assert (a.verified_raised_fen, a.donors, a.round, a.held) == (100_000_00, 2, "final", False)
    lines = [(s.text % s.params) for s in explain_funds(a.ledger["funds"])]
    assert lines == [
        "¥200,000.00 来自腾讯公益，按捐赠方上限计入 ¥50,000.00",
        "¥30,000.00 来自abc foundation，全额计入",
        "¥30,000.00 来自abc foundation，按捐赠方上限计入 ¥20,000.00",
        "¥100,000.00 来自区民政局，不计入：该资金来源不计入募集资金（如政府资金）",
        "R = ¥100,000.00，捐赠方 2 个。",
    ]
    e = db.scalar(select(RunRow).where(RunRow.ref == "E"))
    assert (e.outcome, e.held) == ("held", True)
    assert [(p["round"], p["rank"], p["advanced"]) for p in e.ledger["rounds"]] == [("online", 3, True), ("final", 3, False)]
    c = db.scalar(select(RunRow).where(RunRow.ref == "C"))
    assert c.ledger["rounds"][1]["panels"] == [{"panel": "expert", "complete_reviews": 3, "aggregate": "85"},
                                               {"panel": "public", "complete_reviews": 0, "aggregate": None}]


def _broken(tmp_path, edits: dict[str, tuple[str, str]]) -> Path:
    return broken_package(tmp_path, edits, SAMPLE)


@pytest.mark.parametrize("edits,expected", [
    # a review in a round the submission did not take part in (F was 7th, only 5 ranks advanced)
    ({"reviews.csv": ("A,e1@example.org,show,70,final", "F,e1@example.org,show,70,final")},
     "reviews.csv:37: F did not take part in round final (it did not advance from an earlier round)"),
    ({"call.toml": ('weight = "0.3"', 'weight = "0.2"')}, "call.toml: rounds[2].panels: the weights must sum to exactly 1, not 0.9"),
    ({"call.toml": ("weight = 0.7", "weight = 0.75")}, "call.toml: rounds[2].panels: the weights must sum to exactly 1, not 1.05"),
    ({"reviews.csv": ("A,p1@example.org,show,90,final", "A,p1@example.org,need,30,online")},
     "reviews.csv:40: reviewer p1@example.org sits on panel public, which does not review in round online (its panels: expert)"),
    ({"reviewers.csv": ("p3@example.org,大众评审3,,public", "p3@example.org,大众评审3,,media")},
     "reviews.csv:53: reviewer p3@example.org sits on panel media, which does not review in round final"),
    ({"holds.csv": ("E,套捐投诉调查中：捐赠资金疑似回流", "E,   ")}, "holds.csv:2: reason is empty: a hold needs a reason"),
    ({"holds.csv": ("E,套捐投诉调查中：捐赠资金疑似回流", "Z,套捐")}, "holds.csv:2: unknown submission ref 'Z'"),
    ({"holds.csv": ("E,套捐投诉调查中：捐赠资金疑似回流", "E,一\nE,二")}, "holds.csv:3: E is held already on line 2"),
    ({"holds.csv": ("ref,reason", "ref,reason,by")}, "holds.csv:1: unknown column 'by'"),
    ({"funds.csv": ("A,government", "A,lottery")}, "funds.csv:5: source 'lottery' must be one of enterprise, individual, "
                                                   "foundation, government, other"),
    ({"call.toml": ('name = "路演"\naggregate', 'name = "路演"\nadvance = 3\naggregate')},
     "call.toml: rounds[2].advance: the last round has no advancement settings"),
    ({"call.toml": ('name = "路演"\naggregate', 'name = "路演"\nadvance_min_score = 0\naggregate')},
     "call.toml: rounds[2].advance_min_score: the last round has no advancement settings"),
    ({"call.toml": ('aggregate = "mean"', 'aggregate = "mean"\n[[review.criteria]]\ncode = "x"\nname = "X"\nmax = 10')},
     "call.toml: review.criteria: give each round its criteria in [[rounds.criteria]], not [review]"),
    ({"call.toml": ("[[rounds.criteria]]\ncode = \"show\"\nname = \"路演表现\"\nmax = 100\n", "")},
     "call.toml: rounds[2].criteria: at least one criterion is required"),
    ({"call.toml": ("min_donors = 2", 'min_donors = 2\ncounted_sources = ["lottery"]')},
     "call.toml: funds.counted_sources: must be a non-empty list of"),
    ({"call.toml": ('donor_cap = "50000.00"', 'donor_cap = "0"')}, "call.toml: funds.donor_cap: must be above 0"),
    ({"reviews.csv": ("A,e1@example.org,show,70,final", "A,e1@example.org,show,70,semifinal")},
     "reviews.csv:37: unknown round 'semifinal' (the call has the rounds online, final)"),
    ({"reviews.csv": ("A,e1@example.org,show,70,final", "A,e1@example.org,show,70,")},
     "reviews.csv:37: round is empty; the call has the rounds online, final"),
    ({"reviews.csv": ("A,e1@example.org,show,70,final", "A,e1@example.org,need,20,final")},
     "reviews.csv:37: unknown criterion 'need' (the rubric of round final has show)"),
    ({"reviews.csv": ("A,e1@example.org,show,70,final", "A,e1@example.org,show,-0,final")},
     "reviews.csv:37: score -0 is out of range 0..100"),
    ({"reviews.csv": ("A,e1@example.org,show,70,final", "A,e1@example.org,show,1e1,final")},
     "reviews.csv:37: score '1e1' is not a number"),
    ({"reviewers.csv": ("p3@example.org,大众评审3,,public", "p3@example.org,大众评审3,,"
                        + "p" * 41)}, "reviewers.csv:8: panel '" + "p" * 41 + "' is longer than 40 characters"),
])
def test_a_new_bad_input_refuses_the_whole_package(runner, tmp_path, db, edits, expected):
    before = counts(db)
    result = runner.invoke(args=["calls", "import", str(_broken(tmp_path, edits))])
    assert result.exit_code == 1, result.output
    assert expected in result.output, result.output
    assert "nothing was changed" in result.output
    assert counts(db) == before


def test_the_round_column_may_be_left_out_with_one_round(runner, tmp_path, db):
    """Version 1's files (no round column, no panel column, no holds.csv) still import."""
    from tests.db.test_call_package import SAMPLE as V1_SAMPLE

    assert runner.invoke(args=["calls", "import", str(V1_SAMPLE)]).exit_code == 0
    db.rollback()
    assert set(db.scalars(select(Review.round))) == {"review"}
    assert set(db.scalars(select(ReviewerPanel.panel))) == {"expert"}


def test_a_review_of_an_eliminated_submission_in_the_only_round_with_a_round_column(runner, tmp_path, db):
    package = _broken(tmp_path, {})
    text = (package / "reviews.csv").read_text("utf-8").replace(",online\n", ",\n", 1)
    (package / "reviews.csv").write_text(text, "utf-8")
    result = runner.invoke(args=["calls", "import", str(package)])
    assert result.exit_code == 1 and "reviews.csv:2: round is empty; the call has the rounds online, final" in result.output
