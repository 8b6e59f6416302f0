"""Raw SQL that tries to go around the services, for the invariant tests."""

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ledger.models import JournalEntry


def refused(sql: str, params: list[Any] | tuple[Any, ...] = ()) -> str:
    """Run `sql` in a savepoint and assert the database refuses it; return the message.

    On PostgreSQL the deferred (commit-time) triggers are fired at once, as a COMMIT would.
    """
    with pytest.raises(IntegrityError) as info, transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)
        if connection.vendor == "postgresql":
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return str(info.value)


def execute(sql: str, params: list[Any] | tuple[Any, ...] = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def raw_post_sql(
    entry: JournalEntry, seq: int, chain_index: int = 1, prev_hash: str = ""
) -> tuple[str, list[Any]]:
    """SQL that marks a draft as posted by hand, with well-formed number and chain fields."""
    number = f"{entry.journal.code}-{entry.fiscal_year.year}-{seq:06d}"
    return (
        "UPDATE ledger_journalentry SET status = 'posted', seq = %s, number = %s,"
        " chain_index = %s, prev_hash = %s, hash = %s, posted_at = %s, posted_by_id = %s"
        " WHERE id = %s",
        [
            seq,
            number,
            chain_index,
            prev_hash,
            "f" * 64,
            connection.ops.adapt_datetimefield_value(timezone.now()),
            entry.created_by_id,
            entry.pk,
        ],
    )
