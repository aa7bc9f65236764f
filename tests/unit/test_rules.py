"""A call's rules, version 2: defaults, every problem as (dotted key, message), the stored form,
inherited values, edits that leave parts out, and the engine's rule objects."""
from __future__ import annotations

import copy
from decimal import Decimal
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongyi.calls.rules import (
    DEFAULT_RULES,
    RulesError,
    default_rules,
    edited_rules,
    engine_rules,
    panel_codes,
    resolved_rounds,
    rubric,
    rubric_total,
    rules_diff,
    rules_version,
    validate_rules,
)

RUBRIC = [{"code": "need", "name": "需求", "max": 40}, {"code": "impact", "name": "成效", "max": 60}]


def two_rounds(**final) -> dict:
    return {"rounds": [
        {"code": "online", "name": "网评", "criteria": RUBRIC, "advance": 10, "advance_min_score": "60",
         "panels": [{"code": "expert", "weight": "1"}]},
        {"code": "final", "name": "路演", "criteria": [{"code": "show", "name": "路演", "max": 100}],
         "panels": [{"code": "expert", "weight": Decimal("0.7"), "min_reviews": 3},
                    {"code": "public", "weight": Decimal("0.3"), "min_reviews": 1}], **final},
    ]}


def problems(raw) -> list[tuple[str, str]]:
    with pytest.raises(RulesError) as exc:
        validate_rules(raw)
    assert [e.field for e in exc.value.errors] == [k for k, _ in exc.value.problems]  # one UserError per problem
    return exc.value.problems


def test_new_calls_start_with_the_version_2_defaults() -> None:
    rules = validate_rules({})
    assert rules == default_rules() == DEFAULT_RULES
    assert rules_version(rules) == 2 and rules_version({"review": {}}) == 1
    assert rules["funds"] == {"counted_sources": ["enterprise", "individual", "foundation", "other"], "donor_cap": None,
                              "min_donors": 0}
    (only,) = rules["rounds"]
    assert only["code"] == "review" and only["criteria"] is None  # takes the call's rubric
    assert only["panels"] == [{"code": "expert", "weight": "1", "min_reviews": None}]
    assert [c["code"] for c in rubric(rules)] == ["need", "results", "operation", "innovation", "sustainability"]
    assert rubric_total(rules) == 100


def test_the_stored_form_is_stable_and_exact() -> None:
    rules = validate_rules({**two_rounds(), "funds": {"counted_sources": ["other", "enterprise"], "donor_cap": "50,000",
                                                      "min_donors": 2}})
    assert validate_rules(rules) == rules
    assert rules["funds"] == {"counted_sources": ["enterprise", "other"], "donor_cap": "50000.00", "min_donors": 2}
    assert [p["weight"] for p in rules["rounds"][1]["panels"]] == ["0.7", "0.3"]  # TOML numbers kept as exact text
    assert rules["rounds"][0]["advance_min_score"] == "60" and rules["rounds"][1]["advance"] is None
    assert "criteria" not in rules["review"]  # every round has its own rubric
    assert panel_codes(rules) == ["expert", "public"]


def test_decimal_settings_may_be_numbers_read_exactly() -> None:
    rules = validate_rules({"matching": {"ratio": Decimal("0.7"), "tiers": [{"from_rank": 1, "to_rank": 2, "ratio": 2}]},
                            "review": {"shortlist_min_score": Decimal("59.5")}})
    assert rules["matching"]["ratio"] == "0.7" and rules["matching"]["tiers"][0]["ratio"] == "2"
    review, matching, _, _ = engine_rules(rules)
    assert matching.ratio == F(7, 10) and review.shortlist_min_score == F(119, 2)
    assert problems({"matching": {"ratio": 0.7}}) == [("matching.ratio", 'must be a number (a string such as "1.5" is exact)')]


def test_rounds_take_the_calls_values_they_leave_out() -> None:
    rules = validate_rules({"review": {"min_reviews": 2, "aggregate": "median", "trim_from": 4}, **two_rounds()})
    online, final = resolved_rounds(rules)
    assert (online["min_reviews"], online["aggregate"], online["trim_from"]) == (2, "median", 4)
    assert [p["min_reviews"] for p in online["panels"]] == [2]  # a panel takes its round's
    assert [p["min_reviews"] for p in final["panels"]] == [3, 1]
    review, _, _, _ = engine_rules(rules)
    assert [(r.code, r.advance, r.advance_min_score) for r in review.rounds] == [("online", 10, 60), ("final", 0, 0)]
    assert [(p.code, p.weight, p.min_reviews) for p in review.rounds[1].panels] == [("expert", F(7, 10), 3),
                                                                                   ("public", F(3, 10), 1)]


def test_a_round_may_share_the_calls_rubric() -> None:
    rules = validate_rules({"review": {"criteria": RUBRIC}, "rounds": [
        {"code": "online", "name": "网评", "advance": 5}, {"code": "final", "name": "路演", "criteria": RUBRIC[:1]}]})
    assert rules["review"]["criteria"] == RUBRIC and rules["rounds"][0]["criteria"] is None
    assert rubric(rules, "online") == RUBRIC and rubric(rules, "final") == RUBRIC[:1]
    with pytest.raises(ValueError):
        rubric(rules, "semifinal")


@pytest.mark.parametrize("raw, expected", [
    (two_rounds(advance=3), [("rounds[2].advance", "the last round has no advancement settings")]),
    (two_rounds(advance_min_score="0"), [("rounds[2].advance_min_score", "the last round has no advancement settings")]),
    ({"rounds": [{"code": "r", "name": "R", "panels": [{"code": "a", "weight": "0.7"}, {"code": "b", "weight": "0.2"}]}]},
     [("rounds[1].panels", "the weights must sum to exactly 1, not 0.9")]),
    ({"rounds": [{"code": "r", "name": "R", "panels": [{"code": "a", "weight": "1/3"}]}]},
     [("rounds[1].panels[1].weight", 'must be a number (a string such as "1.5" is exact)')]),
    ({"rounds": [{"code": "r", "name": "R", "panels": [{"code": "a", "weight": "0"}, {"code": "b", "weight": "1"}]}]},
     [("rounds[1].panels[1].weight", "must be above 0")]),
    ({"rounds": [{"code": "r", "name": "R", "panels": [{"code": "a", "weight": "0.5"}, {"code": "a", "weight": "0.5"}]}]},
     [("rounds[1].panels[2].code", "duplicate panel a")]),
    ({"rounds": [{"code": "r", "name": "R", "panels": [{"code": "a", "weight": "1", "min_reviews": 0}]}]},
     [("rounds[1].panels[1].min_reviews", "must be at least 1")]),
    ({"rounds": [{"code": "r", "name": "R", "panels": []}]}, [("rounds[1].panels", "at least one panel is required")]),
    ({"rounds": [{"code": "r", "name": "R", "colour": "red"}]}, [("rounds[1].colour", "unknown key")]),
    ({"rounds": [{"code": "r", "name": "R"}, {"code": "r", "name": "S"}]}, [("rounds[2].code", "duplicate round r")]),
    ({"rounds": [{"code": "", "name": ""}]}, [("rounds[1].code", "is required"), ("rounds[1].name", "is required")]),
    ({"rounds": [{"code": "r", "name": "R", "trim_from": 2, "aggregate": "mode", "min_reviews": 0}]},
     [("rounds[1].min_reviews", "must be at least 1"), ("rounds[1].trim_from", "must be at least 3"),
      ("rounds[1].aggregate", "must be one of mean, trimmed_mean, median")]),
    ({"rounds": [{"code": "r", "name": "R", "advance": -1}, {"code": "s", "name": "S"}]},
     [("rounds[1].advance", "must be at least 0")]),
    ({"rounds": []}, [("rounds", "at least one round is required")]),
    ({"rounds": [{"code": "r", "name": "R", "criteria": []}]}, [("rounds[1].criteria", "at least one criterion is required")]),
    ({"review": {"criteria": RUBRIC}, **two_rounds()}, []),  # allowed in general: no round takes it, so it is dropped
    ({"funds": {"counted_sources": []}}, [("funds.counted_sources",
                                           "must be a non-empty list of enterprise, individual, foundation, government, other")]),
    ({"funds": {"counted_sources": ["lottery"]}}, [("funds.counted_sources",
                                                    "must be a non-empty list of enterprise, individual, foundation, government, other")]),
    ({"funds": {"counted_sources": ["other", "other"]}}, [("funds.counted_sources", "must not repeat a source")]),
    ({"funds": {"donor_cap": "0"}}, [("funds.donor_cap", "must be above 0 (leave it out for no cap)")]),
    ({"funds": {"min_donors": -1}}, [("funds.min_donors", "must be at least 0")]),
    ({"funds": {"min_donors": True}}, [("funds.min_donors", "must be a whole number")]),
    ({"funds": {"cap": "1"}}, [("funds.cap", "unknown key")]),
    ({"version": 1}, [("version", "must be 2")]),
    ({"panels": []}, [("panels", "unknown section")]),
])
def test_every_problem_is_named_by_its_key(raw, expected) -> None:
    if not expected:
        assert "criteria" not in validate_rules(raw)["review"]
        return
    assert [p for p in problems(raw) if p[0] != "review.criteria"] == expected


def test_donor_cap_may_be_left_out_or_empty() -> None:
    assert validate_rules({"funds": {"donor_cap": ""}})["funds"]["donor_cap"] is None
    assert validate_rules({"funds": {"donor_cap": None}})["funds"]["donor_cap"] is None
    assert problems({"funds": {"donor_cap": "-5"}})[0][0] == "funds.donor_cap"


def test_the_rubric_of_a_one_round_call_is_checked_where_it_was_written() -> None:
    assert problems({"review": {"criteria": [{"code": "a", "name": "", "max": 0}]}}) == [
        ("review.criteria[1].name", "is required"), ("review.criteria[1].max", "must be a whole number of points, at least 1")]


def test_an_edit_that_leaves_parts_out_keeps_the_calls_funds_and_rounds() -> None:
    current = validate_rules({"funds": {"counted_sources": ["enterprise", "individual", "foundation", "government", "other"]},
                              "review": {"criteria": RUBRIC}})
    form = {"review": {"criteria": RUBRIC[:1], "min_reviews": 2}, "matching": {"pool": "100"}}
    edited = validate_rules(edited_rules(current, form))
    assert edited["funds"] == current["funds"]  # a migrated version-1 call keeps counting government money
    assert edited["rounds"] == current["rounds"] and edited["review"]["criteria"] == RUBRIC[:1]
    assert rules_diff(current, edited) == ["matching.pool", "review.criteria", "review.min_reviews"]


def test_an_edit_of_one_rubric_in_a_call_judged_in_rounds() -> None:
    current = validate_rules(two_rounds())
    unchanged = {"review": {"criteria": RUBRIC}}  # the form shows the first round's rubric
    assert validate_rules(edited_rules(current, unchanged)) == current
    with pytest.raises(RulesError) as exc:
        edited_rules(current, {"review": {"criteria": RUBRIC[:1]}})
    assert exc.value.problems[0][0] == "review.criteria" and exc.value.errors[0].field == "review.criteria"


def test_rules_diff_names_tables_keys_and_whole_rounds() -> None:
    a = validate_rules(two_rounds())
    b = copy.deepcopy(a)
    b["rounds"][1]["panels"][0]["weight"], b["rounds"][1]["panels"][1]["weight"] = "0.6", "0.4"
    b["funds"]["min_donors"] = 3
    assert rules_diff(a, b) == ["funds.min_donors", "rounds"]
    assert rules_diff({"review": {"criteria": RUBRIC}}, a) == sorted(rules_diff({"review": {"criteria": RUBRIC}}, a))
    assert "version" in rules_diff({"review": {}}, a)


sections = st.fixed_dictionaries({}, optional={
    "funds": st.fixed_dictionaries({}, optional={
        "counted_sources": st.lists(st.sampled_from(["enterprise", "individual", "foundation", "government", "other"]),
                                    min_size=1, max_size=5, unique=True),
        "donor_cap": st.sampled_from([None, "", "1", "50000", Decimal("123.45")]),
        "min_donors": st.integers(0, 5)}),
    "review": st.fixed_dictionaries({}, optional={"min_reviews": st.integers(1, 5), "trim_from": st.integers(3, 7),
                                                  "shortlist_min_score": st.sampled_from(["0", "60", Decimal("59.5"), 70])}),
    "rounds": st.just(two_rounds()["rounds"]) | st.just([{"code": "only", "name": "唯一", "criteria": RUBRIC}]),
})


@settings(max_examples=80, deadline=None)
@given(sections)
def test_validating_the_stored_form_again_changes_nothing(raw) -> None:
    rules = validate_rules(raw)
    assert validate_rules(rules) == rules
    form = {section: rules[section] for section in ("entry", "review", "matching", "library")}  # what the editor posts
    assert validate_rules(edited_rules(rules, form)) == rules
    engine_rules(rules)  # the engine accepts every valid rule set
