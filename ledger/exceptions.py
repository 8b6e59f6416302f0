"""Errors of the books, in words an accountant understands.

Every error is a `LedgerError`; its message templates are module constants so tests
can assert the exact text. They are translated (gettext_lazy, named `{placeholders}`):
`CONST.format(...)` gives the text in the language active when the error is raised, and
a constant raised without placeholders is raised as `str(CONST)`. `from_integrity_error`
maps a refusal by the database guards (db_guards.py) to the same classes.
"""

from django.db import IntegrityError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

UNBALANCED = _("Entry {ref} does not balance: debit {debit} {currency}, credit {credit} {currency}")
TOO_FEW_LINES = _("Entry {ref} needs at least two lines")
NOT_DRAFT = _("Entry {ref} is posted: it cannot be changed or deleted; reverse it instead")
PERIOD_CLOSED = _("Entry {ref}: the period {period} of {lab} is closed")
NO_PERIOD = _("Entry {ref}: {date} is outside the fiscal years of {lab}")
CROSS_LAB = _("{what} {code} belongs to {other}, not to {lab}")
LINE_SHAPE = _("Line {n}: {problem}")
NO_RATE = _("No {source} rate for {currency} on or before {date}")
ALREADY_REVERSED = _("Entry {ref} was already reversed by {by}")
REVERSAL_OF_REVERSAL = _("Entry {ref} is itself a reversal (of {of}); post a new entry instead")
REVERSAL_BEFORE = _(
    "Entry {ref} is dated {original}: its reversal cannot be dated earlier ({date})"
)
REVERSAL_OF_YEAR_END = _(
    "Entry {ref} is a year-end entry: it is never reversed; reopen the year and close it "
    "again to change it"
)
REVERSAL_NO_MATCHING_LINE = _(
    "Budget line {code} has no line in {year} for {lab}: create it (same code) to carry "
    "the correction's budget effect, then reverse again"
)
NOT_POSTED = _("Entry {ref} is a draft: only posted entries are reversed; edit or delete the draft")
NOT_PERMITTED = _("{user} may not {action} in {lab}")
OFFICE_WIDE_ONLY = _(
    "{user} may not {action}: this is office-wide data, kept by office-wide accountants "
    "and the office head"
)
RATES_OFFICE_WIDE = _(
    "{user} may not {action}: exchange rates are office-wide data, kept by office-wide "
    "accountants and the office head"
)
PERIOD_ALREADY = _("Period {period} of {lab} is already {status}")
PERIOD_HAS_DRAFTS = _(
    "Period {period} of {lab} cannot be closed while it holds drafts ({count}): {drafts}. "
    "Post or delete them (or date them in an open month), then close {period} again"
)
PERIOD_DRAFTS_MORE = _("and {count} more")
PERIOD_EARLIER_OPEN = _(
    "Period {period} of {lab} cannot be closed while an earlier month of {year} is open "
    "({open}): months close in order, so close {first} first"
)
PERIOD_YEAR_CLOSED = _(
    "Period {period} of {lab} belongs to the fiscal year {year}, which is closed: "
    "its months change only after the office head reopens the year"
)
PERIOD_REOPEN_YEAR_CLOSED = _(
    "Period {period} of {lab} belongs to the fiscal year {year}, which is closed: "
    "reopen the year first (office head, with a reason), then the month"
)
REOPEN_REASON_MISSING = _("Say why {what} is reopened: the reason is kept in the audit trail")
PERIOD_MISSING_POSTING = _("Entry {ref}: {lab} has no period {period} in its fiscal year")
YEAR_CLOSED = _(
    "Entry {ref}: the fiscal year {year} of {lab} is closed; correct it in the open year "
    "(a reversal dated the day of the correction)"
)
YEAR_NOT_OPEN = _(
    "Entry {ref}: {date} is outside the fiscal years of {lab}; open {year} first "
    "(Closing page, or: manage.py open_year --lab {lab} --year {year})"
)
YEAR_END_DATE = _(
    "Entry {ref}: a year-end entry of {year} is dated on the year's last day (closing) or "
    "first day (opening)"
)
YEAR_NOT_NEXT = _(
    "{lab} keeps the fiscal years {first} to {last}: the year to open is {last_plus} "
    "(years follow on without gaps), not {year}"
)
YEAR_ALREADY = _("The fiscal year {year} of {lab} is already {status}")
YEAR_NOT_READY = _("The fiscal year {year} of {lab} cannot be closed yet: {items}")
YEAR_REOPEN_REASON = _("Reopening a closed fiscal year needs a written reason")
YEAR_REOPEN_LATER_CLOSED = _(
    "The fiscal year {year} of {lab} cannot be reopened while {later} is closed: "
    "reopen {later} first"
)
OPENING_NOT_YEAR_END = _(
    "Entry {ref}: the opening balances of {year} come from closing the year before; "
    "they are not typed in"
)
DATABASE_REFUSED = _("The database refused the change: {detail}")

# -- fragments put into the messages above (translated too; lazy, so `.format` gives them
# in the language of the message) ----------------------------------------------------------
DRAFT_REF = _("{journal} draft #{id} of {date}")
KEYED_REF = _("{journal} entry {key} of {date}")
LINE_FOREIGN_NOT_POSITIVE = _("the foreign amount must be positive")
LINE_FOREIGN_NO_SIDE = _("say whether the foreign amount is a debit or a credit")
LINE_NEGATIVE = _("amounts cannot be negative")
LINE_ONE_SIDE = _("give either a debit or a credit, not both and not neither")
LINE_TEXT_TOO_LONG = _("label or third party too long")
LINE_CONVERSION_INCOMPLETE = _("a converted amount needs its currency and rate")
LINE_NOT_FOREIGN_AMOUNT = _("{value} is not a foreign amount (2 decimals)")
LINE_NOT_RATE = _("{value} is not a rate (8 decimals, below 10,000,000)")
# The subject of CROSS_LAB (French needs the article: "Le compte", "La ligne budgétaire").
WHAT_ACCOUNT = pgettext_lazy("subject of a sentence", "Account")
WHAT_JOURNAL = pgettext_lazy("subject of a sentence", "Journal")
WHAT_BUDGET_LINE = pgettext_lazy("subject of a sentence", "Budget line")
WHAT_COMMITMENT = pgettext_lazy("subject of a sentence", "Commitment")
WHAT_FUNDING_SOURCE = pgettext_lazy("subject of a sentence", "Funding source")
WHAT_FISCAL_YEAR = pgettext_lazy("subject of a sentence", "Fiscal year")
ANOTHER_LAB = _("another lab")
# The state in YEAR_ALREADY and PERIOD_ALREADY (French agrees: exercice / période).
YEAR_STATES = {
    "open": pgettext_lazy("state of a fiscal year", "open"),
    "closed": pgettext_lazy("state of a fiscal year", "closed"),
}
PERIOD_STATES = {
    "open": pgettext_lazy("state of a month", "open"),
    "closed": pgettext_lazy("state of a month", "closed"),
}
# What COMMITMENT_CLOSED says can no longer be done to a commitment.
COMMITMENT_ACTIONS = {
    "invoiced": pgettext_lazy("done to a commitment", "invoiced"),
    "carried over": pgettext_lazy("done to a commitment", "carried over"),
    "cancelled": pgettext_lazy("done to a commitment", "cancelled"),
    "amended": pgettext_lazy("done to a commitment", "amended"),
}
REOPENED_PERIOD = _("period {period} of {lab}")
# The {source} of NO_RATE (and of the rates import's notes).
RATE_SOURCES = {
    "chancellery": pgettext_lazy("source of a rate", "chancellery"),
    "ecb": pgettext_lazy("source of a rate", "ECB"),
    "bank": pgettext_lazy("source of a rate", "bank"),
}
POSTING_ONE = _("entry {ref}")
POSTING_MANY = _("posting {count} entries")
# The subject of AMOUNT_NOT_POSITIVE, and the `what` of BUDGET_EXCEEDED.
AMOUNT_OF_BUDGET_LINE = _("Budget line {code}")
AMOUNT_OF_RATE = _("The rate of budget line {code}")
AMOUNT_OF_AMENDMENT = _("Amendment of {code}")
AMOUNT_OF_TRANSFER = _("Transfer from {code}")
AMOUNT_OF_COMMITMENT = _("Commitment {ref}")
AMOUNT_OF_COMMITMENT_CHANGE = _("The change to commitment {ref}")
EXCEEDED_BY_CUT = _("cutting {amount}")
EXCEEDED_BY_COMMITMENT = _("commitment {ref}")
EXCEEDED_BY_RAISE = _("raising commitment {ref}")


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


FIXTURE_REFUSED = _(
    "{model} rows are not loaded from fixtures: the books change only through the "
    "audited services. Load the demo with `manage.py load_demo`, import a spreadsheet "
    "with `manage.py import_sheet`, restore a backup with the database's own tools"
)


class FixtureRefusedError(LedgerError):
    """Rows of the books were saved raw (`loaddata`, a deserializer), which would bypass
    the services and their audit events (ledger/fixture_guard.py)."""


BUDGET_MISSING = _("Entry {ref}, line {n} (account {account}): name the budget line it consumes")
THIRD_PARTY_MISSING = _(
    "Entry {ref}, line {n} (account {account}): name the third party (supplier, customer, "
    "partner or staff member) this line is with"
)
THIRD_PARTY_INACTIVE = _(
    "Third party {code} is deactivated: new lines cannot name it. Reactivate it on the "
    "Third parties page, or name another third party"
)
THIRD_PARTY_UNKNOWN = _(
    "Third party {code} does not exist: create it on the Third parties page first, or "
    "correct the code"
)
BUDGET_YEAR_CLOSED = _(
    "Budget line {code} belongs to {year}, which {lab} has closed: its budget and "
    "commitments no longer change"
)
BUDGET_OTHER_YEAR = _("Entry {ref}: budget line {code} belongs to {year}, not to {entry_year}")
BUDGET_EXCEEDED = _(
    "Budget line {code} ({label}): {what} exceeds the available amount by {excess} {currency}"
)
# A budget line's alert thresholds (ledger.alert_thresholds): names the field, then says
# what is expected and what was given.
ALERT_THRESHOLDS_INVALID = _(
    "Alert thresholds: write at most 5 whole percentages from 1 to 999, in increasing "
    'order, separated by commas (e.g. 80,100), or leave it empty for no alert; not "{value}"'
)
TRANSFER_EXCEEDS = _("Budget line {code} has only {available} {currency} available to transfer")
TRANSFER_SAME_LINE = _("A transfer needs two different budget lines of the same lab and year")
AMOUNT_NOT_POSITIVE = _("{what}: the amount must be greater than zero")
COMMITMENT_OTHER_YEAR = _(
    "Commitment {ref} is dated {date}, outside {year}, the year of budget line {code}"
)
COMMITMENT_CLOSED = _("Commitment {ref} is {status}: it can no longer be {action}")
COMMITMENT_OTHER_LINE = _("Commitment {ref} is charged to budget line {code}, not to {other}")


class BudgetError(LedgerError):
    """A budget rule refuses the action."""


class BudgetLineMissingError(BudgetError):
    """A line on an expense or equipment account names no budget line."""


class BudgetExceededError(BudgetError):
    """A posting or commitment would overspend a budget line whose policy is 'block'."""


class ThirdPartyError(LedgerError):
    """A line on a third-party account names no third party, or one that does not exist."""


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
    "LEDGER_THIRD_PARTY_MISSING": ThirdPartyError,
}


def from_integrity_error(error: IntegrityError) -> LedgerError | None:
    """The ledger error a database guard raised, or None for another integrity error."""
    text = str(error)
    for tag, cls in _TAGS.items():
        if tag in text:
            detail = text[text.index(tag) :].splitlines()[0]
            return cls(DATABASE_REFUSED.format(detail=detail))
    return None


DOCUMENT_EMPTY = _("{name} is empty: attach the document itself")
DOCUMENT_TOO_LARGE = _(
    "{name} is {size}: a supporting document is at most {limit}; scan it again at a "
    "lower resolution or split it"
)
DOCUMENT_TYPE = _(
    "{name} is not a PDF, JPEG or PNG file (its content says so, whatever its name): "
    "save it as one of these and attach it again"
)
DOCUMENT_EXTENSION = _(
    "{name} is a {kind} file, but its name says otherwise: rename it with {extensions} "
    "and attach it again"
)
DOCUMENT_DUPLICATE = _("{name} is already attached to entry {ref} (as {existing})")
DOCUMENT_OF_POSTED = _(
    "{name} supports the posted entry {ref}: the documents of a posted entry are kept; "
    "attach a correcting document if needed"
)


class ImportWithdrawError(LedgerError):
    """A batch that cannot be withdrawn: not drafts of a journal, already withdrawn, or
    holding supporting documents (posted entries raise EntryFrozenError)."""


class DocumentError(LedgerError):
    """A supporting document is refused: empty, too large, not a PDF, JPEG or PNG by its
    content, named for another type, or already attached to the entry."""
