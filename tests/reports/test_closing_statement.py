"""The closing statement (procès-verbal de clôture) of a closed year: the auditor's paper
anchor. 2025 of the worked example, closed by the real service (`two_years`)."""

import hashlib
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from ledger.models import FiscalYear, LedgerChain
from ledger.selectors import ledger_verify
from ledger.selectors.years import year_heads
from reports.builders import closing_statement_build
from reports.exceptions import StatementError
from reports.models import IssuedStatement
from reports.services import statement_issue
from reports.statement import format_date
from tests.reports.conftest import Books, TwoYears
from tests.reports.tables import cells, headings, sections

D = Decimal
NBSP = "\u00a0"


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return text.replace(NBSP, " ")


def closed_on(two_years: TwoYears, language: str) -> str:
    year = FiscalYear.objects.get(lab=two_years.lab, year=2025)
    assert year.status_changed_at is not None
    return format_date(timezone.localtime(year.status_changed_at).date(), language)


def test_the_closing_statement_of_2025(two_years: TwoYears):
    statement = closing_statement_build(lab=two_years.lab, year=2025)
    assert statement.title == "Closing statement 2025"
    assert headings(statement) == [
        "Journal", "Label", "First number", "Last number", "Entries", "Debit", "Credit",
    ]  # fmt: skip
    parts = sections(statement)
    assert list(parts) == [
        "Journals of the fiscal year 2025",
        "Trial balance totals",
        "Result of the year",
        "Year-end entries",
        "Hash chain",
    ]
    assert cells(parts["Journals of the fiscal year 2025"]) == [
        ("ACH", "Purchases", "ACH-2025-000001", "ACH-2025-000004", 4, D("6000.00"),
         D("6000.00")),
        ("AN", "Opening balances", "AN-2025-000001", "AN-2025-000001", 1, D("10000.00"),
         D("10000.00")),
        ("BQS", "Bank SGD", "BQS-2025-000001", "BQS-2025-000004", 4, D("28715.03"),
         D("28715.03")),
        # E2 and the closing entry: 30,000.00 + 35,000.00 on each side.
        ("OD", "Miscellaneous", "OD-2025-000001", "OD-2025-000002", 2, D("65000.00"),
         D("65000.00")),
        ("", "Total of the journals", "", "", 11, D("109715.03"), D("109715.03")),
    ]  # fmt: skip
    assert cells(parts["Trial balance totals"]) == [
        ("", "Movements before closing", "", "", 10, D("74715.03"), D("74715.03")),
        ("", "Closing entries", "", "", 1, D("35000.00"), D("35000.00")),
        ("", "Movements after closing", "", "", 11, D("109715.03"),
         D("109715.03")),
        # Before: 411 + 512 + 6063 + 6251 + 627 = 101 + 401 + 741 = 47,300.00.
        ("", "Debit and credit balances before closing", "", "", None,
         D("47300.00"), D("47300.00")),
        # After: 411 + 512 = 101 + 120 + 401 = 41,284.97, the balance sheet's totals.
        ("", "Debit and credit balances after closing", "", "", None,
         D("41284.97"), D("41284.97")),
    ]  # fmt: skip
    assert cells(parts["Result of the year"]) == [
        ("", "Income, class 7 (before closing)", "", "", None, None, D("35000.00")),
        ("", "Expenses, class 6 (before closing)", "", "", None, D("6015.03"), None),
        ("", "Profit of the year, credited to 120 by the closing entry", "OD-2025-000002", "",
         None, None, D("28984.97")),
    ]  # fmt: skip
    assert cells(parts["Year-end entries"]) == [
        ("OD", "Closing entry of 2025, dated 2025-12-31", "OD-2025-000002", "", None,
         D("35000.00"), D("35000.00")),
        ("AN", "Opening entry of 2026, dated 2026-01-01", "AN-2026-000001", "", None,
         D("41284.97"), D("41284.97")),
    ]  # fmt: skip
    closing = two_years.closing
    assert cells(parts["Hash chain"]) == [
        ("", "Last entry of 2025 in the lab's hash chain (position 12)", "OD-2025-000002", "",
         None, None, None),
        ("", "Its hash (sha256)", closing.hash, "", None, None, None),
    ]  # fmt: skip
    assert statement.notes[0] == (
        f"Fiscal year 2025 closed on {closed_on(two_years, 'en')} by accountant."
    )
    assert statement.notes[1] == "Numbering: no gap in any journal (entries = last - first + 1)."
    assert statement.notes[-1] == "Signature of the office head (authorising officer):"


def test_the_chain_head_is_the_one_verify_ledger_checks(two_years: TwoYears):
    closing = two_years.closing
    # 2026's January entry (11) was posted before the closing entry (12), the opening
    # entry (13) after it: the year's head is not the lab's.
    assert (two_years.january.chain_index, closing.chain_index) == (11, 12)
    head = next(h for h in year_heads(two_years.lab.pk) if h.year == 2025)
    assert (head.number, head.chain_index, head.hash) == (
        closing.number, closing.chain_index, closing.hash,
    )  # fmt: skip
    assert ledger_verify(lab=two_years.lab).ok
    assert LedgerChain.objects.get(lab=two_years.lab).head_hash != closing.hash


def test_the_closing_statement_in_pdf_in_english_and_french(two_years: TwoYears):
    user, lab = two_years.books.user, two_years.lab
    english = statement_issue(acting_user=user, lab=lab, kind="closing", year=2025)
    assert english.file_name == "CINTRA_closing_2025_en_SGD.pdf"
    assert english.sha256 == hashlib.sha256(bytes(english.content)).hexdigest()
    chain = LedgerChain.objects.get(lab=lab)
    assert (english.chain_length, english.chain_head) == (16, chain.head_hash)
    text = pdf_text(bytes(english.content))
    for expected in (
        "Closing statement 2025",
        "OD Miscellaneous OD-2025-000001 OD-2025-000002 2 65,000.00 65,000.00",
        "Total of the journals 11 109,715.03 109,715.03",
        "47,300.00",
        "41,284.97",
        "OD-2025-000002 28,984.97",
        "AN-2026-000001",
        two_years.closing.hash,  # on one line
        f"Fiscal year 2025 closed on {closed_on(two_years, 'en')} by accountant.",
    ):
        assert expected in text, expected
    french = statement_issue(acting_user=user, lab=lab, kind="closing", year=2025, language="fr")
    text = pdf_text(bytes(french.content))
    for expected in (
        "Procès-verbal de clôture de l'exercice 2025",
        "Journaux de l'exercice 2025",
        "OD Opérations diverses OD-2025-000001 OD-2025-000002 2 65 000,00 65 000,00",
        "Total des journaux 11 109 715,03 109 715,03",
        "Soldes débiteurs et créditeurs après clôture 41 284,97 41 284,97",
        "OD-2025-000002 28 984,97",
        "AN-2026-000001 41 284,97 41 284,97",
        two_years.closing.hash,
        f"Exercice 2025 clôturé le {closed_on(two_years, 'fr')} par accountant.",
        "Signature du chef de bureau (ordonnateur) :",
    ):
        assert expected in text, expected


def test_the_closing_statement_in_xlsx(two_years: TwoYears):
    issued = statement_issue(
        acting_user=two_years.books.user, lab=two_years.lab, kind="closing", year=2025,
        language="fr", format="xlsx",
    )  # fmt: skip
    assert issued.file_name == "CINTRA_closing_2025_fr_SGD.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(bytes(issued.content)))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "Procès-verbal de clôture de l'exercice 2025"
    assert ("OD", "Opérations diverses", "OD-2025-000001", "OD-2025-000002", 2, 65000,
            65000) in rows  # fmt: skip
    assert (None, "Mouvements avant clôture", None, None, 10, 74715.03,
            74715.03) in rows  # fmt: skip
    assert (None, "Bénéfice de l'exercice, porté au crédit du 120 par l'écriture de clôture",
            "OD-2025-000002", None, None, None, 28984.97) in rows  # fmt: skip
    assert (None, "Son empreinte (sha256)", two_years.closing.hash, None, None, None,
            None) in rows  # fmt: skip


def test_a_year_not_closed_has_no_closing_statement(two_years: TwoYears, tmp_path: Path):
    with pytest.raises(StatementError) as error:
        closing_statement_build(lab=two_years.lab, year=2026)
    assert str(error.value) == (
        "The fiscal year 2026 of CINTRA is not closed: its closing statement is issued once "
        "the year is closed"
    )
    with pytest.raises(CommandError) as command_error:
        call_command(
            "statement", "closing", "--lab", "CINTRA", "--year", "2026", "-o", str(tmp_path),
            stdout=io.StringIO(),
        )  # fmt: skip
    assert str(command_error.value) == str(error.value)
    assert not IssuedStatement.objects.exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"currency": "EUR"},
            "The closing statement is kept in the book currency (SGD): it has no EUR version",
        ),
        (
            {"date_to": "2025-06-30"},
            "The closing statement covers a whole fiscal year: give the year, not dates",
        ),
    ],
)
def test_the_closing_statement_is_the_whole_year_in_book_currency(
    two_years: TwoYears, options, message
):
    from datetime import date

    if "date_to" in options:
        options["date_to"] = date.fromisoformat(options["date_to"])
    with pytest.raises(StatementError) as error:
        statement_issue(
            acting_user=two_years.books.user, lab=two_years.lab, kind="closing", year=2025,
            **options,
        )  # fmt: skip
    assert str(error.value) == message


def test_an_open_year_before_any_closing_is_refused(books: Books):
    with pytest.raises(StatementError, match="The fiscal year 2025 of CINTRA is not closed"):
        statement_issue(acting_user=books.user, lab=books.lab, kind="closing", year=2025)


def test_the_command_and_the_page_issue_it(
    two_years: TwoYears, tmp_path: Path, client: Client, director_cintra
):
    out = io.StringIO()
    call_command(
        "statement", "closing", "--lab", "CINTRA", "--year", "2025", "-o", str(tmp_path),
        stdout=out,
    )  # fmt: skip
    path = tmp_path / "CINTRA_closing_2025_en_SGD.pdf"
    assert "Total of the journals 11 109,715.03" in pdf_text(path.read_bytes())
    client.force_login(director_cintra)
    page = client.get("/labs/CINTRA/statements/").content.decode()
    assert 'value="closing"' in page
    response = client.post(
        "/labs/CINTRA/statements/issue/",
        {"kind": "closing", "year": "2025", "date_from": "", "date_to": "", "language": "fr",
         "currency": "SGD", "format": "xlsx", "partner": "", "grant": ""},
    )  # fmt: skip
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="CINTRA_closing_2025_fr_SGD.xlsx"'
    )
    response = client.post(
        "/labs/CINTRA/statements/issue/",
        {"kind": "closing", "year": "2026", "date_from": "", "date_to": "", "language": "en",
         "currency": "SGD", "format": "pdf", "partner": "", "grant": ""},
    )  # fmt: skip
    assert response.status_code == 400
    assert "The fiscal year 2026 of CINTRA is not closed" in response.content.decode()
    assert IssuedStatement.objects.count() == 2


def test_a_loss_is_debited_to_129(accountant, cintra):
    from datetime import date

    from tests.reports.conftest import close_year, post

    post(accountant, cintra, "BQS", date(2025, 3, 14), "Bank charges", "BANK-03",
         [("627", "100.00", "0", {}), ("512", "0", "100.00", {})])  # fmt: skip
    close_year(accountant, cintra, 2025)
    statement = closing_statement_build(lab=cintra, year=2025, language="fr")
    assert cells(sections(statement)["Résultat de l'exercice"]) == [
        ("", "Produits, classe 7 (avant clôture)", "", "", None, None, D("0.00")),
        ("", "Charges, classe 6 (avant clôture)", "", "", None, D("100.00"), None),
        ("", "Perte de l'exercice, portée au débit du 129 par l'écriture de clôture",
         "OD-2025-000001", "", None, D("100.00"), None),
    ]  # fmt: skip
