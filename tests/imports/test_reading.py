"""Reading cells and files: amounts and dates as spreadsheets write them, headers in
English or French, CSV dialects, formula cells found wherever the XML is cut."""

import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from ledger.imports import reading
from ledger.imports.cells import CellError, amount, day, text
from ledger.imports.columns import JOURNAL, match_headers, normalized
from ledger.imports.problems import column_letter, rows_text, shown
from ledger.imports.reading import FileRefused, read_sheet
from tests.imports.sheets import JOURNAL_HEADER, csv_bytes, line, xlsx


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("1234.56", "1234.56"),
        ("1234,56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1\u202f234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1'234.56", "1234.56"),
        ("1,234,567", "1234567"),
        ("1.234.567", "1234567"),
        ("  12 ", "12"),
        ("+5", "5"),
        ("-5,5", "-5.5"),
        (1234.5, "1234.5"),
        (1090, "1090"),
        ("", None),
        (None, None),
    ],
)
def test_amounts_as_spreadsheets_write_them(written: Any, value: str | None) -> None:
    assert amount(written) == (Decimal(value) if value is not None else None)


@pytest.mark.parametrize(
    "written", ["abc", "1e5", "NaN", "Infinity", "12 EUR", "1,2,3.4.5", "1_000", True]
)
def test_what_is_not_an_amount(written: Any) -> None:
    with pytest.raises(CellError):
        amount(written)


def test_rates_keep_eight_decimals_and_amounts_two() -> None:
    assert amount("1,45678901", places=8) == Decimal("1.45678901")
    with pytest.raises(CellError) as error:
        amount("10.555")
    assert error.value.params == {"value": "10.555", "places": 2}
    with pytest.raises(CellError):
        amount(0.1 + 0.2)  # a float is read through its repr: 0.30000000000000004


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("2025-03-14", date(2025, 3, 14)),
        ("14/03/2025", date(2025, 3, 14)),
        ("4/3/2025", date(2025, 3, 4)),
        ("2025-03-14 00:00:00", date(2025, 3, 14)),
        (date(2025, 3, 14), date(2025, 3, 14)),
        (datetime(2025, 3, 14, 9, 30), date(2025, 3, 14)),
    ],
)
def test_dates(written: Any, value: date) -> None:
    assert day(written) == value


@pytest.mark.parametrize("written", ["03/14/2025", "2025-02-30", "14.03.2025", "mars", 45730.0])
def test_what_is_not_a_date(written: Any) -> None:
    with pytest.raises(CellError):
        day(written)


def test_text_of_cells() -> None:
    assert [text(6064.0), text(6064), text(" 401 "), text(None), text(1.5)] == [
        "6064",
        "6064",
        "401",
        "",
        "1.5",
    ]


def test_french_headers_are_aliases() -> None:
    french = [
        "Écriture",
        "Date",
        "Journal",
        "Compte",
        "Libellé",
        "Débit",
        "Crédit",
        "Devise",
        "Montant devise",
        "Ligne budgétaire",
        "Réf. pièce",
        "Date pièce",
        "Tiers",
        "SENS",
        "Montant",
    ]
    found, problems = match_headers("journal", list(enumerate(french)))
    assert problems == []
    assert set(found) == {column.name for column in JOURNAL}
    assert (normalized("Réf. pièce"), normalized("piece_ref")) == ("ref piece", "piece ref")


def test_an_amount_and_its_side_stand_for_debit_and_credit() -> None:
    headers = ["N° écriture", "N° pièce", "Date", "Code journal", "Compte", "Libellé"]
    headers += ["Montant", "Sens"]
    found, problems = match_headers("journal", list(enumerate(headers)))
    assert problems == []
    assert set(found) == {
        "entry",
        *("piece_ref", "date", "journal", "account", "label", "amount", "side"),
    }
    _, problems = match_headers("journal", list(enumerate(headers[:-1])))
    found_names = "N° écriture, N° pièce, Date, Code journal, Compte, Libellé, Montant"
    assert [p.message for p in problems] == [
        f"Column 'debit' is missing (columns found: {found_names})",
        f"Column 'credit' is missing (columns found: {found_names})",
    ]


def test_small_helpers() -> None:
    assert rows_text([40, 41, 42]) == "rows 40-42"
    assert rows_text([7]) == "row 7"
    assert rows_text([3, 7, 8, 10]) == "rows 3, 7-8, 10"
    assert [column_letter(i) for i in (0, 25, 26, 27, 701)] == ["A", "Z", "AA", "AB", "ZZ"]
    assert shown("a\x00b\u202ec" + "x" * 100).startswith("a?b?c")
    assert len(shown("x" * 100)) == 60


@pytest.mark.parametrize(("delimiter", "bom"), [(",", False), (";", True), ("\t", False)])
def test_csv_dialects(delimiter: str, bom: bool) -> None:
    data = csv_bytes([JOURNAL_HEADER, line("E1", "6064", "1,5", None)], delimiter, bom)
    sheet = read_sheet("x.csv", data)
    assert [text for _, text in sheet.headers] == JOURNAL_HEADER
    rows = list(sheet.rows)
    assert rows[0][0] == 2 and rows[0][1][5] == "1,5"


def test_workbook_rows_keep_their_excel_numbers() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["C3"], sheet["D3"] = "entry", "debit"
    sheet["C6"], sheet["D6"] = "E1", 12.5
    out = io.BytesIO()
    workbook.save(out)
    read = read_sheet("x.xlsx", out.getvalue())
    assert (read.header_row, read.headers, read.offset) == (3, [(2, "entry"), (3, "debit")], 2)
    assert list(read.rows) == [(6, ["E1", 12.5])]


def test_formulas_are_found_across_chunk_boundaries(monkeypatch: pytest.MonkeyPatch) -> None:
    rows: list[list[Any]] = [JOURNAL_HEADER]
    for n in range(300):
        rows.append(line(f"E{n}", "6064", f"=1+{n}" if n % 50 == 7 else "1.00", None))
    data = xlsx(rows)
    expected = [(n + 2, f"F{n + 2}", f"=1+{n}") for n in range(300) if n % 50 == 7]
    for size in (7, 64, 1000, 1 << 20):
        monkeypatch.setattr(reading.xlsx, "CHUNK", size)
        sheet = read_sheet("f.xlsx", data)
        assert [(f.row, f.cell, f.text) for f in sheet.formulas] == expected


def test_a_doctype_cut_by_a_chunk_boundary_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.imports.corpus.make_corpus import (
        LAUGHS,
        SHEET,
        clean_xlsx,
        in_part,
        rezip,
        with_doctype,
    )

    data = rezip(clean_xlsx(), in_part(SHEET, with_doctype(LAUGHS)))
    for size in (3, 5, 17):
        monkeypatch.setattr(reading.xlsx, "CHUNK", size)
        with pytest.raises(FileRefused, match="declares XML entities"):
            read_sheet("x.xlsx", data)


def test_prefixed_tags_are_found_across_chunk_boundaries() -> None:
    """Formula and row tags written with a namespace prefix (`<x:f>`), in every cut."""
    rows = "".join(
        f'<x:row r="{n}"><x:c r="A{n}"><x:v>1</x:v></x:c>'
        + (f'<x:c r="B{n}"><x:f>SUM(A1:A{n})</x:f><x:v>1</x:v></x:c>' if n % 7 == 3 else "")
        + "</x:row>"
        for n in range(1, 60)
    )
    xml = (
        '<?xml version="1.0"?><x:worksheet xmlns:x="main"><x:sheetData>'
        f"{rows}<note>not:f x</note></x:sheetData></x:worksheet>"
    ).encode()
    expected = [(n, f"B{n}", f"=SUM(A1:A{n})") for n in range(1, 60) if n % 7 == 3]
    for size in (5, 13, 64, 4096):
        found: list[reading.Formula] = []
        scan = reading._XmlScan("xl/worksheets/sheet1.xml", True, found)
        for start in range(0, len(xml), size):
            scan.feed(xml[start : start + size])
        scan.feed(b"", final=True)
        assert [(f.row, f.cell, f.text) for f in found] == expected, size
        assert scan.rows == 59, size


@pytest.mark.parametrize("size", [5, 13, 64, 4096])
def test_far_rows_and_cells_are_told_apart_from_formatting_across_chunk_boundaries(
    size: int,
) -> None:
    """A row formatted far below the table holds nothing; a value there is seen, wherever
    the chunks cut the XML (a prefixed or unprefixed tag, a cell without `r`)."""
    head = '<row r="1"><c r="A1" t="inlineStr"><is><t>entry</t></is></c></row>'
    formatted = "".join(
        f'<row r="{n}" s="1"><c r="A{n}" s="1"/><c r="B{n}" s="1"/></row>'
        for n in range(999_990, 1_000_000)
    )
    cases = {
        formatted: None,
        formatted + '<row r="1048576"><c><v>1</v></c></row>': "Row 1048576",
        formatted + '<x:row r="1048570"><x:c r="C1048570"><x:v>1</x:v></x:c></x:row>': (
            "Cell C1048570"
        ),
        head + '<row r="3"><c r="XFD3"><v>2</v></c></row>': None,
    }
    for rows, far in cases.items():
        xml = f"<worksheet><sheetData>{head}{rows}</sheetData></worksheet>".encode()
        scan = reading._XmlScan("xl/worksheets/sheet1.xml", True, [])
        for start in range(0, len(xml), size):
            scan.feed(xml[start : start + size])
        scan.feed(b"", final=True)
        assert (scan.extent.row_cell or None) == far, (size, far)
    assert scan.extent.column_cell == "Cell XFD3"
