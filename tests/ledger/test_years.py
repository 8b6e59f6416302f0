"""Closing a fiscal year: checklist, closing and opening entries, reopening, and the
invariant "opening balances of N = closing balances of N-1", attacked with raw SQL."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from ledger import services
from ledger.exceptions import (
    NotPermittedError,
    PeriodClosedError,
    YearClosedError,
    YearStateError,
)
from ledger.models import AuditEvent, FiscalYear, JournalEntry, JournalLine, Period
from ledger.selectors import ledger_verify
from ledger.selectors.years import opening_differences, year_heads
from ledger.services.years import (
    fiscal_year_checklist,
    fiscal_year_close,
    fiscal_year_reopen,
)
from tests.books import account, draft, journal
from tests.ledger.rawsql import execute, raw_post_sql, refused


def _post(user, lab, lines, on, journal_code="OD", label="Entry", third_party=""):
    entry = services.entry_create_draft(
        acting_user=user,
        lab=lab,
        journal=journal(lab, journal_code),
        date=on,
        label=label,
        lines=[
            services.LineInput(
                account=account(lab, code),
                debit=Decimal(d),
                credit=Decimal(c),
                label=label,
                third_party=third_party if code.startswith("4") else "",
            )
            for code, d, c in lines
        ],
    )
    return services.entry_post(acting_user=user, entry=entry)


def _close_all_months(lab, year=2025):
    for period in Period.objects.filter(lab=lab, fiscal_year__year=year).order_by("month"):
        if period.status == Period.Status.OPEN:
            services.period_close(acting_user=None, period=period)


@pytest.fixture
def year_2025(accountant, cintra):
    """A year of CINTRA: capital 10,000 in the bank (opening), a grant of 5,000, supplies
    of 1,200 owed to a supplier, 800 of them paid."""
    _post(
        accountant,
        cintra,
        [("512", "10000.00", "0"), ("101", "0", "10000.00")],
        date(2025, 1, 1),
        "AN",
        "Opening balances",
    )
    _post(
        accountant,
        cintra,
        [("512", "5000.00", "0"), ("741", "0", "5000.00")],
        date(2025, 2, 10),
        "BQS",
        "Grant",
    )
    _post(
        accountant,
        cintra,
        [("6064", "1200.00", "0"), ("401", "0", "1200.00")],
        date(2025, 3, 14),
        "ACH",
        "Supplies",
        third_party="SUP-A",
    )
    _post(
        accountant,
        cintra,
        [("401", "800.00", "0"), ("512", "0", "800.00")],
        date(2025, 4, 2),
        "BQS",
        "Payment",
        third_party="SUP-A",
    )
    return FiscalYear.objects.get(lab=cintra, year=2025)


def test_the_checklist_names_what_stops_the_closing(accountant, cintra, year_2025):
    waiting = draft(accountant, cintra, [("6064", "10.00", "0"), ("401", "0", "10.00")])
    checklist = fiscal_year_checklist(year_2025)
    failing = {item.code: item for item in checklist.failing}
    assert set(failing) == {"months", "drafts"}
    assert len(failing["months"].details) == 12
    assert failing["drafts"].details == (f"ACH draft #{waiting.pk} of 2025-03-14: Supplies",)
    with pytest.raises(YearStateError) as info:
        fiscal_year_close(acting_user=accountant, fiscal_year=year_2025)
    assert "cannot be closed yet: 12 month(s) still open" in str(info.value)
    assert "1 draft entry left: post or delete it" in str(info.value)
    assert not JournalEntry.objects.filter(year_end__in=["closing", "opening"]).exists()


def test_closing_posts_the_result_and_the_opening_balances(accountant, cintra, year_2025):
    _close_all_months(cintra)
    fiscal_year_close(acting_user=accountant, fiscal_year=year_2025)

    year_2025.refresh_from_db()
    assert year_2025.status == "closed"
    closing = JournalEntry.objects.get(year_end="closing")
    assert (closing.number, closing.date) == ("OD-2025-000001", date(2025, 12, 31))
    result_lines = {
        (ln.account.code, ln.debit, ln.credit) for ln in closing.lines.select_related("account")
    }
    assert result_lines == {
        ("6064", Decimal("0.00"), Decimal("1200.00")),
        ("741", Decimal("5000.00"), Decimal("0.00")),
        ("120", Decimal("0.00"), Decimal("3800.00")),  # a surplus of 3,800
    }
    opening = JournalEntry.objects.get(year_end="opening")
    assert (opening.number, opening.date, opening.fiscal_year.year) == (
        "AN-2026-000001",
        date(2026, 1, 1),
        2026,
    )
    carried = {
        (ln.account.code, ln.third_party_id, ln.debit, ln.credit)
        for ln in opening.lines.select_related("account")
    }
    assert carried == {
        ("101", None, Decimal("0.00"), Decimal("10000.00")),
        ("120", None, Decimal("0.00"), Decimal("3800.00")),
        ("401", "SUP-A", Decimal("0.00"), Decimal("400.00")),
        ("512", None, Decimal("14200.00"), Decimal("0.00")),
    }
    next_year = FiscalYear.objects.get(lab=cintra, year=2026)
    assert next_year.periods.count() == 12 and next_year.status == "open"
    assert opening_differences(year_2025, next_year) == []
    # One chain across the years: the opening entry follows the closing entry.
    assert opening.prev_hash == closing.hash
    assert ledger_verify(lab=cintra).ok
    heads = year_heads(cintra.pk)
    assert [(h.year, h.number) for h in heads] == [
        (2025, "OD-2025-000001"),
        (2026, "AN-2026-000001"),
    ]
    event = AuditEvent.objects.get(action="fiscal_year.close")
    assert event.after is not None
    assert (event.after["closing_entry"], event.after["opening_entry"]) == (
        "OD-2025-000001",
        "AN-2026-000001",
    )


def test_a_closed_year_accepts_no_posting(accountant, office_head, cintra, year_2025):
    _close_all_months(cintra)
    fiscal_year_close(acting_user=accountant, fiscal_year=year_2025)
    with pytest.raises(YearClosedError) as info:
        _post(accountant, cintra, [("6064", "5.00", "0"), ("512", "0", "5.00")], date(2025, 12, 31))
    assert "the fiscal year 2025 of CINTRA is closed" in str(info.value)
    # Its months stay closed: reopening one needs the year reopened first.
    december = Period.objects.get(lab=cintra, fiscal_year=year_2025, month=12)
    assert "LEDGER_YEAR_CLOSED" in refused(
        "UPDATE ledger_period SET status = 'open' WHERE id = %s", [december.pk]
    )


def test_raw_sql_cannot_post_into_a_closed_year(accountant, cintra, year_2025):
    _close_all_months(cintra)
    fiscal_year_close(acting_user=accountant, fiscal_year=year_2025)
    # A draft sneaked into the closed year by hand cannot be posted by hand either.
    execute(
        "INSERT INTO ledger_journalentry (lab_id, journal_id, fiscal_year_id, date, label,"
        " piece_ref, status, prev_hash, hash, created_by_id, created_at, source_key, year_end)"
        " VALUES (%s, %s, %s, '2025-06-30', 'Late', '', 'draft', '', '', %s, %s, '', '')",
        [
            cintra.pk,
            journal(cintra, "OD").pk,
            year_2025.pk,
            accountant.pk,
            connection.ops.adapt_datetimefield_value(timezone.now()),
        ],
    )
    sneaked = JournalEntry.objects.get(label="Late")
    JournalLine.objects.bulk_create(
        [
            JournalLine(entry=sneaked, lab=cintra, account=account(cintra, "6064"), debit=5),
            JournalLine(entry=sneaked, lab=cintra, account=account(cintra, "512"), credit=5),
        ]
    )
    sql, params = raw_post_sql(sneaked, seq=2, chain_index=6)
    assert "LEDGER_YEAR_CLOSED" in refused(sql, params)


def test_raw_sql_cannot_close_a_year_whose_openings_differ(
    accountant, office_head, cintra, year_2025
):
    _close_all_months(cintra)
    fiscal_year_close(acting_user=accountant, fiscal_year=year_2025)
    year_2025.refresh_from_db()
    fiscal_year_reopen(acting_user=office_head, fiscal_year=year_2025, reason="Audit finding")
    # Reopened, a change in 2025 is possible once December is reopened...
    december = Period.objects.get(lab=cintra, fiscal_year=year_2025, month=12)
    services.period_reopen(acting_user=office_head, period=december, reason="Late invoice")
    _post(accountant, cintra, [("6064", "50.00", "0"), ("512", "0", "50.00")], date(2025, 12, 20))
    # (OD-2025-000002; the complementary closing entry follows it)
    services.period_close(acting_user=None, period=december)
    # ...and marking the year closed by hand, without the complementary entries, fails.
    assert "LEDGER_OPENING_BALANCES" in refused(
        "UPDATE ledger_fiscalyear SET status = 'closed' WHERE id = %s", [year_2025.pk]
    )
    # Closing it again posts complements, never an edit: the invariant holds again.
    fiscal_year_close(acting_user=accountant, fiscal_year=year_2025)
    complements = JournalEntry.objects.filter(year_end__in=["closing", "opening"]).order_by("id")
    assert [e.number for e in complements] == [
        "OD-2025-000001",
        "AN-2026-000001",
        "OD-2025-000003",
        "AN-2026-000002",
    ]
    second_opening = complements[3]
    assert {(ln.account.code, ln.debit, ln.credit) for ln in second_opening.lines.all()} == {
        ("120", Decimal("50.00"), Decimal("0.00")),
        ("512", Decimal("0.00"), Decimal("50.00")),
    }
    assert opening_differences(year_2025, FiscalYear.objects.get(lab=cintra, year=2026)) == []
    assert ledger_verify(lab=cintra).ok


def test_raw_sql_cannot_type_opening_balances_into_a_following_year(accountant, cintra, year_2025):
    _close_all_months(cintra)
    fiscal_year_close(acting_user=accountant, fiscal_year=year_2025)
    # Through the services: refused.
    with pytest.raises(YearClosedError) as info:
        _post(
            accountant, cintra, [("512", "1.00", "0"), ("101", "0", "1.00")], date(2026, 1, 1), "AN"
        )
    assert "the opening balances of 2026 come from closing the year before" in str(info.value)
    # By hand, as a year-end opening entry once 2025 is closed: refused by the database.
    entry = draft(
        accountant,
        cintra,
        [("512", "1.00", "0"), ("101", "0", "1.00")],
        journal_code="AN",
        on=date(2026, 1, 1),
    )
    execute("UPDATE ledger_journalentry SET year_end = 'opening' WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    sql, params = raw_post_sql(entry, seq=2, chain_index=7)
    assert "LEDGER_OPENING_BALANCES" in refused(sql, params)


def test_an_opening_entry_cannot_be_edited(accountant, cintra, year_2025):
    _close_all_months(cintra)
    fiscal_year_close(acting_user=accountant, fiscal_year=year_2025)
    opening = JournalEntry.objects.get(year_end="opening")
    line = opening.lines.get(account__code="512")
    assert "LEDGER_FROZEN" in refused(
        "UPDATE ledger_journalline SET debit = debit + 100 WHERE id = %s", [line.pk]
    )
    assert "LEDGER_FROZEN" in refused(
        "UPDATE ledger_journalentry SET year_end = '' WHERE id = %s", [opening.pk]
    )


def test_a_chain_that_does_not_continue_across_years_is_named(accountant, cintra, year_2025):
    from ledger import db_guards

    _close_all_months(cintra)
    fiscal_year_close(acting_user=accountant, fiscal_year=year_2025)
    opening = JournalEntry.objects.get(year_end="opening")
    db_guards.drop(connection)
    try:
        execute(
            "UPDATE ledger_journalentry SET prev_hash = %s WHERE id = %s", ["0" * 64, opening.pk]
        )
        result = ledger_verify(lab=cintra)
    finally:
        db_guards.install(connection)
    assert result.first_bad == "AN-2026-000001"
    assert result.reason == "does not point to the previous entry's hash"


def test_reopening_needs_the_office_head_and_a_reason(accountant, office_head, cintra, year_2025):
    _close_all_months(cintra)
    fiscal_year_close(acting_user=accountant, fiscal_year=year_2025)
    with pytest.raises(NotPermittedError):
        fiscal_year_reopen(acting_user=accountant, fiscal_year=year_2025, reason="Because")
    with pytest.raises(YearStateError) as info:
        fiscal_year_reopen(acting_user=office_head, fiscal_year=year_2025, reason="  ")
    assert str(info.value) == "Reopening a closed fiscal year needs a written reason"
    fiscal_year_reopen(acting_user=office_head, fiscal_year=year_2025, reason="Auditor's request")
    event = AuditEvent.objects.get(action="fiscal_year.reopen")
    assert event.after == {"status": "open", "reason": "Auditor's request"}
    assert event.actor == office_head


def test_year_end_entries_are_refused_off_their_day(accountant, cintra, year_2025):
    entry = draft(
        accountant,
        cintra,
        [("6064", "1.00", "0"), ("120", "0", "1.00")],
        journal_code="OD",
        on=date(2025, 6, 30),
    )
    execute("UPDATE ledger_journalentry SET year_end = 'closing' WHERE id = %s", [entry.pk])
    with pytest.raises(YearClosedError):
        services.entry_post(acting_user=accountant, entry=entry)
    entry.refresh_from_db()
    sql, params = raw_post_sql(entry, seq=1, chain_index=5)
    assert "LEDGER_YEAR_END" in refused(sql, params)


def test_posting_into_a_year_not_opened_says_how(accountant, cintra):
    with pytest.raises(Exception) as info:
        draft(
            accountant, cintra, [("6064", "1.00", "0"), ("401", "0", "1.00")], on=date(2026, 2, 3)
        )
    assert "open 2026 first" in str(info.value)
    assert "open_year --lab CINTRA --year 2026" in str(info.value)


def test_a_closed_month_refuses_posting_still(accountant, cintra, year_2025):
    january = Period.objects.get(lab=cintra, fiscal_year=year_2025, month=1)
    services.period_close(acting_user=None, period=january)
    with pytest.raises(PeriodClosedError):
        _post(accountant, cintra, [("6064", "1.00", "0"), ("401", "0", "1.00")], date(2025, 1, 20))


def test_verify_ledger_checks_the_opening_balances_of_each_closed_year(
    accountant, cintra, year_2025
):
    from ledger import db_guards

    services.fiscal_year_open(acting_user=None, lab=cintra, year=2026)
    db_guards.drop(connection)
    try:  # a year marked closed by hand, around the closing: no opening entry
        execute("UPDATE ledger_fiscalyear SET status = 'closed' WHERE id = %s", [year_2025.pk])
        result = ledger_verify(lab=cintra)
    finally:
        db_guards.install(connection)
    assert result.first_bad == "opening balances of 2026"
    assert result.reason.startswith("5 account(s) differ from the closing balances of 2025, first")


def test_verify_ledger_prints_where_each_year_ends_in_the_chain(accountant, cintra, year_2025):
    from io import StringIO

    from django.core.management import call_command

    _close_all_months(cintra)
    fiscal_year_close(acting_user=accountant, fiscal_year=year_2025)
    out = StringIO()
    call_command("verify_ledger", "--lab", "CINTRA", stdout=out)
    closing = JournalEntry.objects.get(year_end="closing")
    assert f"  2025: last in the chain OD-2025-000001 (#5), hash {closing.hash}" in out.getvalue()
    assert "  2026: last in the chain AN-2026-000001 (#6)" in out.getvalue()


def test_years_open_without_gaps(cintra):
    with pytest.raises(YearStateError) as info:
        services.fiscal_year_open(acting_user=None, lab=cintra, year=2027)
    assert str(info.value) == (
        "CINTRA keeps the fiscal years 2025 to 2025: the year to open is 2026 "
        "(years follow on without gaps), not 2027"
    )
    opened = services.fiscal_year_open(acting_user=None, lab=cintra, year=2026)
    assert [p.start_date for p in opened.periods.order_by("month")][::11] == [
        date(2026, 1, 1),
        date(2026, 12, 1),
    ]
    assert AuditEvent.objects.filter(action="fiscal_year.open", object_id=str(opened.pk)).exists()
