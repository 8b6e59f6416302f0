"""The XLSX statement a user downloads, from CINTRA's books through `statement_issue`:
typed text that looks like a formula stays text, amounts stay numbers with two decimals,
dates stay dates in the reader's format; checked in the file itself (its XML) as well as
reopened with openpyxl."""

import io
import re
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from reports.render.xlsx import is_formula_like, sheet_name
from reports.services import statement_issue
from tests.reports.conftest import Books, post

# What a supplier's invoice may carry, typed or imported as it is.
LABEL = '=HYPERLINK("http://evil.example","Invoice 7")'
PIECE = "+65 6123 4567"
LINE_LABEL = "@SUM(A1:A9) -10% rebate"


@pytest.fixture
def booked(books: Books) -> Books:
    """CINTRA's books plus a purchase whose label, piece and line label look like formulas."""
    post(
        books.user,
        books.lab,
        "ACH",
        date(2025, 6, 12),
        LABEL,
        PIECE,
        [
            ("6063", "1234.56", "0", {"budget_line": books.lines["TH-SUP"], "label": LINE_LABEL}),
            ("401", "0", "1234.56", {}),  # shows the entry's label
        ],
    )
    return books


def issued_xlsx(books: Books, language: str = "en") -> bytes:
    issued = statement_issue(
        acting_user=books.user,
        lab=books.lab,
        kind="general-ledger",
        year=2025,
        language=language,
        format="xlsx",
    )
    return bytes(issued.content)


def ledger_sheet(content: bytes) -> Worksheet:
    return openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]


def rows_with(sheet: Worksheet, text: str) -> list[tuple]:
    return [row for row in sheet.iter_rows() if any(c.value == text for c in row)]


def xml_cell(content: bytes, coordinate: str) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    found = re.search(rf'<c r="{coordinate}"[^>]*?(?:/>|>.*?</c>)', xml)
    assert found is not None, coordinate
    return found.group(0)


def quote_prefixed(content: bytes, coordinate: str) -> bool:
    style = re.search(r's="(\d+)"', xml_cell(content, coordinate))
    assert style is not None
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        styles = archive.read("xl/styles.xml").decode()
    cell_formats = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S)
    assert cell_formats is not None
    xf = re.findall(r"<xf [^>]*>", cell_formats.group(1))[int(style.group(1))]
    return 'quotePrefix="1"' in xf


def test_formula_looking_text_is_neutralised_in_the_general_ledger(booked: Books):
    content = issued_xlsx(booked)

    sheet = ledger_sheet(content)
    # The purchase shows under 401 (the entry's label) and under 6063 (the line's).
    typed = [
        cell
        for row in rows_with(sheet, PIECE)
        for cell in row
        if isinstance(cell.value, str) and is_formula_like(cell.value)
    ]
    assert sorted(c.value for c in typed) == sorted([PIECE, PIECE, LABEL, LINE_LABEL])
    for cell in typed:
        assert cell.data_type == "s"
        assert quote_prefixed(content, cell.coordinate)  # Excel shows it, never runs it
        raw = xml_cell(content, cell.coordinate)
        assert 't="inlineStr"' in raw and "<f>" not in raw
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


def test_amounts_are_numbers_with_two_decimals_and_dates_are_dates(booked: Books):
    content = issued_xlsx(booked)

    sheet = ledger_sheet(content)
    purchase = rows_with(sheet, LABEL)[0]  # under 401 Suppliers: the credit
    day, entry, piece, label, debit, credit, balance = purchase[:7]
    assert day.is_date and day.value == datetime(2025, 6, 12)
    assert day.number_format == "yyyy-mm-dd"
    assert entry.data_type == "s" and entry.value.startswith("ACH-2025-")
    assert (piece.value, label.value) == (PIECE, LABEL)
    assert debit.value is None
    assert credit.data_type == "n" and credit.value == 1234.56
    assert credit.number_format == "#,##0.00"
    # The file holds the amount's exact decimal text, not a float's approximation.
    assert "<v>1234.56</v>" in xml_cell(content, credit.coordinate)
    assert balance.data_type == "n" and balance.number_format == "#,##0.00"
    # 401 before the purchase: 1,200 + 2,500 + 800 + 1,500 - 3,700 = 2,300.00 credit.
    assert balance.value == pytest.approx(-(2300 + 1234.56))


def test_a_french_ledger_keeps_numbers_and_writes_dates_the_french_way(booked: Books):
    content = issued_xlsx(booked, language="fr")

    sheet = ledger_sheet(content)
    assert sheet.title == "Grand livre 2025"
    day, *_, debit, credit, _balance = rows_with(sheet, LABEL)[0][:7]
    assert day.is_date and day.value == datetime(2025, 6, 12)
    assert day.number_format == "dd/mm/yyyy"
    assert debit.value is None
    assert credit.data_type == "n" and credit.value == 1234.56
    assert credit.number_format == "#,##0.00"  # Excel shows 1 234,56 in a French locale


def test_sheet_names_count_as_excel_counts_and_avoid_its_reserved_name():
    # Excel counts UTF-16 units: an emoji takes two of the 31.
    name = sheet_name("Budget \U0001f4b0" * 6)
    assert name == "Budget \U0001f4b0Budget \U0001f4b0Budget \U0001f4b0Budg"
    assert len(name.encode("utf-16-le")) == 2 * 31
    assert sheet_name("History") == "History (2)"
    assert sheet_name("Journal", taken=["Journal", "History"]) == "Journal (2)"
