"""The story's March reconciled, and its reconciliation statement (état de rapprochement)
checked against the figures computed by hand in tests/banking/story.py; the missing
entries (bank charges on 627, interest on 768) created from the statement lines; the
statement as PDF (text extracted) and XLSX (reopened), in French and English, archived;
the months' states and the Closing page's column."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from banking.exceptions import MatchError
from banking.models import BankAccount, BankMatch, BankStatementLine
from banking.selectors import bank_account_months, bank_month_states, reconciliation_at
from banking.services import (
    bank_entries_create,
    bank_match_create,
    bank_matches_confirm_obvious,
    bank_reconciliation_issue,
    bank_statement_import,
)
from ledger.exceptions import LedgerError
from ledger.models import AuditEvent, JournalEntry
from reports import archive
from reports.models import IssuedStatement
from reports.templatetags.statement_kinds import statement_kind
from tests.banking.story import BANK_BALANCE, BOOK_BALANCE, bank_line, file
from tests.books import account, budget_line, close_months

D = Decimal
MARCH_END = date(2025, 3, 31)
NBSP = "\u00a0"


def month_reconciled_by_hand(user: User, bank_account: BankAccount, books: dict) -> None:
    bank_statement_import(
        acting_user=user,
        bank_account=bank_account,
        file_name="dbs-cintra-2025-03.csv",
        data=file("dbs-cintra-2025-03.csv"),
    )
    bank_matches_confirm_obvious(
        acting_user=user, bank_account=bank_account, date_from=date(2025, 3, 1), date_to=MARCH_END
    )
    lines = {
        (line.booking_date.day, str(line.amount)): line.pk
        for line in BankStatementLine.objects.filter(bank_account=bank_account)
    }
    for statement, book in (
        ((5, "-1351.60"), [bank_line(books["b2"])]),
        ((20, "-1351.60"), [bank_line(books["b5"])]),
        ((25, "-980.00"), [bank_line(books["b8"], "-650.00"), bank_line(books["b8"], "-330.00")]),
    ):
        bank_match_create(
            acting_user=user,
            bank_account=bank_account,
            statement_line_ids=[lines[statement]],
            book_line_ids=[line.pk for line in book],
        )


@pytest.fixture
def reconciled(accountant: User, dbs: BankAccount, books: dict) -> BankAccount:
    month_reconciled_by_hand(accountant, dbs, books)
    return dbs


def test_the_reconciliation_of_march_equals_the_hand_computation(reconciled: BankAccount):
    figures = reconciliation_at(reconciled, MARCH_END)

    assert (figures.bank_balance, figures.book_balance) == (BANK_BALANCE, BOOK_BALANCE)
    assert [(i.date.day, i.piece_ref, i.amount) for i in figures.book_items] == [
        (28, "CHQ-000123", D("-3200.00")),
        (31, "NUS-2025-03", D("5000.00")),
    ]
    assert [(i.date.day, i.description, i.amount) for i in figures.bank_items] == [
        (31, "SERVICE CHARGE", D("-55.30")),
        (31, "INTEREST CREDIT", D("12.48")),
    ]
    assert figures.book_items_total == D("1800.00")
    assert figures.bank_items_total == D("-42.82")
    assert figures.adjusted_bank == figures.adjusted_book == D("155356.06")
    assert figures.difference == D("0.00") and figures.balances_agree


def test_before_any_match_every_line_is_an_item_and_the_difference_is_still_zero(
    accountant, dbs, books
):
    bank_statement_import(
        acting_user=accountant,
        bank_account=dbs,
        file_name="dbs-cintra-2025-03.csv",
        data=file("dbs-cintra-2025-03.csv"),
    )
    figures = reconciliation_at(dbs, MARCH_END)

    assert (len(figures.book_items), len(figures.bank_items)) == (9, 8)
    assert figures.balances_agree and not figures.reconciled
    assert (figures.state, figures.open_bank_lines) == ("unmatched", 8)


def test_a_starting_balance_the_books_do_not_hold_is_the_difference_left(accountant, dbs, books):
    from banking.services import bank_account_update

    dbs = bank_account_update(
        acting_user=accountant, bank_account=dbs, opening_balance=D("84900.00")
    )
    figures = reconciliation_at(dbs, date(2025, 3, 2))

    assert figures.difference == D("100.00") and not figures.reconciled


def test_an_item_matched_after_the_months_end_is_still_open_at_it(accountant, reconciled, books):
    """The cheque of 28 March, cleared on 2 April: open at 31 March, not at 30 April."""
    bank_statement_import(
        acting_user=accountant,
        bank_account=reconciled,
        file_name="dbs-cintra-2025-03-15-to-04-15.csv",
        data=file("dbs-cintra-2025-03-15-to-04-15.csv"),
    )
    bank_matches_confirm_obvious(
        acting_user=accountant,
        bank_account=reconciled,
        date_from=date(2025, 4, 1),
        date_to=date(2025, 4, 30),
    )

    march = reconciliation_at(reconciled, MARCH_END)
    april = reconciliation_at(reconciled, date(2025, 4, 30))

    assert [i.piece_ref for i in march.book_items] == ["CHQ-000123", "NUS-2025-03"]
    assert april.book_items == ()
    assert march.balances_agree and april.balances_agree


def test_the_missing_entries_are_created_posted_and_matched(accountant, reconciled, cintra):
    charge = BankStatementLine.objects.get(amount=D("-55.30"))
    interest = BankStatementLine.objects.get(amount=D("12.48"))

    charges = bank_entries_create(
        acting_user=accountant,
        bank_account=reconciled,
        statement_line_ids=[charge.pk],
        account=account(cintra, "627"),
    )
    earned = bank_entries_create(
        acting_user=accountant,
        bank_account=reconciled,
        statement_line_ids=[interest.pk],
        account=account(cintra, "768"),
        label="Interest, March 2025",
    )

    (entry,) = charges
    assert entry.status == JournalEntry.Status.POSTED and entry.journal.code == "BQS"
    assert entry.date == MARCH_END and entry.label == "SERVICE CHARGE · MAR 2025"
    assert {(line.account.code, line.debit, line.credit) for line in entry.lines.all()} == {
        ("627", D("55.30"), D("0.00")),
        ("512", D("0.00"), D("55.30")),
    }
    assert earned[0].label == "Interest, March 2025 · MAR 2025"
    assert set(BankMatch.objects.filter(kind="entry").values_list("amount", flat=True)) == {
        D("-55.30"),
        D("12.48"),
    }
    figures = reconciliation_at(reconciled, MARCH_END)
    assert figures.bank_items == ()
    assert figures.book_balance == BOOK_BALANCE - D("55.30") + D("12.48")
    assert figures.reconciled
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"entry.create", "entry.post", "bank_match.create"} <= actions


def test_a_budgeted_account_needs_its_budget_line_and_a_refusal_writes_nothing(
    accountant, reconciled, cintra
):
    charge = BankStatementLine.objects.get(amount=D("-55.30"))
    entries = JournalEntry.objects.count()

    with pytest.raises(LedgerError):
        bank_entries_create(
            acting_user=accountant,
            bank_account=reconciled,
            statement_line_ids=[charge.pk],
            account=account(cintra, "6251"),  # travel: needs a budget line
        )
    assert JournalEntry.objects.count() == entries
    line = budget_line(cintra, "OP-MIS", "2000.00", nature="missions")
    (entry,) = bank_entries_create(
        acting_user=accountant,
        bank_account=reconciled,
        statement_line_ids=[charge.pk],
        account=account(cintra, "6251"),
        budget_line=line,
    )
    assert entry.lines.get(account__code="6251").budget_line == line


def test_no_entry_into_a_closed_month_nor_on_the_bank_account_itself(
    accountant, reconciled, cintra
):
    charge = BankStatementLine.objects.get(amount=D("-55.30"))
    with pytest.raises(MatchError, match="Account 512 cannot take the other side"):
        bank_entries_create(
            acting_user=accountant,
            bank_account=reconciled,
            statement_line_ids=[charge.pk],
            account=account(cintra, "512"),
        )
    close_months(cintra, 1, 2, 3, user=accountant)
    with pytest.raises(LedgerError, match="closed"):
        bank_entries_create(
            acting_user=accountant,
            bank_account=reconciled,
            statement_line_ids=[charge.pk],
            account=account(cintra, "627"),
        )
    assert not BankMatch.objects.filter(kind="entry").exists()


def _pdf_text(issued: IssuedStatement) -> str:
    data = b"".join(archive.archive_chunks(issued))
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_statement_in_french_as_pdf(accountant, reconciled):
    issued = bank_reconciliation_issue(
        acting_user=accountant,
        bank_account=reconciled,
        month=date(2025, 3, 1),
        language="fr",
        format="pdf",
    )

    assert issued.kind == "bank-reconciliation"
    assert issued.file_name == "CINTRA_bank-reconciliation_512_2025-03_fr.pdf"
    assert issued.parameters["month"] == "2025-03" and issued.parameters["format"] == "pdf"
    text = _pdf_text(issued).replace(NBSP, " ")
    for expected in (
        "État de rapprochement bancaire, DBS operating account, mars 2025",
        "Solde selon le relevé bancaire au 31/03/2025",
        "153 556,06",
        "Écritures comptabilisées non encore passées en banque",
        "-3 200,00",
        "5 000,00",
        "Solde bancaire rectifié",
        "155 356,06",
        "Solde du compte 512 en comptabilité au 31/03/2025",
        "155 398,88",
        "Opérations bancaires non encore comptabilisées",
        "-55,30",
        "12,48",
        "Solde comptable rectifié",
        "Rapprochement non terminé : les soldes rectifiés concordent, mais 2",
    ):
        assert expected in text, expected
    event = AuditEvent.objects.get(action="statement.issue")
    assert (event.after or {})["sha256"] == issued.sha256
    # The statements page's archive names its kind in the reader's language.
    with translation.override("fr"):
        assert statement_kind(issued.kind) == "Rapprochement bancaire"


def test_the_statement_in_english_as_xlsx(accountant, reconciled):
    issued = bank_reconciliation_issue(
        acting_user=accountant,
        bank_account=reconciled,
        month=date(2025, 3, 1),
        language="en",
        format="xlsx",
    )

    workbook = load_workbook(io.BytesIO(b"".join(archive.archive_chunks(issued))))
    cells = [
        [cell for cell in row if cell is not None]
        for row in workbook.worksheets[0].iter_rows(values_only=True)
    ]
    flat = [value for row in cells for value in row]
    assert "Bank reconciliation statement, DBS operating account, March 2025" in flat
    labels = {row[-2]: row[-1] for row in cells if len(row) >= 2}
    assert labels["Balance per the bank's statement at 2025-03-31"] == 153556.06
    assert labels["Adjusted bank balance"] == 155356.06
    assert labels["Balance of account 512 in the books at 2025-03-31"] == 155398.88
    assert labels["Adjusted book balance"] == 155356.06
    assert labels["Difference (adjusted book balance - adjusted bank balance)"] == 0
    receipt = next(row for row in cells if "NUS recharge, March · NUS-2025-03" in row)
    assert receipt[0] == datetime(2025, 3, 31) and receipt[-1] == 5000
    assert str(receipt[1]).startswith("BQS-2025-")


def test_the_months_and_the_closing_pages_column(accountant, reconciled, books, cintra):
    months = {m.month: m for m in bank_account_months(reconciled, today=date(2025, 4, 20))}

    march, april = months[date(2025, 3, 1)], months[date(2025, 4, 1)]
    assert (march.state, march.unmatched, march.statement_lines) == ("unmatched", 2, 8)
    assert (march.bank_balance, march.book_balance) == (BANK_BALANCE, BOOK_BALANCE)
    # March's two bank lines not yet booked are still open at April's end.
    assert (april.state, april.unmatched) == ("unmatched", 2)
    assert date(2025, 2, 1) not in months  # before the starting date
    states = bank_month_states(lab=cintra, months=[date(2025, m, 1) for m in (2, 3, 4)])
    assert [s.state for s in states[date(2025, 3, 1)]] == ["unmatched"]
    assert date(2025, 2, 1) not in states

    bank_entries_create(
        acting_user=accountant,
        bank_account=reconciled,
        statement_line_ids=list(
            BankStatementLine.objects.filter(match_link__isnull=True).values_list("pk", flat=True)
        ),
        account=account(cintra, "627"),
    )
    states = bank_month_states(lab=cintra, months=[date(2025, 3, 1)])
    assert [s.state for s in states[date(2025, 3, 1)]] == ["reconciled"]

    client = Client()
    client.force_login(accountant)
    html = client.get("/labs/CINTRA/closing/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Bank reconciled" in html
    assert "closing a month does not wait for it" in html
    march_row = html.split("2025-03</span>", 1)[1].split("</tr>", 1)[0]
    assert "DBS operating account" in march_row and "Reconciled" in march_row
    april_row = html.split("2025-04</span>", 1)[1].split("</tr>", 1)[0]
    assert "No statement" in april_row


def test_the_statements_page_lists_it_and_recognises_the_file(accountant, reconciled):
    issued = bank_reconciliation_issue(
        acting_user=accountant,
        bank_account=reconciled,
        month=date(2025, 3, 1),
        language="en",
        format="pdf",
    )
    client = Client()
    client.force_login(accountant)

    page = client.get("/labs/CINTRA/statements/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert issued.file_name in page.content.decode()
    data = b"".join(archive.archive_chunks(issued))
    checked = client.post(
        "/labs/CINTRA/statements/check/",
        {"file": SimpleUploadedFile(issued.file_name, data, content_type="application/pdf")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert checked.status_code == 200
    assert issued.sha256 in checked.content.decode()
