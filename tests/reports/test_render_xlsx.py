"""The XLSX renderer, reopened with openpyxl: CINTRA's general ledger and its annex."""

import io
import re
import weakref
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from reports.render.xlsx import render_xlsx, sheet_name
from reports.statement import Column, LabHeader, Row, Section, Statement

CINTRA = LabHeader(
    code="CINTRA",
    name="CNRS International NTU Thales Research Alliance",
    unit_number="IRL 3288",
    partners=("CNRS", "NTU", "Thales"),
)
LEDGER_COLUMNS = (
    Column("date", "Date", "date", 9),
    Column("entry", "Entry", "text", 10),
    Column("label", "Label", "text", 40),
    Column("debit", "Debit", "amount", 12),
    Column("credit", "Credit", "amount", 12),
    Column("share", "Share of budget", "percent", 8),
)
HEADINGS = [c.heading for c in LEDGER_COLUMNS]
FORMULA_LIKE = ('=HYPERLINK("http://evil.example","click")', "+1", "-cmd", "@SUM(A1)", "\tx")


def invoices(count: int) -> Iterator[Row]:
    for number in range(1, count + 1):
        yield Row(
            (
                date(2025, 1, 1) + timedelta(days=number % 365),
                f"AC-{number:05d}",
                f"Invoice {number} office supplies",
                Decimal("12.50"),
                None,
                Decimal("0.0125"),
            )
        )


def ledger(*sections: Section, **changes: Any) -> Statement:
    fields: dict[str, Any] = {
        "kind": "general-ledger",
        "title": "General ledger",
        "lab": CINTRA,
        "period_from": date(2025, 1, 1),
        "period_to": date(2025, 12, 31),
        "currency": "SGD",
        "language": "en",
        "generated_at": datetime(2026, 1, 15, 9, 30),
        "columns": LEDGER_COLUMNS,
        "sections": sections,
        "landscape": True,
    }
    fields.update(changes)
    return Statement(**fields)


def reopen(xlsx: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(xlsx))


def header_row(sheet: Worksheet) -> int:
    for row in sheet.iter_rows():
        if [c.value for c in row[: len(HEADINGS)]] == HEADINGS:
            return row[0].row
    raise AssertionError("no header row")


def row_of(sheet: Worksheet, label: str) -> tuple[Any, ...]:
    for row in sheet.iter_rows():
        if any(c.value == label for c in row):
            return row
    raise AssertionError(f"no row {label!r}")


def sheet_xml(xlsx: bytes, number: int = 1) -> str:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        return archive.read(f"xl/worksheets/sheet{number}.xml").decode()


def quote_prefixed(xlsx: bytes, coordinate: str) -> bool:
    """Whether the cell's style carries the quote prefix (openpyxl does not read it back)."""
    cell = re.search(rf'<c r="{coordinate}" s="(\d+)"', sheet_xml(xlsx))
    assert cell is not None
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        styles = archive.read("xl/styles.xml").decode()
    formats = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S)
    assert formats is not None
    xf = re.findall(r"<xf [^>]*>", formats.group(1))[int(cell.group(1))]
    return 'quotePrefix="1"' in xf


def test_title_block_then_one_frozen_filtered_header_row() -> None:
    statement = ledger(Section("606100 Office supplies", invoices(3)))

    sheet = reopen(render_xlsx(statement)).worksheets[0]

    title = [sheet.cell(row, 1).value for row in range(1, 5)]
    assert title[0] == "General ledger"
    assert title[1] == "CINTRA — CNRS International NTU Thales Research Alliance"
    assert title[2] == "Unit: IRL 3288 · Partners: CNRS, NTU, Thales"
    assert (
        title[3] == "Period: 2025-01-01 to 2025-12-31 · Currency: SGD · Generated 2026-01-15 09:30"
    )
    head = header_row(sheet)
    assert sheet.freeze_panes == f"A{head + 1}"
    # The section's title row, then its three invoices.
    assert sheet.auto_filter.ref == f"A{head}:F{head + 4}"
    assert sheet.cell(head + 1, 1).value == "606100 Office supplies"
    assert all(sheet.cell(head, col).font.b for col in range(1, 7))


def test_figures_stay_numbers_with_number_formats() -> None:
    statement = ledger(Section("606100 Office supplies", invoices(1)))

    sheet = reopen(render_xlsx(statement)).worksheets[0]

    day, entry, _label, debit, credit, share = row_of(sheet, "Invoice 1 office supplies")
    assert debit.data_type == "n" and debit.value == 12.5
    assert debit.number_format == "#,##0.00"
    assert credit.value is None
    assert share.data_type == "n" and share.number_format == "0.00%"
    assert day.is_date and day.value == datetime(2025, 1, 2)
    assert day.number_format == "yyyy-mm-dd"
    assert entry.data_type == "s"


def test_french_dates_keep_a_french_format() -> None:
    statement = ledger(Section("606100", invoices(1)), language="fr", title="Grand livre")

    sheet = reopen(render_xlsx(statement)).worksheets[0]

    assert row_of(sheet, "Invoice 1 office supplies")[0].number_format == "dd/mm/yyyy"
    assert sheet.cell(4, 1).value.startswith("Période\u00a0: du 01/01/2025 au 31/12/2025")


def test_decimals_are_written_with_their_exact_decimal_text() -> None:
    figures = (Decimal("1234567.89"), Decimal("-0.07"), Decimal("9999999999999.99"))
    rows = [Row((date(2025, 5, 1), "OD-1", "Exact", figure, None, None)) for figure in figures]

    xml = sheet_xml(render_xlsx(ledger(Section("471000", rows))))

    values = re.findall(r"<v>([^<]*)</v>", xml)
    assert {"1234567.89", "-0.07", "9999999999999.99"} <= set(values)


def test_formula_like_text_is_stored_as_plain_quoted_text() -> None:
    rows = [
        Row((date(2025, 5, 2), "OD-2", text, Decimal("-3.00"), None, None))
        for text in (*FORMULA_LIKE, "#N/A")
    ]
    statement = ledger(Section("=cmd|' /C calc'!A0", rows))

    xlsx = render_xlsx(statement)

    sheet = reopen(xlsx).worksheets[0]
    for text in (*FORMULA_LIKE, "#N/A"):
        cells = row_of(sheet, text)
        cell = cells[2]
        assert cell.data_type == "s"
        assert cell.value == text  # the reader sees the text as typed
        assert quote_prefixed(xlsx, cell.coordinate)
        assert cells[3].data_type == "n" and cells[3].value == -3  # amounts stay numbers
    assert row_of(sheet, "=cmd|' /C calc'!A0")[0].data_type == "s"
    assert "<f>" not in sheet_xml(xlsx)


def test_control_characters_are_dropped_not_fatal() -> None:
    rows = [Row((date(2025, 5, 3), "OD-3", "Bell\x07 and\x00 null", Decimal("1.00"), None, None))]

    sheet = reopen(render_xlsx(ledger(Section("471000", rows)))).worksheets[0]

    assert row_of(sheet, "Bell and null")[3].value == 1


def test_totals_are_bold_and_sections_are_blocks() -> None:
    statement = ledger(
        Section("606100 Office supplies", invoices(2)),
        Section("606300 Small equipment", invoices(1)),
        totals=(Row((None, None, "Grand total", Decimal("37.50"), None, None), "total"),),
    )

    sheet = reopen(render_xlsx(statement)).worksheets[0]

    head = header_row(sheet)
    column_a = [sheet.cell(row, 1).value for row in range(head + 1, head + 7)]
    assert column_a[0] == "606100 Office supplies"
    assert column_a[3] == "606300 Small equipment"
    total = row_of(sheet, "Grand total")
    assert total[2].font.b and total[3].font.b
    assert total[3].value == 37.5 and total[3].number_format == "#,##0.00"
    assert not row_of(sheet, "Invoice 1 office supplies")[2].font.b


def test_print_setup_repeats_the_header_row_on_landscape_pages() -> None:
    landscape = reopen(render_xlsx(ledger(Section("606100", invoices(1))))).worksheets[0]
    portrait = reopen(render_xlsx(ledger(Section("606100", invoices(1)), landscape=False)))

    head = header_row(landscape)
    assert landscape.print_title_rows == f"${head}:${head}"
    assert landscape.page_setup.orientation == "landscape"
    assert portrait.worksheets[0].page_setup.orientation == "portrait"


def test_column_widths_fit_their_headings_and_figures() -> None:
    sheet = reopen(render_xlsx(ledger(Section("606100", invoices(1))))).worksheets[0]

    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEF"}
    assert widths["C"] > widths["B"] > 0  # the label is the widest column
    assert widths["D"] >= 14  # room for 999,999,999.99
    assert widths["F"] >= len("Share of budget")


def test_annex_of_rates_and_notes_on_a_second_sheet() -> None:
    statement = ledger(
        Section("606100", invoices(1)),
        notes=("EUR amounts are converted at the chancellery rate of the month.",),
        annex_title="Chancellery rates: EUR/SGD [2025]",
        annex_columns=(Column("month", "Month", "text", 10), Column("rate", "EUR rate", "number")),
        annex_rows=(Row(("2025-01", Decimal("1.4523"))), Row(("2025-02", Decimal("1.4611")))),
    )

    workbook = reopen(render_xlsx(statement))

    assert workbook.sheetnames == ["General ledger", "Chancellery rates EUR SGD 2025"]
    annex = workbook.worksheets[1]
    assert annex["A1"].value == "Chancellery rates: EUR/SGD [2025]"
    rate = row_of(annex, "2025-01")[1]
    assert rate.data_type == "n" and rate.value == 1.4523 and rate.number_format == "#,##0.0000"
    assert row_of(annex, "Notes")[0].font.b
    assert row_of(annex, "1. EUR amounts are converted at the chancellery rate of the month.")


def test_sheet_names_are_made_valid_and_unique() -> None:
    assert sheet_name("Budget: lab/office [2025] *draft?*") == "Budget lab office 2025 draft"
    assert len(sheet_name("Execution budgetaire des conventions de recherche 2025")) == 31
    assert sheet_name("'quoted'") == "quoted"
    assert sheet_name("   ") == "Sheet"
    assert sheet_name("Annex", taken=["annex"]) == "Annex (2)"


@dataclass
class _Watch:
    """Counts the rows a generator hands out and how many are still alive at once."""

    yielded: int = 0
    most_alive: int = 0

    def rows(self, count: int) -> Iterator[Row]:
        alive: weakref.WeakSet[Row] = weakref.WeakSet()
        for row in invoices(count):
            alive.add(row)
            self.most_alive = max(self.most_alive, len(alive))
            self.yielded += 1
            yield row
            del row


def test_a_generated_section_of_20000_rows_is_streamed_not_held() -> None:
    watch = _Watch()
    statement = ledger(Section("606100 Office supplies", watch.rows(20_000)))

    sheet = reopen(render_xlsx(statement)).worksheets[0]

    assert watch.yielded == 20_000
    assert watch.most_alive <= 2  # a list of the rows would keep all 20,000 alive
    head = header_row(sheet)
    assert sheet.max_row == head + 1 + 20_000
    assert sheet.cell(sheet.max_row, 3).value == "Invoice 20000 office supplies"
