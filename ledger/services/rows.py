"""Many rows written by few statements (bulk imports and postings).

SQLite keeps a statement journal of the pages each statement changes (the guard
triggers may abort it), so one statement for many rows journals each page once instead
of once a row; PostgreSQL saves the round trips.

On SQLite the statements go to the driver with its own `?` placeholders: Django's cursor
rewrites every `%s` of every statement with a regular expression, which took 0.4 s for
the 150,000 rows of a 100,000-line import. Database errors are still turned into
Django's (`IntegrityError` from the guards included).

On PostgreSQL the largest writes (an import's lines, entries and audit events) go by
COPY instead (`copy_rows`): no statement text to build, adapt and parse (psycopg's
client-side binding split each 7,500-parameter statement again: 4-5 s of a 100,000-line
import), and the guards' statement-level checks run once per COPY.
"""

from collections.abc import Callable, Iterable, Sequence
from itertools import chain
from typing import Any

from django.db import connection

ROWS_A_STATEMENT = 500
# SQLite refuses statements with more than 32,766 parameters.
MAX_PARAMETERS = 32_000

Blocks = Callable[[int, int], None]


def rows_a_statement(values_a_row: int) -> int:
    return max(1, min(ROWS_A_STATEMENT, MAX_PARAMETERS // values_a_row))


def execute_in_blocks(
    head: str,
    row: str,
    rows: Sequence[tuple[Any, ...]],
    *,
    tail: str = "",
    first: Sequence[Any] = (),
    done: Blocks | None = None,
) -> int:
    """Run `head` + `row` repeated for a block of rows + `tail`, block after block, in
    order; the parameters are `first`, then those of every row of the block. `row` and
    the rest are written with `%s` placeholders. `done(rows done, rows)` after each block.
    Returns the number of rows the statements changed."""
    changed = 0
    if not rows:
        return changed
    size = rows_a_statement(len(rows[0]))
    sqlite = connection.vendor == "sqlite"
    shapes: dict[int, str] = {}
    with connection.cursor() as django_cursor:
        cursor = connection.connection.cursor() if sqlite else django_cursor
        for start in range(0, len(rows), size):
            part = rows[start : start + size]
            sql = shapes.get(len(part))
            if sql is None:
                sql = head + ", ".join([row] * len(part)) + tail
                if sqlite:
                    sql = sql.replace("%s", "?")
                shapes[len(part)] = sql
            params = [*first, *chain.from_iterable(part)]
            if sqlite:
                with connection.wrap_database_errors:
                    cursor.execute(sql, params)
            else:
                cursor.execute(sql, params)
            changed += cursor.rowcount
            if done is not None:
                done(start + len(part), len(rows))
    return changed


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """PostgreSQL: write `rows` (values in the order of `columns`) into `table` by one
    `COPY ... FROM STDIN`; triggers fire as for an INSERT of all of them (row triggers
    per row, statement triggers once). Database errors become Django's. Returns the
    number of rows written. Not seen by Django's query log (no `execute`)."""
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    written = 0
    with (
        connection.cursor() as django_cursor,
        connection.wrap_database_errors,
        django_cursor.cursor.copy(sql) as copy,
    ):
        for row in rows:
            copy.write_row(row)
            written += 1
    return written
