"""Database triggers that hold bank reconciliation's invariants even against raw SQL.

Installed after every `migrate` by banking's own post_migrate handler (banking/apps.py),
on SQLite and PostgreSQL alike; `drop()` removes them (the `flush` command lifts every
app's guards while it empties the tables, then puts them back).

- A bank account reconciles a 512x account of its own lab, and its bank journal (if
  any) is a bank journal of that lab; once it holds statement lines its lab and ledger
  account never change.
- A statement and its lines are of their bank account's lab; an imported line never
  changes (UPDATE refused); the unique fingerprint per bank account (a constraint of the
  model) keeps a line once.
- A match is written after its links, and its INSERT checks them: at least one line,
  statement lines of its bank account, book lines that are posted lines of the bank
  account's ledger account in its lab, and both sides summing to the match's amount
  (statement amount = debit - credit). A match is never changed: a link cannot join an
  existing match or leave it, nothing of it is updated; it is undone by deleting the
  match first, then its links (whose foreign key, checked at COMMIT, refuses links left
  without their match).

Messages start with a tag (BANK_MATCH, BANK_LINE, BANK_ACCOUNT) that
`banking.exceptions.from_integrity_error` turns back into a typed error. SQLite checks
row by row; PostgreSQL checks what an INSERT of matches or links writes once per
statement (transition tables), and the rest row by row.
"""

from django.db.backends.base.base import BaseDatabaseWrapper

ACCOUNT = "banking_bankaccount"
STATEMENT = "banking_bankstatement"
LINE = "banking_bankstatementline"
MATCH = "banking_bankmatch"
MATCH_LINE = "banking_bankmatchstatementline"
MATCH_BOOK = "banking_bankmatchbookline"
TABLES = {ACCOUNT, STATEMENT, LINE, MATCH, MATCH_LINE, MATCH_BOOK}

# Messages (plain SQL string literals: a quote is doubled).
M_ACCOUNT = "BANK_ACCOUNT: a bank account reconciles a 512 account of its own lab"
M_JOURNAL = "BANK_ACCOUNT: the bank journal of a bank account is a bank journal of its lab"
M_ACCOUNT_FROZEN = (
    "BANK_ACCOUNT: a bank account holding statement lines keeps its lab and ledger account"
)
M_STATEMENT_LAB = "BANK_LINE: a statement is of its bank account''s lab"
M_LINE_OWNER = "BANK_LINE: a statement line is of its statement''s bank account and lab"
M_LINE_FROZEN = "BANK_LINE: an imported statement line never changes"
M_MATCH_LAB = "BANK_MATCH: a match is of its bank account''s lab"
M_MATCH_EMPTY = "BANK_MATCH: a match links at least one line"
M_MATCH_STATEMENT = "BANK_MATCH: the statement lines of a match are of its bank account"
M_MATCH_BOOK = (
    "BANK_MATCH: the book lines of a match are posted lines of the bank account''s ledger "
    "account, in its lab"
)
M_MATCH_AMOUNTS = (
    "BANK_MATCH: the statement lines and the book lines of a match do not agree with its amount"
)
M_MATCH_FROZEN = "BANK_MATCH: a match is never changed: undo it and match again"
M_LINK_LATE = "BANK_MATCH: a line cannot join an existing match: undo it and match again"
M_LINK_LEAVE = "BANK_MATCH: a line cannot leave a match: undo the whole match"

# What a match's INSERT checks, as conditions that must all be false (shared SQL).
_MATCH_LAB = f"NEW.lab_id IS NOT (SELECT lab_id FROM {ACCOUNT} WHERE id = NEW.bank_account_id)"
_MATCH_EMPTY = f"""NOT EXISTS (SELECT 1 FROM {MATCH_LINE} WHERE match_id = NEW.id)
      AND NOT EXISTS (SELECT 1 FROM {MATCH_BOOK} WHERE match_id = NEW.id)"""
_MATCH_STATEMENT = f"""EXISTS (SELECT 1 FROM {MATCH_LINE} m JOIN {LINE} s ON s.id = m.statement_line_id
                  WHERE m.match_id = NEW.id
                    AND (s.bank_account_id <> NEW.bank_account_id OR s.lab_id <> NEW.lab_id))"""
_MATCH_BOOK = f"""EXISTS (SELECT 1 FROM {MATCH_BOOK} m
                   JOIN ledger_journalline l ON l.id = m.journal_line_id
                   JOIN ledger_journalentry e ON e.id = l.entry_id
                  WHERE m.match_id = NEW.id
                    AND (l.lab_id <> NEW.lab_id OR e.status <> 'posted' OR l.entry_date IS NULL
                         OR l.account_id <> (SELECT account_id FROM {ACCOUNT}
                                              WHERE id = NEW.bank_account_id)))"""
_MATCH_AMOUNTS = f"""COALESCE((SELECT SUM(s.amount) FROM {MATCH_LINE} m
                     JOIN {LINE} s ON s.id = m.statement_line_id
                    WHERE m.match_id = NEW.id), 0) <> NEW.amount
      OR COALESCE((SELECT SUM(l.debit - l.credit) FROM {MATCH_BOOK} m
                     JOIN ledger_journalline l ON l.id = m.journal_line_id
                    WHERE m.match_id = NEW.id), 0) <> NEW.amount"""
_ACCOUNT_BAD = """NOT EXISTS (SELECT 1 FROM ledger_account a WHERE a.id = NEW.account_id
                        AND a.lab_id = NEW.lab_id AND a.code LIKE '512%')"""
_JOURNAL_BAD = """NEW.journal_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM ledger_journal j WHERE j.id = NEW.journal_id
                        AND j.lab_id = NEW.lab_id AND j.kind = 'bank')"""
_ACCOUNT_MOVED = f"""(NEW.lab_id <> OLD.lab_id OR NEW.account_id <> OLD.account_id)
      AND EXISTS (SELECT 1 FROM {LINE} WHERE bank_account_id = OLD.id)"""
_STATEMENT_LAB = f"NEW.lab_id IS NOT (SELECT lab_id FROM {ACCOUNT} WHERE id = NEW.bank_account_id)"
_LINE_OWNER = f"""NEW.bank_account_id IS NOT (SELECT bank_account_id FROM {STATEMENT}
                                          WHERE id = NEW.statement_id)
      OR NEW.lab_id IS NOT (SELECT lab_id FROM {ACCOUNT} WHERE id = NEW.bank_account_id)"""
_MATCH_EXISTS = f"EXISTS (SELECT 1 FROM {MATCH} WHERE id = NEW.match_id)"
_MATCH_STILL = f"EXISTS (SELECT 1 FROM {MATCH} WHERE id = OLD.match_id)"


def _sqlite_trigger(name: str, when: str, table: str, checks: list[tuple[str, str]]) -> str:
    body = "\n".join(
        f"  SELECT RAISE(ABORT, '{message}') WHERE {condition};" for condition, message in checks
    )
    return f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW BEGIN\n{body}\nEND"


def _sqlite_sql() -> list[str]:
    always = "1 = 1"
    return [
        _sqlite_trigger(
            "banking_account_insert",
            "BEFORE INSERT",
            ACCOUNT,
            [(_ACCOUNT_BAD, M_ACCOUNT), (_JOURNAL_BAD, M_JOURNAL)],
        ),
        _sqlite_trigger(
            "banking_account_update",
            "BEFORE UPDATE",
            ACCOUNT,
            [
                (_ACCOUNT_MOVED, M_ACCOUNT_FROZEN),
                (_ACCOUNT_BAD, M_ACCOUNT),
                (_JOURNAL_BAD, M_JOURNAL),
            ],
        ),
        _sqlite_trigger(
            "banking_statement_insert",
            "BEFORE INSERT",
            STATEMENT,
            [(_STATEMENT_LAB, M_STATEMENT_LAB)],
        ),
        _sqlite_trigger(
            "banking_statement_update",
            "BEFORE UPDATE",
            STATEMENT,
            [(_STATEMENT_LAB, M_STATEMENT_LAB)],
        ),
        _sqlite_trigger(
            "banking_line_insert", "BEFORE INSERT", LINE, [(_LINE_OWNER, M_LINE_OWNER)]
        ),
        _sqlite_trigger("banking_line_update", "BEFORE UPDATE", LINE, [(always, M_LINE_FROZEN)]),
        _sqlite_trigger(
            "banking_match_insert",
            "BEFORE INSERT",
            MATCH,
            [
                (_MATCH_LAB, M_MATCH_LAB),
                (_MATCH_EMPTY, M_MATCH_EMPTY),
                (_MATCH_STATEMENT, M_MATCH_STATEMENT),
                (_MATCH_BOOK, M_MATCH_BOOK),
                (_MATCH_AMOUNTS, M_MATCH_AMOUNTS),
            ],
        ),
        _sqlite_trigger("banking_match_update", "BEFORE UPDATE", MATCH, [(always, M_MATCH_FROZEN)]),
        *(
            _sqlite_trigger(f"banking_{short}_{event}", when, table, [(condition, message)])
            for short, table in (("match_line", MATCH_LINE), ("match_book", MATCH_BOOK))
            for event, when, condition, message in (
                ("insert", "BEFORE INSERT", _MATCH_EXISTS, M_LINK_LATE),
                ("update", "BEFORE UPDATE", always, M_MATCH_FROZEN),
                ("delete", "BEFORE DELETE", _MATCH_STILL, M_LINK_LEAVE),
            )
        ),
    ]


# -- PostgreSQL: the same conditions in PL/pgSQL functions -----------------------------

_PG_RAISE = "USING ERRCODE = 'integrity_constraint_violation'"


def _pg_function(name: str, checks: list[tuple[str, str]], returns: str = "NEW") -> str:
    body = "\n".join(
        f"  IF {condition} THEN RAISE EXCEPTION '{message}' {_PG_RAISE}; END IF;"
        for condition, message in checks
    )
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n{body}\n  RETURN {returns};\nEND $$"
    )


# (trigger and function name, timing, table, checks, what the function returns)
_PG_GUARDS: list[tuple[str, str, str, list[tuple[str, str]], str]] = [
    (
        "banking_account_insert",
        "BEFORE INSERT",
        ACCOUNT,
        [(_ACCOUNT_BAD, M_ACCOUNT), (_JOURNAL_BAD, M_JOURNAL)],
        "NEW",
    ),
    (
        "banking_account_update",
        "BEFORE UPDATE",
        ACCOUNT,
        [(_ACCOUNT_MOVED, M_ACCOUNT_FROZEN), (_ACCOUNT_BAD, M_ACCOUNT), (_JOURNAL_BAD, M_JOURNAL)],
        "NEW",
    ),
    (
        "banking_statement_write",
        "BEFORE INSERT OR UPDATE",
        STATEMENT,
        [(_STATEMENT_LAB, M_STATEMENT_LAB)],
        "NEW",
    ),
    ("banking_line_insert", "BEFORE INSERT", LINE, [(_LINE_OWNER, M_LINE_OWNER)], "NEW"),
    ("banking_line_update", "BEFORE UPDATE", LINE, [("TRUE", M_LINE_FROZEN)], "NEW"),
    ("banking_match_update", "BEFORE UPDATE", MATCH, [("TRUE", M_MATCH_FROZEN)], "NEW"),
    *(
        (f"banking_{short}_{event}", when, table, [(condition, message)], returns)
        for short, table in (("match_line", MATCH_LINE), ("match_book", MATCH_BOOK))
        for event, when, condition, message, returns in (
            ("update", "BEFORE UPDATE", "TRUE", M_MATCH_FROZEN, "NEW"),
            ("delete", "BEFORE DELETE", _MATCH_STILL, M_LINK_LEAVE, "OLD"),
        )
    ),
]


# What an INSERT (or COPY) of matches or links writes is checked once per statement, over
# its transition table `written`, by set-based queries with the row guards' conditions
# and messages: confirming the 5,000 obvious matches of a month is three INSERTs, not
# 15,000 row-trigger calls (bench/bank_matching.py).
_PG_STATEMENT_GUARDS: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "banking_match_insert",
        MATCH,
        [
            (
                f"""EXISTS (SELECT 1 FROM written n JOIN {ACCOUNT} a ON a.id = n.bank_account_id
                  WHERE a.lab_id <> n.lab_id)""",
                M_MATCH_LAB,
            ),
            (
                f"""EXISTS (SELECT 1 FROM written n
                  WHERE NOT EXISTS (SELECT 1 FROM {MATCH_LINE} WHERE match_id = n.id)
                    AND NOT EXISTS (SELECT 1 FROM {MATCH_BOOK} WHERE match_id = n.id))""",
                M_MATCH_EMPTY,
            ),
            (
                f"""EXISTS (SELECT 1 FROM written n JOIN {MATCH_LINE} m ON m.match_id = n.id
                  JOIN {LINE} s ON s.id = m.statement_line_id
                  WHERE s.bank_account_id <> n.bank_account_id OR s.lab_id <> n.lab_id)""",
                M_MATCH_STATEMENT,
            ),
            (
                f"""EXISTS (SELECT 1 FROM written n JOIN {MATCH_BOOK} m ON m.match_id = n.id
                  JOIN ledger_journalline l ON l.id = m.journal_line_id
                  JOIN ledger_journalentry e ON e.id = l.entry_id
                  JOIN {ACCOUNT} a ON a.id = n.bank_account_id
                  WHERE l.lab_id <> n.lab_id OR e.status <> 'posted' OR l.entry_date IS NULL
                     OR l.account_id <> a.account_id)""",
                M_MATCH_BOOK,
            ),
            (
                f"""EXISTS (SELECT 1 FROM written n
                  LEFT JOIN (SELECT m.match_id, SUM(s.amount) AS total FROM {MATCH_LINE} m
                               JOIN {LINE} s ON s.id = m.statement_line_id
                              WHERE m.match_id IN (SELECT id FROM written)
                              GROUP BY m.match_id) bank ON bank.match_id = n.id
                  LEFT JOIN (SELECT m.match_id, SUM(l.debit - l.credit) AS total
                               FROM {MATCH_BOOK} m
                               JOIN ledger_journalline l ON l.id = m.journal_line_id
                              WHERE m.match_id IN (SELECT id FROM written)
                              GROUP BY m.match_id) book ON book.match_id = n.id
                  WHERE COALESCE(bank.total, 0) <> n.amount
                     OR COALESCE(book.total, 0) <> n.amount)""",
                M_MATCH_AMOUNTS,
            ),
        ],
    ),
    *(
        (
            f"banking_{short}_insert",
            table,
            [
                (
                    f"EXISTS (SELECT 1 FROM written n JOIN {MATCH} b ON b.id = n.match_id)",
                    M_LINK_LATE,
                )
            ],
        )
        for short, table in (("match_line", MATCH_LINE), ("match_book", MATCH_BOOK))
    ),
]


def _pg_sql() -> list[str]:
    statements = []
    for name, when, table, checks, returns in _PG_GUARDS:
        # PL/pgSQL has no IS NOT for scalar subqueries the way SQLite reads it.
        checks = [(c.replace(" IS NOT (", " IS DISTINCT FROM ("), m) for c, m in checks]
        statements.append(_pg_function(name, checks, returns))
        statements.append(
            f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()"
        )
    for name, table, checks in _PG_STATEMENT_GUARDS:
        statements.append(_pg_function(name, checks, "NULL"))
        statements.append(
            f"CREATE TRIGGER {name} AFTER INSERT ON {table} REFERENCING NEW TABLE AS written"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    return statements


def _pg_drop() -> list[str]:
    statements = []
    guards = [(name, table) for name, _when, table, _checks, _returns in _PG_GUARDS]
    guards += [(name, table) for name, table, _checks in _PG_STATEMENT_GUARDS]
    for name, table in guards:
        statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        statements.append(f"DROP FUNCTION IF EXISTS {name}()")
    return statements


def drop(connection: BaseDatabaseWrapper) -> None:
    """Remove every banking guard."""
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for sql in _pg_drop():
                table = sql.split(" ON ")[-1] if " ON " in sql else None
                if table is None or table in tables:
                    cursor.execute(sql)
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'banking%'"
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


def install(connection: BaseDatabaseWrapper) -> None:
    """(Re)create every banking guard; nothing while banking's or the ledger's tables are
    missing (a migration half-applied)."""
    needed = TABLES | {"ledger_journalline", "ledger_journalentry", "ledger_account"}
    if not set(connection.introspection.table_names()) >= needed:
        return
    drop(connection)
    if connection.vendor == "postgresql":
        statements = _pg_sql()
    elif connection.vendor == "sqlite":
        statements = _sqlite_sql()
    else:
        raise NotImplementedError(f"No banking guards for {connection.vendor}")
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
