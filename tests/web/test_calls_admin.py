"""Administrators run calls through the UI: create, amend, move through the lifecycle, the late list."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from gongyi.audit.models import AuditEntry
from gongyi.calls.models import Call, LateEntry
from gongyi.calls.rules import default_rules
from gongyi.calls.service import transition_call
from gongyi.calls.workflow import TRANSITIONS
from tests.factories import make_admin, make_call, make_org

ADMIN = "admin@example.org"
STATES = ("draft", "open", "closed", "reviewing", "results", "publicity", "final", "archived")


def form_post(rules=None, **fields) -> dict:
    """What the call form posts for these rules (default: the spec's defaults) and fields."""
    rules = rules or default_rules()
    entry, review, matching, library = rules["entry"], rules["review"], rules["matching"], rules["library"]
    data = {
        "title": "2026 福田区公益创投大赛", "slug": "ft-2026", "description": "面向福田区社区的项目征集",
        "opens_at": "2026-03-01T09:00", "closes_at": "2026-04-30T17:00", "edit_deadline": "", "review_deadline": "",
        "entry-max_per_org": str(entry["max_per_org"]), "entry-min_items": str(entry["min_items"]),
        "entry-max_items": str(entry["max_items"]), "entry-categories": entry["categories"],
        "review-min_reviews": str(review["min_reviews"]), "review-aggregate": review["aggregate"],
        "review-trim_from": str(review["trim_from"]), "review-shortlist_min_score": review["shortlist_min_score"],
        "review-shortlist_size": str(review["shortlist_size"]),
        "review-reviewers_per_submission": str(review["reviewers_per_submission"]),
        "review-disagreement_threshold": review["disagreement_threshold"],
        "matching-pool": matching["pool"], "matching-award_top": str(matching["award_top"]),
        "matching-ratio": matching["ratio"], "matching-cap": matching["cap"] or "", "matching-policy": matching["policy"],
        "library-pool": library["pool"], "library-cap": library["cap"] or "", "library-policy": library["policy"],
    }
    if review["blind"]:
        data["review-blind"] = "y"
    for i in range(4):
        data[f"review-tie_breakers-{i}"] = review["tie_breakers"][i] if i < len(review["tie_breakers"]) else ""
    for i, c in enumerate(review["criteria"] + [{}]):  # one spare blank row, as the page has
        for key in ("code", "name", "max", "guide"):
            data[f"review-criteria-{i}-{key}"] = str(c.get(key, ""))
    for i, t in enumerate(matching["tiers"] + [{}]):
        for key in ("from_rank", "to_rank", "ratio"):
            data[f"matching-tiers-{i}-{key}"] = str(t.get(key, ""))
    data.update(fields)
    return data


def error_beside(page: str, field_id: str) -> str:
    """The error text shown beside a field (and the field points at it), or '' when there is none."""
    match = re.search(rf'<small id="{re.escape(field_id)}-error" class="field-error">([^<]*)</small>', page)
    if match is None:
        return ""
    assert re.search(rf'id="{re.escape(field_id)}"[^>]*>', page), field_id
    assert f'aria-describedby="{field_id}-error"' in page
    return match.group(1)


@pytest.fixture
def admin(db, auth):
    user = make_admin(db, ADMIN)
    db.commit()
    auth.login(ADMIN)
    return user


def reread(db, call: Call) -> Call:
    """The call as the last request left it (the test's session still holds its own copy)."""
    db.rollback()
    db.expire_all()
    return db.get(Call, call.id)


def audit_actions(db, call_id: int) -> list[str]:
    db.rollback()
    return db.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "call", AuditEntry.object_id == str(call_id))
                      .order_by(AuditEntry.id)).all()


def test_new_call_form_has_the_spec_defaults(client, admin):
    page = client.get("/admin/calls/new").get_data(as_text=True)
    assert 'name="review-criteria-0-name" type="text" value="需求真实"' in page
    assert '<option selected value="trimmed_mean">' in page and 'name="review-shortlist_min_score" type="text" value="60"' in page
    assert '<option selected value="raised_desc">' in page and 'name="review-trim_from" type="text" value="5"' in page
    assert 'name="entry-max_per_org" type="text" value="2"' in page and 'name="matching-award_top" type="text" value="10"' in page
    assert '<output id="rubric-total" aria-live="polite">100</output>' in page
    assert len(re.findall(r'<option value="\d\d">', page)) == 31  # the catalogue's categories, none selected
    assert page.count('data-add-row="criteria-table" hidden') == 1  # shown by the script only
    assert 'src="/static/js/calls.js"' in page


def test_admin_creates_a_draft_call_with_its_rules(client, admin, db):
    rules = default_rules()
    rules["entry"].update(categories=["02", "01"], max_per_org=1)
    rules["review"]["criteria"] = [{"code": "need", "name": "需求真实", "max": 40, "guide": "有社区调研数据"},
                                   {"code": "impact", "name": "成效明确", "max": 60}]
    rules["review"].update(blind=True, tie_breakers=["raised_asc"])
    rules["matching"].update(pool="1,000,000", cap="50000.5", tiers=[{"from_rank": 1, "to_rank": 3, "ratio": "2"}])
    data = form_post(rules, edit_deadline="2026-05-03T17:00")
    data["review-criteria-0-code"], data["review-criteria-0-name"] = "  need ", " 需求真实"
    r = client.post("/admin/calls/new", data=data)
    assert r.status_code == 302 and r.location.endswith("/admin/calls/ft-2026")
    db.rollback()
    call = db.scalar(select(Call))
    assert call.status == "draft" and call.title == "2026 福田区公益创投大赛"
    # Inputs are Beijing time; stored UTC.
    assert call.opens_at == datetime(2026, 3, 1, 1, 0, tzinfo=timezone.utc)
    assert call.closes_at == datetime(2026, 4, 30, 9, 0, tzinfo=timezone.utc)
    assert call.edit_deadline == datetime(2026, 5, 3, 9, 0, tzinfo=timezone.utc) and call.review_deadline is None
    stored = call.rules
    assert stored["entry"] == {"max_per_org": 1, "min_items": 1, "max_items": 5, "categories": ["01", "02"]}
    assert stored["review"]["criteria"] == [{"code": "need", "name": "需求真实", "max": 40, "guide": "有社区调研数据"},
                                            {"code": "impact", "name": "成效明确", "max": 60}]
    assert stored["review"]["blind"] is True and stored["review"]["tie_breakers"] == ["raised_asc"]
    assert stored["matching"]["pool"] == "1000000.00" and stored["matching"]["cap"] == "50000.50"
    assert stored["matching"]["tiers"] == [{"from_rank": 1, "to_rank": 3, "ratio": "2"}]
    assert audit_actions(db, call.id) == ["call.create"]

    listing = client.get("/admin/calls").get_data(as_text=True)
    assert "2026 福田区公益创投大赛" in listing and "草稿" in listing
    page = client.get("/admin/calls/ft-2026").get_data(as_text=True)
    assert "有社区调研数据" in page and "<th class=\"num\">100</th>" in page
    assert "01 社会救助" in page and "02 长者服务" in page


# What a new call starts with, written out from competition-rules.md (version 2) and the app's own
# review settings, independently of calls.rules.
SPEC_DEFAULTS = {
    "version": 2,
    "entry": {"max_per_org": 2, "min_items": 1, "max_items": 5, "categories": []},
    "review": {
        "min_reviews": 3, "aggregate": "trimmed_mean", "trim_from": 5, "shortlist_min_score": "60",
        "shortlist_size": 0, "tie_breakers": ["raised_desc", "submitted_asc"],
        "criteria": [{"code": code, "name": name, "max": 20} for code, name in (
            ("need", "需求真实"), ("results", "成效明确"), ("operation", "高效运作"), ("innovation", "创新责任"),
            ("sustainability", "持续发展"))],
        "reviewers_per_submission": 5, "blind": False, "disagreement_threshold": "20",
    },
    "funds": {"counted_sources": ["enterprise", "individual", "foundation", "other"], "donor_cap": None, "min_donors": 0},
    "rounds": [{"code": "review", "name": "评审", "criteria": None, "min_reviews": None, "aggregate": None,
                "trim_from": None, "advance": None, "advance_min_score": None,
                "panels": [{"code": "expert", "weight": "1", "min_reviews": None}]}],
    "matching": {"pool": "0.00", "award_top": 10, "ratio": "1", "tiers": [], "cap": None, "policy": "rank_order"},
    "library": {"pool": "0.00", "cap": None, "policy": "rank_order"},
}


def test_defaults_posted_unchanged_store_the_default_rules(client, admin, db):
    assert client.post("/admin/calls/new", data=form_post()).status_code == 302
    db.rollback()
    assert db.scalar(select(Call)).rules == SPEC_DEFAULTS


def test_every_invalid_value_is_shown_beside_its_field_and_nothing_is_stored(client, admin, db):
    data = form_post(slug="bad slug!", title="", opens_at="2026-04-30T17:00", closes_at="2026-03-01T09:00")
    data.update({
        "entry-max_per_org": "0", "entry-max_items": "两个", "entry-categories": ["01", "99"],
        "review-trim_from": "2", "review-aggregate": "best_of", "review-shortlist_min_score": "六十",
        "review-tie_breakers-1": "raised_desc",  # the same as the first
        "matching-pool": "1000.123", "matching-cap": "-5", "matching-ratio": "-1", "library-pool": "",
        "review-reviewers_per_submission": "1.5", "review-disagreement_threshold": "nan",
        # row 0 blank (ignored); row 1 a bad maximum; row 2 repeats row 1's code
        "review-criteria-0-code": "", "review-criteria-0-name": "", "review-criteria-0-max": "",
        "review-criteria-1-max": "abc", "review-criteria-2-code": "results",
        "matching-tiers-0-from_rank": "5", "matching-tiers-0-to_rank": "3", "matching-tiers-0-ratio": "2",
        "matching-tiers-1-from_rank": "1", "matching-tiers-1-to_rank": "2", "matching-tiers-1-ratio": "x",
    })
    r = client.post("/admin/calls/new", data=data)
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    expected = {
        "title": "请填写标题",
        "slug": "标识只能包含字母、数字、点、下划线和连字符",
        "closes_at": "截止时间必须晚于开始时间",
        "entry-max_per_org": "不能小于 1",
        "entry-max_items": "请填写整数",
        "review-trim_from": "不能小于 3",
        "review-aggregate": "请从列表中选择",
        "review-shortlist_min_score": "请填写数字",
        "review-reviewers_per_submission": "请填写整数",
        "review-disagreement_threshold": "请填写数字",
        "review-criteria-1-max": "满分须为不小于 1 的整数",
        "review-criteria-2-code": "评分项代码 results 重复",
        "matching-pool": "金额最多保留两位小数",
        "matching-cap": "金额不能为负数",
        "matching-ratio": "不能为负数",
        "matching-tiers-0-from_rank": "起始名次不能大于结束名次",
        "matching-tiers-1-ratio": "请填写数字",
        "library-pool": "请填写金额",
    }
    for field_id, message in expected.items():
        assert message in error_beside(page, field_id), field_id
    assert error_beside(page, "review-criteria-0-max") == ""  # the blank row is not an error
    assert "同一排序规则不能重复" in page  # above the tie-breakers
    assert 'value="1000.123"' in page and 'value="bad slug!"' in page  # what was typed stays
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Call)) == 0
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.object_type == "call")) == 0

    # Problems the service finds only when the values are otherwise fine: categories, min > max, no rubric.
    data = form_post(**{"entry-categories": ["01", "99"], "entry-min_items": "6"})
    for key in [k for k in data if k.startswith("review-criteria-")]:
        data[key] = ""
    page = client.post("/admin/calls/new", data=data).get_data(as_text=True)
    assert "不能大于最多点单项目数" in error_beside(page, "entry-min_items")
    assert "至少需要一个评分项" in page
    assert db.scalar(select(func.count()).select_from(Call)) == 0
    data = form_post(**{"entry-categories": ["01", "99"]})
    page = client.post("/admin/calls/new", data=data).get_data(as_text=True)
    assert "服务目录中没有这些类别：99" in error_beside(page, "entry-categories")


def test_an_unreadable_date_is_shown_once_with_the_other_problems(client, admin, db):
    page = client.post("/admin/calls/new", data=form_post(opens_at="next week", **{"matching-pool": "-1"})).get_data(as_text=True)
    assert error_beside(page, "opens_at") and "请填写开始时间" not in page
    assert "金额不能为负数" in error_beside(page, "matching-pool")
    assert db.scalar(select(func.count()).select_from(Call)) == 0


def test_duplicate_slug_is_refused(client, admin, db):
    make_call(db, admin, slug="ft-2026", status="draft")
    db.commit()
    page = client.post("/admin/calls/new", data=form_post()).get_data(as_text=True)
    assert "标识 ft-2026 已被使用" in error_beside(page, "slug")


@pytest.mark.parametrize("roles", [None, ("member",), ("reviewer",)])
def test_admin_pages_are_for_administrators_only(client, auth, make_user, db, roles):
    admin = make_admin(db)
    call = make_call(db, admin, slug="c1", status="draft")
    db.commit()
    if roles:
        make_user("someone@example.org", roles=roles)
        auth.login("someone@example.org")
    gets = ["/admin/calls", "/admin/calls/new", "/admin/calls/c1", "/admin/calls/c1/edit"]
    posts = {"/admin/calls/new": form_post(slug="c2"), "/admin/calls/c1/edit": form_post(slug="c1", title="改"),
             "/admin/calls/c1/transition": {"transition": "open"},
             "/admin/calls/c1/late": {"organisation_id": "1", "reason": "x"}, "/admin/calls/c1/late/1/remove": {}}
    for url in gets:
        r = client.get(url)
        assert (r.status_code == 302 and "/auth/login" in r.location) if roles is None else r.status_code == 403, url
    for url, data in posts.items():
        r = client.post(url, data=data)
        assert (r.status_code == 302 and "/auth/login" in r.location) if roles is None else r.status_code == 403, url
    assert client.get("/calls/c1").status_code == 404  # a draft does not exist for the public
    assert reread(db, call).status == "draft" and db.scalar(select(func.count()).select_from(Call)) == 1
    assert audit_actions(db, call.id) == ["call.create"]


def test_admin_sees_a_draft_call_page(client, admin, db):
    make_call(db, admin, slug="c1", status="draft")
    db.commit()
    page = client.get("/calls/c1").get_data(as_text=True)
    assert "这是草稿" in page and "规则卡" in page
    assert "/calls/c1" not in client.get("/calls/").get_data(as_text=True)


def reach(db, admin, state: str) -> Call:
    call = make_call(db, admin, status="draft")
    current = "draft"
    while current != state:
        step = next(t for t in TRANSITIONS if t.source == current and t.name != "reopen")
        transition_call(db, admin, call, step.name, via=step.via)
        current = step.target
    db.commit()
    return call


@pytest.mark.parametrize("state", STATES)
def test_lifecycle_buttons_follow_the_table(client, admin, db, state):
    """Only the transitions available from a state are offered; each works; any other is refused.

    Publishing provisional and final results moves the call too, but only through the
    publication page, so those two are never offered as bare buttons and are refused here."""
    allowed = {t.name: t.target for t in TRANSITIONS if t.source == state and t.via is None}
    through_publication = [t.name for t in TRANSITIONS if t.source == state and t.via]
    call = reach(db, admin, state)
    page = client.get(f"/admin/calls/{call.slug}").get_data(as_text=True)
    assert set(re.findall(r'name="transition" value="(\w+)"', page)) == set(allowed)
    for name in through_publication:
        r = client.post(f"/admin/calls/{call.slug}/transition", data={"transition": name}, follow_redirects=True)
        assert "公示与异议" in r.get_data(as_text=True)
        assert reread(db, call).status == state
    for name in [t.name for t in TRANSITIONS if t.name not in allowed and t.name not in through_publication] + ["explode"]:
        r = client.post(f"/admin/calls/{call.slug}/transition", data={"transition": name}, follow_redirects=True)
        assert f"当前状态下不能执行操作“{name}”" in r.get_data(as_text=True)
        assert reread(db, call).status == state
    for name, target in allowed.items():
        call = reach(db, admin, state)
        r = client.post(f"/admin/calls/{call.slug}/transition", data={"transition": name})
        assert r.status_code == 302
        assert reread(db, call).status == target
        entry = db.scalars(select(AuditEntry).where(AuditEntry.object_id == str(call.id), AuditEntry.object_type == "call")
                           .order_by(AuditEntry.id.desc())).first()
        assert (entry.action, entry.actor_id, entry.detail["target"]) == (f"call.{name}", admin.id, target)


def test_opening_a_call_shows_it_and_its_history(client, admin, db):
    assert client.post("/admin/calls/new", data=form_post()).status_code == 302
    client.post("/admin/calls/ft-2026/transition", data={"transition": "open"})
    page = client.get("/admin/calls/ft-2026").get_data(as_text=True)
    audit = page[page.index('id="audit"'):]
    assert audit.index("开放征集") < audit.index("创建征集")  # newest first
    assert "草稿 → 征集中" in audit and "管理员" in audit
    assert "2026 福田区公益创投大赛" in client.get("/calls/").get_data(as_text=True)


def test_amendment_after_opening_needs_a_reason_and_is_shown_publicly(client, admin, db):
    call = make_call(db, admin, slug="c1", status="draft")
    db.commit()
    # In draft the rules change freely, in place.
    rules = default_rules()
    rules["matching"]["pool"] = "200000"
    r = client.post("/admin/calls/c1/edit", data=form_post(rules, slug="c1", title="测试征集"))
    assert r.status_code == 302
    client.post("/admin/calls/c1/transition", data={"transition": "open"})
    assert [v.version for v in reread(db, call).rules_versions] == [1]

    edit = client.get("/admin/calls/c1/edit").get_data(as_text=True)
    assert 'value="200000.00"' in edit and "readonly" in edit[edit.index('id="slug"') - 200:edit.index('id="slug"') + 200]
    rules["matching"]["pool"] = "300000"
    rules["matching"]["ratio"] = "1.5"
    page = client.post("/admin/calls/c1/edit", data=form_post(rules, slug="c1", title="测试征集")).get_data(as_text=True)
    assert "须填写修订理由" in error_beside(page, "reason")
    assert 'value="300000"' in page  # nothing typed is lost
    assert [v.version for v in reread(db, call).rules_versions] == [1]

    reason = "区财政追加配套资金 10 万元"
    r = client.post("/admin/calls/c1/edit", data=form_post(rules, slug="c1", title="测试征集", reason=reason),
                    follow_redirects=True)
    assert "规则已修订为第 2 版" in r.get_data(as_text=True)
    call = reread(db, call)
    assert [v.version for v in call.rules_versions] == [1, 2]
    assert call.rules["matching"]["pool"] == "300000.00" and call.rules_version.reason == reason
    assert call.rules_versions[0].rules["matching"]["pool"] == "200000.00"
    assert audit_actions(db, call.id)[-1] == "call.amend_rules"

    public = client.get("/calls/c1").get_data(as_text=True)
    history = public[public.index('id="rules-history"'):]
    assert "第 2 版" in history and reason in history and "配套资金池（元）" in history and "配套比例" in history
    assert "¥300,000.00" in public


def test_date_change_after_opening_is_explained_publicly(client, admin, db):
    make_call(db, admin, slug="c1", opens_at=datetime(2026, 3, 1, 1, tzinfo=timezone.utc),
              closes_at=datetime(2026, 12, 30, 9, tzinfo=timezone.utc))
    db.commit()
    data = form_post(slug="c1", title="测试征集", opens_at="2026-03-01T09:00", closes_at="2026-12-31T17:00")
    page = client.post("/admin/calls/c1/edit", data=data).get_data(as_text=True)
    assert "须填写修订理由" in error_beside(page, "reason")
    client.post("/admin/calls/c1/edit", data={**data, "reason": "应各区要求延期一天"})
    public = client.get("/calls/c1").get_data(as_text=True)
    notes = public[public.index('id="amendments"'):]
    assert "应各区要求延期一天" in notes and "2026-12-30 17:00 → 2026-12-31 17:00" in notes
    assert 'id="rules-history"' not in public  # the rules did not change


def test_published_calls_cannot_be_edited(client, admin, db):
    call = reach(db, admin, "publicity")
    r = client.post(f"/admin/calls/{call.slug}/edit", data=form_post(slug=call.slug, reason="x"), follow_redirects=True)
    assert "不能再修改" in r.get_data(as_text=True)
    assert reread(db, call).title == "测试征集"


def test_late_list(client, admin, db):
    _, org = make_org(db, admin, name="莲花社工服务中心")
    _, pending = make_org(db, admin, name="待认证中心", verified=False)
    call = make_call(db, admin, slug="c1", closes_at=datetime.now(timezone.utc) + timedelta(days=1))
    db.commit()
    page = client.get("/admin/calls/c1").get_data(as_text=True)
    assert "莲花社工服务中心" in page and "待认证中心" not in page  # only verified organisations are offered

    page = client.post("/admin/calls/c1/late", data={"organisation_id": str(org.id), "reason": ""}).get_data(as_text=True)
    assert "须填写理由" in error_beside(page, "reason")
    page = client.post("/admin/calls/c1/late", data={"organisation_id": str(pending.id), "reason": "x"}).get_data(as_text=True)
    assert error_beside(page, "organisation_id")
    too_early = (datetime.now(timezone.utc) + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")  # before closes_at
    page = client.post("/admin/calls/c1/late", data={"organisation_id": str(org.id), "reason": "停电",
                                                     "until": too_early}).get_data(as_text=True)
    assert "补交截止时间须晚于申报截止时间" in error_beside(page, "until")
    db.rollback()
    assert db.scalar(select(func.count()).select_from(LateEntry)) == 0

    r = client.post("/admin/calls/c1/late", data={"organisation_id": str(org.id), "reason": "台风停电，材料未能上传",
                                                  "until": "2099-01-02T18:00"})
    assert r.status_code == 302
    db.rollback()
    entry = db.scalar(select(LateEntry))
    assert entry.until == datetime(2099, 1, 2, 10, 0, tzinfo=timezone.utc)
    page = client.get("/admin/calls/c1").get_data(as_text=True)
    late = page[page.index('id="late"'):page.index('id="audit"')]
    assert "莲花社工服务中心" in late and "台风停电，材料未能上传" in late and "2099-01-02 18:00" in late
    assert "加入补交名单" in page[page.index('id="audit"'):]

    client.post(f"/admin/calls/c1/late/{org.id}/remove")
    db.rollback()
    assert db.scalar(select(func.count()).select_from(LateEntry)) == 0
    assert audit_actions(db, call.id)[-2:] == ["call.late_entry", "call.late_entry_removed"]
    r = client.post(f"/admin/calls/c1/late/{org.id}/remove", follow_redirects=True)
    assert "该组织不在补交名单中" in r.get_data(as_text=True)


def test_public_page_shows_dates_countdown_rules_and_covered_items(client, db):
    admin = make_admin(db)
    rules = default_rules()
    rules["entry"]["categories"] = ["01", "07"]
    make_call(db, admin, slug="c1", rules=rules)
    make_call(db, admin, slug="c2")
    db.commit()
    page = client.get("/calls/c1").get_data(as_text=True)
    assert re.search(r'<span class="countdown" data-deadline="\d+".*?>还剩 [67] 天 \d+ 小时</span>', page, re.S)
    assert 'id="rules-card"' in page and "需求真实" in page
    coverage = page[page.index('id="coverage"'):]
    assert "01.01" in coverage and "07.01" in coverage and "03.01" not in coverage
    assert "开放以下 2 个类别" in coverage
    assert "管理此征集" not in page
    every = client.get("/calls/c2").get_data(as_text=True)
    assert "全部 31 个类别，共 144 个服务项目" in every
    listing = client.get("/calls/").get_data(as_text=True)
    assert "/calls/c1" in listing and "/calls/c2" in listing and 'class="countdown"' in listing


@pytest.mark.browser
def test_in_a_browser_admin_builds_the_rubric_opens_and_amends(live_server, live_session, browser):
    """With the script and CSRF on: rows added and removed, the total kept live, a confirmed
    transition, an amendment refused without a reason and then shown on the public page."""
    make_admin(live_session, "boss@example.org")
    _, org = make_org(live_session, name="莲花社工服务中心")
    live_session.commit()
    page = browser.new_page()
    page.set_default_timeout(5000)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(live_server.url + "/auth/login")
    page.get_by_label("电子邮箱").fill("boss@example.org")
    page.locator("#password").fill("password123")
    page.get_by_role("button", name="登录").click()

    page.get_by_role("link", name="征集管理").click()
    page.get_by_role("button", name="新建征集").click()
    page.get_by_label("标题").fill("2026 南山区公益创投大赛")
    page.get_by_label("标识").fill("ns-2026")
    page.get_by_label("申报开始时间").fill("2026-01-01T09:00")
    page.get_by_label("申报截止时间").fill("2099-12-31T17:00")
    total = page.locator("#rubric-total")
    assert total.inner_text() == "100"
    page.get_by_role("button", name="添加评分项").click()
    new_row = page.locator("#criteria-table tbody tr").last
    new_row.get_by_label("代码").fill("team")
    new_row.get_by_label("评分项").fill("团队能力")
    new_row.get_by_label("满分").fill("15")
    assert total.inner_text() == "115"
    page.locator("#criteria-table tbody tr").first.get_by_role("button", name="删除").click()
    assert total.inner_text() == "95"
    page.get_by_role("button", name="添加分段").click()
    tier = page.locator("#tiers-table tbody tr").last
    tier.get_by_label("起始名次").fill("1")
    tier.get_by_label("结束名次").fill("3")
    tier.get_by_label("配套比例").fill("2")
    page.get_by_label("配套资金池（元）").fill("100000")
    page.get_by_role("button", name="保存草稿").click()

    page.wait_for_url("**/admin/calls/ns-2026")
    card = page.locator("#rules-card")
    assert "团队能力" in card.inner_text() and "需求真实" not in card.inner_text()
    assert "第 1–3 名：1 : 2" in card.inner_text()
    page.get_by_role("button", name="开放征集").click()
    assert "征集状态已改为：征集中" in page.locator(".flash").inner_text()

    page.get_by_role("link", name="编辑（修订须填写理由）").click()
    page.get_by_label("配套资金池（元）").fill("150000")
    page.get_by_role("button", name="保存修改").click()
    assert "须填写修订理由" in page.locator("#reason-error").inner_text()
    assert page.get_by_label("配套资金池（元）").input_value() == "150000"
    page.get_by_label("修订理由").fill("企业追加捐赠 5 万元")
    page.get_by_role("button", name="保存修改").click()
    assert "规则已修订为第 2 版" in page.locator(".flash").inner_text()

    page.get_by_label("组织").select_option(str(org.id))
    page.locator("#late textarea").fill("系统故障")
    page.get_by_role("button", name="加入名单").click()
    assert "莲花社工服务中心" in page.locator("#late table").inner_text()

    page.get_by_role("link", name="公开页面").click()
    history = page.locator("#rules-history").inner_text()
    assert "第 2 版" in history and "企业追加捐赠 5 万元" in history and "配套资金池" in history
    assert "天" in page.locator(".countdown").first.inner_text()


def test_saving_the_edit_form_untouched_logs_no_date_change(client, admin, db):
    """The form shows times to the minute; posting them back unchanged must not move a stored
    time that has seconds, nor put a date change on the public history."""
    moment = datetime(2026, 3, 1, 1, 0, 37, tzinfo=timezone.utc)  # 09:00:37 Beijing time
    call = make_call(db, admin, status="open", opens_at=moment, closes_at=moment + timedelta(days=30))
    db.commit()
    page = client.get(f"/admin/calls/{call.slug}/edit").get_data(as_text=True)
    closes = re.search(r'name="closes_at"[^>]*value="([^"]+)"', page) or re.search(r'value="([^"]+)"[^>]*name="closes_at"', page)
    response = client.post(f"/admin/calls/{call.slug}/edit", data=form_post(
        slug=call.slug, title=call.title, description=call.description, opens_at="2026-03-01T09:00",
        closes_at=closes.group(1), reason="改标题以外什么都没改"))
    assert response.status_code == 302
    db.rollback()
    assert db.get(Call, call.id).opens_at == moment
    changes = db.scalars(select(AuditEntry).where(AuditEntry.object_type == "call", AuditEntry.action == "call.update")).all()
    assert all(not (e.detail.get("changes") or {}) for e in changes)
