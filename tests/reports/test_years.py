"""Statements over any period once the books run over two fiscal years: 2025 closed by the
real service, 2026 open (tests/reports/conftest.py, `two_years`).

The balances at 2025-06-30 (opening of the cross-year period below): 101 -10,000.00;
401 -2,300.00; 411 +10,000.00; 512 +31,284.97; 6063 +2,700.00; 6251 +3,300.00;
627 +15.03; 741 -35,000.00.
"""

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.test import Client
from pypdf import PdfReader

from reports.builders import (
    balance_sheet_build,
    general_ledger_build,
    income_statement_build,
    journal_build,
    partner_statement_build,
    trial_balance_build,
)
from reports.exceptions import StatementError
from reports.fec import fec_build, fec_file_name, fec_validate
from reports.models import IssuedStatement
from reports.services import statement_issue
from tests.reports.conftest import Books, TwoYears
from tests.reports.tables import cells, headings, row_of, sections

D = Decimal
NBSP = "\u00a0"
JULY, JUNE = date(2025, 7, 1), date(2026, 6, 30)


def pdf_text(data: bytes) -> str:
    """The PDF's text, no-break spaces (French thousands) read as spaces."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return text.replace(NBSP, " ")


def xlsx_values(data: bytes) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return list(book.worksheets[0].iter_rows(values_only=True))


# Trial balance, ledgers and journals across two fiscal years ---------------------------


def test_a_trial_balance_across_two_years_counts_each_balance_once(two_years: TwoYears):
    statement = trial_balance_build(lab=two_years.lab, date_from=JULY, date_to=JUNE)
    assert statement.title == "Trial balance 2025–2026"
    assert (statement.period_from, statement.period_to) == (JULY, JUNE)
    assert statement.parameters["year"] == "2025–2026"
    rows = [row.cells for rows in sections(statement).values() for row in rows if row.cells[0]]
    # Opening at 2025-07-01, movements to 2026-06-30 (the closing entry of 2025 among
    # them), closing balance; the opening entry of 2026 is not a movement.
    assert rows == [
        ("101", "Capital", D("-10000.00"), D("0.00"), D("0.00"), D("-10000.00")),
        ("120", "Result for the year (surplus)", D("0.00"), D("0.00"), D("28984.97"),
         D("-28984.97")),
        ("401", "Suppliers", D("-2300.00"), D("0.00"), D("0.00"), D("-2300.00")),
        ("411", "Partner receivables", D("10000.00"), D("12000.00"), D("8000.00"),
         D("14000.00")),
        ("512", "Bank SGD", D("31284.97"), D("8000.00"), D("30.00"), D("39254.97")),
        ("6063", "Small equipment", D("2700.00"), D("0.00"), D("2700.00"), D("0.00")),
        ("6251", "Travel", D("3300.00"), D("0.00"), D("3300.00"), D("0.00")),
        ("627", "Bank charges", D("15.03"), D("30.00"), D("15.03"), D("30.00")),
        ("741", "Operating subsidies", D("-35000.00"), D("35000.00"), D("12000.00"),
         D("-12000.00")),
    ]  # fmt: skip
    assert statement.totals[-1].cells == (
        "", "Total", D("0.00"), D("55030.00"), D("55030.00"), D("0.00"),
    )  # fmt: skip


def test_the_balances_at_the_end_agree_with_the_trial_balance_of_the_year(two_years: TwoYears):
    across = trial_balance_build(lab=two_years.lab, date_from=JULY, date_to=JUNE)
    inside = trial_balance_build(lab=two_years.lab, year=2026, date_to=JUNE)

    def closing(statement) -> dict[str, object]:
        return {
            str(row.cells[0]): row.cells[5]
            for rows in sections(statement).values()
            for row in rows
            if row.cells[0] and row.cells[5]
        }

    assert closing(across) == closing(inside)
    # Inside 2026 the carried balances are the opening column (AN-2026-000001).
    every_row = [row for rows in sections(inside).values() for row in rows]
    assert row_of(every_row, "512").cells[2:] == (
        D("31284.97"), D("8000.00"), D("30.00"), D("39254.97"),
    )  # fmt: skip


def test_the_general_ledger_across_years_opens_once_and_runs_on(two_years: TwoYears):
    statement = general_ledger_build(lab=two_years.lab, date_from=JULY, date_to=JUNE)
    assert statement.title == "General ledger 2025–2026"
    bank = sections(statement)["512 Bank SGD"]
    assert cells(bank) == [
        (None, "", "", "Opening balance", None, None, D("31284.97")),
        (date(2026, 1, 15), "BQS-2026-000001", "BANK-01", "January bank charges", None,
         D("20.00"), D("31264.97")),
        (date(2026, 4, 20), "BQS-2026-000002", "VT-002", "Receipt from Thales", D("8000.00"),
         None, D("39264.97")),
        (date(2026, 6, 30), "BQS-2026-000003", "BANK-06-26", "Bank charges", None, D("10.00"),
         D("39254.97")),
        (None, "", "", "Period total and closing balance", D("8000.00"), D("30.00"),
         D("39254.97")),
    ]  # fmt: skip
    assert statement.totals[-1].cells[4:6] == (D("55030.00"), D("55030.00"))


def test_journals_across_years_list_each_year_in_number_order(two_years: TwoYears):
    statement = journal_build(lab=two_years.lab, date_from=JULY, date_to=JUNE)
    assert statement.title == "Journals 2025–2026"
    parts = sections(statement)
    assert list(parts) == ["AN Opening balances", "BQS Bank SGD", "OD Miscellaneous"]
    # Numbers start again each year: 2025's closing entry comes before OD-2026-000001.
    assert [row.cells[1] for row in parts["OD Miscellaneous"] if row.style == "normal"] == [
        "OD-2025-000002", "OD-2025-000002", "OD-2025-000002", "OD-2025-000002",
        "OD-2025-000002", "OD-2026-000001", "OD-2026-000001",
    ]  # fmt: skip
    # The journal AN holds the opening entry of 2026: an entry of that journal.
    assert parts["AN Opening balances"][-1].cells[5:] == (
        "Total AN", D("41284.97"), D("41284.97"),
    )  # fmt: skip
    assert statement.totals[-1].cells[5:] == ("Total", D("96314.97"), D("96314.97"))


def test_a_cross_year_trial_balance_in_eur_balances(two_years: TwoYears):
    statement = trial_balance_build(
        lab=two_years.lab, date_from=JULY, date_to=JUNE, currency="EUR", language="fr"
    )
    total = statement.totals[-1].cells
    assert total[1] == "Total"
    assert total[2] == total[5] == D("0.00")
    assert total[3] == total[4]
    # Each month converted at its own rate: the opening balance's months of 2025 too;
    # 2026 has no rate of its own here, the last one in force (June 2025) converts it.
    assert [row.cells[:3] for row in statement.annex_rows] == [
        ("01/2025", D("1.4500"), date(2025, 1, 1)),
        ("02/2025", D("1.4400"), date(2025, 2, 1)),
        ("03/2025", D("1.4300"), date(2025, 3, 1)),
        ("05/2025", D("1.4100"), date(2025, 5, 1)),
        ("06/2025", D("1.4000"), date(2025, 6, 1)),
        ("12/2025", D("1.4000"), date(2025, 6, 1)),
        ("01/2026", D("1.4000"), date(2025, 6, 1)),
        ("03/2026", D("1.4000"), date(2025, 6, 1)),
        ("04/2026", D("1.4000"), date(2025, 6, 1)),
        ("06/2026", D("1.4000"), date(2025, 6, 1)),
    ]


def test_a_partner_statement_on_an_april_to_march_year(two_years: TwoYears):
    statement = partner_statement_build(
        lab=two_years.lab, partner="THALES", date_from=date(2025, 4, 1), date_to=date(2026, 3, 31)
    )
    assert statement.title == "Contribution and expenditure statement 2025–2026: Thales"
    contribution = sections(statement)["Contribution of Thales"]
    # The receivable carried into 2026 by the opening entry is not invoiced again.
    assert cells(contribution) == [
        ("Due at the start of the period (partner receivable 411)", D("10000.00")),
        ("Contributions recorded as income in the period (accounts 74)", D("12000.00")),
        ("Invoiced in the period (411)", D("12000.00")),
        ("Received in the period", D("0.00")),
        ("of which settlement of invoices (411)", D("0.00")),
        ("of which received without invoice", D("0.00")),
        ("Still due at the end of the period (411)", D("22000.00")),
    ]
    assert statement.totals[-1].cells == (
        "Balance left (contributions less expenditure)", D("12000.00"),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("build", "options", "message"),
    [
        (
            trial_balance_build,
            {"year": 2025, "date_from": JULY, "date_to": JUNE},
            "The period 2025-07-01 to 2026-06-30 is not inside the fiscal year 2025 of CINTRA "
            "(2025-01-01 to 2025-12-31): give both dates without the year for a period across "
            "fiscal years",
        ),
        (
            balance_sheet_build,
            {"date_from": JULY, "date_to": JUNE},
            "The period 2025-07-01 to 2026-06-30 is not inside the fiscal year 2025 of CINTRA "
            "(2025-01-01 to 2025-12-31)",
        ),
        (
            trial_balance_build,
            {"date_from": JULY, "date_to": date(2027, 6, 30)},
            "CINTRA has no fiscal year containing 2027-01-01",
        ),
    ],
)
def test_periods_across_years_are_refused_where_they_make_no_sense(
    two_years: TwoYears, build, options, message
):
    with pytest.raises(StatementError) as error:
        build(lab=two_years.lab, **options)
    assert str(error.value) == message


# Renders, archive, command and page -----------------------------------------------------


def test_the_cross_year_trial_balance_prints_the_same_figures_in_pdf_and_xlsx(
    two_years: TwoYears,
):
    english = statement_issue(
        acting_user=two_years.books.user, lab=two_years.lab, kind="trial-balance",
        date_from=JULY, date_to=JUNE,
    )  # fmt: skip
    assert english.file_name == "CINTRA_trial-balance_20250701-20260630_en_SGD.pdf"
    assert english.parameters["year"] == "2025–2026"
    text = pdf_text(bytes(english.content))
    assert "Trial balance 2025–2026" in text
    assert "2025-07-01 to 2026-06-30" in text
    for figure in ("39,254.97", "31,284.97", "-28,984.97", "55,030.00", "14,000.00"):
        assert figure in text
    french = statement_issue(
        acting_user=two_years.books.user, lab=two_years.lab, kind="trial-balance",
        date_from=JULY, date_to=JUNE, language="fr",
    )  # fmt: skip
    text = pdf_text(bytes(french.content))
    assert "Balance générale 2025–2026" in text
    assert "du 01/07/2025 au 30/06/2026" in text
    for figure in ("39 254,97", "31 284,97", "-28 984,97", "55 030,00"):
        assert figure in text
    workbook = statement_issue(
        acting_user=two_years.books.user, lab=two_years.lab, kind="trial-balance",
        date_from=JULY, date_to=JUNE, language="fr", format="xlsx",
    )  # fmt: skip
    rows = xlsx_values(bytes(workbook.content))
    assert ("512", "Banque SGD", 31284.97, 8000, 30, 39254.97) in rows
    assert (None, "Total", 0, 55030, 55030, 0) in rows


def test_the_command_takes_a_period_without_a_year(two_years: TwoYears, tmp_path: Path):
    out = io.StringIO()
    call_command(
        "statement", "general-ledger", "--lab", "CINTRA", "--from", "2025-07-01",
        "--to", "2026-06-30", "--format", "xlsx", "-o", str(tmp_path), stdout=out,
    )  # fmt: skip
    path = tmp_path / "CINTRA_general-ledger_20250701-20260630_en_SGD.xlsx"
    assert str(path) in out.getvalue()
    rows = xlsx_values(path.read_bytes())
    assert (date(2026, 4, 20), "BQS-2026-000002", "VT-002", "Receipt from Thales", 8000, None,
            39264.97) in [tuple(v.date() if hasattr(v, "date") else v for v in row)
                          for row in rows]  # fmt: skip
    call_command(
        "statement", "partner", "--lab", "CINTRA", "--from", "2025-04-01", "--to",
        "2026-03-31", "--partner", "THALES", "-o", str(tmp_path), stdout=out,
    )  # fmt: skip
    assert (tmp_path / "CINTRA_partner_20250401-20260331_THALES_en_SGD.pdf").exists()


def test_the_page_takes_a_period_across_years(client: Client, director_cintra, two_years):
    client.force_login(director_cintra)
    ask = {
        "kind": "trial-balance", "year": "2026", "date_from": "2025-07-01",
        "date_to": "2026-06-30", "language": "en", "currency": "SGD", "format": "pdf",
        "partner": "", "grant": "",
    }  # fmt: skip
    response = client.post("/labs/CINTRA/statements/issue/", ask)
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="CINTRA_trial-balance_20250701-20260630_en_SGD.pdf"'
    )
    assert "55,030.00" in pdf_text(response.content)
    response = client.post("/labs/CINTRA/statements/issue/", {**ask, "year": "", "date_to": ""})
    assert response.status_code == 400
    assert "Choose the fiscal year, or give both dates of the period." in response.content.decode()
    assert IssuedStatement.objects.count() == 1


# N and N-1, before and after closing ----------------------------------------------------


def test_the_income_statement_of_a_closed_year_leaves_the_closing_entry_out(
    two_years: TwoYears,
):
    closed = income_statement_build(lab=two_years.lab, year=2025)
    assert closed.totals[0].cells[2:] == (D("28984.97"), None)
    statement = income_statement_build(lab=two_years.lab, year=2026)
    assert headings(statement) == ["Code", "Heading", "2026", "2025"]
    parts = sections(statement)
    assert cells(parts["Expenses"]) == [
        ("", "Class 6: Expenses", None, None),
        ("60", "Purchases", D("0.00"), D("2700.00")),
        ("62", "Other external services", D("30.00"), D("3315.03")),
        ("", "Total expenses", D("30.00"), D("6015.03")),
    ]
    assert cells(parts["Income"])[1:] == [
        ("74", "Operating subsidies", D("12000.00"), D("35000.00")),
        ("", "Total income", D("12000.00"), D("35000.00")),
    ]
    assert statement.totals[0].cells[2:] == (D("11970.00"), D("28984.97"))


def test_the_balance_sheet_shows_the_result_once_before_and_after_closing(books: Books):
    before = sections(balance_sheet_build(lab=books.lab, year=2025))["Liabilities and equity"]
    assert cells(before)[1:4] == [
        ("10", "Capital and reserves", D("10000.00"), None),
        ("", "Result of the period (classes 6 and 7), not yet allocated", D("28984.97"), None),
        ("", "Total class 1", D("38984.97"), None),
    ]
    from tests.reports.conftest import two_years_books

    two_years_books(books)
    after = sections(balance_sheet_build(lab=books.lab, year=2025))["Liabilities and equity"]
    # The closing entry moved the result to 120: on prefix 12, and no longer computed.
    assert cells(after)[1:4] == [
        ("10", "Capital and reserves", D("10000.00"), None),
        ("12", "Result for the year", D("28984.97"), None),
        ("", "Total class 1", D("38984.97"), None),
    ]
    assert after[-1].cells == ("", "Total liabilities and equity", D("41284.97"), None)


def test_the_balance_sheet_of_the_open_year_beside_the_closed_one(two_years: TwoYears):
    statement = balance_sheet_build(lab=two_years.lab, year=2026)
    assert headings(statement) == ["Code", "Heading", "At 2026-12-31", "At 2025-12-31"]
    parts = sections(statement)
    assert cells(parts["Assets"]) == [
        ("", "Class 4: Third parties", None, None),
        ("41", "Customers and partners", D("14000.00"), D("10000.00")),
        ("", "Total class 4", D("14000.00"), D("10000.00")),
        ("", "Class 5: Financial accounts", None, None),
        ("51", "Banks", D("39254.97"), D("31284.97")),
        ("", "Total class 5", D("39254.97"), D("31284.97")),
        ("", "Total assets", D("53254.97"), D("41284.97")),
    ]
    assert cells(parts["Liabilities and equity"]) == [
        ("", "Class 1: Equity and long-term liabilities", None, None),
        ("10", "Capital and reserves", D("10000.00"), D("10000.00")),
        # 2025's result, carried by the opening entry and not yet allocated.
        ("12", "Result for the year", D("28984.97"), D("28984.97")),
        ("", "Result of the period (classes 6 and 7), not yet allocated", D("11970.00"),
         D("0.00")),
        ("", "Total class 1", D("50954.97"), D("38984.97")),
        ("", "Class 4: Third parties", None, None),
        ("40", "Suppliers", D("2300.00"), D("2300.00")),
        ("", "Total class 4", D("2300.00"), D("2300.00")),
        ("", "Total liabilities and equity", D("53254.97"), D("41284.97")),
    ]  # fmt: skip


def test_n_and_n_minus_1_print_side_by_side_in_french(two_years: TwoYears):
    issued = statement_issue(
        acting_user=two_years.books.user, lab=two_years.lab, kind="balance-sheet", year=2026,
        language="fr",
    )  # fmt: skip
    text = pdf_text(bytes(issued.content))
    assert "Au 31/12/2026" in text and "Au 31/12/2025" in text
    assert "Banques, établissements financiers et assimilés 39 254,97 31 284,97" in text
    assert "Total du passif 53 254,97 41 284,97" in text
    workbook = statement_issue(
        acting_user=two_years.books.user, lab=two_years.lab, kind="income-statement",
        year=2026, format="xlsx",
    )  # fmt: skip
    rows = xlsx_values(bytes(workbook.content))
    assert ("Code", "Heading", "2026", "2025") in rows
    assert (None, "Result of the period: surplus (+) or deficit (-)", 11970, 28984.97) in rows


# FEC -----------------------------------------------------------------------------------


def records(data: bytes) -> list[list[str]]:
    return [line.split("\t") for line in data.decode("utf-8").split("\r\n") if line][1:]


def test_the_fec_of_a_year_starts_with_its_opening_entries(two_years: TwoYears):
    data = fec_build(two_years.lab, 2026)
    rows = records(data)
    # AN-2026-000001 was posted (chain index 13) after January's bank charges (11), when
    # 2025 was closed; it still opens the file, numbered 1.
    assert (two_years.january.chain_index, two_years.opening.chain_index) == (11, 13)
    assert [(r[0], r[2], r[3], r[4], r[11], r[12]) for r in rows[:8]] == [
        ("AN", "1", "20260101", "101", "0,00", "10000,00"),
        ("AN", "1", "20260101", "120", "0,00", "28984,97"),
        ("AN", "1", "20260101", "401", "0,00", "2300,00"),
        ("AN", "1", "20260101", "411", "10000,00", "0,00"),
        ("AN", "1", "20260101", "512", "26284,97", "0,00"),
        ("AN", "1", "20260101", "512", "5000,00", "0,00"),
        ("BQS", "2", "20260115", "627", "20,00", "0,00"),
        ("BQS", "2", "20260115", "512", "0,00", "20,00"),
    ]
    assert rows[3][6:8] == ["THALES", "Thales Solutions Asia"]  # CompAuxNum, CompAuxLib
    assert [r[2] for r in rows[8:]] == ["3", "3", "4", "4", "5", "5"]
    assert fec_validate(data, fec_file_name(two_years.lab, 2026)) == []


def test_the_fec_of_the_closed_year_ends_with_its_closing_entry(two_years: TwoYears):
    data = fec_build(two_years.lab, 2025)
    rows = records(data)
    assert rows[0][:5] == ["AN", "À-nouveaux", "1", "20250101", "512"]
    closing = [r for r in rows if r[2] == "11"]
    assert [(r[0], r[3], r[4], r[11], r[12]) for r in closing] == [
        ("OD", "20251231", "6063", "0,00", "2700,00"),
        ("OD", "20251231", "6251", "0,00", "3300,00"),
        ("OD", "20251231", "627", "0,00", "15,03"),
        ("OD", "20251231", "741", "35000,00", "0,00"),
        ("OD", "20251231", "120", "0,00", "28984,97"),
    ]
    assert rows[-1] == closing[-1]
    assert fec_validate(data, fec_file_name(two_years.lab, 2025)) == []
