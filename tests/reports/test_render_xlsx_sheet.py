"""The statements' worksheet writes its cells as xlsxwriter itself writes them: the same
cells through xlsxwriter's worksheet and through `StatementSheet` give the same sheet,
byte for byte. An xlsxwriter release that writes cells otherwise fails here. The one
difference is on purpose: text shaped like xlsxwriter's rich-text XML stays text. And a
render that fails half-way leaves none of xlsxwriter's temporary files behind."""

import io
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from reports.render.xlsx import StatementSheet, render_xlsx
from reports.statement import Row, Section
from tests.reports.test_render_xlsx import invoices, ledger, row_of

TEXTS = (
    "Office supplies",
    "",
    "  leading and trailing  ",
    "A & B <c> \"quoted\" 'single'",
    "Bell\x07 and tab\t",
    "_x0041_ stays as typed",
    "Été, 東京, emoji \U0001f4b0",
    "<r> inside </r> and <r>",
    "=1+1",
)
# xlsxwriter writes a string between <r> and </r> into the sheet's XML as it is.
INJECTION = (
    '<r><t>x</t></r></is></c><c r="Z1"><f>HYPERLINK("http://evil.example")</f></c>'
    '<c r="Z2" t="inlineStr"><is><r><t>y</t></r>'
)

NUMBERS = (Decimal("1234.56"), Decimal("-0.07"), Decimal("9999999999999.99"), 0, 45_678, 1.5)


def sheet_xml(worksheet_class: type[Worksheet], texts: tuple[str, ...] = TEXTS) -> str:
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True})
    sheet = workbook.add_worksheet("Ledger", worksheet_class=worksheet_class)
    amount = workbook.add_format({"num_format": "#,##0.00", "font_size": 10})
    text = workbook.add_format({"num_format": "@", "quote_prefix": True})
    by_row = workbook.add_format({"bold": True})
    by_column = workbook.add_format({"italic": True})
    sheet.set_column(0, 3, 12)
    sheet.set_column(6, 6, 20, by_column)  # a column's format: xlsxwriter's to apply
    sheet.set_row(len(texts) + 1, None, by_row)  # a row's format, likewise
    for row in range(len(texts) + 3):
        sheet.write_string(row, 0, texts[row % len(texts)])
        sheet.write_string(row, 1, texts[row % len(texts)], text)
        sheet.write_number(row, 2, NUMBERS[row % len(NUMBERS)])
        sheet.write_number(row, 3, NUMBERS[row % len(NUMBERS)], amount)
        sheet.write_datetime(row, 4, datetime(2025, 6, 12, 13, 30), amount)
        sheet.write_blank(row, 5, None, amount)
        sheet.write_string(row, 6, "in a formatted column")
        sheet.write_number(row, 7, date(2025, 6, 12).toordinal() - 693594)
    workbook.close()
    with zipfile.ZipFile(output) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode()


def test_the_statement_sheet_writes_what_xlsxwriter_writes():
    ours, theirs = sheet_xml(StatementSheet), sheet_xml(Worksheet)

    assert ours == theirs
    assert "<v>-0.07</v>" in ours and "_x005F_x0041_" in ours and "&amp; B &lt;c&gt;" in ours
    assert ' s="' in ours.split('<c r="G2"')[1][:8]  # the column's format applied


def test_text_shaped_like_rich_text_xml_stays_text():
    ours, theirs = sheet_xml(StatementSheet, (INJECTION,)), sheet_xml(Worksheet, (INJECTION,))

    assert "<f>" in theirs  # xlsxwriter would have let the formula in
    assert "<f>" not in ours
    assert "&lt;f&gt;HYPERLINK" in ours


def test_a_label_shaped_like_rich_text_is_read_back_as_typed():
    statement = ledger(
        Section("471000", [Row((date(2025, 5, 2), "OD-9", INJECTION, Decimal("5.00"), None, None))])
    )

    xlsx = render_xlsx(statement)

    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).worksheets[0]
    label = row_of(sheet, INJECTION)[2]
    assert label.data_type == "s" and label.value == INJECTION
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_a_render_that_fails_half_way_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def lines_then_a_lost_connection() -> Iterator[Row]:
        yield from invoices(5_000)
        raise ConnectionError("server closed the connection unexpectedly")

    statement = ledger(Section("606100", lines_then_a_lost_connection()))

    with pytest.raises(ConnectionError):
        render_xlsx(statement)
    assert list(tmp_path.iterdir()) == []
    render_xlsx(ledger(Section("606100", invoices(10))))
    assert list(tmp_path.iterdir()) == []
