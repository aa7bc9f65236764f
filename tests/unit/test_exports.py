"""The shared CSV / XLSX writer: Excel-friendly encoding, formula-safe cells, readable sheets."""
import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from gongyi.exports import send_table, write_csv, write_xlsx

COLUMNS = ["编号", "组织", "金额"]
ROWS = [["S001", "深圳市福田区社工服务中心", Decimal("1234.50")], ["S002", None, Decimal("0.00")]]


def test_csv_has_bom_header_and_rows():
    data = write_csv(COLUMNS, ROWS)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [COLUMNS, ["S001", "深圳市福田区社工服务中心", "1234.50"], ["S002", "", "0.00"]]


def test_csv_keeps_formulas_as_text_but_not_negative_numbers():
    data = write_csv(["a", "b", "c", "d"], [["=HYPERLINK(\"x\")", "@cmd", "-12.50", "+86 755"]])
    row = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1]
    assert row == ["'=HYPERLINK(\"x\")", "'@cmd", "-12.50", "'+86 755"]


def test_xlsx_bold_frozen_header_numbers_and_widths():
    data = write_xlsx([("申报项目", COLUMNS, ROWS), ("第二页", ["x"], [["=1+1"]])])
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["申报项目", "第二页"]
    ws = wb["申报项目"]
    assert [c.value for c in ws[1]] == COLUMNS and all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws["A2"].value == "S001" and ws["C2"].value == pytest.approx(1234.5) and ws["C2"].number_format == "0.00"
    assert ws["B3"].value is None
    # Chinese counts double: the organisation column is wider than the reference column
    assert ws.column_dimensions["B"].width > ws.column_dimensions["A"].width >= 8
    second = wb["第二页"]
    assert second["A2"].value == "=1+1" and second["A2"].data_type == "s"


def test_xlsx_sheet_titles_are_made_valid_and_unique():
    wb = load_workbook(io.BytesIO(write_xlsx([("a/b", ["x"], []), ("a/b", ["x"], []), ("x" * 40, ["x"], [])])))
    assert wb.sheetnames == ["a_b", "a_b (2)", "x" * 31]


def test_send_table_names_the_download(app):
    with app.test_request_context():
        response = send_table(COLUMNS, ROWS, "xlsx", "申报项目-20260101")
        assert response.mimetype.endswith("spreadsheetml.sheet")
        assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
        assert response.headers["Cache-Control"] == "no-store"
        csv_response = send_table(COLUMNS, ROWS, "csv", "list")
        assert csv_response.headers["Content-Disposition"].endswith('filename=list.csv')
        with pytest.raises(ValueError):
            send_table(COLUMNS, ROWS, "pdf", "list")
