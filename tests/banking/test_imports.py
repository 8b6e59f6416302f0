"""Importing statements into a bank account: all or nothing, audited, each line kept
once (the same file twice, overlapping files), and the file's own checks (its account,
currency and balances)."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from banking.models import BankAccount, BankStatement, BankStatementLine
from banking.services import bank_account_create, bank_account_update, bank_statement_import
from irls.models import Lab
from ledger.exceptions import NotPermittedError
from ledger.models import AuditEvent
from tests.banking.story import file
from tests.books import account

D = Decimal


def load(user: User, bank_account: BankAccount, name: str, data: bytes | None = None, **kw):
    return bank_statement_import(
        acting_user=user,
        bank_account=bank_account,
        file_name=name,
        data=file(name) if data is None else data,
        **kw,
    )


def test_a_csv_export_is_kept_as_one_statement_with_its_lines(accountant: User, dbs: BankAccount):
    outcome = load(accountant, dbs, "dbs-cintra-2025-03.csv")

    statement = outcome.statement
    assert statement is not None and outcome.ok
    assert (statement.format, statement.lines_in_file, statement.lines_added) == ("csv", 8, 8)
    assert (statement.period_start, statement.period_end) == (date(2025, 3, 3), date(2025, 3, 31))
    assert statement.sha256 == outcome.sha256 and statement.imported_by == accountant
    lines = list(BankStatementLine.objects.filter(bank_account=dbs).order_by("id"))
    assert sum(line.amount for line in lines) == D("68556.06")
    assert {line.lab_id for line in lines} == {dbs.lab_id}
    event = AuditEvent.objects.get(action="bank_statement.import")
    assert event.object_id == str(statement.pk) and event.actor == accountant
    after = event.after or {}
    assert after["lines_added"] == 8 and after["sha256"] == outcome.sha256


def test_the_same_file_twice_adds_nothing_and_writes_nothing(accountant: User, dbs: BankAccount):
    load(accountant, dbs, "dbs-cintra-2025-03.csv")
    events = AuditEvent.objects.count()

    again = load(accountant, dbs, "dbs-cintra-2025-03.csv")

    assert again.ok and again.statement is None
    assert (len(again.new_lines), again.known) == (0, 8)
    assert BankStatement.objects.count() == 1
    assert BankStatementLine.objects.count() == 8
    assert AuditEvent.objects.count() == events


def test_an_overlapping_csv_adds_only_its_new_lines_identical_lines_of_a_day_both_kept(
    accountant: User, dbs: BankAccount
):
    load(accountant, dbs, "dbs-cintra-2025-03.csv")

    overlap = load(accountant, dbs, "dbs-cintra-2025-03-15-to-04-15.csv")

    # 20-31 March were kept already; 1 April, 2 April and the two 12.00 fees of 10 April
    # (the same date, amount and text: the second is another fee, not the same one) are new.
    assert (overlap.known, len(overlap.new_lines)) == (4, 4)
    fees = BankStatementLine.objects.filter(booking_date=date(2025, 4, 10))
    assert [line.amount for line in fees] == [D("-12.00"), D("-12.00")]
    assert load(accountant, dbs, "dbs-cintra-2025-03-15-to-04-15.csv").statement is None
    assert BankStatementLine.objects.count() == 12


def test_overlapping_camt_files_are_known_by_the_banks_transaction_ids(
    accountant: User, cintra: Lab, books: dict
):
    camt = bank_account_create(
        acting_user=accountant,
        lab=cintra,
        account=account(cintra, "512"),
        name="DBS (CAMT)",
        account_number="0123456789",
    )
    first = load(accountant, camt, "camt053-cintra-2025-03.xml")
    # No starting balance was given: the first statement that gives one sets it.
    camt.refresh_from_db()
    assert (camt.opening_date, camt.opening_balance) == (date(2025, 2, 28), D("85000.00"))
    assert first.statement is not None
    assert (first.statement.opening_balance, first.statement.closing_balance) == (
        D("85000.00"),
        D("153556.06"),
    )

    second = load(accountant, camt, "camt053-cintra-2025-03-15-to-04-15.xml")

    assert (second.known, len(second.new_lines)) == (4, 3)
    assert second.warnings == []  # its opening balance follows from the lines kept
    assert BankStatementLine.objects.filter(bank_account=camt).count() == 11
    ids = set(BankStatementLine.objects.values_list("bank_transaction_id", flat=True))
    assert "BK250410000101" in ids and "BK250331PDNG01" not in ids


def test_a_gap_between_statements_is_said_in_the_preview(accountant: User, cintra: Lab, books):
    camt = bank_account_create(
        acting_user=accountant,
        lab=cintra,
        account=account(cintra, "512"),
        name="DBS (CAMT)",
        opening_date=date(2025, 2, 28),
        opening_balance=D("85000.00"),
    )
    preview = load(accountant, camt, "camt053-cintra-2025-03-15-to-04-15.xml", dry_run=True)

    assert preview.ok and preview.statement is None
    assert preview.warnings == [
        "The bank's opening balance on 2025-03-15 is 155,930.48, but the lines imported so "
        "far give 85,000.00: a statement before this one may be missing"
    ]
    assert BankStatementLine.objects.count() == 0


def test_a_file_with_a_problem_writes_nothing(accountant: User, dbs: BankAccount):
    outcome = load(accountant, dbs, "dbs-broken.csv")

    assert not outcome.ok and outcome.statement is None
    assert len(outcome.problems) == 4
    assert BankStatement.objects.count() == 0 and BankStatementLine.objects.count() == 0
    assert not AuditEvent.objects.filter(action="bank_statement.import").exists()


def test_a_statement_of_another_account_or_currency_is_refused(accountant, cintra, books):
    other = bank_account_create(
        acting_user=accountant,
        lab=cintra,
        account=account(cintra, "512"),
        name="UOB",
        account_number="3123456789",
    )
    outcome = load(accountant, other, "ofx-cintra-2025-03.ofx")
    assert [str(p) for p in outcome.problems] == [
        "The file is a statement of account 0123456789, not of UOB (3123456789)"
    ]
    bank_account_update(acting_user=accountant, bank_account=other, account_number="")
    eur = bank_account_create(
        acting_user=accountant,
        lab=cintra,
        account=account(cintra, "5122"),
        name="EUR",
        currency="EUR",
    )
    outcome = load(accountant, eur, "ofx-cintra-2025-03.ofx")
    assert [str(p) for p in outcome.problems] == ["the amount is in SGD, the bank account in EUR"]


def test_balances_that_the_lines_do_not_explain_are_a_problem(accountant, dbs):
    data = file("camt053-cintra-2025-03.xml").replace(b"153556.06", b"153656.06")

    outcome = load(accountant, dbs, "march.xml", data=data)

    assert [str(p) for p in outcome.problems] == [
        "The file's balances do not agree with its lines: opening 85,000.00 + lines "
        "68,556.06 = 153,556.06, but the closing balance is 153,656.06 (a line is missing?)"
    ]


def test_a_csv_needs_the_bank_accounts_mapping(accountant, cintra, books):
    bare = bank_account_create(
        acting_user=accountant, lab=cintra, account=account(cintra, "512"), name="Bare"
    )
    outcome = load(accountant, bare, "dbs-cintra-2025-03.csv")
    assert [str(p) for p in outcome.problems] == [
        "The bank account Bare has no CSV column mapping yet: say which columns hold the "
        "date and the amounts on its settings page"
    ]


@override_settings(BANK_STATEMENT_MAX_BYTES=500)
def test_a_file_over_the_size_limit_is_refused_before_it_is_read(accountant, dbs):
    outcome = load(accountant, dbs, "dbs-cintra-2025-03.csv")
    assert [str(p) for p in outcome.problems] == [
        "dbs-cintra-2025-03.csv is 778 bytes: a bank statement is at most 500 bytes"
    ]


def test_directors_and_auditors_import_nothing(director_cintra, auditor, dbs):
    for user in (director_cintra, auditor):
        with pytest.raises(NotPermittedError):
            load(user, dbs, "dbs-cintra-2025-03.csv")
    assert BankStatementLine.objects.count() == 0


def test_a_line_kept_twice_is_refused_by_the_database(accountant, dbs):
    """Two imports racing past the preview: the unique fingerprint keeps one."""
    load(accountant, dbs, "dbs-cintra-2025-03.csv")
    line = BankStatementLine.objects.first()
    assert line is not None
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        BankStatementLine.objects.create(
            statement=line.statement,
            bank_account=dbs,
            lab=dbs.lab,
            booking_date=line.booking_date,
            amount=line.amount,
            fingerprint=line.fingerprint,
        )
