"""Entries written posted at once (the bulk path of imports: the lines first, dated, then
the entry, posted), attacked with raw SQL: the database holds every invariant of a
posting on this path too."""

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from irls.models import Lab
from ledger.models import BudgetSpending, JournalEntry, JournalLine
from tests.books import account, budget_line, close_months, draft, journal, posted
from tests.ledger.rawsql import execute, refused

MARCH = date(2025, 3, 14)
APRIL = date(2025, 4, 2)

LINE_AHEAD = (
    "INSERT INTO ledger_journalline (entry_id, lab_id, account_id, label, debit, credit,"
    " fx_rate_source, third_party, entry_date, budget_line_id)"
    " VALUES (%s, %s, %s, '', %s, %s, '', NULL, %s, %s)"
)
ENTRY_AT_ONCE = (
    "INSERT INTO ledger_journalentry (id, lab_id, journal_id, fiscal_year_id, date, label,"
    " piece_ref, source_key, status, seq, number, chain_index, prev_hash, hash, created_by_id,"
    " created_at, posted_by_id, posted_at)"
    " VALUES (%s, %s, %s, %s, %s, 'raw', '', '', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


class _Rollback(Exception):
    pass


@contextmanager
def rolled_back() -> Iterator[None]:
    """Lines written ahead of an entry that was refused cannot be deleted (they are
    dated) and their foreign key fails at commit: like an import, the attempt rolls back."""
    with suppress(_Rollback), transaction.atomic():
        yield
        raise _Rollback


def free_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) + 1000 FROM ledger_journalentry")
        return int(cursor.fetchone()[0])


def day(value: date | None) -> Any:
    return connection.ops.adapt_datefield_value(value)


def lines_ahead(
    entry_id: int,
    lab: Lab,
    lines: list[tuple[str, int, int]],
    dated: date | None = MARCH,
    budget: int | None = None,
) -> None:
    for code, debit, credit in lines:
        execute(
            LINE_AHEAD,
            [entry_id, lab.pk, account(lab, code).pk, debit, credit, day(dated), budget],
        )


def entry_at_once(
    entry_id: int,
    lab: Lab,
    user: Any,
    *,
    seq: int = 1,
    chain_index: int = 1,
    prev_hash: str = "",
    status: str = "posted",
    on: date = MARCH,
) -> tuple[str, list[Any]]:
    year = lab.fiscal_years.get(year=on.year)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    posted_fields = status == "posted"
    return ENTRY_AT_ONCE, [
        entry_id,
        lab.pk,
        journal(lab, "ACH").pk,
        year.pk,
        day(on),
        status,
        seq if posted_fields else None,
        f"ACH-{on.year}-{seq:06d}" if posted_fields else None,
        chain_index if posted_fields else None,
        prev_hash,
        "f" * 64 if posted_fields else "",
        user.pk,
        now,
        user.pk if posted_fields else None,
        now if posted_fields else None,
    ]


BALANCED = [("6064", 1000, 0), ("401", 0, 1000)]


def test_an_entry_posted_after_its_dated_balanced_lines_is_accepted(accountant, cintra):
    entry_id = free_id()
    lines_ahead(entry_id, cintra, BALANCED)
    execute(*entry_at_once(entry_id, cintra, accountant))
    entry = JournalEntry.objects.get(pk=entry_id)
    assert entry.status == "posted" and entry.number == "ACH-2025-000001"
    assert list(entry.lines.values_list("entry_date", flat=True)) == [MARCH, MARCH]
    # ... and frozen like any posted entry.
    assert "LEDGER_FROZEN" in refused(
        LINE_AHEAD, [entry_id, cintra.pk, account(cintra, "6064").pk, 5, 0, day(MARCH), None]
    )
    assert "LEDGER_FROZEN" in refused(
        "UPDATE ledger_journalline SET debit = 1 WHERE entry_id = %s", [entry_id]
    )


def test_lines_written_ahead_feed_the_budget_spending(accountant, cintra):
    line = budget_line(cintra, "OP-SUP", "5000.00")
    entry_id = free_id()
    lines_ahead(entry_id, cintra, [("6063", 1250, 0)], budget=line.pk)
    lines_ahead(entry_id, cintra, [("401", 0, 1250)])
    execute(*entry_at_once(entry_id, cintra, accountant))
    spending = BudgetSpending.objects.get(budget_line=line, month=date(2025, 3, 1))
    assert spending.amount == Decimal("12.50")


@pytest.mark.parametrize(
    ("lines", "dated", "tag"),
    [
        ([("6064", 1000, 0), ("401", 0, 900)], MARCH, "LEDGER_UNBALANCED"),
        ([("6064", 1000, 0)], MARCH, "LEDGER_UNBALANCED"),
        ([], MARCH, "LEDGER_TOO_FEW_LINES"),
        (BALANCED, date(2025, 3, 15), "LEDGER_FROZEN"),
        (BALANCED, None, "LEDGER_FROZEN"),
        ([("6063", 1000, 0), ("401", 0, 1000)], MARCH, "LEDGER_BUDGET_MISSING"),
    ],
)
def test_an_entry_posted_at_once_passes_every_check_of_its_lines(
    accountant, cintra, lines, dated, tag
):
    with rolled_back():
        entry_id = free_id()
        lines_ahead(entry_id, cintra, lines, dated=dated)
        assert tag in refused(*entry_at_once(entry_id, cintra, accountant))


def test_lines_of_another_lab_cannot_be_posted_with_an_entry(accountant, cintra, majulab):
    with rolled_back():
        entry_id = free_id()
        lines_ahead(entry_id, majulab, BALANCED)
        assert "LEDGER_CROSS_LAB" in refused(*entry_at_once(entry_id, cintra, accountant))
        assert "LEDGER_CROSS_LAB" in refused(
            *entry_at_once(entry_id, cintra, accountant, status="draft")
        )


def test_a_posting_at_once_follows_the_numbers_the_chain_and_the_open_months(
    accountant, office_head, cintra
):
    first = posted(accountant, cintra)
    after: dict[str, Any] = {"seq": 2, "chain_index": 2, "prev_hash": first.hash}
    close_months(cintra, 4, user=office_head)  # April closed, March open
    with rolled_back():
        entry_id = free_id()
        lines_ahead(entry_id, cintra, BALANCED)
        assert "LEDGER_NUMBERING" in refused(
            *entry_at_once(entry_id, cintra, accountant, **{**after, "seq": 3})
        )
        assert "LEDGER_CHAIN" in refused(
            *entry_at_once(entry_id, cintra, accountant, **{**after, "prev_hash": "0" * 64})
        )
    with rolled_back():
        entry_id = free_id()
        lines_ahead(entry_id, cintra, BALANCED, dated=APRIL)
        assert "LEDGER_PERIOD_CLOSED" in refused(
            *entry_at_once(entry_id, cintra, accountant, **after, on=APRIL)
        )
    with rolled_back():  # the control: the same entry, in order, is accepted
        entry_id = free_id()
        lines_ahead(entry_id, cintra, BALANCED)
        execute(*entry_at_once(entry_id, cintra, accountant, **after))


def test_dated_lines_belong_only_to_an_entry_posted_at_once(accountant, cintra):
    # Written ahead of a draft: refused when the draft arrives.
    with rolled_back():
        entry_id = free_id()
        lines_ahead(entry_id, cintra, BALANCED)
        assert "LEDGER_FROZEN" in refused(
            *entry_at_once(entry_id, cintra, accountant, status="draft")
        )
    # Added to an existing draft, or dated afterwards: refused.
    existing = draft(accountant, cintra, BALANCED_DECIMAL)
    assert "LEDGER_FROZEN" in refused(
        LINE_AHEAD, [existing.pk, cintra.pk, account(cintra, "6064").pk, 5, 0, day(MARCH), None]
    )
    assert "LEDGER_FROZEN" in refused(
        "UPDATE ledger_journalline SET entry_date = %s WHERE entry_id = %s",
        [day(MARCH), existing.pk],
    )
    # Any other status is refused.
    assert "LEDGER_NOT_DRAFT" in refused(
        *entry_at_once(free_id(), cintra, accountant, status="reversed")
    )


BALANCED_DECIMAL = [("6064", "10.00", "0"), ("401", "0", "10.00")]


@pytest.mark.django_db(transaction=True)
def test_dated_lines_whose_entry_never_comes_cannot_be_committed(cintra):
    """The lines' foreign key to their entry is checked at commit: lines written ahead of
    an entry that is never written roll back, with the spending they fed."""
    line = budget_line(cintra, "OP-SUP", "5000.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        lines_ahead(free_id(), cintra, [("6063", 1000, 0)], budget=line.pk)
        assert BudgetSpending.objects.filter(budget_line=line).exists()
    assert not JournalLine.objects.exists()
    assert not BudgetSpending.objects.filter(budget_line=line).exists()
