"""The database guards check a whole statement at once on PostgreSQL (statement-level
triggers over the rows an INSERT or COPY writes, and the balance of the entries a
statement posts checked at commit, one set a statement): attacked here with statements
of many rows where only one row is wrong, on both databases (SQLite checks row by row).
"""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from irls.models import Lab
from ledger.models import BudgetSpending, Commitment, JournalEntry, JournalLine
from ledger.services import commitment_create
from ledger.services.rows import copy_rows
from tests.books import account, budget_line, draft, journal, posted
from tests.ledger.rawsql import refused
from tests.ledger.test_invariants_at_once import (
    BALANCED,
    MARCH,
    day,
    entry_at_once,
    free_id,
    lines_ahead,
    rolled_back,
)

LINE_COLUMNS = (
    "entry_id, lab_id, account_id, label, debit, credit, fx_rate_source, third_party,"
    " entry_date, budget_line_id, commitment_id"
)


def lines_sql(rows: list[tuple[Any, ...]]) -> tuple[str, list[Any]]:
    """One INSERT of every line of `rows`: (entry id, lab, account code, debit, credit,
    date, budget line id, commitment id)."""
    values, params = [], []
    for entry_id, lab, code, debit, credit, dated, budget, commitment in rows:
        values.append("(%s, %s, %s, '', %s, %s, '', '', %s, %s, %s)")
        params += [
            entry_id,
            lab.pk,
            account(lab, code).pk,
            debit,
            credit,
            day(dated),
            budget,
            commitment,
        ]
    sql = f"INSERT INTO ledger_journalline ({LINE_COLUMNS}) VALUES {', '.join(values)}"
    return sql, params


def entries_sql(entries: list[tuple[str, list[Any]]]) -> tuple[str, list[Any]]:
    """One INSERT of several entries built by `entry_at_once` (its SQL, their values)."""
    head, row = entries[0][0].split(" VALUES ")
    return head + " VALUES " + ", ".join([row] * len(entries)), [
        value for _, params in entries for value in params
    ]


def three_entries_ahead(lab: Lab, ids: list[int], middle: list[tuple[str, int, int]]) -> None:
    """The lines of three entries written ahead by one INSERT, the middle one's as given."""
    rows: list[tuple[Any, ...]] = []
    for entry_id, lines in zip(ids, [BALANCED, middle, BALANCED], strict=True):
        rows += [(entry_id, lab, code, d, c, MARCH, None, None) for code, d, c in lines]
    with connection.cursor() as cursor:
        cursor.execute(*lines_sql(rows))


def three_entries(user: Any, lab: Lab, ids: list[int], **middle: Any) -> tuple[str, list[Any]]:
    """One INSERT posting three entries in a row (numbers 1-3, chain 1-3), the middle one
    with `middle` changed; the chain's hashes as the entries' own ('f' * 64)."""
    entries = []
    for n, entry_id in enumerate(ids, start=1):
        fields: dict[str, Any] = {
            "seq": n,
            "chain_index": n,
            "prev_hash": "" if n == 1 else "f" * 64,
        }
        number = None
        if n == 2:
            fields |= middle
            number = fields.pop("number", None)
        sql, params = entry_at_once(entry_id, lab, user, **fields)
        if number is not None:
            params[7] = number
        entries.append((sql, params))
    return entries_sql(entries)


def test_three_entries_posted_by_one_statement_are_accepted_and_checked_as_a_set(
    accountant, cintra
):
    first = free_id()
    ids = [first, first + 1, first + 2]
    three_entries_ahead(cintra, ids, BALANCED)
    with connection.cursor() as cursor:
        cursor.execute(*three_entries(accountant, cintra, ids))
    numbers = list(
        JournalEntry.objects.filter(pk__in=ids).order_by("id").values_list("number", flat=True)
    )
    assert numbers == ["ACH-2025-000001", "ACH-2025-000002", "ACH-2025-000003"]


@pytest.mark.parametrize(
    ("middle", "tag"),
    [
        ([("6064", 1000, 0), ("401", 0, 999)], "LEDGER_UNBALANCED"),
        ([("6064", 1000, 0)], "LEDGER_UNBALANCED"),
        ([], "LEDGER_TOO_FEW_LINES"),
        ([("6063", 1000, 0), ("401", 0, 1000)], "LEDGER_BUDGET_MISSING"),
    ],
)
def test_one_wrong_entry_among_many_posted_by_one_statement_fails_them_all(
    accountant, cintra, middle, tag
):
    with rolled_back():
        first = free_id()
        ids = [first, first + 1, first + 2]
        three_entries_ahead(cintra, ids, middle)
        assert tag in refused(*three_entries(accountant, cintra, ids))
    assert not JournalEntry.objects.filter(pk__in=ids).exists()


@pytest.mark.parametrize(
    ("middle", "tag"),
    [
        ({"seq": 5}, "LEDGER_NUMBERING"),
        ({"number": "ACH-2025-000009"}, "LEDGER_NUMBERING"),
        ({"prev_hash": "0" * 64}, "LEDGER_CHAIN"),
        ({"chain_index": 5}, "LEDGER_CHAIN"),
        ({"on": date(2025, 3, 15)}, "LEDGER_FROZEN"),  # its lines carry another date
    ],
)
def test_a_break_in_the_middle_of_a_statement_is_refused(accountant, cintra, middle, tag):
    with rolled_back():
        first = free_id()
        ids = [first, first + 1, first + 2]
        three_entries_ahead(cintra, ids, BALANCED)
        assert tag in refused(*three_entries(accountant, cintra, ids, **middle))


def test_one_line_of_another_lab_among_many_is_refused(accountant, cintra, majulab):
    entry = draft(accountant, cintra, [("6064", "1.00", "0"), ("401", "0", "1.00")])
    rows = [(entry.pk, cintra, "6064", 500, 0, None, None, None)] * 3
    # A line of MAJULAB (its own account) added to CINTRA's entry.
    assert "LEDGER_CROSS_LAB" in refused(
        *lines_sql([*rows, (entry.pk, majulab, "401", 0, 1500, None, None, None)])
    )
    # A line of CINTRA naming MAJULAB's account.
    sql, params = lines_sql([*rows, (entry.pk, cintra, "401", 0, 1500, None, None, None)])
    params[-6] = account(majulab, "401").pk
    assert "LEDGER_CROSS_LAB" in refused(sql, params)
    assert entry.lines.count() == 2


def test_one_line_added_to_a_posted_entry_among_lines_of_a_draft_is_refused(accountant, cintra):
    done = posted(accountant, cintra)
    open_draft = draft(accountant, cintra, [("6064", "1.00", "0"), ("401", "0", "1.00")])
    rows = [(open_draft.pk, cintra, "6064", 100, 0, None, None, None)] * 3
    rows.append((done.pk, cintra, "401", 0, 300, None, None, None))
    assert "LEDGER_FROZEN" in refused(*lines_sql(rows))
    assert done.lines.count() == 2 and open_draft.lines.count() == 2


def test_several_posted_lines_updated_by_one_statement_are_refused(accountant, cintra):
    first, second = posted(accountant, cintra), posted(accountant, cintra, "250.00")
    both = [first.pk, second.pk]
    # Every amount doubled: each entry still balances, and is still refused.
    assert "LEDGER_FROZEN" in refused(
        "UPDATE ledger_journalline SET debit = debit * 2, credit = credit * 2"
        " WHERE entry_id IN (%s, %s)",
        both,
    )
    assert "LEDGER_FROZEN" in refused(
        "UPDATE ledger_journalline SET label = 'changed' WHERE entry_id IN (%s, %s)", both
    )
    assert "LEDGER_FROZEN" in refused(
        "DELETE FROM ledger_journalline WHERE entry_id IN (%s, %s)", both
    )
    amounts = JournalLine.objects.filter(entry_id__in=both).values_list("debit", "credit")
    assert sorted(amounts) == sorted(
        [
            (Decimal("0"), Decimal("100.00")),
            (Decimal("100.00"), Decimal("0")),
            (Decimal("0"), Decimal("250.00")),
            (Decimal("250.00"), Decimal("0")),
        ]
    )


def test_lines_written_ahead_by_one_statement_feed_spending_and_commitments_in_sum(
    accountant, cintra
):
    line = budget_line(cintra, "OP-SUP", "5000.00")
    order = commitment_create(
        acting_user=accountant,
        budget_line=line,
        kind="purchase_order",
        reference="PO-1",
        third_party="SUP-01",
        label="Wafers",
        amount=Decimal("30.00"),
        on=date(2025, 2, 3),
    )
    first = free_id()
    rows: list[tuple[Any, ...]] = []
    for entry_id in (first, first + 1):  # two invoices of the same order, same month
        rows += [
            (entry_id, cintra, "6063", 1250, 0, MARCH, line.pk, order.pk),
            (entry_id, cintra, "401", 0, 1250, MARCH, None, None),
        ]
    with connection.cursor() as cursor:
        cursor.execute(*lines_sql(rows))
        cursor.execute(
            *entries_sql(
                [
                    entry_at_once(first, cintra, accountant),
                    entry_at_once(
                        first + 1, cintra, accountant, seq=2, chain_index=2, prev_hash="f" * 64
                    ),
                ]
            )
        )
    spending = BudgetSpending.objects.get(budget_line=line, month=date(2025, 3, 1))
    assert spending.amount == Decimal("25.00")
    order = Commitment.objects.get(pk=order.pk)
    assert (order.settled, order.status) == (Decimal("25.00"), "partly_settled")


@pytest.mark.postgres_only
def test_emptying_the_balance_queue_does_not_skip_the_check(accountant, cintra):
    """The check at commit fires for the queued row as it was written, even if a raw
    statement deletes or changes it before the commit."""
    for tamper in (
        "DELETE FROM ledger_balance_pending",
        "UPDATE ledger_balance_pending SET entry_ids = '{}'",
    ):
        with rolled_back():
            entry_id = free_id()
            lines_ahead(entry_id, cintra, [("6064", 1000, 0), ("401", 0, 900)])
            with (
                pytest.raises(IntegrityError, match="LEDGER_UNBALANCED"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(*entry_at_once(entry_id, cintra, accountant))
                cursor.execute(tamper)
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.postgres_only
def test_rows_copied_in_are_checked_like_rows_inserted(accountant, cintra, majulab):
    """COPY (the bulk path of imports on PostgreSQL) passes through the same guards."""
    now = timezone.now()
    columns = (
        "entry_id",
        "lab_id",
        "account_id",
        "debit",
        "credit",
        "entry_date",
        "label",
        "fx_rate_source",
        "third_party",
    )
    with rolled_back():
        entry_id = free_id()
        rows = [
            (entry_id, cintra.pk, account(cintra, "6064").pk, 1000, 0, MARCH, "", "", ""),
            (entry_id, cintra.pk, account(majulab, "401").pk, 0, 1000, MARCH, "", "", ""),
        ]
        with pytest.raises(IntegrityError, match="LEDGER_CROSS_LAB"), transaction.atomic():
            copy_rows("ledger_journalline", columns, rows)
    with rolled_back():
        entry_id = free_id()
        rows = [
            (entry_id, cintra.pk, account(cintra, "6064").pk, 1000, 0, MARCH, "", "", ""),
            (entry_id, cintra.pk, account(cintra, "401").pk, 0, 900, MARCH, "", "", ""),
        ]
        copy_rows("ledger_journalline", columns, rows)
        entry_columns = [
            "id",
            "lab_id",
            "journal_id",
            "fiscal_year_id",
            "date",
            "label",
            "piece_ref",
            "source_key",
            "status",
            "seq",
            "number",
            "chain_index",
            "prev_hash",
            "hash",
            "created_by_id",
            "created_at",
            "posted_by_id",
            "posted_at",
        ]
        entry = (
            entry_id,
            cintra.pk,
            journal(cintra, "ACH").pk,
            cintra.fiscal_years.get(year=2025).pk,
            MARCH,
            "copied",
            "",
            "",
            "posted",
            1,
            "ACH-2025-000001",
            1,
            "",
            "f" * 64,
            accountant.pk,
            now,
            accountant.pk,
            now,
        )
        with pytest.raises(IntegrityError, match="LEDGER_UNBALANCED"), transaction.atomic():
            copy_rows("ledger_journalentry", entry_columns, [entry])
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
