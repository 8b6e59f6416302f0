"""The accountant's entry pages (issue 12, item 1): the entry form, the entry page, posting,
reversing with a date and a reason, deleting a draft.

CINTRA keeps its books in SGD; the chancellery rate is 1.4400 SGD per EUR from March 2025.
A supplier invoice in EUR is typed in EUR and converted by the page's service, never by
hand; a foreign line at a bank rate keeps that rate as a bank rate.
"""

from datetime import date
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from irls.models import Lab
from ledger.models import AuditEvent, BudgetLine, JournalEntry, JournalLine
from tests.books import budget_line, draft, journal
from tests.web.conftest import BudgetYear

D = Decimal
NEW = "/labs/CINTRA/entries/new/"


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def entry_url(entry: JournalEntry) -> str:
    return f"/labs/{entry.lab.code}/entries/{entry.pk}/"


def form(lines: list[dict[str, str]], action: str = "save", **header: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "journal": str(header.pop("journal_id")),
        "date": header.pop("date", "2025-03-14"),
        "label": header.pop("label", "Invoice LASERCO 88"),
        "piece_ref": header.pop("piece_ref", "LC-88"),
        "piece_date": header.pop("piece_date", "2025-03-12"),
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
        "action": action,
    }
    for n, line in enumerate(lines):
        defaults = {"currency": "SGD"}
        for key, value in (defaults | line).items():
            data[f"lines-{n}-{key}"] = value
    return data


@pytest.fixture
def books(budget_year: BudgetYear) -> BudgetYear:
    return budget_year


def test_the_form_offers_only_the_labs_journals_accounts_and_budget_lines(
    books: BudgetYear, accountant: User, majulab: Lab
):
    budget_line(majulab, "MJ-ONLY", "100.00")
    page = unescape(logged_in(accountant).get(NEW).content.decode())
    assert "6063 · Small equipment · Petit équipement" in page
    assert "OP-SUP · " in page
    assert "MJ-ONLY" not in page
    assert page.count('<option value="6064">') == 1  # MAJULAB's 6064 is not offered
    assert "PO-2025-001" in page  # the open purchase order


def test_a_eur_invoice_is_converted_at_the_chancellery_rate_and_posted(
    books: BudgetYear, accountant: User
):
    ach = journal(books.lab, "ACH")
    lines = [
        {
            "account": "6064",
            "debit": "1000",
            "currency": "EUR",
            "budget_line": str(books.supplies.pk),
        },
        {
            "account": "401 Suppliers",
            "credit": "1,000.00",
            "currency": "EUR",
            "third_party": "LASERCO",
        },
    ]
    client = logged_in(accountant)
    response = client.post(NEW, form(lines, "post", journal_id=ach.pk))
    assert response.status_code == 302
    entry = JournalEntry.objects.get(piece_ref="LC-88")
    assert response["Location"] == entry_url(entry)
    assert entry.status == JournalEntry.Status.POSTED and entry.number == "ACH-2025-000005"
    debit, credit = entry.lines.order_by("id")
    assert (debit.debit, credit.credit) == (D("1440.00"), D("1440.00"))
    assert (
        debit.amount_currency.amount == D("1000.00")
        and str(debit.amount_currency.currency) == "EUR"
    )
    assert (debit.fx_rate, debit.fx_rate_date, debit.fx_rate_source) == (
        D("1.44000000"),
        date(2025, 3, 1),
        "chancellery",
    )
    assert debit.budget_line == books.supplies and credit.third_party_id == "LASERCO"
    page = unescape(client.get(response["Location"]).content.decode())
    assert "Entry ACH-2025-000005 posted." in page
    assert "Chancellery rate (French Treasury): 1.4400 of 1 Mar 2025" in page


def test_lines_that_balance_in_eur_get_the_conversion_rounding_line(
    books: BudgetYear, accountant: User
):
    lines = [
        {
            "account": "6064",
            "debit": "666.66",
            "currency": "EUR",
            "budget_line": str(books.supplies.pk),
        },
        {"account": "401", "credit": "333.33", "currency": "EUR"},
        {"account": "401", "credit": "333.33", "currency": "EUR"},
    ]
    ach = journal(books.lab, "ACH")
    response = logged_in(accountant).post(NEW, form(lines, "post", journal_id=ach.pk))
    assert response.status_code == 302
    entry = JournalEntry.objects.get(piece_ref="LC-88")
    assert entry.status == JournalEntry.Status.POSTED
    rounding = entry.lines.get(account__code="666")
    assert (rounding.debit, rounding.label) == (D("0.01"), "Conversion rounding")
    assert sum(line.debit - line.credit for line in entry.lines.all()) == 0


def test_a_bank_rate_replaces_the_chancellery_rate_and_says_so(books: BudgetYear, accountant: User):
    lines = [
        {"account": "512", "debit": "1000", "currency": "EUR", "bank_rate": "1.4523"},
        {"account": "741", "credit": "1452.30"},
    ]
    ach = journal(books.lab, "OD")
    assert logged_in(accountant).post(NEW, form(lines, journal_id=ach.pk)).status_code == 302
    line = JournalLine.objects.get(account__code="512", entry__piece_ref="LC-88")
    assert (line.debit, line.fx_rate_source, line.fx_rate) == (
        D("1452.30"),
        "bank",
        D("1.45230000"),
    )


def test_french_amounts_and_french_errors_in_the_accountants_words(
    books: BudgetYear, accountant: User
):
    client = logged_in(accountant)
    ach = journal(books.lab, "ACH")
    bad = [
        {"account": "9999", "debit": "1 000,50"},
        {"account": "401", "debit": "10", "credit": "10"},
        {"account": "401", "credit": "douze"},
    ]
    response = client.post(NEW, form(bad, journal_id=ach.pk), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    page = unescape(response.content.decode())
    assert "Le compte 9999 n’est pas dans le plan comptable de CINTRA." in page
    assert "Ligne 2" in page and "soit un débit, soit un crédit" in page
    assert "« douze » n’est pas un montant." in page
    assert "constraint" not in page.lower()
    assert not JournalEntry.objects.filter(piece_ref="LC-88").exists()
    good = [
        {"account": "6064", "debit": "1 000,50", "budget_line": str(books.supplies.pk)},
        {"account": "401", "credit": "1 000,50"},
    ]
    response = client.post(NEW, form(good, journal_id=ach.pk), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 302
    entry = JournalEntry.objects.get(piece_ref="LC-88")
    assert entry.status == JournalEntry.Status.DRAFT
    assert entry.lines.get(account__code="6064").debit == D("1000.50")


def test_another_labs_budget_line_is_not_a_choice(
    books: BudgetYear, accountant: User, majulab: Lab
):
    theirs = budget_line(majulab, "MJ-SUP", "100.00")
    lines = [
        {"account": "6064", "debit": "10", "budget_line": str(theirs.pk)},
        {"account": "401", "credit": "10"},
    ]
    ach = journal(books.lab, "ACH")
    response = logged_in(accountant).post(NEW, form(lines, journal_id=ach.pk))
    assert response.status_code == 400
    assert "Select a valid choice" in unescape(response.content.decode())
    assert not JournalEntry.objects.filter(piece_ref="LC-88").exists()


def test_a_warn_overspending_is_said_before_posting(books: BudgetYear, accountant: User):
    # EQ-LAB (3,000.00, warn) is already overspent by the December invoice.
    lines = [
        {"account": "6063", "debit": "100", "budget_line": str(books.equipment.pk)},
        {"account": "401", "credit": "100"},
    ]
    client = logged_in(accountant)
    ach = journal(books.lab, "ACH")
    response = client.post(NEW, form(lines, "post", journal_id=ach.pk), follow=True)
    entry = JournalEntry.objects.get(piece_ref="LC-88")
    assert entry.status == JournalEntry.Status.DRAFT
    page = unescape(response.content.decode())
    assert "Saved as a draft, not posted: posting it overspends EQ-LAB by 100.00 SGD" in page
    assert "Posting this entry overspends the budget line EQ-LAB by 100.00 SGD." in page
    response = client.post(entry_url(entry) + "post/")
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == JournalEntry.Status.POSTED


def test_a_block_overspending_is_refused_with_the_excess(books: BudgetYear, accountant: User):
    BudgetLine.objects.filter(pk=books.missions.pk).update(policy="block")
    lines = [
        {"account": "6251", "debit": "300", "budget_line": str(books.missions.pk)},
        {"account": "401", "credit": "300"},
    ]
    client = logged_in(accountant)
    ach = journal(books.lab, "ACH")
    page = unescape(
        client.post(NEW, form(lines, "post", journal_id=ach.pk), follow=True).content.decode()
    )
    entry = JournalEntry.objects.get(piece_ref="LC-88")
    assert entry.status == JournalEntry.Status.DRAFT
    assert "Saved as a draft, not posted:" in page and "50.50" in page  # 300 - 249.50 left


def test_the_entry_page_reads_for_the_lab_and_acts_for_accountants(
    books: BudgetYear,
    accountant: User,
    director_cintra: User,
    director_majulab: User,
    auditor: User,
):
    invoice = books.first_invoice
    for reader in (director_cintra, auditor):
        page = unescape(logged_in(reader).get(entry_url(invoice)).content.decode())
        assert str(invoice.number) in page and "INV-77" in page
        assert 'id="reverse-entry"' not in page
    assert logged_in(director_majulab).get(entry_url(invoice)).status_code == 404
    assert logged_in(director_cintra).post(entry_url(invoice) + "reverse/", {}).status_code == 403
    page = unescape(
        logged_in(accountant).get(entry_url(invoice), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    )
    assert 'id="reverse-entry"' in page
    assert "Historique" in page and "Contre-passer" in page


def test_reversing_asks_a_date_and_a_reason(books: BudgetYear, accountant: User):
    invoice = books.first_invoice  # dated 2025-03-10
    client = logged_in(accountant)
    response = client.post(entry_url(invoice) + "reverse/", {"date": "2025-04-02"})
    assert response.status_code == 400
    assert "Say why it is reversed" in unescape(response.content.decode())
    response = client.post(
        entry_url(invoice) + "reverse/", {"date": "2025-03-01", "reason": "typo"}
    )
    assert response.status_code == 400
    assert "cannot be dated earlier" in unescape(response.content.decode())
    assert not JournalEntry.objects.filter(reversal_of=invoice).exists()
    response = client.post(
        entry_url(invoice) + "reverse/", {"date": "2025-04-02", "reason": "Wrong supplier"}
    )
    reversal = JournalEntry.objects.get(reversal_of=invoice)
    assert response.status_code == 302 and response["Location"] == entry_url(reversal)
    assert reversal.date == date(2025, 4, 2) and reversal.status == JournalEntry.Status.POSTED
    assert "Wrong supplier" in reversal.label
    page = unescape(client.get(entry_url(invoice)).content.decode())
    assert "Reversed by" in page and str(reversal.number) in page
    event = AuditEvent.objects.get(action="entry.reverse", object_id=str(invoice.pk))
    assert event.after == {
        "reversed_by": reversal.number,
        "date": "2025-04-02",
        "reason": "Wrong supplier",
    }


def test_a_draft_is_changed_posted_or_deleted_from_its_page(books: BudgetYear, accountant: User):
    entry = draft(accountant, books.lab, [("6064", "75.00", "0"), ("401", "0", "70.00")])
    client = logged_in(accountant)
    page = unescape(client.get(entry_url(entry)).content.decode())
    assert "This draft does not balance: difference 5.00 SGD." in page
    response = client.post(entry_url(entry) + "post/")
    assert response.status_code == 400
    assert "does not balance" in unescape(response.content.decode())
    edit = client.get(entry_url(entry) + "edit/")
    assert edit.status_code == 200 and 'value="75.00"' in edit.content.decode()
    lines = [
        {"account": "6064", "debit": "75.00", "budget_line": str(books.supplies.pk)},
        {"account": "401", "credit": "75.00"},
    ]
    ach = journal(books.lab, "ACH")
    data = form(lines, journal_id=ach.pk, date="2025-03-20", label="Pipettes")
    assert client.post(entry_url(entry) + "edit/", data).status_code == 302
    entry.refresh_from_db()
    assert entry.label == "Pipettes" and entry.lines.count() == 2
    assert client.post(entry_url(entry) + "delete/").status_code == 302
    assert not JournalEntry.objects.filter(pk=entry.pk).exists()
    assert AuditEvent.objects.filter(action="entry.delete", object_id=str(entry.pk)).exists()


def test_the_form_fits_without_horizontal_scroll_markup(books: BudgetYear, accountant: User):
    page = logged_in(accountant).get(NEW).content.decode()
    assert "entry-form-data" in page and "js/entry_form.js" in page
    assert 'list="account-options"' in page


def test_a_draft_with_its_documents_is_deleted_and_both_are_audited(
    books: BudgetYear, accountant: User
):
    from ledger.services.documents import document_attach

    entry = draft(accountant, books.lab, [("6064", "75.00", "0"), ("401", "0", "75.00")])
    document_attach(
        acting_user=accountant, entry=entry, name="quote.pdf", data=b"%PDF-1.4\n%%EOF\n"
    )
    response = logged_in(accountant).post(entry_url(entry) + "delete/")
    assert response.status_code == 302
    assert not JournalEntry.objects.filter(pk=entry.pk).exists()
    assert AuditEvent.objects.filter(action="document.remove").count() == 1


def test_amounts_are_read_in_the_readers_language():
    from django.utils import translation

    from ledger.forms import AmountField

    field = AmountField()
    with translation.override("en"):
        assert field.clean("1,000") == D("1000.00")
        assert field.clean("12,5") == D("12.50")
    with translation.override("fr"):
        assert field.clean("1,000") == D("1.00")
        assert field.clean("1 000,50") == D("1000.50")
        assert field.clean("1.000") == D("1000.00")
