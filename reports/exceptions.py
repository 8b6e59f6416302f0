"""Errors of the statements, in words the person asking for one understands.

Every error is a `StatementError` (a `LedgerError`); its message templates are module
constants so tests can assert the exact text, translated (gettext_lazy, named
`{placeholders}`) and formatted in the language active when the error is raised.
"""

from django.utils.translation import gettext_lazy as _

from ledger.exceptions import LedgerError

UNKNOWN_KIND = _("Unknown statement {kind!r}: choose one of {kinds}")
BAD_FORMAT = _("Format {value!r} is not available for the {kind} statement: choose {formats}")
BAD_LANGUAGE = _("Language must be en or fr, not {value!r}")
BAD_CURRENCY = _("Currency must be {book} (as booked) or EUR, not {value!r}")
YEAR_NEEDED = _("Give the fiscal year of the statement, or the dates of its period")
NO_FISCAL_YEAR = _("{lab} has no fiscal year {year}")
NO_FISCAL_YEAR_ON = _("{lab} has no fiscal year containing {date}")
PERIOD_ORDER = _("The period starts on {start}, after its end on {end}")
PERIOD_OUTSIDE_YEAR = _(
    "The period {start} to {end} is not inside the fiscal year {year} of {lab} "
    "({year_start} to {year_end})"
)
WHOLE_YEAR_ONLY = _("The {kind} statement covers a whole fiscal year: give the year, not dates")
NO_RATE = _(
    "No chancellery rate of {currency} is in force on {month}: "
    "record it before asking for a statement in EUR"
)
PARTNER_NEEDED = _("The partner statement needs a partner institution (its code)")
GRANT_NEEDED = _("The grant statement needs a funding source (its code)")
NOT_A_PARTNER = _("{code!r} is not a partner institution or funder of {lab}")
NO_FUNDING_SOURCE = _("{lab} has no funding source {code!r}")
NO_THIRD_PARTY = _("No third party has the code {code!r}")
OPTION_NOT_FOR_KIND = _("{option} is only for the {kind} statement")
FEC_IN_BOOK_CURRENCY = _("The FEC is kept in the book currency ({book}): it has no EUR version")
LEDGER_MOVING = _("The books of {lab} kept changing while the statement was built: try again")
# Between the choices a message lists ("pdf or xlsx").
OR = _(" or ")
RENDERER_MISSING = _("The {format} renderer is not available: {detail}")


class StatementError(LedgerError):
    """A statement cannot be built as asked (bad options, missing rate, unknown partner)."""
