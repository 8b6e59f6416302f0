"""What a new user met on the bank pages, told as the office lives it: the chart and the
budget lines in the reader's language; the missing entries offered only on accounts they
can book, a missing budget line said on its field; an undo that needs its reason; each
month's figures and state the same on every page and on the statement; amounts written
as the reader's language writes them; every problem of a CSV row; the statement's
period in the archive; a Bank link in the top bar; the bank's reference kept."""

import json
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from banking.exceptions import MatchError
from banking.models import BankAccount, BankMatch, BankStatementLine
from banking.selectors import bank_account_months, bank_month_states, reconciliation_at
from banking.services import (
    bank_entries_create,
    bank_match_create,
    bank_match_undo,
    bank_matches_confirm_obvious,
    bank_reconciliation_issue,
    bank_statement_import,
)
from ledger.models import Account, AuditEvent, JournalEntry
from tests.banking.story import bank_line, file
from tests.books import account, budget_line

D = Decimal
MARCH: dict[str, Any] = {"date_from": date(2025, 3, 1), "date_to": date(2025, 3, 31)}


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def march_page(bank_account: BankAccount) -> str:
    return f"/labs/CINTRA/bank/{bank_account.pk}/2025/3/"


def import_march(user: User, bank_account: BankAccount) -> None:
    bank_statement_import(
        acting_user=user,
        bank_account=bank_account,
        file_name="dbs-cintra-2025-03.csv",
        data=file("dbs-cintra-2025-03.csv"),
    )


def page(client: Client, url: str, language: str = "en") -> str:
    return unescape(client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode())


def options(html: str, name: str) -> str:
    """The <select name=...> of the page, options and all."""
    return html.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]


def line_of(amount: str) -> BankStatementLine:
    return BankStatementLine.objects.get(amount=D(amount))


# 1. Names in the reader's language ----------------------------------------------------


def test_the_chart_and_the_budget_lines_speak_the_readers_language(accountant, dbs, cintra):
    budget_line(cintra, "OP-BANK", "500.00")
    client = logged_in(accountant)

    english = page(client, march_page(dbs))
    assert "627 Bank charges" in options(english, "account")
    assert "Frais bancaires" not in english
    assert "Line OP-BANK" in options(english, "budget_line")
    assert "Ligne OP-BANK" not in english
    for url in ("/labs/CINTRA/bank/", f"/labs/CINTRA/bank/{dbs.pk}/"):
        html = page(client, url)
        assert "Bank SGD" in html and "Banque SGD" not in html, url

    french = page(client, march_page(dbs), "fr")
    assert "627 Frais bancaires" in options(french, "account")
    assert "Ligne OP-BANK" in options(french, "budget_line")
    assert "Banque SGD" in page(client, f"/labs/CINTRA/bank/{dbs.pk}/", "fr")


# 2. The missing entries: only accounts they can book ---------------------------------


def test_the_entry_form_offers_only_accounts_an_entry_from_a_bank_line_can_book(
    accountant, dbs, books, cintra
):
    Account.objects.filter(lab=cintra, code__in=["401", "411"]).update(needs_third_party=True)
    import_march(accountant, dbs)
    client = logged_in(accountant)

    offered = options(page(client, march_page(dbs)), "account")

    for code in ("627", "768", "6251", "741"):
        assert f">{code} " in offered, code
    for code in ("401", "411", "120", "129", "512", "5122"):
        assert f">{code} " not in offered, code
    # Posted all the same: refused on the field, nothing written.
    entries = JournalEntry.objects.count()
    response = client.post(
        march_page(dbs) + "entries/",
        {"statement_line": line_of("-55.30").pk, "account": account(cintra, "401").pk},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert JournalEntry.objects.count() == entries


def test_the_service_refuses_what_the_form_does_not_offer_naming_the_account(
    accountant, dbs, books, cintra
):
    Account.objects.filter(lab=cintra, code="401").update(needs_third_party=True)
    import_march(accountant, dbs)
    charge = line_of("-55.30")

    for code, words in (
        ("401", "Account 401 needs a third party on each line"),
        ("120", "Account 120 is written by the year-end closing only"),
        ("6251", "Account 6251 needs a budget line"),
    ):
        with pytest.raises(MatchError, match=words) as refused:
            bank_entries_create(
                acting_user=accountant,
                bank_account=dbs,
                statement_line_ids=[charge.pk],
                account=account(cintra, code),
            )
        assert "draft #" not in str(refused.value)
    assert not BankMatch.objects.exists()


def test_a_missing_budget_line_is_said_on_its_field(accountant, dbs, books, cintra):
    import_march(accountant, dbs)
    entries = JournalEntry.objects.count()

    response = logged_in(accountant).post(
        march_page(dbs) + "entries/",
        {"statement_line": line_of("-55.30").pk, "account": account(cintra, "6251").pk},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    html = unescape(response.content.decode())
    assert response.status_code == 400
    field = html.split('name="budget_line"', 1)[1].split("</p>", 1)[0]
    assert 'class="field-error"' in field
    assert "Account 6251 needs a budget line: choose the budget line it consumes" in field
    assert "draft #" not in html
    assert JournalEntry.objects.count() == entries


# 3. Undoing a match needs a reason ---------------------------------------------------


def test_undoing_a_match_needs_a_reason_kept_in_the_audit_trail(accountant, dbs, books):
    import_march(accountant, dbs)
    bank_matches_confirm_obvious(acting_user=accountant, bank_account=dbs, **MARCH)
    match = BankMatch.objects.order_by("id").first()
    assert match is not None
    client = logged_in(accountant)
    assert 'name="reason" maxlength="500" required' in page(client, march_page(dbs))

    for reason in ("", "   "):
        response = client.post(
            march_page(dbs) + "unmatch/",
            {"match": match.pk, "reason": reason},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 400
        assert "Say why the match is undone" in unescape(response.content.decode())
    french = client.post(
        march_page(dbs) + "unmatch/", {"match": match.pk}, HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert "Dites pourquoi le rapprochement est annulé" in unescape(french.content.decode())
    with translation.override("en"), pytest.raises(MatchError, match="Say why the match is undone"):
        bank_match_undo(acting_user=accountant, bank_account=dbs, match_id=match.pk, reason=" ")
    assert BankMatch.objects.filter(pk=match.pk).exists()
    assert not AuditEvent.objects.filter(action="bank_match.delete").exists()

    response = client.post(
        march_page(dbs) + "unmatch/", {"match": match.pk, "reason": "Wrong receipt"}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="bank_match.delete")
    assert event.after == {"reason": "Wrong receipt"}


# 4 and 9. One month, the same figures and state everywhere ---------------------------


def _march_reconciled_but_the_charge_and_interest(user: User, bank_account: BankAccount, books):
    """March matched by one click and by hand; its bank charge and interest left."""
    import_march(user, bank_account)
    bank_matches_confirm_obvious(acting_user=user, bank_account=bank_account, **MARCH)
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


def test_each_months_figures_are_those_of_its_reconciliation_at_its_end(
    accountant, dbs, books, django_assert_max_num_queries
):
    """The cheque of 28 March cleared on 2 April: still outstanding at 31 March, on the
    account page as on the month's page and statement, once April is matched too."""
    _march_reconciled_but_the_charge_and_interest(accountant, dbs, books)
    bank_statement_import(
        acting_user=accountant,
        bank_account=dbs,
        file_name="dbs-cintra-2025-03-15-to-04-15.csv",
        data=file("dbs-cintra-2025-03-15-to-04-15.csv"),
    )
    bank_matches_confirm_obvious(
        acting_user=accountant,
        bank_account=dbs,
        date_from=date(2025, 4, 1),
        date_to=date(2025, 4, 30),
    )

    with django_assert_max_num_queries(12):
        months = bank_account_months(dbs, today=date(2025, 5, 10))

    by_month = {m.month: m for m in months}
    assert by_month[date(2025, 3, 1)].book_unmatched == 2  # cheque 000123, NUS recharge
    for month in months:
        figures = reconciliation_at(dbs, month.end)
        assert month.book_unmatched == len(figures.book_items), month.month
        assert month.unmatched == figures.open_bank_lines, month.month
        assert month.adjusted_difference == figures.difference, month.month
        assert month.state == figures.state, month.month
    html = page(logged_in(accountant), f"/labs/CINTRA/bank/{dbs.pk}/")
    march_row = html.split(">March 2025</a>", 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">2</td>' in march_row


def test_a_month_with_bank_lines_left_is_not_called_reconciled_anywhere(
    accountant, dbs, books, cintra
):
    _march_reconciled_but_the_charge_and_interest(accountant, dbs, books)
    client = logged_in(accountant)

    html = page(client, march_page(dbs))
    assert "Reconciled:" not in html
    assert "Not reconciled yet: the balances agree; 2 bank lines still to match or book." in html
    listing = page(client, "/labs/CINTRA/bank/")
    assert "2 unmatched" in listing
    (state,) = bank_month_states(lab=cintra, months=[date(2025, 3, 1)])[date(2025, 3, 1)]
    assert (state.state, state.unmatched) == ("unmatched", 2)
    closing = page(client, "/labs/CINTRA/closing/")
    assert "2 unmatched" in closing.split("2025-03</span>", 1)[1].split("</tr>", 1)[0]
    figures = reconciliation_at(dbs, date(2025, 3, 31))
    assert figures.balances_agree and not figures.reconciled

    bank_entries_create(
        acting_user=accountant,
        bank_account=dbs,
        statement_line_ids=[line_of("-55.30").pk, line_of("12.48").pk],
        account=account(cintra, "627"),
    )

    html = page(client, march_page(dbs))
    assert (
        "Reconciled: every bank line is matched or booked and the adjusted balances agree." in html
    )
    assert reconciliation_at(dbs, date(2025, 3, 31)).reconciled


# 5. Amounts as the reader's language writes them -------------------------------------


def test_the_match_message_writes_the_amount_as_every_other_amount(accountant, dbs, books):
    import_march(accountant, dbs)
    client = logged_in(accountant)
    english = client.post(
        march_page(dbs) + "match/",
        {"statement_line": line_of("-2450.00").pk, "book_line": bank_line(books["b4"]).pk},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "The lines are matched (-2,450.00)." in unescape(english.content.decode())
    french = client.post(
        march_page(dbs) + "match/",
        {"statement_line": line_of("-267.92").pk, "book_line": bank_line(books["b3"]).pk},
        HTTP_ACCEPT_LANGUAGE="fr",
        follow=True,
    )
    assert "Les lignes sont rapprochées (-267,92)." in unescape(french.content.decode())


def test_the_pages_amounts_reach_the_script_with_a_point_in_french(accountant, dbs, books):
    import_march(accountant, dbs)
    html = page(logged_in(accountant), march_page(dbs), "fr")
    assert 'data-amount="-1351.60"' in html
    assert 'data-amount="-1351,60"' not in html


SCRIPT = Path(settings.BASE_DIR) / "static" / "js" / "bank_month.js"
# A page of two ticked bank lines, a ticked book line and the totals, as the browser
# gives them to the script (document.documentElement.lang is the page's language).
HARNESS = """
const fs = require("fs");
const [lang, amounts, source] = process.argv.slice(1, 4);
const shown = {};
const given = JSON.parse(amounts);
const boxes = {statement_line: given.statement, book_line: given.book};
let ready, changed;
const form = {
  addEventListener: (kind, fn) => { changed = fn; },
  querySelectorAll: (selector) => {
    const name = selector.match(/name="([a-z_]+)"/)[1];
    return boxes[name].map((amount) => ({dataset: {amount}}));
  },
};
const totals = {
  hidden: true,
  querySelector: (selector) => {
    const name = selector.match(/data-total="([a-z_]+)"/)[1];
    return {set textContent(text) { shown[name] = text; }};
  },
};
global.document = {
  documentElement: {lang},
  addEventListener: (kind, fn) => { ready = fn; },
  querySelector: (selector) => (selector === ".bank-lists-form" ? form : totals),
};
eval(fs.readFileSync(source, "utf8"));
ready();
changed();
console.log(JSON.stringify(shown));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
@pytest.mark.parametrize(
    ("lang", "statement_total", "book_total"),
    [("en", "-1,419.90", "-1,404.90"), ("fr", "-1 419,90", "-1 404,90")],
)
def test_the_selection_totals_are_written_in_the_pages_language(
    lang: str, statement_total: str, book_total: str
):
    amounts = {"statement": ["-1404.90", "-15.00"], "book": ["-1404.90"]}
    run = subprocess.run(
        [shutil.which("node") or "node", "-e", HARNESS, lang, json.dumps(amounts), str(SCRIPT)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    shown = json.loads(run.stdout)
    normalise = {ord("\u202f"): " ", ord("\u00a0"): " ", ord("\u2212"): "-"}
    assert shown["statement_line"].translate(normalise) == statement_total
    assert shown["book_line"].translate(normalise) == book_total


# 6. Every problem of a CSV row -------------------------------------------------------


def test_the_preview_lists_every_problem_of_a_row(accountant, dbs):
    csv = (
        "Transaction Date,Reference,Debit Amount,Credit Amount,Transaction Ref1,"
        "Transaction Ref2,Transaction Ref3\r\n"
        "05 Mar 2025,GIRO,10.00,,GOOD LINE,,\r\n"
        "31 Feb 2025,GIRO,abc,,BAD DATE AND AMOUNT,,\r\n"
        "07 Mar 2025,GIRO,x1,y2,BOTH AMOUNTS BAD,,\r\n"
    )
    response = logged_in(accountant).post(
        f"/labs/CINTRA/bank/{dbs.pk}/import/",
        {"file": SimpleUploadedFile("dbs-broken-rows.csv", csv.encode())},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    html = unescape(response.content.decode())
    for problem in (
        "Row 3, column Transaction Date: “31 Feb 2025” is not a date in the form DD Mon YYYY",
        "Row 3, column Debit Amount: “abc” is not an amount",
        "Row 4, column Debit Amount: “x1” is not an amount",
        "Row 4, column Credit Amount: “y2” is not an amount",
    ):
        assert problem in html, problem
    assert "The file has 4 problems: nothing was imported." in html


# 7. The statement's period in the archive --------------------------------------------


def test_the_archive_shows_the_period_of_a_reconciliation_statement(accountant, dbs, books):
    import_march(accountant, dbs)
    issued = bank_reconciliation_issue(
        acting_user=accountant, bank_account=dbs, month=date(2025, 3, 1), language="en"
    )

    assert (issued.parameters["date_from"], issued.parameters["date_to"]) == (
        "2025-03-01",
        "2025-03-31",
    )
    html = page(logged_in(accountant), "/labs/CINTRA/statements/")
    assert "2025-03-01 – 2025-03-31" in html


# 8. A Bank link in the top bar -------------------------------------------------------


def test_the_top_bar_links_to_the_bank_pages_of_the_lab(accountant, director_cintra, auditor, dbs):
    for user in (accountant, director_cintra, auditor):
        client = logged_in(user)
        bank = page(client, "/labs/CINTRA/bank/")
        assert '<a class="topbar-link" href="/labs/CINTRA/bank/" aria-current="page">Bank</a>' in (
            bank
        ), user
        entries = page(client, "/labs/CINTRA/entries/")
        assert '<a class="topbar-link" href="/labs/CINTRA/bank/">Bank</a>' in entries, user
    french = page(logged_in(accountant), f"/labs/CINTRA/bank/{dbs.pk}/", "fr")
    assert 'href="/labs/CINTRA/bank/" aria-current="page">Banque</a>' in french


# 10. The bank's reference kept -------------------------------------------------------


def test_an_entry_created_from_a_bank_line_keeps_the_banks_reference(
    accountant, dbs, books, cintra
):
    import_march(accountant, dbs)
    charge = line_of("-55.30")
    assert charge.reference == "MAR 2025"

    (typed,) = bank_entries_create(
        acting_user=accountant,
        bank_account=dbs,
        statement_line_ids=[charge.pk],
        account=account(cintra, "627"),
        label="Bank charges, March",
    )

    assert typed.label == "Bank charges, March · MAR 2025"


def test_the_upload_limit_is_said_in_megabytes_as_the_readme_says(accountant, dbs, settings):
    settings.BANK_STATEMENT_MAX_BYTES = 10_000_000
    client = logged_in(accountant)
    url = f"/labs/CINTRA/bank/{dbs.pk}/import/"
    assert "at most 10.0 MB" in page(client, url)
    assert "de 10,0 Mo au plus" in page(client, url, "fr")
