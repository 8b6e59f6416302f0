"""Errors of the books, in words an accountant understands.

Every error is a `LedgerError`; its message templates are module constants so tests
can assert the exact text. `from_integrity_error` maps a refusal by the database
guards (db_guards.py) to the same classes.
"""

from django.db import IntegrityError

UNBALANCED = "Entry {ref} does not balance: debit {debit} {currency}, credit {credit} {currency}"
TOO_FEW_LINES = "Entry {ref} needs at least two lines"
NOT_DRAFT = "Entry {ref} is posted: it cannot be changed or deleted; reverse it instead"
PERIOD_CLOSED = "Entry {ref}: the period {period} of {lab} is closed"
NO_PERIOD = "Entry {ref}: {date} is outside the fiscal years of {lab}"
CROSS_LAB = "{what} {code} belongs to {other}, not to {lab}"
LINE_SHAPE = "Line {n}: {problem}"
NO_RATE = "No {source} rate for {currency} on or before {date}"
ALREADY_REVERSED = "Entry {ref} was already reversed by {by}"
REVERSAL_OF_REVERSAL = "Entry {ref} is itself a reversal (of {of}); post a new entry instead"
REVERSAL_BEFORE = "Entry {ref} is dated {original}: its reversal cannot be dated earlier ({date})"
REVERSAL_OF_YEAR_END = (
    "Entry {ref} is a year-end entry: it is never reversed; reopen the year and close it "
    "again to change it"
)
REVERSAL_NO_MATCHING_LINE = (
    "Budget line {code} has no line in {year} for {lab}: create it (same code) to carry "
    "the correction's budget effect, then reverse again"
)
NOT_POSTED = "Entry {ref} is a draft: only posted entries are reversed; edit or delete the draft"
NOT_PERMITTED = "{user} may not {action} in {lab}"
OFFICE_WIDE_ONLY = (
    "{user} may not {action}: this is office-wide data, kept by office-wide accountants "
    "and the office head"
)
RATES_OFFICE_WIDE = (
    "{user} may not {action}: exchange rates are office-wide data, kept by office-wide "
    "accountants and the office head"
)
PERIOD_ALREADY = "Period {period} of {lab} is already {status}"
PERIOD_HAS_DRAFTS = (
    "Period {period} of {lab} cannot be closed while it holds drafts ({count}): {drafts}. "
    "Post or delete them (or date them in an open month), then close {period} again"
)
PERIOD_DRAFTS_MORE = "and {count} more"
PERIOD_EARLIER_OPEN = (
    "Period {period} of {lab} cannot be closed while an earlier month of {year} is open "
    "({open}): months close in order, so close {first} first"
)
PERIOD_YEAR_CLOSED = (
    "Period {period} of {lab} belongs to the fiscal year {year}, which is closed: "
    "its months change only after the office head reopens the year"
)
PERIOD_REOPEN_YEAR_CLOSED = (
    "Period {period} of {lab} belongs to the fiscal year {year}, which is closed: "
    "reopen the year first (office head, with a reason), then the month"
)
REOPEN_REASON_MISSING = "Say why {what} is reopened: the reason is kept in the audit trail"
PERIOD_MISSING_POSTING = "Entry {ref}: {lab} has no period {period} in its fiscal year"
YEAR_CLOSED = (
    "Entry {ref}: the fiscal year {year} of {lab} is closed; correct it in the open year "
    "(a reversal dated the day of the correction)"
)
YEAR_NOT_OPEN = (
    "Entry {ref}: {date} is outside the fiscal years of {lab}; open {year} first "
    "(Closing page, or: manage.py open_year --lab {lab} --year {year})"
)
YEAR_END_DATE = (
    "Entry {ref}: a year-end entry of {year} is dated on the year's last day (closing) or "
    "first day (opening)"
)
YEAR_NOT_NEXT = (
    "{lab} keeps the fiscal years {first} to {last}: the year to open is {last_plus} "
    "(years follow on without gaps), not {year}"
)
YEAR_ALREADY = "The fiscal year {year} of {lab} is already {status}"
YEAR_NOT_READY = "The fiscal year {year} of {lab} cannot be closed yet: {items}"
YEAR_REOPEN_REASON = "Reopening a closed fiscal year needs a written reason"
YEAR_REOPEN_LATER_CLOSED = (
    "The fiscal year {year} of {lab} cannot be reopened while {later} is closed: "
    "reopen {later} first"
)
OPENING_NOT_YEAR_END = (
    "Entry {ref}: the opening balances of {year} come from closing the year before; "
    "they are not typed in"
)
DATABASE_REFUSED = "The database refused the change: {detail}"


class LedgerError(Exception):
    """Root of every error the books raise on purpose."""


class UnbalancedEntryError(LedgerError):
    """An entry's total debit differs from its total credit (invariant 1)."""


class TooFewLinesError(LedgerError):
    """An entry has fewer than two lines."""


class InvalidLineError(LedgerError):
    """A line is malformed: negative, both debit and credit, neither, or bad currency data."""


class EntryFrozenError(LedgerError):
    """A posted entry or line was asked to change (invariant 3)."""


class NumberingError(LedgerError):
    """A posting would leave a gap or duplicate in the numbering (invariant 4)."""


class PeriodClosedError(LedgerError):
    """A posting falls into a closed month (invariant 5)."""


class NoPeriodError(LedgerError):
    """A date lies outside every fiscal year of the lab."""


class CrossLabError(LedgerError):
    """An account, journal or other object of another lab was used (invariant 6)."""


class MissingRateError(LedgerError):
    """No exchange rate is known for a currency and date (invariant 7)."""


class ReversalError(LedgerError):
    """An entry cannot be reversed (draft, already reversed, or itself a reversal)."""


class YearClosedError(LedgerError):
    """A posting falls into a closed fiscal year, or a year-end entry is misplaced
    (invariant 11)."""


class YearStateError(LedgerError):
    """A fiscal year cannot be opened, closed or reopened in its state."""


class PeriodStateError(LedgerError):
    """A month cannot be closed or reopened as asked: it is already in that state, it
    holds drafts, an earlier month of its year is open, its fiscal year is closed, or no
    reason was given to reopen it."""


class ChainError(LedgerError):
    """A posting would not extend the lab's hash chain (invariant 8)."""


class NotPermittedError(LedgerError):
    """The acting user's roles do not allow the action in this lab."""


class AuditTrailError(LedgerError):
    """Something tried to change or delete an audit event."""


FIXTURE_REFUSED = (
    "{model} rows are not loaded from fixtures: the books change only through the "
    "audited services. Load the demo with `manage.py load_demo`, import a spreadsheet "
    "with `manage.py import_sheet`, restore a backup with the database's own tools"
)


class FixtureRefusedError(LedgerError):
    """Rows of the books were saved raw (`loaddata`, a deserializer), which would bypass
    the services and their audit events (ledger/fixture_guard.py)."""


BUDGET_MISSING = "Entry {ref}, line {n} (account {account}): name the budget line it consumes"
BUDGET_YEAR_CLOSED = (
    "Budget line {code} belongs to {year}, which {lab} has closed: its budget and "
    "commitments no longer change"
)
BUDGET_OTHER_YEAR = "Entry {ref}: budget line {code} belongs to {year}, not to {entry_year}"
BUDGET_EXCEEDED = (
    "Budget line {code} ({label}): {what} exceeds the available amount by {excess} {currency}"
)
TRANSFER_EXCEEDS = "Budget line {code} has only {available} {currency} available to transfer"
TRANSFER_SAME_LINE = "A transfer needs two different budget lines of the same lab and year"
AMOUNT_NOT_POSITIVE = "{what}: the amount must be greater than zero"
COMMITMENT_OTHER_YEAR = (
    "Commitment {ref} is dated {date}, outside {year}, the year of budget line {code}"
)
COMMITMENT_CLOSED = "Commitment {ref} is {status}: it can no longer be {action}"
COMMITMENT_OTHER_LINE = "Commitment {ref} is charged to budget line {code}, not to {other}"


class BudgetError(LedgerError):
    """A budget rule refuses the action."""


class BudgetLineMissingError(BudgetError):
    """A line on an expense or equipment account names no budget line."""


class BudgetExceededError(BudgetError):
    """A posting or commitment would overspend a budget line whose policy is 'block'."""


class CommitmentError(BudgetError):
    """A commitment cannot be used, settled or cancelled in its state."""


_TAGS: dict[str, type[LedgerError]] = {
    "LEDGER_UNBALANCED": UnbalancedEntryError,
    "LEDGER_TOO_FEW_LINES": TooFewLinesError,
    "LEDGER_FROZEN": EntryFrozenError,
    "LEDGER_NOT_DRAFT": EntryFrozenError,
    "LEDGER_PERIOD_CLOSED": PeriodClosedError,
    "LEDGER_OUT_OF_YEAR": NoPeriodError,
    "LEDGER_YEAR_CLOSED": YearClosedError,
    "LEDGER_YEAR_END": YearClosedError,
    "LEDGER_OPENING_BALANCES": YearClosedError,
    "LEDGER_CROSS_LAB": CrossLabError,
    "LEDGER_NUMBERING": NumberingError,
    "LEDGER_CHAIN": ChainError,
    "LEDGER_AUDIT_APPEND_ONLY": AuditTrailError,
    "LEDGER_ARCHIVE_APPEND_ONLY": AuditTrailError,
    "LEDGER_BUDGET_MISSING": BudgetLineMissingError,
    "LEDGER_BUDGET_YEAR": BudgetError,
    "LEDGER_BUDGET_ALLOCATION": BudgetError,
    "LEDGER_COMMITMENT_LINE": CommitmentError,
}


def from_integrity_error(error: IntegrityError) -> LedgerError | None:
    """The ledger error a database guard raised, or None for another integrity error."""
    text = str(error)
    for tag, cls in _TAGS.items():
        if tag in text:
            detail = text[text.index(tag) :].splitlines()[0]
            return cls(DATABASE_REFUSED.format(detail=detail))
    return None
