"""The demo's bank (banking/demo.py), loaded once for the module as on 3 December 2026:
each lab's DBS account on 5121, the statements of January to November 2026 imported and
reconciled, but one 15.00 cheque-book fee of November that the books lack."""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from pytest_django import DjangoDbBlocker

from banking.models import BankAccount, BankStatement, BankStatementLine
from banking.selectors import bank_account_months, reconciliation_at
from banking.services import bank_entries_create
from ledger.models import Account, AuditEvent

TODAY = date(2026, 12, 3)
LABS = ("BMC2", "CINTRA", "IPAL", "MAJULAB")


@pytest.fixture(scope="module")
def demo_output(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[str]:
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        out = StringIO()
        call_command("load_demo", "--today", TODAY.isoformat(), stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_output: str, db: None) -> str:
    return demo_output


def test_each_lab_has_its_bank_account_and_eleven_statements(demo: str):
    assert "4 bank accounts" in demo and "44 bank statements" in demo
    accounts = BankAccount.objects.select_related("lab", "account").order_by("lab__code")
    assert [(a.lab.code, a.account.code) for a in accounts] == [(code, "5121") for code in LABS]
    for bank_account in accounts:
        assert bank_account.opening_date == date(2025, 12, 31)
        months = BankStatement.objects.filter(bank_account=bank_account)
        assert months.count() == 11
        assert set(months.values_list("format", flat=True)) == {"camt053"}
    assert AuditEvent.objects.filter(action="bank_statement.import").count() == 44


@pytest.mark.parametrize("code", LABS)
def test_every_month_is_reconciled_but_a_fee_of_the_last(demo: str, code: str):
    bank_account = BankAccount.objects.get(lab__code=code)

    months = {m.month: m for m in bank_account_months(bank_account, today=TODAY)}

    for month in range(1, 11):
        assert months[date(2026, month, 1)].state == "reconciled", month
    november = months[date(2026, 11, 1)]
    assert (november.state, november.unmatched) == ("unmatched", 1)
    (fee,) = BankStatementLine.objects.filter(bank_account=bank_account, match_link__isnull=True)
    assert (fee.booking_date, fee.amount) == (date(2026, 11, 30), Decimal("-15.00"))
    figures = reconciliation_at(bank_account, date(2026, 11, 30))
    assert [item.amount for item in figures.bank_items] == [Decimal("-15.00")]
    # The balances agree, but a bank line is still to book: not reconciled, as its
    # month's state says.
    assert figures.balances_agree and not figures.reconciled
    assert figures.state == november.state


def test_the_accountant_books_the_fee_from_the_page_and_november_is_reconciled(demo: str):
    bank_account = BankAccount.objects.get(lab__code="CINTRA")
    fee = BankStatementLine.objects.get(bank_account=bank_account, match_link__isnull=True)
    accountant = User.objects.get(username="accountant")
    client = Client()
    client.force_login(accountant)
    page = client.get(f"/labs/CINTRA/bank/{bank_account.pk}/2026/11/")
    assert page.status_code == 200 and "SERVICE CHARGE CHEQUE BOOK" in page.content.decode()
    line = (
        Account.objects.get(lab=bank_account.lab, code="627")
        .lines.exclude(budget_line=None)
        .order_by("-entry_date")
        .first()
    )
    assert line is not None

    (entry,) = bank_entries_create(
        acting_user=accountant,
        bank_account=bank_account,
        statement_line_ids=[fee.pk],
        account=line.account,
        budget_line=line.budget_line,
    )

    assert entry.number is not None and entry.number.startswith("BQS-2026-")
    months = {m.month: m for m in bank_account_months(bank_account, today=TODAY)}
    assert months[date(2026, 11, 1)].state == "reconciled"
    closing = client.get("/labs/CINTRA/closing/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    november = closing.split("2026-11</span>", 1)[1].split("</tr>", 1)[0]
    assert "Reconciled" in november
