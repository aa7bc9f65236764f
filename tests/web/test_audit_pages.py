"""The administrator's audit trail: filters by object, actor, action and period, pages, exports;
and an object's own page shows its history."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.factories import make_admin, make_org


def _arrange(db):
    admin = make_admin(db, "boss@example.org")
    _, org = make_org(db, admin, name="莲花长者服务中心")
    _, other = make_org(db, admin, name="南山青少年中心", verified=False)
    db.commit()
    return admin, org, other


def test_only_administrators_see_the_trail(client, auth, db, make_user):
    _arrange(db)
    assert client.get("/admin/audit/").status_code == 302
    make_user("m@example.org")
    auth.login("m@example.org")
    assert client.get("/admin/audit/").status_code == 403
    assert client.get("/admin/audit/export.csv").status_code == 403


def test_filters_pages_and_exports(client, auth, db):
    admin, org, other = _arrange(db)
    auth.login("boss@example.org")
    page = client.get("/admin/audit/").get_data(as_text=True)
    assert "<small>organisation.verify</small>" in page and "<small>organisation.register</small>" in page
    page = client.get(f"/admin/audit/?object_type=organisation&object_id={other.id}").get_data(as_text=True)
    assert "<small>organisation.register</small>" in page and "<small>organisation.verify</small>" not in page
    page = client.get("/admin/audit/?action=organisation.verify").get_data(as_text=True)
    assert "<small>organisation.verify</small>" in page and "<small>organisation.register</small>" not in page
    assert "<small>user.create</small>" not in client.get("/admin/audit/?action=organisation.").get_data(as_text=True)
    assert "没有符合条件的记录" in client.get("/admin/audit/?actor=nobody%25").get_data(as_text=True)
    assert "没有符合条件的记录" in client.get("/admin/audit/?since=2000-01-01&until=2000-01-02").get_data(as_text=True)
    r = client.get("/admin/audit/?since=not-a-date")
    assert r.status_code == 200

    csv = client.get(f"/admin/audit/export.csv?object_type=organisation&object_id={org.id}").get_data(as_text=True)
    lines = csv.strip().splitlines()
    assert lines[0].lstrip("\ufeff").startswith("id,at,actor") and len(lines) == 3  # register, verify
    assert "boss@example.org" in csv
    book = load_workbook(io.BytesIO(client.get("/admin/audit/export.xlsx?action=organisation.verify").data))
    rows = list(book.active.values)
    assert rows[0][0] == "id" and {r[4] for r in rows[1:]} == {"organisation.verify"}
    assert client.get("/admin/audit/export.pdf").status_code == 404


def test_an_organisations_page_shows_its_history(client, auth, db):
    admin, org, _ = _arrange(db)
    auth.login("boss@example.org")
    page = client.get(f"/admin/orgs/{org.id}").get_data(as_text=True)
    assert "操作记录" in page and "组织认证通过" in page and "在操作日志中查看" in page
