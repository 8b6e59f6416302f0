"""The database guards check a whole statement at once on PostgreSQL (statement-level
triggers over the rows an INSERT, COPY or UPDATE writes, and the balance of the entries a
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
from ledger.exceptions import EntryFrozenError
from ledger.models import BudgetSpending, Commitment, JournalEntry, JournalLine, LedgerChain
from ledger.services import commitment_create, entries_post
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

BALANCED_TEXT = [("6064", "10.00", "0"), ("401", "0", "10.00")]
LINE_COLUMNS = (
    "entry_id, lab_id, account_id, label, debit, credit, fx_rate_source, third_party,"
    " entry_date, budget_line_id, commitment_id"
)


def lines_sql(rows: list[tuple[Any, ...]]) -> tuple[str, list[Any]]:
    """One INSERT of every line of `rows`: (entry id, lab, account code, debit, credit,
    date, budget line id, commitment id)."""
    values, params = [], []
    for entry_id, lab, code, debit, credit, dated, budget, commitment in rows:
        values.append("(%s, %s, %s, '', %s, %s, '', NULL, %s, %s, %s)")
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
            (entry_id, cintra.pk, account(cintra, "6064").pk, 1000, 0, MARCH, "", "", None),
            (entry_id, cintra.pk, account(majulab, "401").pk, 0, 1000, MARCH, "", "", None),
        ]
        with pytest.raises(IntegrityError, match="LEDGER_CROSS_LAB"), transaction.atomic():
            copy_rows("ledger_journalline", columns, rows)
    with rolled_back():
        entry_id = free_id()
        rows = [
            (entry_id, cintra.pk, account(cintra, "6064").pk, 1000, 0, MARCH, "", "", None),
            (entry_id, cintra.pk, account(cintra, "401").pk, 0, 900, MARCH, "", "", None),
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


# Posting drafts by one UPDATE (entries_post on PostgreSQL: one statement a batch, its
# guards run once over the statement's rows). Attacked with raw UPDATEs of several rows.


def posting_update(
    drafts: list[JournalEntry], changes: dict[int, dict[str, Any]] | None = None, start: int = 1
) -> tuple[str, list[Any]]:
    """One UPDATE posting `drafts` (numbers `start`, `start` + 1, ... of their journal,
    chain the same, every hash 'f' * 64), the fields of the draft at position i replaced
    by changes[i]."""
    rows = []
    for n, entry in enumerate(drafts, start=start):
        row: dict[str, Any] = {
            "seq": n,
            "number": f"{entry.journal.code}-{entry.fiscal_year.year}-{n:06d}",
            "chain_index": n,
            "prev_hash": "" if n == 1 else "f" * 64,
        }
        rows.append(row | (changes or {}).get(n - start, {}))
    sets, params = [], []
    for column in ("seq", "number", "chain_index", "prev_hash"):
        cases = " ".join("WHEN %s THEN %s" for _ in drafts)
        sets.append(f"{column} = CASE id {cases} END")
        for entry, row in zip(drafts, rows, strict=True):
            params += [entry.pk, row[column]]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    ids = ", ".join("%s" for _ in drafts)
    sql = (
        f"UPDATE ledger_journalentry SET status = 'posted', {', '.join(sets)},"
        f" hash = %s, posted_at = %s, posted_by_id = %s WHERE id IN ({ids})"
    )
    return sql, [*params, "f" * 64, now, drafts[0].created_by_id, *[d.pk for d in drafts]]


def three_drafts(user: Any, lab: Lab, middle: list[tuple[str, str, str]]) -> list[JournalEntry]:
    return [draft(user, lab, lines) for lines in (BALANCED_TEXT, middle, BALANCED_TEXT)]


def test_drafts_posted_by_one_update_are_numbered_stamped_and_spent(accountant, cintra):
    line = budget_line(cintra, "OP-SUP", "5000.00")
    drafts = []
    for amount in ("10.00", "20.00", "30.00"):
        entry = draft(accountant, cintra, [("6064", amount, "0"), ("401", "0", amount)])
        JournalLine.objects.filter(entry=entry, debit__gt=0).update(budget_line=line)
        drafts.append(entry)
    with connection.cursor() as cursor:
        cursor.execute(*posting_update(drafts))
    entries = JournalEntry.objects.filter(pk__in=[d.pk for d in drafts]).order_by("id")
    assert [e.number for e in entries] == ["ACH-2025-000001", "ACH-2025-000002", "ACH-2025-000003"]
    dates = JournalLine.objects.filter(entry__in=entries).values_list("entry_date", flat=True)
    assert set(dates) == {MARCH}
    spending = BudgetSpending.objects.get(budget_line=line, month=date(2025, 3, 1))
    assert spending.amount == Decimal("60.00")


@pytest.mark.parametrize(
    ("middle", "tag"),
    [
        ([("6064", "10.00", "0"), ("401", "0", "9.99")], "LEDGER_UNBALANCED"),
        ([("6064", "10.00", "0")], "LEDGER_UNBALANCED"),
        ([("6063", "10.00", "0"), ("401", "0", "10.00")], "LEDGER_BUDGET_MISSING"),
    ],
)
def test_one_wrong_draft_among_many_posted_by_one_update_fails_them_all(
    accountant, cintra, middle, tag
):
    drafts = three_drafts(accountant, cintra, middle)
    assert tag in refused(*posting_update(drafts))
    ids = [d.pk for d in drafts]
    assert set(JournalEntry.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        "draft"
    }
    assert not JournalLine.objects.filter(entry_id__in=ids, entry_date__isnull=False).exists()


@pytest.mark.parametrize(
    ("changes", "tag"),
    [
        ({2: {"seq": 4, "number": "ACH-2025-000004"}}, "LEDGER_NUMBERING"),  # a gap
        ({1: {"number": "ACH-2025-000009"}}, "LEDGER_NUMBERING"),  # number not its seq
        ({1: {"prev_hash": "0" * 64}}, "LEDGER_CHAIN"),  # the chain broken in the middle
        ({2: {"chain_index": 5}}, "LEDGER_CHAIN"),
    ],
)
def test_a_break_in_the_middle_of_a_posting_update_is_refused(accountant, cintra, changes, tag):
    drafts = three_drafts(accountant, cintra, [("6064", "5.00", "0"), ("401", "0", "5.00")])
    assert tag in refused(*posting_update(drafts, changes))
    assert not JournalEntry.objects.filter(pk__in=[d.pk for d in drafts], status="posted").exists()


def test_a_posted_entry_changed_among_drafts_by_one_update_is_refused(accountant, cintra):
    done = posted(accountant, cintra)
    before, after = (
        draft(accountant, cintra, BALANCED_TEXT),
        draft(accountant, cintra, BALANCED_TEXT),
    )
    ids = [before.pk, done.pk, after.pk]
    assert "LEDGER_FROZEN" in refused(
        "UPDATE ledger_journalentry SET label = 'changed' WHERE id IN (%s, %s, %s)", ids
    )
    # Posting the drafts with the next numbers, the posted entry numbered again among them.
    assert "LEDGER_FROZEN" in refused(*posting_update([done, before, after], start=2))
    assert JournalEntry.objects.get(pk=done.pk).label != "changed"
    assert "LEDGER_FROZEN" in refused(
        "DELETE FROM ledger_journalentry WHERE id IN (%s, %s, %s)", ids
    )


def test_draft_lines_cannot_be_moved_or_dated_by_one_update(accountant, cintra):
    done = posted(accountant, cintra)
    first, second = (
        draft(accountant, cintra, BALANCED_TEXT),
        draft(accountant, cintra, BALANCED_TEXT),
    )
    both = [first.pk, second.pk]
    # Lines of two drafts moved into a posted entry.
    assert "LEDGER_FROZEN" in refused(
        "UPDATE ledger_journalline SET entry_id = %s WHERE entry_id IN (%s, %s)", [done.pk, *both]
    )
    # Lines of drafts dated: only posting dates a line.
    assert "LEDGER_FROZEN" in refused(
        "UPDATE ledger_journalline SET entry_date = %s WHERE entry_id IN (%s, %s)",
        [day(MARCH), *both],
    )
    assert done.lines.count() == 2
    assert not JournalLine.objects.filter(entry_id__in=both, entry_date__isnull=False).exists()


def test_one_draft_line_of_another_lab_among_many_updated_is_refused(accountant, cintra, majulab):
    first, second = (
        draft(accountant, cintra, BALANCED_TEXT),
        draft(accountant, cintra, BALANCED_TEXT),
    )
    lines = list(JournalLine.objects.filter(entry_id__in=[first.pk, second.pk]).order_by("id"))
    assert "LEDGER_CROSS_LAB" in refused(
        "UPDATE ledger_journalline SET account_id = CASE id WHEN %s THEN %s ELSE account_id END"
        " WHERE entry_id IN (%s, %s)",
        [lines[-1].pk, account(majulab, "401").pk, first.pk, second.pk],
    )


@pytest.mark.postgres_only
def test_a_posting_update_is_checked_as_a_set_whatever_its_row_order(accountant, cintra):
    """PostgreSQL checks the statement once its rows are written: the numbers and the chain
    of a batch may be written in any order (SQLite checks row by row, in its own order)."""
    drafts = three_drafts(accountant, cintra, BALANCED_TEXT)
    with connection.cursor() as cursor:
        cursor.execute(*posting_update(list(reversed(drafts))))
    numbers = JournalEntry.objects.filter(pk__in=[d.pk for d in drafts]).order_by("-id")
    assert [e.number for e in numbers] == ["ACH-2025-000001", "ACH-2025-000002", "ACH-2025-000003"]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_guards_reinstall_over_a_database_holding_the_retired_row_guards(accountant, cintra):
    """`migrate` after an update reinstalls the guards over a database of the earlier
    version, whose row triggers call functions this version retired: each trigger goes
    before its function, and the guards keep guarding."""
    from ledger import db_guards

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE OR REPLACE FUNCTION ledger_line_posted() RETURNS trigger"
            " LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER ledger_line_posted AFTER UPDATE OF entry_date"
            " ON ledger_journalline FOR EACH ROW EXECUTE FUNCTION ledger_line_posted()"
        )

    db_guards.install(connection)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_proc WHERE proname = 'ledger_line_posted'"
            " UNION ALL SELECT count(*) FROM pg_trigger WHERE tgname = 'ledger_line_posted'"
        )
        assert [row[0] for row in cursor.fetchall()] == [0, 0]
    entry = posted(accountant, cintra)
    with pytest.raises(IntegrityError, match="LEDGER_FROZEN"), transaction.atomic():
        JournalEntry.objects.filter(pk=entry.pk).update(label="changed after posting")


def test_posting_no_draft_at_all_writes_nothing(accountant, cintra):
    """An admin's bulk Post on a selection left empty (another lab's entries, filtered
    out by the walls): nothing numbered, nothing written, no error; a posted entry asked
    again is refused as frozen."""
    entry = posted(accountant, cintra)
    chain = LedgerChain.objects.get(lab=cintra)

    assert entries_post(acting_user=accountant, entries=[]) == []
    with pytest.raises(EntryFrozenError):
        entries_post(acting_user=accountant, entries=[entry])

    assert LedgerChain.objects.get(lab=cintra).length == chain.length
    assert JournalEntry.objects.get(pk=entry.pk).number == entry.number
