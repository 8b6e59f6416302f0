"""Database triggers that hold the ledger's invariants even against raw SQL.

`install()` (re)creates every guard and `drop()` removes them. They are installed after
every `migrate` (a post_migrate handler in ledger/apps.py) rather than by a migration,
so they always match the current tables: the SQLite guard lists the columns of
`ledger_journalline` to allow exactly one change on a posted line, the database
stamping `entry_date` at posting.

Triggers also keep two totals that posted lines feed and nothing else changes:
spending per budget line and month (`ledger_budgetspending`) and the amount invoiced on
each commitment (`ledger_commitment.settled`, with its status); `ledger_verify`
checks them against the lines.

Supporting documents are of their entry's lab; a posted entry's documents are never
changed or deleted (documents may still be added to it).

Error messages start with a tag (LEDGER_FROZEN, LEDGER_UNBALANCED, ...) that
`ledger.exceptions.from_integrity_error` turns back into a typed error.

On PostgreSQL what an INSERT (or COPY) or an UPDATE writes into entries and lines is
checked once per statement, over its transition tables, by set-based queries; a posted
entry or a dated line is refused row by row before anything else (a WHEN clause: no
query), and so is every DELETE. Posting a batch of drafts is one UPDATE, whose statement
guard also stamps their lines (one UPDATE) and feeds spending and commitments. The
balance of the entries a statement posts (INSERT or UPDATE) is checked at commit, one set
a statement, through a queue table (`ledger_balance_pending`, migration 0012) and a
deferred constraint trigger on it. SQLite checks row by row.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module
from types import ModuleType

from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.module_loading import module_has_submodule

ENTRY = "ledger_journalentry"
LINE = "ledger_journalline"
AUDIT = "ledger_auditevent"
DOCUMENT = "ledger_supportingdocument"


# Checks shared by insert and draft update: journal, fiscal year and date belong together.
_SQLITE_ENTRY_SHAPE = """
  SELECT RAISE(ABORT, 'LEDGER_CROSS_LAB: the journal belongs to another lab')
   WHERE (SELECT lab_id FROM ledger_journal WHERE id = NEW.journal_id) IS NOT NEW.lab_id;
  SELECT RAISE(ABORT, 'LEDGER_CROSS_LAB: the fiscal year belongs to another lab')
   WHERE (SELECT lab_id FROM ledger_fiscalyear WHERE id = NEW.fiscal_year_id) IS NOT NEW.lab_id;
  SELECT RAISE(ABORT, 'LEDGER_OUT_OF_YEAR: the entry date is outside its fiscal year')
   WHERE NOT EXISTS (SELECT 1 FROM ledger_fiscalyear fy WHERE fy.id = NEW.fiscal_year_id
                      AND NEW.date BETWEEN fy.start_date AND fy.end_date);
"""

# A line may be written before its entry (posted entries of the bulk path): the entry's
# own insert guard then checks the lab of every line it finds.
_SQLITE_LINE_LABS = f"""
  SELECT RAISE(ABORT, 'LEDGER_CROSS_LAB: the line, its entry, account, budget line and commitment must be of one lab')
   WHERE NEW.lab_id <> (SELECT lab_id FROM {ENTRY} WHERE id = NEW.entry_id)
      OR NEW.lab_id IS NOT (SELECT lab_id FROM ledger_account WHERE id = NEW.account_id)
      OR (NEW.budget_line_id IS NOT NULL
          AND NEW.lab_id IS NOT (SELECT lab_id FROM ledger_budgetline WHERE id = NEW.budget_line_id))
      OR (NEW.commitment_id IS NOT NULL
          AND NEW.lab_id IS NOT (SELECT lab_id FROM ledger_commitment WHERE id = NEW.commitment_id));
  SELECT RAISE(ABORT, 'LEDGER_COMMITMENT_LINE: a line settles a commitment of its own budget line')
   WHERE NEW.commitment_id IS NOT NULL AND NEW.budget_line_id IS NOT
         (SELECT budget_line_id FROM ledger_commitment WHERE id = NEW.commitment_id);
"""

# Posting checks on budget tagging, shared by both databases (plain SQL).
_BUDGET_MISSING = f"""(SELECT kind FROM ledger_journal WHERE id = NEW.journal_id) <> 'opening'
      AND NEW.year_end = ''
      AND EXISTS (SELECT 1 FROM {LINE} l JOIN ledger_account a ON a.id = l.account_id
                   WHERE l.entry_id = NEW.id AND a.needs_budget_line AND l.budget_line_id IS NULL)"""
# A posted line on a third-party account names its third party (not in the year-end
# entries nor in reversals, which carry what their lines had): over lines `l`, accounts
# `a` and entries `n`, for the PostgreSQL guards (SQLite's aggregate says it its way).
_PARTY_MISSING = """a.needs_third_party AND l.third_party IS NULL AND n.year_end = ''
                          AND n.reversal_of_id IS NULL"""
_BUDGET_YEAR = f"""EXISTS (SELECT 1 FROM {LINE} l JOIN ledger_budgetline b ON b.id = l.budget_line_id
                 WHERE l.entry_id = NEW.id AND b.fiscal_year_id <> NEW.fiscal_year_id)"""
# Invariant 11, on posting: nothing enters a closed fiscal year; the year-end entries
# are dated on their year's boundary day and touch only their accounts; the opening
# balances of a year that follows another come only from closing that one.
_YEAR_CLOSED = """(SELECT status FROM ledger_fiscalyear WHERE id = NEW.fiscal_year_id) <> 'open'"""
_YEAR_END_MISPLACED = f"""NEW.year_end NOT IN ('', 'closing', 'opening')
      OR (NEW.year_end = 'closing'
          AND (NEW.date <> (SELECT end_date FROM ledger_fiscalyear WHERE id = NEW.fiscal_year_id)
               OR EXISTS (SELECT 1 FROM {LINE} l JOIN ledger_account a ON a.id = l.account_id
                           WHERE l.entry_id = NEW.id AND substr(a.code, 1, 1) NOT IN ('6', '7')
                             AND a.code NOT IN ('120', '129'))))
      OR (NEW.year_end = 'opening'
          AND (NEW.date <> (SELECT start_date FROM ledger_fiscalyear WHERE id = NEW.fiscal_year_id)
               OR (SELECT kind FROM ledger_journal WHERE id = NEW.journal_id) <> 'opening'
               OR EXISTS (SELECT 1 FROM {LINE} l JOIN ledger_account a ON a.id = l.account_id
                           WHERE l.entry_id = NEW.id AND substr(a.code, 1, 1) IN ('6', '7'))))"""
_OPENING_TYPED = """(SELECT kind FROM ledger_journal WHERE id = NEW.journal_id) = 'opening'
      AND EXISTS (SELECT 1 FROM ledger_fiscalyear f JOIN ledger_fiscalyear p
                    ON p.lab_id = f.lab_id AND p.year = f.year - 1
                   WHERE f.id = NEW.fiscal_year_id
                     AND (NEW.year_end <> 'opening' OR p.status = 'closed'))"""
# Invariant 11, on closing: a year is marked closed only with every month closed, no
# draft, and the next year's opening balances equal to its closing balances, per
# account and (balance-sheet accounts) third party.
_YEAR_NOT_CLOSABLE = f"""EXISTS (SELECT 1 FROM ledger_period WHERE fiscal_year_id = NEW.id AND status = 'open')
      OR EXISTS (SELECT 1 FROM {ENTRY} WHERE lab_id = NEW.lab_id AND status = 'draft'
                   AND date >= NEW.start_date AND date <= NEW.end_date
                   AND fiscal_year_id = NEW.id)
      OR NOT EXISTS (SELECT 1 FROM ledger_fiscalyear WHERE lab_id = NEW.lab_id AND year = NEW.year + 1)"""
_OPENING_DIFFERS = f"""EXISTS (
        SELECT 1 FROM (
          SELECT l.account_id AS account_id,
                 CASE WHEN a.code < '6' THEN l.third_party ELSE '' END AS party,
                 l.debit - l.credit AS amount
            FROM {LINE} l JOIN ledger_account a ON a.id = l.account_id
           WHERE l.lab_id = NEW.lab_id AND l.entry_date >= NEW.start_date
             AND l.entry_date <= NEW.end_date
          UNION ALL
          SELECT l.account_id, CASE WHEN a.code < '6' THEN l.third_party ELSE '' END,
                 l.credit - l.debit
            FROM {LINE} l JOIN ledger_account a ON a.id = l.account_id
            JOIN {ENTRY} e ON e.id = l.entry_id
            JOIN ledger_journal j ON j.id = e.journal_id
            JOIN ledger_fiscalyear n ON n.id = e.fiscal_year_id
           WHERE n.lab_id = NEW.lab_id AND n.year = NEW.year + 1
             AND e.status = 'posted' AND j.kind = 'opening'
        ) moves GROUP BY account_id, party HAVING SUM(amount) <> 0)"""
_BUDGET_LOCKED = (
    "'LEDGER_BUDGET_ALLOCATION: an allocation is never overwritten; record an amendment'"
)
_COMMITMENT_AMENDED = (
    "'LEDGER_BUDGET_ALLOCATION: a commitment amendment is never changed; record another one'"
)


def _sqlite_post_checks(written_at_once: bool) -> str:
    """What posting checks of NEW: a draft being posted (UPDATE), or an entry written
    posted after its lines (INSERT, the bulk path of imports), whose lines must also be
    of its lab and carry its date. The lines are read once, by one aggregate."""
    at_once = (
        """
       WHEN other_lab > 0 THEN RAISE(ABORT, 'LEDGER_CROSS_LAB: the line, its entry, account, budget line and commitment must be of one lab')
       WHEN undated > 0 THEN RAISE(ABORT, 'LEDGER_FROZEN: the lines of an entry posted at once carry its date')"""
        if written_at_once
        else ""
    )
    return f"""
  SELECT CASE
       WHEN balance <> 0 THEN RAISE(ABORT, 'LEDGER_UNBALANCED: total debit differs from total credit')
       WHEN n < 2 THEN RAISE(ABORT, 'LEDGER_TOO_FEW_LINES: an entry needs at least two lines'){at_once}
       WHEN missing > 0 AND NEW.year_end = ''
            AND (SELECT kind FROM ledger_journal WHERE id = NEW.journal_id) <> 'opening'
         THEN RAISE(ABORT, 'LEDGER_BUDGET_MISSING: a line on an expense or equipment account names no budget line')
       WHEN other_year > 0
         THEN RAISE(ABORT, 'LEDGER_BUDGET_YEAR: a line consumes a budget line of another fiscal year')
       WHEN no_party > 0 AND NEW.year_end = '' AND NEW.reversal_of_id IS NULL
         THEN RAISE(ABORT, 'LEDGER_THIRD_PARTY_MISSING: a line on a third-party account names no third party')
       END
    FROM (SELECT COUNT(*) AS n,
                 COALESCE(SUM(l.debit), 0) - COALESCE(SUM(l.credit), 0) AS balance,
                 COALESCE(SUM(l.lab_id <> NEW.lab_id), 0) AS other_lab,
                 COALESCE(SUM(l.entry_date IS NOT NEW.date), 0) AS undated,
                 COALESCE(SUM(a.needs_budget_line AND l.budget_line_id IS NULL), 0) AS missing,
                 COALESCE(SUM(b.fiscal_year_id <> NEW.fiscal_year_id), 0) AS other_year,
                 COALESCE(SUM(a.needs_third_party AND l.third_party IS NULL), 0) AS no_party
            FROM {LINE} l JOIN ledger_account a ON a.id = l.account_id
            LEFT JOIN ledger_budgetline b ON b.id = l.budget_line_id
           WHERE l.entry_id = NEW.id);
  SELECT RAISE(ABORT, 'LEDGER_YEAR_CLOSED: the fiscal year of the entry is closed')
   WHERE {_YEAR_CLOSED};
  SELECT RAISE(ABORT, 'LEDGER_YEAR_END: a year-end entry is dated on its year''s boundary day and touches only its accounts')
   WHERE {_YEAR_END_MISPLACED};
  SELECT RAISE(ABORT, 'LEDGER_OPENING_BALANCES: the opening balances of a year that follows another come from closing that one')
   WHERE {_OPENING_TYPED};
  SELECT RAISE(ABORT, 'LEDGER_PERIOD_CLOSED: no open period of the lab holds the entry date')
   WHERE NEW.year_end = '' AND NOT EXISTS (SELECT 1 FROM ledger_period p
                      WHERE p.fiscal_year_id = NEW.fiscal_year_id AND p.status = 'open'
                        AND NEW.date BETWEEN p.start_date AND p.end_date);
  SELECT RAISE(ABORT, 'LEDGER_NUMBERING: the number does not follow the last posted one')
   WHERE NEW.seq IS NULL OR NEW.seq < 1
      OR NEW.number IS NOT ((SELECT code FROM ledger_journal WHERE id = NEW.journal_id)
                            || '-' || (SELECT year FROM ledger_fiscalyear WHERE id = NEW.fiscal_year_id)
                            || '-' || printf('%06d', NEW.seq))
      OR (NEW.seq > 1 AND NOT EXISTS (
            SELECT 1 FROM {ENTRY} e WHERE e.lab_id = NEW.lab_id AND e.journal_id = NEW.journal_id
               AND e.fiscal_year_id = NEW.fiscal_year_id AND e.seq = NEW.seq - 1));
  SELECT RAISE(ABORT, 'LEDGER_CHAIN: the entry does not extend the lab''s hash chain')
   WHERE NEW.chain_index IS NULL
      OR (NEW.chain_index = 1 AND NEW.prev_hash <> '')
      OR (NEW.chain_index > 1 AND NOT EXISTS (
            SELECT 1 FROM {ENTRY} e WHERE e.lab_id = NEW.lab_id
               AND e.chain_index = NEW.chain_index - 1 AND e.hash = NEW.prev_hash));
"""


# What a posted line feeds: the spending of its budget line, the commitment it settles.
_SQLITE_SPEND = """  INSERT INTO ledger_budgetspending (budget_line_id, month, amount)
    SELECT NEW.budget_line_id, strftime('%Y-%m-01', NEW.entry_date), NEW.debit - NEW.credit
     WHERE NEW.budget_line_id IS NOT NULL
    ON CONFLICT (budget_line_id, month) DO UPDATE SET amount = amount + excluded.amount;
  UPDATE ledger_commitment
     SET settled = settled + NEW.debit - NEW.credit,
         status = CASE WHEN status IN ('cancelled', 'carried_over') THEN status
                       WHEN settled + NEW.debit - NEW.credit >= amount THEN 'settled'
                       WHEN settled + NEW.debit - NEW.credit > 0 THEN 'partly_settled'
                       ELSE 'open' END
   WHERE id = NEW.commitment_id;
"""


# Supporting documents: of their entry's lab; once the entry is posted, added but never
# changed or removed.
_DOCUMENT_CROSS_LAB = "'LEDGER_CROSS_LAB: a supporting document belongs to its entry''s lab'"
_DOCUMENT_POSTED = f"(SELECT status FROM {ENTRY} WHERE id = %s) = 'posted'"
_SQLITE_DOCUMENTS = [
    f"""CREATE TRIGGER ledger_document_insert_guard BEFORE INSERT ON {DOCUMENT}
BEGIN
  SELECT RAISE(ABORT, {_DOCUMENT_CROSS_LAB})
   WHERE NEW.lab_id IS NOT (SELECT lab_id FROM {ENTRY} WHERE id = NEW.entry_id);
END""",
    f"""CREATE TRIGGER ledger_document_frozen_update BEFORE UPDATE ON {DOCUMENT}
BEGIN
  SELECT RAISE(ABORT, 'LEDGER_FROZEN: a supporting document of a posted entry cannot be changed')
   WHERE {_DOCUMENT_POSTED % "OLD.entry_id"} OR {_DOCUMENT_POSTED % "NEW.entry_id"};
  SELECT RAISE(ABORT, {_DOCUMENT_CROSS_LAB})
   WHERE NEW.lab_id IS NOT (SELECT lab_id FROM {ENTRY} WHERE id = NEW.entry_id);
END""",
    f"""CREATE TRIGGER ledger_document_frozen_delete BEFORE DELETE ON {DOCUMENT}
WHEN {_DOCUMENT_POSTED % "OLD.entry_id"}
BEGIN
  SELECT RAISE(ABORT, 'LEDGER_FROZEN: a supporting document of a posted entry cannot be deleted');
END""",
]


def _sqlite_sql(line_columns: list[str]) -> list[str]:
    # Posting stamps `entry_date` on every line: that column has its own guard, and the
    # others are guarded only when an UPDATE names them, so stamping stays cheap.
    others = ", ".join(c for c in line_columns if c != "entry_date")
    labs = ", ".join(
        c
        for c in ("entry_id", "lab_id", "account_id", "budget_line_id", "commitment_id")
        if c in line_columns
    )
    posted = f"(SELECT status FROM {ENTRY} WHERE id = %s) = 'posted'"
    return [
        f"""CREATE TRIGGER ledger_entry_insert_guard BEFORE INSERT ON {ENTRY}
BEGIN
  SELECT RAISE(ABORT, 'LEDGER_NOT_DRAFT: an entry is created as a draft, or posted after its lines')
   WHERE NEW.status NOT IN ('draft', 'posted')
      OR (NEW.status = 'draft' AND (NEW.seq IS NOT NULL OR NEW.chain_index IS NOT NULL));
  {_SQLITE_ENTRY_SHAPE}
END""",
        # Lines written before a draft: of its lab and undated.
        f"""CREATE TRIGGER ledger_entry_insert_draft BEFORE INSERT ON {ENTRY}
WHEN NEW.status = 'draft'
BEGIN
  SELECT RAISE(ABORT, 'LEDGER_CROSS_LAB: the line, its entry, account, budget line and commitment must be of one lab')
   WHERE EXISTS (SELECT 1 FROM {LINE} WHERE entry_id = NEW.id AND lab_id <> NEW.lab_id);
  SELECT RAISE(ABORT, 'LEDGER_FROZEN: only posting dates a line')
   WHERE EXISTS (SELECT 1 FROM {LINE} WHERE entry_id = NEW.id AND entry_date IS NOT NULL);
END""",
        # Posted at once (imports): its lines were written before it, dated with its date;
        # it passes every check of posting.
        f"""CREATE TRIGGER ledger_entry_insert_posted BEFORE INSERT ON {ENTRY}
WHEN NEW.status = 'posted'
BEGIN
  {_sqlite_post_checks(written_at_once=True)}
END""",
        f"""CREATE TRIGGER ledger_entry_draft_guard
BEFORE UPDATE OF lab_id, journal_id, fiscal_year_id, date ON {ENTRY}
WHEN OLD.status = 'draft'
BEGIN
  {_SQLITE_ENTRY_SHAPE}
END""",
        f"""CREATE TRIGGER ledger_entry_frozen_update BEFORE UPDATE ON {ENTRY}
WHEN OLD.status = 'posted'
BEGIN
  SELECT RAISE(ABORT, 'LEDGER_FROZEN: a posted entry cannot be changed; reverse it');
END""",
        f"""CREATE TRIGGER ledger_entry_frozen_delete BEFORE DELETE ON {ENTRY}
WHEN OLD.status = 'posted'
BEGIN
  SELECT RAISE(ABORT, 'LEDGER_FROZEN: a posted entry cannot be deleted; reverse it');
END""",
        f"""CREATE TRIGGER ledger_entry_post_guard BEFORE UPDATE OF status ON {ENTRY}
WHEN OLD.status = 'draft' AND NEW.status = 'posted'
BEGIN
  {_sqlite_post_checks(written_at_once=False)}
END""",
        f"""CREATE TRIGGER ledger_entry_stamp_lines AFTER UPDATE OF status ON {ENTRY}
WHEN OLD.status = 'draft' AND NEW.status = 'posted'
BEGIN
  UPDATE {LINE} SET entry_date = NEW.date WHERE entry_id = NEW.id;
END""",
        f"""CREATE TRIGGER ledger_line_insert_guard BEFORE INSERT ON {LINE}
BEGIN
  SELECT RAISE(ABORT, 'LEDGER_FROZEN: lines cannot be added to a posted entry')
   WHERE {posted % "NEW.entry_id"};
  SELECT RAISE(ABORT, 'LEDGER_FROZEN: only posting dates a line')
   WHERE NEW.entry_date IS NOT NULL
     AND EXISTS (SELECT 1 FROM {ENTRY} WHERE id = NEW.entry_id);
  {_SQLITE_LINE_LABS}
END""",
        # SQLite fires the newest trigger first: the frozen guard, created after, speaks first.
        f"""CREATE TRIGGER ledger_line_labs_guard BEFORE UPDATE OF {labs} ON {LINE}
BEGIN
  {_SQLITE_LINE_LABS}
END""",
        f"""CREATE TRIGGER ledger_line_update_guard BEFORE UPDATE OF {others} ON {LINE}
WHEN OLD.entry_date IS NOT NULL OR {posted % "OLD.entry_id"} OR {posted % "NEW.entry_id"}
BEGIN
  SELECT RAISE(ABORT, 'LEDGER_FROZEN: a line of a posted entry cannot be changed');
END""",
        f"""CREATE TRIGGER ledger_line_date_guard BEFORE UPDATE OF entry_date ON {LINE}
BEGIN
  SELECT RAISE(ABORT, 'LEDGER_FROZEN: only posting dates a line, once')
   WHERE NEW.entry_date IS NOT OLD.entry_date
     AND (OLD.entry_date IS NOT NULL
          OR NEW.entry_date IS NOT (SELECT date FROM {ENTRY}
                                    WHERE id = NEW.entry_id AND status = 'posted'));
END""",
        f"""CREATE TRIGGER ledger_line_delete_guard BEFORE DELETE ON {LINE}
WHEN OLD.entry_date IS NOT NULL OR {posted % "OLD.entry_id"}
BEGIN
  SELECT RAISE(ABORT, 'LEDGER_FROZEN: a line of a posted entry cannot be deleted');
END""",
        # Only lines that feed something: a budget line's spending, a commitment.
        f"""CREATE TRIGGER ledger_line_posted AFTER UPDATE OF entry_date ON {LINE}
WHEN OLD.entry_date IS NULL AND NEW.entry_date IS NOT NULL
 AND (NEW.budget_line_id IS NOT NULL OR NEW.commitment_id IS NOT NULL)
BEGIN
{_SQLITE_SPEND}END""",
        # A line written dated, before its entry posted at once, is spent as it is written.
        f"""CREATE TRIGGER ledger_line_posted_ahead AFTER INSERT ON {LINE}
WHEN NEW.entry_date IS NOT NULL AND (NEW.budget_line_id IS NOT NULL OR NEW.commitment_id IS NOT NULL)
BEGIN
{_SQLITE_SPEND}END""",
        f"""CREATE TRIGGER ledger_budgetline_frozen BEFORE UPDATE ON ledger_budgetline
WHEN NEW.allocated IS NOT OLD.allocated OR NEW.lab_id IS NOT OLD.lab_id
  OR NEW.fiscal_year_id IS NOT OLD.fiscal_year_id
  OR NEW.notified_currency IS NOT OLD.notified_currency
  OR NEW.notified_amount IS NOT OLD.notified_amount
  OR NEW.notified_rate IS NOT OLD.notified_rate
BEGIN
  SELECT RAISE(ABORT, {_BUDGET_LOCKED});
END""",
        f"""CREATE TRIGGER ledger_amendment_no_update BEFORE UPDATE ON ledger_budgetamendment
BEGIN
  SELECT RAISE(ABORT, {_BUDGET_LOCKED});
END""",
        f"""CREATE TRIGGER ledger_amendment_no_delete BEFORE DELETE ON ledger_budgetamendment
BEGIN
  SELECT RAISE(ABORT, {_BUDGET_LOCKED});
END""",
        f"""CREATE TRIGGER ledger_commitment_amendment_no_update
BEFORE UPDATE ON ledger_commitmentamendment
BEGIN
  SELECT RAISE(ABORT, {_COMMITMENT_AMENDED});
END""",
        f"""CREATE TRIGGER ledger_commitment_amendment_no_delete
BEFORE DELETE ON ledger_commitmentamendment
BEGIN
  SELECT RAISE(ABORT, {_COMMITMENT_AMENDED});
END""",
        """CREATE TRIGGER ledger_fiscal_year_insert BEFORE INSERT ON ledger_fiscalyear
WHEN NEW.status <> 'open'
BEGIN
  SELECT RAISE(ABORT, 'LEDGER_YEAR_CLOSED: a fiscal year is opened, and closed by its closing');
END""",
        f"""CREATE TRIGGER ledger_fiscal_year_close BEFORE UPDATE OF status ON ledger_fiscalyear
WHEN NEW.status = 'closed' AND OLD.status <> 'closed'
BEGIN
  SELECT RAISE(ABORT, 'LEDGER_YEAR_CLOSED: a year closes with every month closed, no draft, and the next year open')
   WHERE {_YEAR_NOT_CLOSABLE};
  SELECT RAISE(ABORT, 'LEDGER_OPENING_BALANCES: the next year''s opening balances differ from this year''s closing balances')
   WHERE {_OPENING_DIFFERS};
END""",
        f"""CREATE TRIGGER ledger_fiscal_year_dates BEFORE UPDATE OF lab_id, year, start_date, end_date
ON ledger_fiscalyear
WHEN EXISTS (SELECT 1 FROM {ENTRY} WHERE fiscal_year_id = OLD.id AND status = 'posted')
BEGIN
  SELECT RAISE(ABORT, 'LEDGER_YEAR_CLOSED: a fiscal year with posted entries keeps its dates');
END""",
        """CREATE TRIGGER ledger_period_of_closed_year BEFORE UPDATE ON ledger_period
WHEN (SELECT status FROM ledger_fiscalyear WHERE id = OLD.fiscal_year_id) = 'closed'
  OR (SELECT status FROM ledger_fiscalyear WHERE id = NEW.fiscal_year_id) = 'closed'
BEGIN
  SELECT RAISE(ABORT, 'LEDGER_YEAR_CLOSED: the months of a closed fiscal year stay closed; reopen the year first');
END""",
        """CREATE TRIGGER ledger_statement_no_change BEFORE UPDATE ON reports_issuedstatement
BEGIN
  SELECT RAISE(ABORT, 'LEDGER_ARCHIVE_APPEND_ONLY: an issued statement is never changed');
END""",
        """CREATE TRIGGER ledger_statement_no_delete BEFORE DELETE ON reports_issuedstatement
BEGIN
  SELECT RAISE(ABORT, 'LEDGER_ARCHIVE_APPEND_ONLY: an issued statement is never deleted');
END""",
        f"""CREATE TRIGGER ledger_audit_no_update BEFORE UPDATE ON {AUDIT}
BEGIN
  SELECT RAISE(ABORT, 'LEDGER_AUDIT_APPEND_ONLY: the audit trail cannot be changed');
END""",
        f"""CREATE TRIGGER ledger_audit_no_delete BEFORE DELETE ON {AUDIT}
BEGIN
  SELECT RAISE(ABORT, 'LEDGER_AUDIT_APPEND_ONLY: the audit trail cannot be changed');
END""",
        *_SQLITE_DOCUMENTS,
    ]


_PG_RAISE = "USING ERRCODE = 'integrity_constraint_violation'"

# PostgreSQL checks what an INSERT writes once per statement, over its transition table
# (`new_entries`, `new_lines`): a 100,000-line import is a few COPY statements, and one
# plpgsql call a row with a dozen subqueries each cost more than writing the rows. The
# checks and messages are those of a row guard (UPDATE likewise, below); when a statement
# breaks several, the first check in the guard's order speaks, for the first entry (by id)
# that breaks it.
# The set checks' estimated costs (subplans counted for every row) pass JIT's thresholds:
# compiling the entries' check took 2 s a statement, running it 0.1 s.
_PG_NO_JIT = "SET jit = off"
_PG_ENTRY_PROBLEM = """CASE
    WHEN j.lab_id IS DISTINCT FROM n.lab_id THEN 1
    WHEN fy.lab_id IS DISTINCT FROM n.lab_id THEN 2
    WHEN n.date < fy.start_date OR n.date > fy.end_date THEN 3
    WHEN n.status <> 'posted' THEN NULL
    WHEN fy.status <> 'open' THEN 4
    WHEN n.year_end <> '' AND ({year_end}) THEN 5
    WHEN j.kind = 'opening' AND ({opening}) THEN 6
    WHEN n.year_end = '' AND p.id IS NULL THEN 7
    WHEN n.seq IS NULL OR n.seq < 1
         OR n.number IS DISTINCT FROM j.code || '-' || fy.year || '-' || lpad(n.seq::text, 6, '0')
         OR (n.seq > 1 AND before.id IS NULL) THEN 8
    WHEN n.chain_index IS NULL OR (n.chain_index = 1 AND n.prev_hash <> '')
         OR (n.chain_index > 1 AND previous.id IS NULL) THEN 9
  END""".format(
    year_end=_YEAR_END_MISPLACED.replace("NEW.", "n."),
    opening=_OPENING_TYPED.replace("NEW.", "n."),
)
# The message of each problem `_PG_ENTRY_PROBLEM` finds (the first of the statement's
# rows, in `bad`), for the INSERT and the UPDATE guards of entries alike.
_PG_ENTRY_PROBLEM_RAISE = f"""  IF bad.problem = 1 THEN
    RAISE EXCEPTION 'LEDGER_CROSS_LAB: the journal belongs to another lab' {_PG_RAISE};
  ELSIF bad.problem = 2 THEN
    RAISE EXCEPTION 'LEDGER_CROSS_LAB: the fiscal year belongs to another lab' {_PG_RAISE};
  ELSIF bad.problem = 3 THEN
    RAISE EXCEPTION 'LEDGER_OUT_OF_YEAR: the entry date is outside its fiscal year' {_PG_RAISE};
  ELSIF bad.problem = 4 THEN
    RAISE EXCEPTION 'LEDGER_YEAR_CLOSED: the fiscal year % of the entry is closed', bad.year {_PG_RAISE};
  ELSIF bad.problem = 5 THEN
    RAISE EXCEPTION 'LEDGER_YEAR_END: a year-end entry is dated on its year''s boundary day and touches only its accounts' {_PG_RAISE};
  ELSIF bad.problem = 6 THEN
    RAISE EXCEPTION 'LEDGER_OPENING_BALANCES: the opening balances of a year that follows another come from closing that one' {_PG_RAISE};
  ELSIF bad.problem = 7 THEN
    RAISE EXCEPTION 'LEDGER_PERIOD_CLOSED: no open period of the lab holds %', bad.date {_PG_RAISE};
  ELSIF bad.problem = 8 THEN
    RAISE EXCEPTION 'LEDGER_NUMBERING: % does not follow the last posted number', bad.number {_PG_RAISE};
  END IF;
"""


def _pg_entry_problem(source: str, using: str = "") -> str:
    """The first problem of the entries of `source` (a transition table, or NEW alone
    with `using`), raised with its message: for the INSERT and UPDATE guards alike."""
    return f"""  EXECUTE $q$SELECT n.number, n.date, fy.year, {_PG_ENTRY_PROBLEM} AS problem
    FROM {source} n
    LEFT JOIN ledger_journal j ON j.id = n.journal_id
    LEFT JOIN ledger_fiscalyear fy ON fy.id = n.fiscal_year_id
    LEFT JOIN ledger_period p ON p.fiscal_year_id = n.fiscal_year_id AND p.status = 'open'
                             AND n.date BETWEEN p.start_date AND p.end_date
    LEFT JOIN {ENTRY} before ON before.lab_id = n.lab_id AND before.journal_id = n.journal_id
                            AND before.fiscal_year_id = n.fiscal_year_id AND before.seq = n.seq - 1
    LEFT JOIN {ENTRY} previous ON previous.lab_id = n.lab_id
                              AND previous.chain_index = n.chain_index - 1
                              AND previous.hash = n.prev_hash
   WHERE {_PG_ENTRY_PROBLEM} IS NOT NULL
   ORDER BY 4, n.id LIMIT 1$q$ INTO bad{using};
{_PG_ENTRY_PROBLEM_RAISE}"""


_PG_ENTRIES_INSERTED = [
    # Row by row only what needs no query (and must speak before the CHECK constraints).
    f"""CREATE OR REPLACE FUNCTION ledger_entry_not_draft() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'LEDGER_NOT_DRAFT: an entry is created as a draft, or posted after its lines' {_PG_RAISE};
END $$""",
    f"""CREATE TRIGGER ledger_entry_not_draft BEFORE INSERT ON {ENTRY} FOR EACH ROW
WHEN (NEW.status NOT IN ('draft', 'posted')
      OR (NEW.status = 'draft' AND (NEW.seq IS NOT NULL OR NEW.chain_index IS NOT NULL)))
EXECUTE FUNCTION ledger_entry_not_draft()""",
    f"""CREATE OR REPLACE FUNCTION ledger_entries_inserted() RETURNS trigger LANGUAGE plpgsql
{_PG_NO_JIT} AS $$
DECLARE
  lines record;
  bad record;
BEGIN
  -- Lines written before their entry (posted at once by imports): of its lab, and dated
  -- with its date if it is posted, undated if it is a draft; then its budget tags.
  EXECUTE $q$SELECT COALESCE(bool_or(l.lab_id <> n.lab_id), false) AS other_lab,
         COALESCE(bool_or(n.status = 'draft' AND l.entry_date IS NOT NULL), false) AS dated,
         COALESCE(bool_or(n.status = 'posted' AND l.entry_date IS DISTINCT FROM n.date), false)
           AS undated,
         COALESCE(bool_or(n.status = 'posted' AND a.needs_budget_line
                          AND l.budget_line_id IS NULL AND n.year_end = ''
                          AND j.kind IS DISTINCT FROM 'opening'), false) AS budget_missing,
         COALESCE(bool_or(n.status = 'posted' AND b.fiscal_year_id <> n.fiscal_year_id), false)
           AS budget_year,
         COALESCE(bool_or(n.status = 'posted' AND {_PARTY_MISSING}), false) AS party_missing
    FROM new_entries n
    JOIN {LINE} l ON l.entry_id = n.id
    LEFT JOIN ledger_account a ON a.id = l.account_id
    LEFT JOIN ledger_budgetline b ON b.id = l.budget_line_id
    LEFT JOIN ledger_journal j ON j.id = n.journal_id$q$ INTO lines;
  IF lines.other_lab THEN
    RAISE EXCEPTION 'LEDGER_CROSS_LAB: the line, its entry, account, budget line and commitment must be of one lab' {_PG_RAISE};
  END IF;
  IF lines.dated THEN
    RAISE EXCEPTION 'LEDGER_FROZEN: only posting dates a line' {_PG_RAISE};
  END IF;
  IF lines.undated THEN
    RAISE EXCEPTION 'LEDGER_FROZEN: the lines of an entry posted at once carry its date' {_PG_RAISE};
  END IF;
{_pg_entry_problem("new_entries")}  IF lines.budget_missing THEN
    RAISE EXCEPTION 'LEDGER_BUDGET_MISSING: a line on an expense or equipment account names no budget line' {_PG_RAISE};
  END IF;
  IF lines.budget_year THEN
    RAISE EXCEPTION 'LEDGER_BUDGET_YEAR: a line consumes a budget line of another fiscal year' {_PG_RAISE};
  END IF;
  IF lines.party_missing THEN
    RAISE EXCEPTION 'LEDGER_THIRD_PARTY_MISSING: a line on a third-party account names no third party' {_PG_RAISE};
  END IF;
  IF bad.problem = 9 THEN
    RAISE EXCEPTION 'LEDGER_CHAIN: the entry does not extend the lab''s hash chain' {_PG_RAISE};
  END IF;
  RETURN NULL;
END $$""",
    f"""CREATE TRIGGER ledger_entries_inserted AFTER INSERT ON {ENTRY}
REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT
EXECUTE FUNCTION ledger_entries_inserted()""",
]


def _pg_lines_set_end(what: str, dated: str) -> str:
    """How both statement guards of lines (INSERT, UPDATE) end, over `found` and the
    statement's lines: one lab, a commitment of its own budget line; then the lines
    `dated` (a FROM clause over `new_lines n`) feed their budget line's monthly spending
    and the commitment they settle (planned for each statement, as the checks are)."""
    return f"""  IF found.other_lab THEN
    RAISE EXCEPTION 'LEDGER_CROSS_LAB: the line, its entry, account, budget line and commitment must be of one lab' {_PG_RAISE};
  END IF;
  IF found.other_budget_line THEN
    RAISE EXCEPTION 'LEDGER_COMMITMENT_LINE: a line settles a commitment of its own budget line' {_PG_RAISE};
  END IF;
  IF found.spends THEN
    -- Lines {what}.
    EXECUTE $q$INSERT INTO ledger_budgetspending (budget_line_id, month, amount)
    SELECT n.budget_line_id, date_trunc('month', n.entry_date)::date, SUM(n.debit - n.credit)
      {dated} AND n.budget_line_id IS NOT NULL
     GROUP BY 1, 2
    ON CONFLICT (budget_line_id, month)
    DO UPDATE SET amount = ledger_budgetspending.amount + EXCLUDED.amount$q$;
    EXECUTE $q$UPDATE ledger_commitment c
       SET settled = c.settled + s.amount,
           status = CASE WHEN c.status IN ('cancelled', 'carried_over') THEN c.status
                         WHEN c.settled + s.amount >= c.amount THEN 'settled'
                         WHEN c.settled + s.amount > 0 THEN 'partly_settled'
                         ELSE 'open' END
      FROM (SELECT n.commitment_id, SUM(n.debit - n.credit) AS amount
              {dated} AND n.commitment_id IS NOT NULL GROUP BY 1) s
     WHERE c.id = s.commitment_id$q$;
  END IF;
"""


_PG_LINES_INSERTED = [
    f"""CREATE OR REPLACE FUNCTION ledger_lines_inserted() RETURNS trigger LANGUAGE plpgsql
{_PG_NO_JIT} AS $$
DECLARE
  found record;
BEGIN
  EXECUTE $q$SELECT COALESCE(bool_or(e.status = 'posted'), false) AS into_posted,
         -- Dated: only ahead of an entry to be posted at once (its check reads the date).
         COALESCE(bool_or(l.entry_date IS NOT NULL AND e.id IS NOT NULL), false) AS dated,
         COALESCE(bool_or(l.lab_id <> e.lab_id  -- NULL: the entry is not written yet
                          OR l.lab_id IS DISTINCT FROM a.lab_id
                          OR (l.budget_line_id IS NOT NULL AND l.lab_id IS DISTINCT FROM b.lab_id)
                          OR (l.commitment_id IS NOT NULL AND l.lab_id IS DISTINCT FROM c.lab_id)),
                  false) AS other_lab,
         COALESCE(bool_or(l.commitment_id IS NOT NULL
                          AND l.budget_line_id IS DISTINCT FROM c.budget_line_id), false)
           AS other_budget_line,
         COALESCE(bool_or(l.entry_date IS NOT NULL
                          AND (l.budget_line_id IS NOT NULL OR l.commitment_id IS NOT NULL)), false)
           AS spends
    FROM new_lines l
    LEFT JOIN {ENTRY} e ON e.id = l.entry_id
    LEFT JOIN ledger_account a ON a.id = l.account_id
    LEFT JOIN ledger_budgetline b ON b.id = l.budget_line_id
    LEFT JOIN ledger_commitment c ON c.id = l.commitment_id$q$ INTO found;
  IF found.into_posted THEN
    RAISE EXCEPTION 'LEDGER_FROZEN: lines cannot be added to a posted entry' {_PG_RAISE};
  END IF;
  IF found.dated THEN
    RAISE EXCEPTION 'LEDGER_FROZEN: only posting dates a line' {_PG_RAISE};
  END IF;
{
        _pg_lines_set_end(
            "written dated, ahead of their entry posted at once, are spent as written",
            "FROM new_lines n WHERE n.entry_date IS NOT NULL",
        )
    }  RETURN NULL;
END $$""",
    f"""CREATE TRIGGER ledger_lines_inserted AFTER INSERT ON {LINE}
REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT
EXECUTE FUNCTION ledger_lines_inserted()""",
]
# UPDATE and DELETE of entries and lines. What needs no query stays row by row: a posted
# entry, a dated line (a line of a posted entry) is frozen, refused before anything else
# (a WHEN clause, so the rows of drafts call no function). The rest of an UPDATE is
# checked once per statement over its transition tables (`old_entries`/`new_entries`,
# `old_lines`/`new_lines`), with the checks and messages of the row guards they replace:
# posting a batch of drafts is one UPDATE (entries_post), whose statement also stamps
# their lines (one UPDATE), feeds spending and commitments from them, and queues their
# balance for the check at commit. The checks read the table as the statement left it,
# so the drafts of a batch may be numbered and chained in any row order.
_PG_ENTRIES_FROZEN = [
    f"""CREATE OR REPLACE FUNCTION ledger_entry_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'LEDGER_FROZEN: posted entry % cannot be deleted; reverse it', OLD.number {_PG_RAISE};
  END IF;
  RAISE EXCEPTION 'LEDGER_FROZEN: posted entry % cannot be changed; reverse it', OLD.number {_PG_RAISE};
END $$""",
    f"""CREATE TRIGGER ledger_entry_frozen BEFORE UPDATE OR DELETE ON {ENTRY}
FOR EACH ROW WHEN (OLD.status = 'posted') EXECUTE FUNCTION ledger_entry_frozen()""",
]


def _pg_entry_checks(source: str, using: str = "") -> str:
    """The checks of an UPDATE of entries (plpgsql), over the rows of `source`: the
    statement's transition table, or NEW alone (`using`)."""
    return f"""{_pg_entry_problem(source, using)}  -- The drafts this statement posts: its rows now posted (an entry posted before never
  -- reaches here, frozen row by row; the status is 'draft' or 'posted', a CHECK). No join
  -- with old_entries: transition tables have no statistics, and the planner estimates
  -- two rows each (a nested loop over both, quadratic in the batch).
  EXECUTE $q$SELECT COUNT(DISTINCT n.id) AS posted,
         COALESCE(bool_or(a.needs_budget_line AND l.budget_line_id IS NULL
                          AND n.year_end = '' AND j.kind <> 'opening'), false) AS budget_missing,
         COALESCE(bool_or(b.fiscal_year_id <> n.fiscal_year_id), false) AS budget_year,
         COALESCE(bool_or({_PARTY_MISSING}), false) AS party_missing
    FROM {source} n
    JOIN ledger_journal j ON j.id = n.journal_id
    LEFT JOIN {LINE} l ON l.entry_id = n.id
    LEFT JOIN ledger_account a ON a.id = l.account_id
    LEFT JOIN ledger_budgetline b ON b.id = l.budget_line_id
   WHERE n.status = 'posted'$q$ INTO lines{using};
  IF lines.budget_missing THEN
    RAISE EXCEPTION 'LEDGER_BUDGET_MISSING: a line on an expense or equipment account names no budget line' {_PG_RAISE};
  END IF;
  IF lines.budget_year THEN
    RAISE EXCEPTION 'LEDGER_BUDGET_YEAR: a line consumes a budget line of another fiscal year' {_PG_RAISE};
  END IF;
  IF lines.party_missing THEN
    RAISE EXCEPTION 'LEDGER_THIRD_PARTY_MISSING: a line on a third-party account names no third party' {_PG_RAISE};
  END IF;
  IF bad.problem = 9 THEN
    RAISE EXCEPTION 'LEDGER_CHAIN: the entry does not extend the lab''s hash chain' {_PG_RAISE};
  END IF;
"""


# A row the table itself would refuse before the statement's guard runs (its CHECK on the
# posting fields; a number, sequence or chain index already taken: unique indexes are
# checked as each row is written) gets the guard's checks first, alone: a raw UPDATE
# posting into a closed year with a chain index taken is told the year is closed, as the
# row guards told it. Other rows cost one indexed lookup.
_PG_ENTRY_STATUS_FIELDS = """(NEW.status = 'draft' AND NEW.seq IS NULL AND NEW.number IS NULL
        AND NEW.chain_index IS NULL AND NEW.hash = '' AND NEW.posted_at IS NULL)
     OR (NEW.status = 'posted' AND NEW.seq >= 1 AND NEW.number IS NOT NULL
         AND NEW.chain_index >= 1 AND NEW.posted_at IS NOT NULL
         AND NEW.posted_by_id IS NOT NULL AND NEW.hash <> '')"""
_PG_ENTRY_TAKEN = f"""EXISTS (SELECT 1 FROM {ENTRY} e WHERE e.lab_id = NEW.lab_id
                AND e.chain_index = NEW.chain_index AND e.id <> NEW.id)
     OR EXISTS (SELECT 1 FROM {ENTRY} e WHERE e.lab_id = NEW.lab_id AND e.number = NEW.number
                AND e.id <> NEW.id)
     OR EXISTS (SELECT 1 FROM {ENTRY} e WHERE e.lab_id = NEW.lab_id AND e.journal_id = NEW.journal_id
                AND e.fiscal_year_id = NEW.fiscal_year_id AND e.seq = NEW.seq AND e.id <> NEW.id)"""
_PG_ENTRIES_UPDATED = [
    f"""CREATE OR REPLACE FUNCTION ledger_entry_refused_first() RETURNS trigger LANGUAGE plpgsql
{_PG_NO_JIT} AS $$
DECLARE
  lines record;
  bad record;
BEGIN
  IF NOT ({_PG_ENTRY_STATUS_FIELDS}) OR {_PG_ENTRY_TAKEN} THEN
{_pg_entry_checks("(SELECT ($1).*)", " USING NEW")}  END IF;
  RETURN NEW;
END $$""",
    f"""CREATE TRIGGER ledger_entry_refused_first BEFORE UPDATE ON {ENTRY}
FOR EACH ROW WHEN (OLD.status = 'draft') EXECUTE FUNCTION ledger_entry_refused_first()""",
    f"""CREATE OR REPLACE FUNCTION ledger_entries_updated() RETURNS trigger LANGUAGE plpgsql
{_PG_NO_JIT} AS $$
DECLARE
  lines record;
  bad record;
BEGIN
{_pg_entry_checks("new_entries")}  IF lines.posted > 0 THEN
    -- Posting dates the lines with their entry's date (the lines' guard checks it).
    EXECUTE $q$UPDATE {LINE} l SET entry_date = n.date
      FROM new_entries n WHERE l.entry_id = n.id AND n.status = 'posted'$q$;
  END IF;
  RETURN NULL;
END $$""",
    f"""CREATE TRIGGER ledger_entries_updated AFTER UPDATE ON {ENTRY}
REFERENCING OLD TABLE AS old_entries NEW TABLE AS new_entries FOR EACH STATEMENT
EXECUTE FUNCTION ledger_entries_updated()""",
]
_PG_LINES_FROZEN = [
    f"""CREATE OR REPLACE FUNCTION ledger_line_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'LEDGER_FROZEN: a line of a posted entry cannot be changed' {_PG_RAISE};
END $$""",
    f"""CREATE TRIGGER ledger_line_frozen BEFORE UPDATE ON {LINE}
FOR EACH ROW WHEN (OLD.entry_date IS NOT NULL) EXECUTE FUNCTION ledger_line_frozen()""",
    f"""CREATE OR REPLACE FUNCTION ledger_line_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.entry_date IS NOT NULL OR ledger_entry_posted(OLD.entry_id) THEN
    RAISE EXCEPTION 'LEDGER_FROZEN: a line of a posted entry cannot be deleted' {_PG_RAISE};
  END IF;
  RETURN OLD;
END $$""",
    f"""CREATE TRIGGER ledger_line_guard BEFORE DELETE ON {LINE}
FOR EACH ROW EXECUTE FUNCTION ledger_line_guard()""",
]


def _pg_lines_updated(line_columns: list[str]) -> list[str]:
    """The lines' UPDATE guard, once per statement. A line of a posted entry (or moved
    into one) may change in one way only: stamped with its entry's date, every other
    column as it was (the columns listed from the table, as on SQLite)."""
    others = [c for c in line_columns if c != "entry_date"]
    # As the row guard: a line of a posted entry, or one moved into a posted entry.
    # The entries are read by index, one line at a time (a join hashed the whole table).
    old_status = f"(SELECT status FROM {ENTRY} WHERE id = o.entry_id)"
    touched = (
        f"(o.entry_date IS NOT NULL OR {old_status} = 'posted'"
        f" OR (SELECT status FROM {ENTRY} WHERE id = n.entry_id) = 'posted')"
    )
    old_date = f"(SELECT date FROM {ENTRY} WHERE id = o.entry_id AND status = 'posted')"
    kept = f"ROW({', '.join('n.' + c for c in others)}) IS NOT DISTINCT FROM ROW({', '.join('o.' + c for c in others)})"
    return [
        f"""CREATE OR REPLACE FUNCTION ledger_lines_updated() RETURNS trigger LANGUAGE plpgsql
{_PG_NO_JIT} AS $$
DECLARE
  found record;
BEGIN
  EXECUTE $q$SELECT
         COALESCE(bool_or({touched} AND (o.entry_date IS NOT NULL OR {old_date} IS NULL
                                       OR n.entry_date IS DISTINCT FROM {old_date}
                                       OR NOT ({kept}))), false) AS frozen,
         COALESCE(bool_or(NOT {touched} AND n.entry_date IS NOT NULL), false) AS dated,
         COALESCE(bool_or(n.lab_id <> (SELECT lab_id FROM {ENTRY} WHERE id = n.entry_id)
                          -- NULL: the entry is not written yet
                          OR n.lab_id IS DISTINCT FROM a.lab_id
                          OR (n.budget_line_id IS NOT NULL AND n.lab_id IS DISTINCT FROM b.lab_id)
                          OR (n.commitment_id IS NOT NULL AND n.lab_id IS DISTINCT FROM c.lab_id)),
                  false) AS other_lab,
         COALESCE(bool_or(n.commitment_id IS NOT NULL
                          AND n.budget_line_id IS DISTINCT FROM c.budget_line_id), false)
           AS other_budget_line,
         COALESCE(bool_or(o.entry_date IS NULL AND n.entry_date IS NOT NULL
                          AND (n.budget_line_id IS NOT NULL OR n.commitment_id IS NOT NULL)), false)
           AS spends
    FROM old_lines o
    JOIN new_lines n ON n.id = o.id
    LEFT JOIN ledger_account a ON a.id = n.account_id
    LEFT JOIN ledger_budgetline b ON b.id = n.budget_line_id
    LEFT JOIN ledger_commitment c ON c.id = n.commitment_id$q$ INTO found;
  IF found.frozen THEN
    RAISE EXCEPTION 'LEDGER_FROZEN: a line of a posted entry cannot be changed' {_PG_RAISE};
  END IF;
  IF found.dated THEN
    RAISE EXCEPTION 'LEDGER_FROZEN: only posting dates a line' {_PG_RAISE};
  END IF;
{
            _pg_lines_set_end(
                "just dated (their entry posted) feed their budget line and the commitment they settle",
                "FROM new_lines n JOIN old_lines o ON o.id = n.id"
                " WHERE o.entry_date IS NULL AND n.entry_date IS NOT NULL",
            )
        }  RETURN NULL;
END $$""",
        f"""CREATE TRIGGER ledger_lines_updated AFTER UPDATE ON {LINE}
REFERENCING OLD TABLE AS old_lines NEW TABLE AS new_lines FOR EACH STATEMENT
EXECUTE FUNCTION ledger_lines_updated()""",
    ]


# Balanced (invariant 1) at commit: each INSERT of posted entries, and each UPDATE posting
# drafts, queues their ids, one row a statement, and a deferred constraint trigger on the queue checks each set at
# commit (a set of 10,000 entries by one aggregate, instead of one trigger call per entry
# and per line). The check fires for the row as it was queued even if the row is later
# changed or deleted; it deletes the row itself. The set queries of these functions are
# planned for each statement (EXECUTE): a plan cached for the session, made for a
# 10,000-row import, would scan whole tables for every one-row insert after it.
BALANCE_QUEUE = "ledger_balance_pending"
_PG_BALANCE_QUEUE = [
    f"""CREATE OR REPLACE FUNCTION ledger_balance_queue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO {BALANCE_QUEUE} (entry_ids)
  SELECT array_agg(id) FROM new_entries WHERE status = 'posted' HAVING COUNT(*) > 0;
  RETURN NULL;
END $$""",
    f"""CREATE TRIGGER ledger_entry_balance_queued AFTER INSERT ON {ENTRY}
REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT
EXECUTE FUNCTION ledger_balance_queue()""",
    # Drafts posted by an UPDATE (entries_post: one statement a batch) are queued too.
    f"""CREATE TRIGGER ledger_entry_balance_queued_update AFTER UPDATE ON {ENTRY}
REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT
EXECUTE FUNCTION ledger_balance_queue()""",
    f"""CREATE OR REPLACE FUNCTION ledger_balance_check() RETURNS trigger LANGUAGE plpgsql
{_PG_NO_JIT} AS $$
DECLARE
  bad record;
BEGIN
  EXECUTE $q$SELECT e.id, COALESCE(SUM(l.debit), 0) AS d, COALESCE(SUM(l.credit), 0) AS c,
         COUNT(l.id) AS n
    FROM {ENTRY} e LEFT JOIN {LINE} l ON l.entry_id = e.id
   WHERE e.id = ANY($1) AND e.status = 'posted'
   GROUP BY e.id
  HAVING COALESCE(SUM(l.debit), 0) <> COALESCE(SUM(l.credit), 0) OR COUNT(l.id) < 2
   ORDER BY e.id LIMIT 1$q$ INTO bad USING NEW.entry_ids;
  IF bad.d <> bad.c THEN
    RAISE EXCEPTION 'LEDGER_UNBALANCED: entry % has debit % and credit % (cents)', bad.id, bad.d, bad.c {_PG_RAISE};
  END IF;
  IF bad.n < 2 THEN
    RAISE EXCEPTION 'LEDGER_TOO_FEW_LINES: entry % needs at least two lines', bad.id {_PG_RAISE};
  END IF;
  DELETE FROM {BALANCE_QUEUE} WHERE id = NEW.id;
  RETURN NULL;
END $$""",
    f"""CREATE CONSTRAINT TRIGGER ledger_balance_check AFTER INSERT ON {BALANCE_QUEUE}
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_balance_check()""",
]


_PG_COMMON = [
    *_PG_ENTRIES_FROZEN,
    *_PG_ENTRIES_UPDATED,
    *_PG_ENTRIES_INSERTED,
    f"""CREATE OR REPLACE FUNCTION ledger_entry_posted(entry bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$ SELECT EXISTS (SELECT 1 FROM {ENTRY} WHERE id = entry AND status = 'posted') $$""",
    *_PG_LINES_FROZEN,
    *_PG_LINES_INSERTED,
    f"""CREATE OR REPLACE FUNCTION ledger_check_balanced(entry bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  d bigint; c bigint; n int;
BEGIN
  IF NOT ledger_entry_posted(entry) THEN RETURN; END IF;
  SELECT COALESCE(SUM(debit), 0), COALESCE(SUM(credit), 0), COUNT(*) INTO d, c, n
    FROM {LINE} WHERE entry_id = entry;
  IF d <> c THEN
    RAISE EXCEPTION 'LEDGER_UNBALANCED: entry % has debit % and credit % (cents)', entry, d, c {_PG_RAISE};
  END IF;
  IF n < 2 THEN
    RAISE EXCEPTION 'LEDGER_TOO_FEW_LINES: entry % needs at least two lines', entry {_PG_RAISE};
  END IF;
END $$""",
    *_PG_BALANCE_QUEUE,
    """CREATE OR REPLACE FUNCTION ledger_line_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.entry_id <> NEW.entry_id) THEN
    PERFORM ledger_check_balanced(OLD.entry_id);
  END IF;
  IF TG_OP = 'UPDATE' THEN PERFORM ledger_check_balanced(NEW.entry_id); END IF;
  RETURN NULL;
END $$""",
    f"""CREATE CONSTRAINT TRIGGER ledger_line_balanced
AFTER DELETE OR UPDATE OF entry_id, debit, credit ON {LINE}
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_line_balanced()""",
    f"""CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'LEDGER_%: % on % is refused', TG_ARGV[0], TG_OP, TG_TABLE_NAME {_PG_RAISE};
END $$""",
    f"""CREATE OR REPLACE FUNCTION ledger_budgetline_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.allocated = OLD.allocated AND NEW.lab_id = OLD.lab_id
     AND NEW.fiscal_year_id = OLD.fiscal_year_id
     AND (NEW.notified_currency, NEW.notified_amount, NEW.notified_rate)
         IS NOT DISTINCT FROM (OLD.notified_currency, OLD.notified_amount, OLD.notified_rate) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION {_BUDGET_LOCKED} {_PG_RAISE};
END $$""",
    """CREATE TRIGGER ledger_budgetline_frozen BEFORE UPDATE ON ledger_budgetline
FOR EACH ROW EXECUTE FUNCTION ledger_budgetline_guard()""",
    """CREATE TRIGGER ledger_amendment_frozen BEFORE UPDATE OR DELETE ON ledger_budgetamendment
FOR EACH ROW EXECUTE FUNCTION ledger_append_only('BUDGET_ALLOCATION')""",
    """CREATE TRIGGER ledger_commitment_amendment_frozen
BEFORE UPDATE OR DELETE ON ledger_commitmentamendment
FOR EACH ROW EXECUTE FUNCTION ledger_append_only('BUDGET_ALLOCATION')""",
    f"""CREATE OR REPLACE FUNCTION ledger_fiscal_year_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.status <> 'open' THEN
      RAISE EXCEPTION 'LEDGER_YEAR_CLOSED: a fiscal year is opened, and closed by its closing' {_PG_RAISE};
    END IF;
    RETURN NEW;
  END IF;
  IF (NEW.lab_id, NEW.year, NEW.start_date, NEW.end_date)
       IS DISTINCT FROM (OLD.lab_id, OLD.year, OLD.start_date, OLD.end_date)
     AND EXISTS (SELECT 1 FROM {ENTRY} WHERE fiscal_year_id = OLD.id AND status = 'posted') THEN
    RAISE EXCEPTION 'LEDGER_YEAR_CLOSED: a fiscal year with posted entries keeps its dates' {_PG_RAISE};
  END IF;
  IF NEW.status = 'closed' AND OLD.status <> 'closed' THEN
    IF {_YEAR_NOT_CLOSABLE} THEN
      RAISE EXCEPTION 'LEDGER_YEAR_CLOSED: a year closes with every month closed, no draft, and the next year open' {_PG_RAISE};
    END IF;
    IF {_OPENING_DIFFERS} THEN
      RAISE EXCEPTION 'LEDGER_OPENING_BALANCES: the opening balances of % differ from the closing balances of %', NEW.year + 1, NEW.year {_PG_RAISE};
    END IF;
  END IF;
  RETURN NEW;
END $$""",
    """CREATE TRIGGER ledger_fiscal_year_guard BEFORE INSERT OR UPDATE ON ledger_fiscalyear
FOR EACH ROW EXECUTE FUNCTION ledger_fiscal_year_guard()""",
    f"""CREATE OR REPLACE FUNCTION ledger_period_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT status FROM ledger_fiscalyear WHERE id = OLD.fiscal_year_id) = 'closed'
     OR (SELECT status FROM ledger_fiscalyear WHERE id = NEW.fiscal_year_id) = 'closed' THEN
    RAISE EXCEPTION 'LEDGER_YEAR_CLOSED: the months of a closed fiscal year stay closed; reopen the year first' {_PG_RAISE};
  END IF;
  RETURN NEW;
END $$""",
    """CREATE TRIGGER ledger_period_guard BEFORE UPDATE ON ledger_period
FOR EACH ROW EXECUTE FUNCTION ledger_period_guard()""",
    f"""CREATE TRIGGER ledger_audit_append_only BEFORE UPDATE OR DELETE ON {AUDIT}
FOR EACH ROW EXECUTE FUNCTION ledger_append_only('AUDIT_APPEND_ONLY')""",
    """CREATE TRIGGER ledger_statement_append_only BEFORE UPDATE OR DELETE ON reports_issuedstatement
FOR EACH ROW EXECUTE FUNCTION ledger_append_only('ARCHIVE_APPEND_ONLY')""",
    # TRUNCATE skips row triggers: refuse it outright on the frozen tables.
    f"""CREATE TRIGGER ledger_audit_no_truncate BEFORE TRUNCATE ON {AUDIT}
FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only('AUDIT_APPEND_ONLY')""",
    f"""CREATE TRIGGER ledger_entry_no_truncate BEFORE TRUNCATE ON {ENTRY}
FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only('FROZEN')""",
    f"""CREATE TRIGGER ledger_line_no_truncate BEFORE TRUNCATE ON {LINE}
FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only('FROZEN')""",
    f"""CREATE OR REPLACE FUNCTION ledger_document_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF ledger_entry_posted(OLD.entry_id) THEN
      RAISE EXCEPTION 'LEDGER_FROZEN: a supporting document of a posted entry cannot be deleted' {_PG_RAISE};
    END IF;
    RETURN OLD;
  END IF;
  IF TG_OP = 'UPDATE' AND (ledger_entry_posted(OLD.entry_id) OR ledger_entry_posted(NEW.entry_id)) THEN
    RAISE EXCEPTION 'LEDGER_FROZEN: a supporting document of a posted entry cannot be changed' {_PG_RAISE};
  END IF;
  IF NEW.lab_id IS DISTINCT FROM (SELECT lab_id FROM {ENTRY} WHERE id = NEW.entry_id) THEN
    RAISE EXCEPTION {_DOCUMENT_CROSS_LAB} {_PG_RAISE};
  END IF;
  RETURN NEW;
END $$""",
    f"""CREATE TRIGGER ledger_document_guard BEFORE INSERT OR UPDATE OR DELETE ON {DOCUMENT}
FOR EACH ROW EXECUTE FUNCTION ledger_document_guard()""",
    f"""CREATE TRIGGER ledger_document_no_truncate BEFORE TRUNCATE ON {DOCUMENT}
FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only('FROZEN')""",
]


def _pg_sql(line_columns: list[str]) -> list[str]:
    return [*_PG_COMMON, *_pg_lines_updated(line_columns)]


# Row guards replaced by statement guards (issue 13) are dropped too, with their functions.
_PG_RETIRED = [
    f"DROP TRIGGER IF EXISTS ledger_entry_guard ON {ENTRY}",
    f"DROP TRIGGER IF EXISTS ledger_entry_stamp_lines ON {ENTRY}",
    f"DROP TRIGGER IF EXISTS ledger_entry_balanced ON {ENTRY}",
    f"DROP TRIGGER IF EXISTS ledger_line_posted ON {LINE}",
    # Their functions after every trigger that calls them (a database of an earlier
    # version holds both: `migrate` reinstalls the guards over it).
    "DROP FUNCTION IF EXISTS ledger_entry_guard()",
    "DROP FUNCTION IF EXISTS ledger_entry_stamp_lines()",
    "DROP FUNCTION IF EXISTS ledger_entry_balanced()",
    "DROP FUNCTION IF EXISTS ledger_line_posted()",
]
PG_DROP = [
    *_PG_RETIRED,
    f"DROP TRIGGER IF EXISTS ledger_entry_frozen ON {ENTRY}",
    f"DROP TRIGGER IF EXISTS ledger_entries_updated ON {ENTRY}",
    f"DROP TRIGGER IF EXISTS ledger_entry_refused_first ON {ENTRY}",
    f"DROP TRIGGER IF EXISTS ledger_entry_balance_queued_update ON {ENTRY}",
    f"DROP TRIGGER IF EXISTS ledger_line_frozen ON {LINE}",
    f"DROP TRIGGER IF EXISTS ledger_lines_updated ON {LINE}",
    f"DROP TRIGGER IF EXISTS ledger_entry_not_draft ON {ENTRY}",
    f"DROP TRIGGER IF EXISTS ledger_entries_inserted ON {ENTRY}",
    f"DROP TRIGGER IF EXISTS ledger_entry_balance_queued ON {ENTRY}",
    f"DROP TRIGGER IF EXISTS ledger_lines_inserted ON {LINE}",
    f"DROP TRIGGER IF EXISTS ledger_entry_no_truncate ON {ENTRY}",
    f"DROP TRIGGER IF EXISTS ledger_line_guard ON {LINE}",
    f"DROP TRIGGER IF EXISTS ledger_line_balanced ON {LINE}",
    f"DROP TRIGGER IF EXISTS ledger_line_no_truncate ON {LINE}",
    f"DROP TRIGGER IF EXISTS ledger_audit_append_only ON {AUDIT}",
    f"DROP TRIGGER IF EXISTS ledger_line_posted_ahead ON {LINE}",
    "DROP TRIGGER IF EXISTS ledger_statement_append_only ON reports_issuedstatement",
    "DROP TRIGGER IF EXISTS ledger_budgetline_frozen ON ledger_budgetline",
    "DROP TRIGGER IF EXISTS ledger_amendment_frozen ON ledger_budgetamendment",
    "DROP TRIGGER IF EXISTS ledger_commitment_amendment_frozen ON ledger_commitmentamendment",
    f"DROP TRIGGER IF EXISTS ledger_audit_no_truncate ON {AUDIT}",
    "DROP TRIGGER IF EXISTS ledger_fiscal_year_guard ON ledger_fiscalyear",
    "DROP TRIGGER IF EXISTS ledger_period_guard ON ledger_period",
    f"DROP TRIGGER IF EXISTS ledger_document_guard ON {DOCUMENT}",
    f"DROP TRIGGER IF EXISTS ledger_document_no_truncate ON {DOCUMENT}",
    f"DROP TRIGGER IF EXISTS ledger_balance_check ON {BALANCE_QUEUE}",
]


def _sqlite_line_columns(connection: BaseDatabaseWrapper) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA table_info({LINE})")
        return [row[1] for row in cursor.fetchall()]


def _pg_line_columns(connection: BaseDatabaseWrapper) -> list[str]:
    with connection.cursor() as cursor:
        return [c.name for c in connection.introspection.get_table_description(cursor, LINE)]


def drop(connection: BaseDatabaseWrapper) -> None:
    """Remove every guard (used by `flush` and by tests that tamper on purpose)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for sql in PG_DROP:
                cursor.execute(sql)
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'ledger%'"
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


GUARDED_TABLES = {
    ENTRY,
    LINE,
    AUDIT,
    "ledger_budgetline",
    "ledger_budgetamendment",
    "ledger_commitmentamendment",
    "ledger_budgetspending",
    "ledger_commitment",
    "ledger_fiscalyear",
    "ledger_period",
    "reports_issuedstatement",
    DOCUMENT,
}


def install(connection: BaseDatabaseWrapper) -> None:
    """(Re)create every guard on `connection`; nothing while a migration is half-applied
    (some guarded table missing), since the guards name every one of them."""
    drop(connection)
    needed = GUARDED_TABLES | ({BALANCE_QUEUE} if connection.vendor == "postgresql" else set())
    if not set(connection.introspection.table_names()) >= needed:
        return
    if connection.vendor == "postgresql":
        statements = _pg_sql(_pg_line_columns(connection))
    elif connection.vendor == "sqlite":
        statements = _sqlite_sql(_sqlite_line_columns(connection))
    else:
        raise NotImplementedError(f"No ledger guards for {connection.vendor}")
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def every_app() -> list[ModuleType]:
    """The database guards of every app that has some (a `db_guards` module with `drop`
    and `install`), the ledger's first: the other apps' guards name ledger tables."""
    from django.apps import apps

    found = [sys.modules[__name__]]
    for config in apps.get_app_configs():
        if config.name != "ledger" and module_has_submodule(config.module, "db_guards"):
            module = import_module(f"{config.name}.db_guards")
            if hasattr(module, "drop") and hasattr(module, "install"):
                found.append(module)
    return found


@contextmanager
def lifted(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Every app's guards lifted for the block (flush, a migration run by hand) and put
    back after it, whatever happens."""
    guards = every_app()
    for module in reversed(guards):
        module.drop(connection)
    try:
        yield
    finally:
        for module in guards:
            module.install(connection)
