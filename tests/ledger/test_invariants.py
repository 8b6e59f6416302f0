"""Each invariant of ARCHITECTURE.md, attacked through the services and with raw SQL."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from djmoney.money import Money

from irls.access import lab_for_user_or_404
from ledger import db_guards, services
from ledger.exceptions import (
    CrossLabError,
    EntryFrozenError,
    InvalidLineError,
    MissingRateError,
    NotPermittedError,
    PeriodClosedError,
    TooFewLinesError,
    UnbalancedEntryError,
)
from ledger.models import AuditEvent, JournalEntry, JournalLine, LedgerSequence, Period
from ledger.selectors import ledger_verify
from tests.books import account, close_months, draft, journal, posted
from tests.ledger.rawsql import execute, raw_post_sql, refused

MARCH = date(2025, 3, 14)


def march(lab):
    return Period.objects.get(lab=lab, month=3)


# 1. Balanced -----------------------------------------------------------------------------


def test_service_refuses_unbalanced_entry_with_accountants_message(accountant, cintra):
    entry = draft(accountant, cintra, [("6064", "1200.00", "0"), ("401", "0", "1150.00")])
    with pytest.raises(UnbalancedEntryError) as info:
        services.entry_post(acting_user=accountant, entry=entry)
    assert str(info.value) == (
        f"Entry ACH draft #{entry.pk} of 2025-03-14 does not balance: "
        "debit 1,200.00 SGD, credit 1,150.00 SGD"
    )
    entry.refresh_from_db()
    assert entry.status == "draft" and entry.number is None


def test_database_refuses_posting_unbalanced_entry_by_raw_sql(accountant, cintra):
    entry = draft(accountant, cintra, [("6064", "1200.00", "0"), ("401", "0", "1150.00")])
    assert "LEDGER_UNBALANCED" in refused(*raw_post_sql(entry, seq=1))


def test_an_entry_without_lines_cannot_be_posted(accountant, cintra):
    entry = draft(accountant, cintra, [])
    with pytest.raises(TooFewLinesError, match="needs at least two lines"):
        services.entry_post(acting_user=accountant, entry=entry)
    assert "LEDGER_TOO_FEW_LINES" in refused(*raw_post_sql(entry, seq=1))


@pytest.mark.django_db(transaction=True)
def test_unbalanced_raw_posting_fails_at_commit(accountant, cintra):
    """The real path on PostgreSQL: the deferred constraint trigger fires at COMMIT."""
    entry = draft(accountant, cintra, [("6064", "1200.00", "0"), ("401", "0", "1150.00")])
    sql, params = raw_post_sql(entry, seq=1)
    with pytest.raises(IntegrityError, match="LEDGER_UNBALANCED"), transaction.atomic():
        execute(sql, params)
    entry.refresh_from_db()
    assert entry.status == "draft"


# 2. Line shape ---------------------------------------------------------------------------

LINE_INSERT = (
    "INSERT INTO ledger_journalline (entry_id, lab_id, account_id, label, debit, credit,"
    " fx_rate_source, third_party) VALUES (%s, %s, %s, '', %s, %s, '', NULL)"
)


@pytest.mark.parametrize(
    ("debit", "credit"), [(10000, 5000), (0, 0), (-100, 0), (0, -100), (-100, 100)]
)
def test_database_refuses_malformed_lines(accountant, cintra, debit, credit):
    entry = draft(accountant, cintra, [("6064", "10", "0"), ("401", "0", "10")])
    refused(LINE_INSERT, [entry.pk, cintra.pk, account(cintra, "6064").pk, debit, credit])


@pytest.mark.parametrize(("debit", "credit"), [("10", "5"), ("0", "0"), ("-3", "0")])
def test_service_refuses_malformed_lines(accountant, cintra, debit, credit):
    with pytest.raises(InvalidLineError, match=r"^Line 1: "):
        draft(accountant, cintra, [("6064", debit, credit), ("401", "0", "10")])
    assert not JournalEntry.objects.exists()


# 3. Frozen once posted -------------------------------------------------------------------


def test_posted_entry_cannot_be_changed_through_services_or_orm(accountant, cintra):
    entry = posted(accountant, cintra)
    with pytest.raises(EntryFrozenError):
        services.entry_update_draft(acting_user=accountant, entry=entry, label="changed")
    with pytest.raises(EntryFrozenError):
        services.entry_delete_draft(acting_user=accountant, entry=entry)
    entry.label = "changed by the ORM"
    with pytest.raises(IntegrityError, match="LEDGER_FROZEN"), transaction.atomic():
        entry.save()
    with pytest.raises(IntegrityError, match="LEDGER_FROZEN"), transaction.atomic():
        entry.lines.update(label="changed")
    with pytest.raises(IntegrityError, match="LEDGER_FROZEN"), transaction.atomic():
        entry.lines.all().delete()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_journalentry SET label = 'x' WHERE id = %s",
        "UPDATE ledger_journalentry SET date = '2025-03-15' WHERE id = %s",
        "UPDATE ledger_journalentry SET status = 'draft', seq = NULL, number = NULL WHERE id = %s",
        "DELETE FROM ledger_journalentry WHERE id = %s",
        "UPDATE ledger_journalline SET debit = debit + 100 WHERE entry_id = %s",
        "DELETE FROM ledger_journalline WHERE entry_id = %s",
    ],
)
def test_database_refuses_raw_changes_to_posted_entries(accountant, cintra, sql):
    entry = posted(accountant, cintra)
    assert "LEDGER_FROZEN" in refused(sql, [entry.pk])


def test_every_column_of_a_posted_line_is_frozen(accountant, cintra):
    """Catches a column added later and forgotten by the SQLite guard (see db_guards)."""
    entry = posted(accountant, cintra)
    line = entry.lines.earliest("id")
    other = draft(accountant, cintra, [("6064", "1", "0"), ("401", "0", "1")])
    new_values = {
        "id": 10**9,
        "entry_id": other.pk,
        "lab_id": cintra.pk,
        "entry_date": "2025-03-15",
        "account_id": account(cintra, "627").pk,
        "label": "x",
        "debit": 1,
        "credit": 0,
        "amount_currency": "1.00",
        "amount_currency_currency": "EUR",
        "fx_rate": "1.5",
        "fx_rate_date": "2025-03-01",
        "fx_rate_source": "bank",
        "third_party": "X",
        "due_date": "2025-04-30",
        "budget_line_id": 10**9,
        "commitment_id": 10**9,
        "source_row": 7,
    }
    columns = [f.column for f in JournalLine._meta.concrete_fields]
    assert set(columns) == set(new_values), "a new line column needs a frozen test value"
    for column in columns:
        assert "LEDGER_FROZEN" in refused(
            f"UPDATE ledger_journalline SET {column} = %s WHERE id = %s",
            [new_values[column], line.pk],
        ), column


def test_database_refuses_adding_a_line_to_a_posted_entry(accountant, cintra):
    entry = posted(accountant, cintra)
    assert "LEDGER_FROZEN" in refused(
        LINE_INSERT, [entry.pk, cintra.pk, account(cintra, "6064").pk, 100, 0]
    )


def test_database_refuses_inserting_a_posted_entry_without_its_lines(accountant, cintra):
    """A posted entry is inserted only after its lines (see test_invariants_at_once.py):
    alone, with the next number and chain link, it is refused."""
    first = posted(accountant, cintra)
    message = refused(
        "INSERT INTO ledger_journalentry (lab_id, journal_id, fiscal_year_id, date, label,"
        " piece_ref, source_key, status, seq, number, created_by_id, created_at, posted_by_id,"
        " posted_at, chain_index, prev_hash, hash) SELECT lab_id, journal_id, fiscal_year_id,"
        " date, label, piece_ref, '', 'posted', 2, 'ACH-2025-000002', created_by_id,"
        " created_at, posted_by_id, posted_at, 2, hash, 'x'"
        " FROM ledger_journalentry WHERE id = %s",
        [first.pk],
    )
    assert "LEDGER_TOO_FEW_LINES" in message


@pytest.mark.postgres_only
def test_postgres_refuses_truncating_the_books(accountant, cintra):
    posted(accountant, cintra)
    execute("SET CONSTRAINTS ALL IMMEDIATE")  # fire the posting's commit-time checks first
    for table in ("ledger_journalline", "ledger_journalentry", "ledger_auditevent"):
        refused(f"TRUNCATE {table} CASCADE")


# 4. Continuous numbering -----------------------------------------------------------------


def test_numbers_are_per_journal_and_continuous(accountant, cintra):
    numbers = [posted(accountant, cintra, piece_ref=f"INV-{i}").number for i in range(3)]
    bank = draft(accountant, cintra, [("401", "5", "0"), ("512", "0", "5")], journal_code="BQS")
    services.entry_post(acting_user=accountant, entry=bank)
    bank.refresh_from_db()
    assert numbers == ["ACH-2025-000001", "ACH-2025-000002", "ACH-2025-000003"]
    assert bank.number == "BQS-2025-000001"


def test_database_refuses_a_gap_a_duplicate_or_a_malformed_number(accountant, cintra):
    first = posted(accountant, cintra)
    entry = draft(accountant, cintra, [("6064", "1", "0"), ("401", "0", "1")])
    assert "LEDGER_NUMBERING" in refused(*raw_post_sql(entry, 3, 2, first.hash))
    refused(*raw_post_sql(entry, seq=1, chain_index=2, prev_hash=first.hash))  # duplicate
    sql, params = raw_post_sql(entry, seq=2, chain_index=2, prev_hash=first.hash)
    params[1] = "ACH-2025-2"
    assert "LEDGER_NUMBERING" in refused(sql, params)


def test_database_refuses_a_posting_that_forks_the_hash_chain(accountant, cintra):
    posted(accountant, cintra)
    entry = draft(accountant, cintra, [("6064", "1", "0"), ("401", "0", "1")])
    assert "LEDGER_CHAIN" in refused(*raw_post_sql(entry, seq=2, chain_index=2, prev_hash="0" * 64))


def test_failed_posting_releases_its_number(accountant, cintra):
    bad = draft(accountant, cintra, [("6064", "2", "0"), ("401", "0", "1")])
    with pytest.raises(UnbalancedEntryError):
        services.entry_post(acting_user=accountant, entry=bad)
    assert posted(accountant, cintra).number == "ACH-2025-000001"


# 5. Closed periods are closed ------------------------------------------------------------


def test_no_posting_into_a_closed_month(accountant, office_head, cintra):
    # Months close in order and a month holding a draft does not close: the draft is
    # dated in March once March is closed.
    close_months(cintra, 1, 2, 3, user=accountant)
    entry = draft(accountant, cintra, [("6064", "10", "0"), ("401", "0", "10")])
    with pytest.raises(PeriodClosedError) as info:
        services.entry_post(acting_user=accountant, entry=entry)
    assert str(info.value) == (
        f"Entry ACH draft #{entry.pk} of 2025-03-14: the period 2025-03 of CINTRA is closed"
    )
    assert "LEDGER_PERIOD_CLOSED" in refused(*raw_post_sql(entry, seq=1))
    with pytest.raises(NotPermittedError):
        services.period_reopen(acting_user=accountant, period=march(cintra), reason="Late bill")
    services.period_reopen(acting_user=office_head, period=march(cintra), reason="Late bill")
    assert services.entry_post(acting_user=accountant, entry=entry).number == "ACH-2025-000001"
    actions = list(
        AuditEvent.objects.filter(object_type="ledger.Period", object_id=str(march(cintra).pk))
        .order_by("id")
        .values_list("action", "actor__username", "after")
    )
    assert actions == [
        ("period.close", "accountant", {"status": "closed"}),
        ("period.reopen", "office_head", {"status": "open", "reason": "Late bill"}),
    ]


def test_reversal_into_a_closed_month_is_refused(accountant, cintra):
    entry = posted(accountant, cintra)
    close_months(cintra, 1, 2, 3, user=accountant)
    with pytest.raises(PeriodClosedError):
        services.entry_reverse(acting_user=accountant, entry=entry, date=date(2025, 3, 20))
    assert JournalEntry.objects.count() == 1


def test_close_period_command(accountant, cintra, capsys):
    for month in ("2025-01", "2025-02", "2025-03"):  # months close in order
        call_command("close_period", "--lab", "CINTRA", "--month", month)
    assert march(cintra).status == "closed"
    with pytest.raises(CommandError, match="already closed"):
        call_command("close_period", "--lab", "CINTRA", "--month", "2025-03")
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("close_period", "--lab", "CINTRA", "--month", "2025-13")
    with pytest.raises(CommandError, match="No lab"):
        call_command("close_period", "--lab", "NOPE", "--month", "2025-03")


# 6. One lab per entry --------------------------------------------------------------------


def test_service_refuses_another_labs_account_or_journal(accountant, cintra, majulab):
    with pytest.raises(CrossLabError, match="Account 6064 belongs to MAJULAB, not to CINTRA"):
        services.entry_create_draft(
            acting_user=accountant,
            lab=cintra,
            journal=journal(cintra, "ACH"),
            date=MARCH,
            label="x",
            lines=[services.LineInput(account=account(majulab, "6064"), debit=Decimal(1))],
        )
    with pytest.raises(CrossLabError, match="Journal ACH belongs to MAJULAB"):
        services.entry_create_draft(
            acting_user=accountant,
            lab=cintra,
            journal=journal(majulab, "ACH"),
            date=MARCH,
            label="x",
            lines=[],
        )
    assert not JournalEntry.objects.exists()


def test_database_refuses_cross_lab_lines_and_journals(accountant, cintra, majulab):
    entry = draft(accountant, cintra, [("6064", "10", "0"), ("401", "0", "10")])
    assert "LEDGER_CROSS_LAB" in refused(
        LINE_INSERT, [entry.pk, cintra.pk, account(majulab, "6064").pk, 100, 0]
    )
    assert "LEDGER_CROSS_LAB" in refused(
        LINE_INSERT, [entry.pk, majulab.pk, account(majulab, "6064").pk, 100, 0]
    )
    assert "LEDGER_CROSS_LAB" in refused(
        "UPDATE ledger_journalline SET account_id = %s WHERE entry_id = %s",
        [account(majulab, "6064").pk, entry.pk],
    )
    assert "LEDGER_CROSS_LAB" in refused(
        "UPDATE ledger_journalentry SET journal_id = %s WHERE id = %s",
        [journal(majulab, "ACH").pk, entry.pk],
    )


# 7. Traceable conversion -----------------------------------------------------------------


def test_conversion_records_rate_date_and_source(accountant, cintra):
    services.exchange_rate_set(
        acting_user=None,
        currency="SGD",
        valid_from=date(2025, 3, 1),
        units_per_eur=Decimal("1.4512"),
        source="chancellery",
    )
    entry = services.entry_create_draft(
        acting_user=accountant,
        lab=cintra,
        journal=journal(cintra, "ACH"),
        date=MARCH,
        label="Paris hotel",
        lines=[
            services.LineInput(
                account=account(cintra, "6256"),
                amount_currency=Money("333.33", "EUR"),
                side="debit",
            ),
            services.LineInput(account=account(cintra, "401"), credit=Decimal("483.73")),
        ],
    )
    line = entry.lines.get(account__code="6256")
    assert line.debit == Decimal("483.73")  # 333.33 x 1.4512 = 483.728496, half-up
    assert (line.fx_rate, line.fx_rate_date, line.fx_rate_source) == (
        Decimal("1.4512"),
        date(2025, 3, 1),
        "chancellery",
    )


def test_missing_rate_is_an_error(accountant, cintra):
    with pytest.raises(MissingRateError, match="No chancellery rate for SGD on or before"):
        services.entry_create_draft(
            acting_user=accountant,
            lab=cintra,
            journal=journal(cintra, "ACH"),
            date=MARCH,
            label="x",
            lines=[
                services.LineInput(
                    account=account(cintra, "6256"), amount_currency=Money("1", "EUR"), side="debit"
                )
            ],
        )


def test_database_refuses_a_converted_amount_without_its_rate(accountant, cintra):
    entry = draft(accountant, cintra, [("6064", "10", "0"), ("401", "0", "10")])
    refused(
        "INSERT INTO ledger_journalline (entry_id, lab_id, account_id, label, debit, credit,"
        " amount_currency, amount_currency_currency, fx_rate_source, third_party)"
        " VALUES (%s, %s, %s, '', 100, 0, 1.00, 'EUR', '', NULL)",
        [entry.pk, cintra.pk, account(cintra, "6064").pk],
    )


# 8. Tamper evidence ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_verify_ledger_names_the_first_tampered_entry(accountant, cintra, capsys):
    entries = [
        posted(accountant, cintra, amount, piece_ref=f"INV-{amount}")
        for amount in ("100.00", "200.00", "300.00")
    ]
    call_command("verify_ledger", "--lab", "CINTRA")
    assert "CINTRA: OK, 3 posted entries" in capsys.readouterr().out
    # An intruder with database access lifts the guards and edits a posted amount,
    # keeping the entry balanced so that only the hash can tell.
    with transaction.atomic():
        db_guards.drop(connection)
        execute(
            "UPDATE ledger_journalline SET debit = 20500 WHERE entry_id = %s AND debit > 0",
            [entries[1].pk],
        )
        execute(
            "UPDATE ledger_journalline SET credit = 20500 WHERE entry_id = %s AND credit > 0",
            [entries[1].pk],
        )
        db_guards.install(connection)
    with pytest.raises(CommandError, match="CINTRA"):
        call_command("verify_ledger")
    out = capsys.readouterr().out
    assert "CINTRA: ALTERED at ACH-2025-000002" in out
    assert "no longer matches its hash" in out


@pytest.mark.django_db(transaction=True)
def test_verify_ledger_detects_a_removed_entry(accountant, cintra):
    entries = [posted(accountant, cintra, piece_ref=f"INV-{i}") for i in range(3)]
    with transaction.atomic():
        db_guards.drop(connection)
        execute("DELETE FROM ledger_auditevent WHERE object_id = %s", [str(entries[1].pk)])
        execute("DELETE FROM ledger_journalline WHERE entry_id = %s", [entries[1].pk])
        execute("DELETE FROM ledger_journalentry WHERE id = %s", [entries[1].pk])
        db_guards.install(connection)
    result = ledger_verify(lab=cintra)
    assert (result.first_bad, result.entries) == ("ACH-2025-000003", 1)


# 9. Nothing half-done --------------------------------------------------------------------


def test_a_batch_posting_is_all_or_nothing(accountant, cintra):
    good = draft(accountant, cintra, [("6064", "10", "0"), ("401", "0", "10")])
    bad = draft(accountant, cintra, [("6064", "10", "0"), ("401", "0", "9")], on=date(2025, 3, 20))
    events = AuditEvent.objects.count()
    with pytest.raises(UnbalancedEntryError):
        services.entries_post(acting_user=accountant, entries=[good, bad])
    assert set(JournalEntry.objects.values_list("status", flat=True)) == {"draft"}
    assert not LedgerSequence.objects.filter(last_seq__gt=0).exists()
    assert AuditEvent.objects.count() == events


def test_a_draft_with_a_bad_line_writes_nothing(accountant, cintra):
    with pytest.raises(InvalidLineError, match=r"^Line 3: "):
        draft(accountant, cintra, [("6064", "10", "0"), ("401", "0", "10"), ("627", "1", "1")])
    assert (JournalEntry.objects.count(), JournalLine.objects.count()) == (0, 0)
    assert not AuditEvent.objects.filter(action__startswith="entry.").exists()


# 10. Labs are walls (pages come later; the lookup helper holds the wall) -----------------


def test_a_director_cannot_look_up_another_lab(director_cintra, majulab):
    assert lab_for_user_or_404(director_cintra, "CINTRA").code == "CINTRA"
    with pytest.raises(Http404):
        lab_for_user_or_404(director_cintra, "MAJULAB")
    with pytest.raises(Http404):
        lab_for_user_or_404(director_cintra, "NO-SUCH-LAB")


def test_only_accountants_and_office_head_write(director_cintra, auditor, cintra):
    for reader in (director_cintra, auditor):
        with pytest.raises(NotPermittedError, match="may not record entries in CINTRA"):
            draft(reader, cintra, [("6064", "10", "0"), ("401", "0", "10")])


# The audit trail is append-only ----------------------------------------------------------


def test_audit_trail_is_append_only(accountant, cintra):
    posted(accountant, cintra)
    event = AuditEvent.objects.earliest("id")
    assert "LEDGER_AUDIT_APPEND_ONLY" in refused(
        "UPDATE ledger_auditevent SET action = 'x' WHERE id = %s", [event.pk]
    )
    assert "LEDGER_AUDIT_APPEND_ONLY" in refused(
        "DELETE FROM ledger_auditevent WHERE id = %s", [event.pk]
    )


def test_statement_archive_is_append_only(accountant, cintra):
    from reports.models import IssuedStatement

    issued = IssuedStatement.objects.create(
        lab=cintra,
        kind="trial-balance",
        format="pdf",
        parameters={},
        file_name="tb.pdf",
        sha256="0" * 64,
        size=3,
        content=b"pdf",
        chain_length=0,
        chain_head="",
        issued_by=accountant,
    )
    assert "LEDGER_ARCHIVE_APPEND_ONLY" in refused(
        "UPDATE reports_issuedstatement SET content = %s WHERE id = %s", [b"forged", issued.pk]
    )
    assert "LEDGER_ARCHIVE_APPEND_ONLY" in refused(
        "DELETE FROM reports_issuedstatement WHERE id = %s", [issued.pk]
    )


@pytest.mark.parametrize(
    ("code", "needs"),
    [
        ("6064", True),
        ("2183", True),
        ("6811", False),
        ("28183", False),
        ("401", False),
        ("706", False),
    ],
)
def test_expense_and_equipment_accounts_ask_for_a_budget_line(cintra, code, needs):
    created = services.account_create(
        acting_user=None, lab=cintra, code=code + "9", name_fr="x", name_en="x"
    )
    assert created.needs_budget_line is needs
