"""Database triggers that hold lettering's invariants even against raw SQL.

Installed after every `migrate` by the parties app's post_migrate handler (and dropped
by its pre_migrate handler, so that a migration rebuilding a ledger table on SQLite never
meets a trigger that names it: parties/apps.py); `flush` lifts them with every app's
guards (ledger/management/commands/flush.py). `ledger.db_guards.drop()` leaves them: they
guard the lettering tables (and an account's lab, once it has letterings), which the
ledger's tampering tests do not touch.

- A lettered line is a posted line of its lettering's lab, account and third party
  (LETTERING_LINE); a lettering's account is of its lab, and an account with letterings
  keeps its lab; a line is in one lettering at most (the unique key of
  `LetteredLine.line`).
- Keys held by the guards rather than by foreign keys (PostgreSQL checks a foreign key
  row by row at commit: some 230,000 lookups for an automatic lettering, each locking
  the row it finds; parties/models.py): a lettered line's lettering and journal line
  exist when it is written (a missing one does not fit: LETTERING_LINE; so a lettering
  is written before its lines); a lettering with lines is not deleted (LETTERING_LINE;
  the ORM deletes its lines first), nor truncated without them on PostgreSQL; a
  lettered line, being posted, is never deleted, re-keyed nor undated (the ledger's
  guards: LEDGER_FROZEN); a lettering's lab is its account's, whose foreign key stays.
  On PostgreSQL the statement that writes lettered lines locks their letterings (FOR KEY
  SHARE, set-based, as a foreign key does row by row): a lettering another transaction
  deletes meanwhile is seen missing, or its DELETE waits for this transaction, then
  sees the lines.
- A lettering marked complete has at least two lines and they sum to zero
  (LETTERING_UNBALANCED): checked when it is marked so and when lines join or leave it
  (on PostgreSQL, also when the lettered lines are truncated).
  On PostgreSQL at commit (each statement that writes letterings or their lines queues
  their ids in `parties_lettering_pending`, one row a statement, and a deferred
  constraint trigger checks every set of the transaction at once), so a lettering may be
  written complete, then its lines, in one transaction; what statements write is checked
  by set-based queries over their transition tables. SQLite checks row by row, so the
  services write a lettering partial, then its lines, then mark it complete, and mark it
  partial before removing its lines when it is undone.
- A lettering keeps its lab, account, third party and code (LETTERING_FROZEN); the code
  has the shape AA..ZZZZ (a CHECK constraint of the model).

Messages start with a tag that `parties.lettering.exceptions.from_integrity_error`
turns back into a typed error.
"""

from django.db.backends.base.base import BaseDatabaseWrapper

LETTERING = "parties_lettering"
ITEM = "parties_letteredline"
QUEUE = "parties_lettering_pending"
TABLES = {LETTERING, ITEM, "ledger_journalline", "ledger_account"}

M_LINE = (
    "LETTERING_LINE: a lettered line is a posted line of its lettering''s lab, account and "
    "third party"
)
M_ACCOUNT = "LETTERING_LINE: a lettering''s account is of its lab"
M_UNBALANCED = (
    "LETTERING_UNBALANCED: the lines of a complete lettering sum to zero (two lines at least)"
)
M_FROZEN = "LETTERING_FROZEN: a lettering keeps its lab, account, third party and code"
M_HELD = "LETTERING_LINE: a lettering with lines cannot be deleted (its lines first)"
M_ACCOUNT_KEPT = "LETTERING_LINE: an account with letterings keeps its lab"

# A line fits its lettering (over `x`, a row of lettered lines); a missing line or
# lettering does not. A posted line is a dated one: the ledger's guards let only posting
# date a line (`entry_date`), so no join to the entry is needed.
_LINE_FITS = f"""EXISTS (SELECT 1 FROM ledger_journalline jl
                 JOIN {LETTERING} lt ON lt.id = x.lettering_id
                WHERE jl.id = x.line_id AND jl.entry_date IS NOT NULL
                  AND jl.account_id = lt.account_id AND jl.lab_id = lt.lab_id
                  AND (jl.third_party = lt.third_party
                       OR (jl.third_party IS NULL AND lt.third_party IS NULL)))"""


def _sqlite_lines_off(lettering_id: str) -> str:
    """True when the lines of lettering `lettering_id` are fewer than two or do not sum
    to zero."""
    return f"""(SELECT COUNT(*) < 2 OR COALESCE(SUM(jl.debit - jl.credit), 0) <> 0
             FROM {ITEM} i JOIN ledger_journalline jl ON jl.id = i.line_id
            WHERE i.lettering_id = {lettering_id})"""


def _sqlite_unbalanced(lettering_id: str) -> str:
    """True when lettering `lettering_id` is complete and its lines do not say so."""
    return f"""(SELECT complete FROM {LETTERING} WHERE id = {lettering_id})
      AND {_sqlite_lines_off(lettering_id)}"""


_SQLITE_FROZEN = """NEW.lab_id IS NOT OLD.lab_id OR NEW.account_id IS NOT OLD.account_id
   OR NEW.third_party IS NOT OLD.third_party OR NEW.code IS NOT OLD.code OR NEW.id IS NOT OLD.id"""


def _sqlite_sql() -> list[str]:
    new_fits = _LINE_FITS.replace("x.", "NEW.")
    return [
        f"""CREATE TRIGGER parties_lettering_insert BEFORE INSERT ON {LETTERING}
BEGIN
  SELECT RAISE(ABORT, '{M_ACCOUNT}')
   WHERE (SELECT lab_id FROM ledger_account WHERE id = NEW.account_id) IS NOT NEW.lab_id;
  SELECT RAISE(ABORT, '{M_UNBALANCED}') WHERE NEW.complete AND {_sqlite_lines_off("NEW.id")};
END""",
        f"""CREATE TRIGGER parties_lettering_update BEFORE UPDATE ON {LETTERING}
BEGIN
  SELECT RAISE(ABORT, '{M_FROZEN}') WHERE {_SQLITE_FROZEN};
  SELECT RAISE(ABORT, '{M_UNBALANCED}') WHERE NEW.complete AND {_sqlite_lines_off("NEW.id")};
END""",
        f"""CREATE TRIGGER parties_lettering_delete BEFORE DELETE ON {LETTERING}
BEGIN
  SELECT RAISE(ABORT, '{M_HELD}')
   WHERE EXISTS (SELECT 1 FROM {ITEM} WHERE lettering_id = OLD.id);
END""",
        f"""CREATE TRIGGER parties_account_lab_kept BEFORE UPDATE OF lab_id ON ledger_account
WHEN NEW.lab_id IS NOT OLD.lab_id
BEGIN
  SELECT RAISE(ABORT, '{M_ACCOUNT_KEPT}')
   WHERE EXISTS (SELECT 1 FROM {LETTERING} WHERE account_id = OLD.id);
END""",
        f"""CREATE TRIGGER parties_lettered_line_insert BEFORE INSERT ON {ITEM}
BEGIN
  SELECT RAISE(ABORT, '{M_LINE}') WHERE NOT {new_fits};
END""",
        # Lines join a partial lettering as it is written: no sum to read (WHEN).
        f"""CREATE TRIGGER parties_lettered_line_inserted AFTER INSERT ON {ITEM}
WHEN (SELECT complete FROM {LETTERING} WHERE id = NEW.lettering_id)
BEGIN
  SELECT RAISE(ABORT, '{M_UNBALANCED}') WHERE {_sqlite_lines_off("NEW.lettering_id")};
END""",
        f"""CREATE TRIGGER parties_lettered_line_update BEFORE UPDATE ON {ITEM}
BEGIN
  SELECT RAISE(ABORT, '{M_LINE}') WHERE NOT {new_fits};
END""",
        f"""CREATE TRIGGER parties_lettered_line_updated AFTER UPDATE ON {ITEM}
BEGIN
  SELECT RAISE(ABORT, '{M_UNBALANCED}')
   WHERE {_sqlite_unbalanced("OLD.lettering_id")} OR {_sqlite_unbalanced("NEW.lettering_id")};
END""",
        f"""CREATE TRIGGER parties_lettered_line_deleted AFTER DELETE ON {ITEM}
WHEN (SELECT complete FROM {LETTERING} WHERE id = OLD.lettering_id)
BEGIN
  SELECT RAISE(ABORT, '{M_UNBALANCED}') WHERE {_sqlite_lines_off("OLD.lettering_id")};
END""",
    ]


_PG_RAISE = "USING ERRCODE = 'integrity_constraint_violation'"

# How many lettered lines a statement wrote (`new_items`) do not fit their lettering, as
# one set-based query (EXECUTE: planned for each statement's size, hash joins for a bulk
# confirmation, index lookups for one line). Counted, never `LIMIT 1`: a LIMIT makes the
# planner bet on stopping early (a fast-start nested loop), a bet lost when nothing is
# wrong, which is always. A missing lettering or line is a misfit: no foreign key holds
# them (parties/models.py), and so a lettering is written before its lines. The
# letterings are locked as they are read, as a foreign key would lock them row by row
# (FOR KEY SHARE): a concurrent DELETE of one waits for this transaction, then its guard
# sees these lines; one deleted meanwhile is skipped by the lock, its lines counted
# missing (every line written, less those joined to a locked lettering).
_PG_MISFITS = f"""SELECT (SELECT COUNT(*) FROM new_items) - COUNT(*)
         + COUNT(*) FILTER (WHERE misfit)
    FROM (SELECT jl.id IS NULL OR jl.entry_date IS NULL OR jl.account_id <> lt.account_id
                 OR jl.lab_id <> lt.lab_id OR jl.third_party IS DISTINCT FROM lt.third_party
                 AS misfit
            FROM new_items x
            JOIN {LETTERING} lt ON lt.id = x.lettering_id
            LEFT JOIN ledger_journalline jl ON jl.id = x.line_id
             FOR KEY SHARE OF lt) fits"""


def _pg_sql() -> list[str]:
    return [
        # What a statement wrote into the lettered lines: each line fits its lettering;
        # the letterings touched are queued for the check at commit.
        f"""CREATE OR REPLACE FUNCTION parties_lettered_lines_written() RETURNS trigger
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  hits bigint;
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    EXECUTE $q${_PG_MISFITS}$q$ INTO hits;
    IF hits > 0 THEN
      RAISE EXCEPTION '{M_LINE}' {_PG_RAISE};
    END IF;
    INSERT INTO {QUEUE} (lettering_ids)
    SELECT array_agg(DISTINCT lettering_id) FROM new_items HAVING COUNT(*) > 0;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO {QUEUE} (lettering_ids)
    SELECT array_agg(DISTINCT lettering_id) FROM old_items HAVING COUNT(*) > 0;
  END IF;
  RETURN NULL;
END $$""",
        f"""CREATE TRIGGER parties_lettered_lines_inserted AFTER INSERT ON {ITEM}
REFERENCING NEW TABLE AS new_items FOR EACH STATEMENT
EXECUTE FUNCTION parties_lettered_lines_written()""",
        f"""CREATE TRIGGER parties_lettered_lines_updated AFTER UPDATE ON {ITEM}
REFERENCING OLD TABLE AS old_items NEW TABLE AS new_items FOR EACH STATEMENT
EXECUTE FUNCTION parties_lettered_lines_written()""",
        f"""CREATE TRIGGER parties_lettered_lines_deleted AFTER DELETE ON {ITEM}
REFERENCING OLD TABLE AS old_items FOR EACH STATEMENT
EXECUTE FUNCTION parties_lettered_lines_written()""",
        # Letterings written: of their lab's account (a missing account is the foreign
        # key's, at commit); the complete ones queued. No lines point to a lettering not
        # written yet (they are refused), so an INSERT has no lines to check.
        f"""CREATE OR REPLACE FUNCTION parties_letterings_written() RETURNS trigger
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  hits bigint;
BEGIN
  EXECUTE $q$SELECT COUNT(*) FROM new_letterings n JOIN ledger_account a ON a.id = n.account_id
              WHERE a.lab_id <> n.lab_id$q$ INTO hits;
  IF hits > 0 THEN
    RAISE EXCEPTION '{M_ACCOUNT}' {_PG_RAISE};
  END IF;
  INSERT INTO {QUEUE} (lettering_ids)
  SELECT array_agg(id) FROM new_letterings WHERE complete HAVING COUNT(*) > 0;
  RETURN NULL;
END $$""",
        f"""CREATE TRIGGER parties_letterings_inserted AFTER INSERT ON {LETTERING}
REFERENCING NEW TABLE AS new_letterings FOR EACH STATEMENT
EXECUTE FUNCTION parties_letterings_written()""",
        f"""CREATE TRIGGER parties_letterings_updated AFTER UPDATE ON {LETTERING}
REFERENCING NEW TABLE AS new_letterings FOR EACH STATEMENT
EXECUTE FUNCTION parties_letterings_written()""",
        # Letterings deleted: none of them has lines left.
        f"""CREATE OR REPLACE FUNCTION parties_letterings_deleted() RETURNS trigger
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  hits bigint;
BEGIN
  EXECUTE $q$SELECT COUNT(*) FROM old_letterings o JOIN {ITEM} i ON i.lettering_id = o.id$q$
    INTO hits;
  IF hits > 0 THEN
    RAISE EXCEPTION '{M_HELD}' {_PG_RAISE};
  END IF;
  RETURN NULL;
END $$""",
        f"""CREATE TRIGGER parties_letterings_deleted AFTER DELETE ON {LETTERING}
REFERENCING OLD TABLE AS old_letterings FOR EACH STATEMENT
EXECUTE FUNCTION parties_letterings_deleted()""",
        # TRUNCATE fires no DELETE trigger. After it (every table it names is empty by
        # then): no lettered line is left without its lettering, no complete lettering
        # without its lines.
        f"""CREATE OR REPLACE FUNCTION parties_lettering_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = '{LETTERING}' AND EXISTS (SELECT 1 FROM {ITEM}) THEN
    RAISE EXCEPTION '{M_HELD}' {_PG_RAISE};
  END IF;
  IF TG_TABLE_NAME = '{ITEM}' AND EXISTS (SELECT 1 FROM {LETTERING} WHERE complete) THEN
    RAISE EXCEPTION '{M_UNBALANCED}' {_PG_RAISE};
  END IF;
  RETURN NULL;
END $$""",
        f"""CREATE TRIGGER parties_lettering_truncated AFTER TRUNCATE ON {LETTERING}
FOR EACH STATEMENT EXECUTE FUNCTION parties_lettering_truncated()""",
        f"""CREATE TRIGGER parties_lettered_lines_truncated AFTER TRUNCATE ON {ITEM}
FOR EACH STATEMENT EXECUTE FUNCTION parties_lettering_truncated()""",
        # Row by row, only when an account changes lab: one with letterings keeps it (a
        # lettering's lab is its account's).
        f"""CREATE OR REPLACE FUNCTION parties_account_lab_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM {LETTERING} WHERE account_id = OLD.id) THEN
    RAISE EXCEPTION '{M_ACCOUNT_KEPT}' {_PG_RAISE};
  END IF;
  RETURN NEW;
END $$""",
        """CREATE TRIGGER parties_account_lab_kept BEFORE UPDATE ON ledger_account FOR EACH ROW
WHEN (NEW.lab_id IS DISTINCT FROM OLD.lab_id) EXECUTE FUNCTION parties_account_lab_kept()""",
        # Row by row, without a query: what a lettering keeps.
        f"""CREATE OR REPLACE FUNCTION parties_lettering_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '{M_FROZEN}' {_PG_RAISE};
END $$""",
        f"""CREATE TRIGGER parties_lettering_frozen BEFORE UPDATE ON {LETTERING} FOR EACH ROW
WHEN (NEW.lab_id IS DISTINCT FROM OLD.lab_id OR NEW.account_id IS DISTINCT FROM OLD.account_id
      OR NEW.third_party IS DISTINCT FROM OLD.third_party OR NEW.code IS DISTINCT FROM OLD.code
      OR NEW.id IS DISTINCT FROM OLD.id)
EXECUTE FUNCTION parties_lettering_frozen()""",
        # At commit: the first queued row checks every set queued by the transaction at
        # once (a lettering written, then its lines, then marked complete is queued three
        # times: checked once) and empties the queue; the rows after it find themselves
        # gone and return.
        f"""CREATE OR REPLACE FUNCTION parties_lettering_check() RETURNS trigger
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  ids bigint[];
  bad record;
BEGIN
  SELECT array_agg(DISTINCT queued) INTO ids
    FROM {QUEUE}, unnest(lettering_ids) AS queued;
  IF ids IS NULL THEN
    RETURN NULL;
  END IF;
  -- One row, no LIMIT (see _PG_MISFITS): how many are wrong, and the first of them.
  EXECUTE $q$SELECT COUNT(*) AS wrong, (array_agg(code ORDER BY id))[1] AS code,
         (array_agg(n ORDER BY id))[1] AS n, (array_agg(balance ORDER BY id))[1] AS balance
    FROM (SELECT lt.id, lt.code, COUNT(x.id) AS n,
                 COALESCE(SUM(jl.debit - jl.credit), 0) AS balance
            FROM unnest($1) AS q(id)
            JOIN {LETTERING} lt ON lt.id = q.id AND lt.complete
            LEFT JOIN {ITEM} x ON x.lettering_id = lt.id
            LEFT JOIN ledger_journalline jl ON jl.id = x.line_id
           GROUP BY lt.id, lt.code
          HAVING COUNT(x.id) < 2 OR COALESCE(SUM(jl.debit - jl.credit), 0) <> 0) wrong
  $q$ INTO bad USING ids;
  IF bad.wrong > 0 THEN
    RAISE EXCEPTION 'LETTERING_UNBALANCED: lettering % is complete but its % lines sum to % (cents)',
      bad.code, bad.n, bad.balance {_PG_RAISE};
  END IF;
  DELETE FROM {QUEUE};
  RETURN NULL;
END $$""",
        f"""CREATE CONSTRAINT TRIGGER parties_lettering_check AFTER INSERT ON {QUEUE}
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION parties_lettering_check()""",
    ]


# Dropping a function drops its triggers (CASCADE), whether their tables exist or not.
_PG_DROP = [
    "DROP FUNCTION IF EXISTS parties_lettered_lines_written() CASCADE",
    "DROP FUNCTION IF EXISTS parties_letterings_written() CASCADE",
    "DROP FUNCTION IF EXISTS parties_lettering_frozen() CASCADE",
    "DROP FUNCTION IF EXISTS parties_lettering_check() CASCADE",
    "DROP FUNCTION IF EXISTS parties_letterings_deleted() CASCADE",
    "DROP FUNCTION IF EXISTS parties_lettering_truncated() CASCADE",
    "DROP FUNCTION IF EXISTS parties_account_lab_kept() CASCADE",
]


def drop(connection: BaseDatabaseWrapper) -> None:
    """Remove every lettering guard (pre_migrate, `flush`, tests that tamper on purpose)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for sql in _PG_DROP:
                cursor.execute(sql)
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'parties_%'"
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


def install(connection: BaseDatabaseWrapper) -> None:
    """(Re)create every lettering guard; nothing while a table they name is missing."""
    drop(connection)
    needed = TABLES | ({QUEUE} if connection.vendor == "postgresql" else set())
    if not set(connection.introspection.table_names()) >= needed:
        return
    if connection.vendor == "postgresql":
        statements = _pg_sql()
    elif connection.vendor == "sqlite":
        statements = _sqlite_sql()
    else:
        raise NotImplementedError(f"No lettering guards for {connection.vendor}")
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
