"""The project form's parser and completeness check, without a database; and the vocabularies
the submission columns' CHECK constraints derive from."""
from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import CheckConstraint

from gongyi.submissions.models import Submission
from gongyi.submissions.project import Known, category_open, completeness, parse_project
from gongyi.submissions.vocabularies import ELIGIBILITY, STAGES, SUBMISSION_STATUSES

CATALOGUE = {"01.01": "01", "02.01": "02", "02.02": "02"}
ENTRY = {"min_items": 1, "max_items": 2, "categories": ["02"]}


def _known(open_categories=("02",), needs=None, lines=None) -> Known:
    return Known(list(open_categories), lambda codes: {c: CATALOGUE[c] for c in codes if c in CATALOGUE},
                 needs or {}, lines or {})


def _fields(problems) -> dict[str | None, str]:
    return {p.field: p.message % p.params if p.params else p.message for p in problems}


def test_a_call_without_named_categories_opens_every_category():
    assert category_open("01", []) and category_open(None, [])
    assert category_open("02", ["02"]) and not category_open("01", ["02"]) and not category_open(None, ["02"])


def test_the_parser_keeps_what_can_be_stored_and_names_the_rest():
    changes, problems = parse_project({
        "title": "  长者食堂 \r\n", "beneficiary_count": "１２０", "community_district": "999999",
        "items": {"02.01": "用餐难", "01.01": "x", "99.99": "y"},
        "budget": [{"what": "人员", "amount": "1,000.5"}, {"what": "物料", "amount": "1.001", "position": 3},
                   {"what": "", "amount": ""}],
    }, _known())
    assert changes.fields == {"title": "长者食堂", "beneficiary_count": 120}
    assert changes.items == {"02.01": "用餐难"}
    assert [(r.position, r.what, r.amount_fen, r.line) for r in changes.budget] == [(0, "人员", 100_050, None)]
    found = _fields(problems)
    assert found["community_district"] == "请从列表中选择所在区"
    assert found["budget-3-amount"] == "金额最多保留两位小数"
    assert [p.message % p.params for p in problems if p.field == "items"] == [
        "01.01 所属的类别不在本征集开放范围内", "服务目录中没有 99.99"]


def test_a_row_editing_a_stored_line_keeps_the_stored_value_it_cannot_replace():
    stored = SimpleNamespace(what="人员费用", amount_fen=500_000)
    changes, problems = parse_project({"budget": [{"id": "7", "what": "人员", "amount": "abc"}]},
                                      _known(lines={7: stored}))
    assert [(r.line, r.what, r.amount_fen) for r in changes.budget] == [(stored, "人员", 500_000)]
    assert _fields(problems) == {"budget-0-amount": "金额格式不正确"}


def test_completeness_names_every_missing_part_and_a_closed_category():
    problems = completeness({"title": "长者食堂"}, {"01.01": ""}, [(0, "", 0)], ENTRY,
                            lambda codes: {c: CATALOGUE[c] for c in codes})
    found = _fields(problems)
    assert found["summary"] == "请填写此项" and found["beneficiary_count"] == "请填写受益人数（正整数）"
    assert found["items"] == "01.01 所属的类别不在本征集开放范围内" and found["need-01.01"] == "请写明该服务项目回应的社区需求"
    assert found["budget-0-what"] == "请填写用途" and found["budget-0-amount"] == "金额须大于 0"
    assert "title" not in found


def test_vocabularies_give_the_check_constraints_the_migrations_created():
    checks = {c.name: str(c.sqltext) for c in Submission.__table__.constraints if isinstance(c, CheckConstraint)}
    # the text of migrations/versions/0001_initial_schema.py: no migration needed
    assert checks["ck_submission_status"] == "status IN ('draft', 'submitted', 'withdrawn')"
    assert checks["ck_submission_eligibility"] == "eligibility IN ('pending', 'eligible', 'ineligible')"
    assert SUBMISSION_STATUSES.values == ("draft", "submitted", "withdrawn")
    assert ELIGIBILITY.label("ineligible") == "不合格" and STAGES.label("awaiting_results") == "评审已结束，等待结果公布"
