"""The dashboard pages: each table drawn as a chart with the table beside it, every table a sheet of
the XLSX download with exact money; the public figures of a published call; the demo's map."""
from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.dashboard_world import build
from tests.factories import make_admin

ADMIN = "boss@example.org"


@pytest.fixture
def world(db, client, auth):
    w = build(db, make_admin(db, ADMIN))
    db.commit()
    auth.login(ADMIN)
    return w


def _sheets(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_a_calls_dashboard_draws_every_table_and_exports_it(client, world):
    page = client.get(f"/admin/calls/{world.call_a.slug}/dashboard").get_data(as_text=True)
    for key in ("by-category", "by-item", "by-district", "review-progress", "scores-review", "outcomes", "funds", "pools"):
        section = re.search(rf'<section class="panel" id="{key}">(.*?)</section>', page, re.S).group(1)
        assert f'aria-labelledby="{key}-caption"' in section and f'id="{key}-table"' in section, key
    assert 'id="leverage-table"' in page and "1.67" in page and "1.20" in page
    assert "第 1 次计算" in page and "未发布" in page  # says which results it reads
    r = client.get(f"/admin/calls/{world.call_a.slug}/dashboard.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    wb = _sheets(r.data)
    assert wb.sheetnames[:3] == ["申报项目：按类别", "申报项目：按服务项目", "申报项目：按所在区"]
    outcomes = wb["结果"]
    assert [c.value for c in outcomes[1]] == ["结果", "项目", "计入配套的募集资金（元）", "配套资金（元）", "项目库资助（元）"]
    matched = [c for c in outcomes[2]]
    assert matched[0].value == "获配套资金" and matched[1].value == 1
    assert Decimal(str(matched[3].value)) == Decimal("300.00") and matched[3].number_format == "0.00"
    lever = next(ws for ws in wb.worksheets if ws.title.startswith("撬动比"))  # the title is cut at 31 characters
    assert Decimal(str(lever["D2"].value)) == Decimal("1.67") and lever["D2"].number_format == "0.00"


def test_the_coverage_map_and_the_editions_export_every_table(client, world):
    page = client.get(f"/admin/coverage?call={world.call_a.slug}").get_data(as_text=True)
    assert "140 个服务项目无人点单" in page and "2 项需求无人回应" in page
    assert page.count('<tr class="gap-demand gap-supply">') >= 1 and "<svg" in page
    wb = _sheets(client.get(f"/admin/coverage.xlsx?call={world.call_a.slug}&district=440305").data)
    assert wb.sheetnames == ["概况", "按类别", "全部服务项目", "无人回应的需求"]
    items = {row[0]: row for row in wb["全部服务项目"].iter_rows(min_row=2, values_only=True)}
    assert items["02.01"][3:8] == (1, 1, 0, 2, 1) and Decimal(str(items["02.01"][8])) == Decimal("200.00")
    assert [row[2] for row in wb["无人回应的需求"].iter_rows(min_row=2, values_only=True)] == ["荔林社区"]
    editions = _sheets(client.get("/admin/dashboard.xlsx").data)
    assert editions.sheetnames[0] == "历届对比" and editions["历届对比"]["D3"].value == Decimal("200.0")
    assert "历届看板" in client.get("/admin/dashboard").get_data(as_text=True)


def test_a_published_call_shows_its_figures_to_everyone(client, auth, world):
    auth.logout()
    page = client.get(f"/calls/{world.call_b.slug}").get_data(as_text=True)
    assert 'id="figures"' in page and "最终结果" in page and "带动社会资金 1.00 元" in page
    assert 'id="public-categories-table"' in page and "<svg" in page
    assert 'id="figures"' not in client.get(f"/calls/{world.call_a.slug}").get_data(as_text=True)  # not published


def test_the_dashboards_in_english(client, world):
    client.post("/language", data={"locale": "en"})
    page = client.get(f"/admin/calls/{world.call_a.slug}/dashboard").get_data(as_text=True)
    assert "Projects by category" in page and "Services for Older People" in page and "Futian, Shenzhen" in page
    assert "申报项目" not in page
