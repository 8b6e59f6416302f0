"""Errors of the third parties' file (part of the LedgerError hierarchy).

Messages are translated module constants with named `{placeholders}`, formatted where
raised (tests assert their exact text). A field's problem names the field ({field}: its
name in the reader's language), so the form, the admin and the import say which cell or
box to correct.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from ledger.exceptions import LedgerError

# -- who may write ---------------------------------------------------------------------------

WRITERS_ONLY = _(
    "{user} may not {action}: third parties are kept by the accountants and the office head"
)
# What WRITERS_ONLY says a user may not do (translated when refused).
ACTIONS = (
    gettext_noop("create third parties"),
    gettext_noop("change third parties"),
    gettext_noop("deactivate third parties"),
    gettext_noop("reactivate third parties"),
    gettext_noop("import third parties"),
)

# -- the record ------------------------------------------------------------------------------

CODE_TAKEN = _("Third party {code} already exists: choose another code")
CODE_TAKEN_CASE = _(
    "Third party {existing} already exists, and {code} differs from it only by upper and "
    "lower case: use {existing}, or choose a code that differs by more"
)
CODE_IN_USE = _(
    "The code of third party {code} cannot change: {uses} already name it (a posted line "
    "keeps the code it was posted with); create a new third party instead"
)
# The {uses} of CODE_IN_USE.
USES_LINES = _("journal lines")
USES_OTHER = _("other records")
ALREADY_ACTIVE = _("Third party {code} is already active")
ALREADY_INACTIVE = _("Third party {code} is already deactivated")
UNKNOWN_FIELD = _("{field} is not a field of a third party")

# -- the fields (FIELD_*: {field} is the field's name, {value} what was typed) ----------------

FIELD_REQUIRED = _("{field}: required")
FIELD_TOO_LONG = _("{field}: {length} characters, at most {limit}")
CODE_SHAPE = _(
    "{field}: « {value} » cannot be a code: no slash, backslash or control character, no "
    "space at either end, and not the words new or import"
)
KIND_UNKNOWN = _(
    "{field}: « {value} » is not a kind of third party (supplier, customer, partner, staff "
    "or other)"
)
COUNTRY_UNKNOWN = _("{field}: « {value} » is not an ISO 3166 country code (SG, FR, ...)")
CURRENCY_UNKNOWN = _("{field}: « {value} » is not an ISO 4217 currency code (SGD, EUR, ...)")
UEN_INVALID = _(
    "{field}: « {value} » is not a valid Singapore UEN (8 digits and a check letter for a "
    "business, the year and 5 digits and a check letter for a local company, or T, S or R, "
    "the year's last 2 digits, the entity type, 4 digits and a check letter)"
)
UEN_CHECK_LETTER = _(
    "{field}: « {value} » has the shape of a Singapore UEN but its check letter is wrong "
    "(a typing mistake?)"
)
UEN_FUTURE = _("{field}: « {value} » would be issued in {year}, which is still to come")
SIRET_INVALID = _("{field}: « {value} » is not a SIRET (14 digits)")
SIRET_CHECKSUM = _(
    "{field}: « {value} » has 14 digits but is not a valid SIRET (its check digit is wrong: "
    "a typing mistake?)"
)
IBAN_INVALID = _(
    "{field}: « {value} » is not an IBAN (a country code, 2 check digits, then up to 30 "
    "letters and digits)"
)
IBAN_LENGTH = _("{field}: an IBAN of {country} has {expected} characters, « {value} » has {length}")
IBAN_CHECKSUM = _(
    "{field}: « {value} » is not a valid IBAN (its check digits are wrong: a typing mistake?)"
)
BIC_INVALID = _(
    "{field}: « {value} » is not a SWIFT/BIC code (4 letters for the bank, the country code, "
    "2 letters or digits for the place, and optionally 3 for the branch)"
)
PAYMENT_TERMS = _("{field}: « {value} » is not a number of days between 0 and {limit}")
EMAIL_INVALID = _("{field}: « {value} » is not an e-mail address")
INSTITUTION_UNKNOWN = _("{field}: no institution has the code « {value} »")


class ThirdPartyRecordError(LedgerError):
    """A third party that cannot be created or changed as asked (a code taken, or frozen
    because lines name it; already in the state asked)."""


class ThirdPartyInvalidError(ThirdPartyRecordError):
    """Fields of a third party that are not valid; `problems` maps each field's name to
    its messages (the message of the error joins them)."""

    def __init__(self, problems: dict[str, list[str]]) -> None:
        self.problems = problems
        super().__init__(
            "; ".join(message for messages in problems.values() for message in messages)
        )
