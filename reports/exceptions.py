"""Errors of the statements, in words the person asking for one understands.

Every error is a `StatementError` (a `LedgerError`); its message templates are module
constants so tests can assert the exact text.
"""

from ledger.exceptions import LedgerError

UNKNOWN_KIND = "Unknown statement {kind!r}: choose one of {kinds}"
BAD_FORMAT = "Format {value!r} is not available for the {kind} statement: choose {formats}"
BAD_LANGUAGE = "Language must be en or fr, not {value!r}"
BAD_CURRENCY = "Currency must be {book} (as booked) or EUR, not {value!r}"
YEAR_NEEDED = "Give the fiscal year of the statement, or the dates of its period"
NO_FISCAL_YEAR = "{lab} has no fiscal year {year}"
NO_FISCAL_YEAR_ON = "{lab} has no fiscal year containing {date}"
PERIOD_ORDER = "The period starts on {start}, after its end on {end}"
PERIOD_OUTSIDE_YEAR = (
    "The period {start} to {end} is not inside the fiscal year {year} of {lab} "
    "({year_start} to {year_end})"
)
WHOLE_YEAR_ONLY = "The {kind} statement covers a whole fiscal year: give the year, not dates"
NO_RATE = (
    "No chancellery rate of {currency} is in force on {month}: "
    "record it before asking for a statement in EUR"
)
PARTNER_NEEDED = "The partner statement needs a partner institution (its code)"
GRANT_NEEDED = "The grant statement needs a funding source (its code)"
NOT_A_PARTNER = "{code!r} is not a partner institution or funder of {lab}"
NO_FUNDING_SOURCE = "{lab} has no funding source {code!r}"
OPTION_NOT_FOR_KIND = "{option} is only for the {kind} statement"
FEC_IN_BOOK_CURRENCY = "The FEC is kept in the book currency ({book}): it has no EUR version"
LEDGER_MOVING = "The books of {lab} kept changing while the statement was built: try again"
RENDERER_MISSING = "The {format} renderer is not available: {detail}"


class StatementError(LedgerError):
    """A statement cannot be built as asked (bad options, missing rate, unknown partner)."""
