"""Exports from the ranking page: results.csv is byte for byte what `flask calls export` writes,
every export holds exactly the rows the page's filters show, and money is exact in XLSX."""
from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

SAMPLE = Path(__file__).parent.parent / "data" / "sample-v2"
EXPECTED = Path(__file__).parent.parent / "data" / "sample-v2-expected-results.csv"
BASE = "/admin/calls/sz-2027/results/export"


@pytest.fixture
def computed(client, auth, make_user, runner, tmp_path):
    assert runner.invoke(args=["calls", "import", str(SAMPLE)]).exit_code == 0
    assert runner.invoke(args=["calls", "compute", "sz-2027"]).exit_code == 0
    make_user("admin@example.org", roles=("admin",))
    auth.login("admin@example.org")
    out = tmp_path / "results.csv"
    assert runner.invoke(args=["calls", "export", "sz-2027", "--out", str(out)]).exit_code == 0
    xlsx = tmp_path / "results.xlsx"
    assert runner.invoke(args=["calls", "export", "sz-2027", "--out", str(xlsx)]).exit_code == 0
    return out.read_bytes(), xlsx.read_bytes()


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _cells(workbook_bytes: bytes) -> dict[str, list[list[object]]]:
    wb = load_workbook(io.BytesIO(workbook_bytes))
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


def test_results_csv_from_the_web_is_the_cli_export_byte_for_byte(client, computed):
    cli_csv, cli_xlsx = computed
    r = client.get(f"{BASE}/results.csv")
    assert r.status_code == 200 and r.headers["Content-Disposition"].endswith("sz-2027-run1-results.csv")
    assert r.data == cli_csv == EXPECTED.read_bytes()
    web_xlsx = client.get(f"{BASE}/results.xlsx").data
    assert _cells(web_xlsx) == _cells(cli_xlsx)  # the same sheets: results, ledger, scores


def test_exports_hold_exactly_the_rows_the_filters_show(client, computed):
    cli_csv, _ = computed
    everything = _rows(cli_csv)
    library = client.get(f"{BASE}/results.csv?outcome=library").data
    assert library.startswith(cli_csv.split(b"\n", 1)[0] + b"\n")  # the same header, no BOM
    assert _rows(library) == [r for r in everything if r["outcome"] == "library"]
    page = client.get("/admin/calls/sz-2027/results?outcome=library").get_data(as_text=True)
    assert f"共 {len(_rows(library))} 项" in page and f"{BASE}/results.csv?run=1&amp;outcome=library" in page
    found = client.get(f"{BASE}/ledger.csv?outcome=library").data
    ledger = _rows(found)
    assert {r["ref"] for r in ledger} == {r["ref"] for r in _rows(library) if r["library_grant"] != "0.00"}
    assert {r["pool"] for r in ledger} == {"library"}
    ranking = _rows(client.get(f"{BASE}/ranking.csv?sort=ref&dir=desc").data)
    assert [r["编号"] for r in ranking] == sorted((r["ref"] for r in everything), reverse=True)
    assert {r["编号"]: r["配套资金"] for r in ranking} == {r["ref"]: r["matching"] for r in everything}
    one = _rows(client.get(f"{BASE}/ranking.csv?q=B").data)
    assert [r["编号"] for r in one] == [r["ref"] for r in everything if "B" in r["ref"]]


def test_money_in_the_ranking_workbook_is_an_exact_two_place_number(client, computed):
    cli_csv, _ = computed
    data = client.get(f"{BASE}/ranking.xlsx").data
    ws = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in ws[1]]
    matching = header.index("配套资金") + 1
    expected = {r["ref"]: Decimal(r["matching"]) for r in _rows(cli_csv)}
    for row in ws.iter_rows(min_row=2):
        cell = row[matching - 1]
        assert cell.number_format == "0.00" and Decimal(str(cell.value)) == expected[row[1].value]
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "0000000" not in sheet_xml and "9999999" not in sheet_xml  # no float artefacts written


def test_unknown_exports_and_other_people(client, computed, auth, make_user):
    assert client.get(f"{BASE}/scores.csv").status_code == 404
    assert client.get(f"{BASE}/results.pdf").status_code == 404
    assert client.get(f"{BASE}/results.csv?run=9").status_code == 404
    make_user("m@example.org")
    auth.login("m@example.org")
    assert client.get(f"{BASE}/results.csv").status_code == 403


def test_the_public_downloads_what_the_public_page_shows_and_nothing_more(client, computed, auth):
    cli_csv, _ = computed
    public = "/results/sz-2027/export"
    assert client.get(f"{public}/results.csv").status_code == 404  # nothing published yet
    client.post("/admin/calls/sz-2027/transition", data={"transition": "finish_review"})
    published = client.post("/admin/calls/sz-2027/publication/publish", data={"kind": "provisional", "run": "1"},
                            follow_redirects=True)
    assert "已发布" in published.get_data(as_text=True)
    auth.logout()
    assert client.get(f"{public}/results.csv").data == cli_csv
    library = _rows(client.get(f"{public}/results.csv?outcome=library").data)
    assert library and library == [r for r in _rows(cli_csv) if r["outcome"] == "library"]
    page = client.get("/results/sz-2027?outcome=library").get_data(as_text=True)
    assert f"{public}/results.csv?outcome=library" in page and "/admin/" not in page.split('id="exports"')[1][:2000]
    workbook = _cells(client.get(f"{public}/results.xlsx").data)
    assert list(workbook) == ["results"]  # no ledger naming donors, no scores naming reviewers
    assert [row[0] for row in workbook["results"][1:]] == [r["ref"] for r in _rows(cli_csv)]
    ranking = _rows(client.get(f"{public}/ranking.csv?q=B").data)
    assert [r["编号"] for r in ranking] == [r["ref"] for r in _rows(cli_csv) if "B" in r["ref"]]
    assert client.get(f"{public}/ledger.csv").status_code == 404
    assert client.get(f"{public}/results.pdf").status_code == 404
