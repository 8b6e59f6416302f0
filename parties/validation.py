"""The fields of a third party, checked and written the way the office stores them.

One set of checks for the service, the form, the admin and the spreadsheet import: each
problem names its field, in the reader's language. Identifiers are stored compact and
upper-case (no spaces), so that a search finds them however they were typed:

- Singapore UEN: a business (ROB) is 8 digits and a check letter; a local company (ROC)
  the year of issue, 5 digits and a check letter; other entities T, S or R (20xx, 19xx,
  18xx), the year's last 2 digits, a 2-letter entity type, 4 digits and a check letter.
  The check letters are those of ACRA's weights (python-stdnum's sg.uen documents them).
- French SIRET: 14 digits whose Luhn sum is a multiple of 10, as is that of its first 9
  (the SIREN); La Poste's establishments (SIREN 356000000, but its head office) use
  another rule: the sum of their 14 digits is a multiple of 5.
- IBAN: ISO 13616, the country's length where the registry fixes it, mod 97 = 1.
- SWIFT/BIC: ISO 9362 shape (bank, ISO country, place, optional branch).
- Country: ISO 3166-1 alpha-2; currency: ISO 4217 (the currencies in use).
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils.text import capfirst

from parties.exceptions import (
    BIC_INVALID,
    CODE_SHAPE,
    COUNTRY_UNKNOWN,
    CURRENCY_UNKNOWN,
    EMAIL_INVALID,
    FIELD_REQUIRED,
    FIELD_TOO_LONG,
    IBAN_CHECKSUM,
    IBAN_INVALID,
    IBAN_LENGTH,
    KIND_UNKNOWN,
    PAYMENT_TERMS,
    SIRET_CHECKSUM,
    SIRET_INVALID,
    UEN_CHECK_LETTER,
    UEN_FUTURE,
    UEN_INVALID,
)
from parties.models import ThirdParty

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# A problem found in a value: its message template and the template's own placeholders
# (beside {field} and {value}); None when the value is right.
Found = tuple["StrOrPromise", dict[str, Any]] | None

# ISO 3166-1 alpha-2 (the 249 officially assigned codes).
COUNTRIES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    """.split()  # noqa: SIM905 (249 codes: a list literal would take 249 lines)
)
# ISO 4217: the currencies legal tender somewhere today (no funds codes, no retired ones).
CURRENCIES = frozenset(
    """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
    BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP
    GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES
    KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU
    MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON
    RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SYP SZL THB TJS TMT TND TOP
    TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
    """.split()  # noqa: SIM905
)
# The IBAN's length in the countries of the SWIFT IBAN registry (overseas France: FR).
IBAN_LENGTHS = {
    **dict.fromkeys(["NO"], 15),
    **dict.fromkeys(["BE"], 16),
    **dict.fromkeys(["DK", "FI", "FK", "FO", "GL", "NL", "SD"], 18),
    **dict.fromkeys(["MK", "SI"], 19),
    **dict.fromkeys(["AT", "BA", "EE", "KZ", "LT", "LU", "MN", "XK"], 20),
    **dict.fromkeys(["CH", "HR", "LI", "LV"], 21),
    **dict.fromkeys(["BG", "BH", "CR", "DE", "GB", "GE", "IE", "ME", "RS", "VA"], 22),
    **dict.fromkeys(["AE", "GI", "IL", "IQ", "OM", "SO", "TL"], 23),
    **dict.fromkeys(["AD", "CZ", "ES", "MD", "PK", "RO", "SA", "SE", "SK", "TN", "VG"], 24),
    **dict.fromkeys(["LY", "PT", "ST"], 25),
    **dict.fromkeys(["IS", "TR"], 26),
    **dict.fromkeys(["BI", "DJ", "FR", "GR", "IT", "MC", "MR", "SM"], 27),
    **dict.fromkeys(["AL", "AZ", "BY", "CY", "DO", "GT", "HN", "HU", "LB", "NI", "PL", "SV"], 28),
    **dict.fromkeys(["BR", "EG", "PS", "QA", "UA"], 29),
    **dict.fromkeys(["JO", "KW", "MU", "YE"], 30),
    **dict.fromkeys(["MT", "SC"], 31),
    **dict.fromkeys(["LC"], 32),
    **dict.fromkeys(["RU"], 33),
}
LA_POSTE_SIREN = "356000000"
LA_POSTE_HEAD_OFFICE = "35600000000048"
PAYMENT_TERMS_LIMIT = 365
# Codes: anything printable but what would break an address or a file (a slash names a
# page of its own, /third-parties/new/ is the form, /third-parties/import/ the sheet's import).
_CODE_REFUSED = re.compile(r"[/\\\x00-\x1f\x7f]")
RESERVED_CODES = frozenset({"new", "import"})
_SPACES = re.compile(r"[\s.\-]+")

_UEN_BUSINESS = re.compile(r"[0-9]{8}[A-Z]")
_UEN_LOCAL = re.compile(r"(?P<year>[0-9]{4})[0-9]{5}[A-Z]")
_UEN_OTHER = re.compile(r"(?P<century>[RST])(?P<year>[0-9]{2})[A-Z]{2}[0-9]{4}[A-Z]")
_UEN_OTHER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWX0123456789"
_CENTURIES = {"R": 1800, "S": 1900, "T": 2000}
_IBAN = re.compile(r"(?P<country>[A-Z]{2})[0-9]{2}[A-Z0-9]{11,30}")
_BIC = re.compile(r"[A-Z]{4}(?P<country>[A-Z]{2})[A-Z0-9]{2}(?:[A-Z0-9]{3})?")

# The fields a third party is written with (the service's keyword arguments).
TEXT_FIELDS = (
    "code",
    "name",
    "kind",
    "country",
    "uen",
    "siret",
    "currency",
    "email",
    "address",
    "bank_name",
    "bank_account_holder",
    "bank_account_number",
    "bank_swift",
    "bank_iban",
)
BANK_FIELDS = (
    "bank_name",
    "bank_account_holder",
    "bank_account_number",
    "bank_swift",
    "bank_iban",
)
REQUIRED_FIELDS = ("code", "name", "kind", "currency")


@dataclass(frozen=True)
class Checked:
    """A third party's fields as stored, and the problems found (messages by field)."""

    values: dict[str, Any]
    problems: dict[str, list[str]]

    @property
    def ok(self) -> bool:
        return not self.problems


def model_field(name: str) -> "models.Field[Any, Any]":
    """The field `name` of ThirdParty (every name here is a concrete field)."""
    return cast("models.Field[Any, Any]", ThirdParty._meta.get_field(name))


def field_name(name: str) -> str:
    """A field's name in the reader's language ("Singapore UEN", "IBAN")."""
    return str(capfirst(model_field(name).verbose_name))


# -- identifiers -------------------------------------------------------------------------------


def compact(value: str) -> str:
    """An identifier as stored: upper case, without the spaces, dots and dashes people
    type to group its digits ("FR76 3000 6000 ..." -> "FR763000600...")."""
    return _SPACES.sub("", value).upper()


def uen_business_letter(digits: str) -> str:
    """The check letter of a business (ROB) UEN's 8 digits."""
    weights = (10, 4, 9, 3, 8, 2, 7, 1)
    return "XMKECAWLJDB"[sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11]


def uen_local_letter(digits: str) -> str:
    """The check letter of a local company (ROC) UEN's 9 digits."""
    weights = (10, 8, 6, 4, 9, 7, 5, 3, 1)
    return "ZKCMDNERGWH"[sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11]


def uen_other_letter(body: str) -> str:
    """The check letter of another entity's UEN (its first 9 characters)."""
    weights = (4, 3, 5, 3, 10, 2, 2, 5, 7)
    alphabet = _UEN_OTHER_ALPHABET
    total = sum(alphabet.index(c) * w for c, w in zip(body, weights, strict=True))
    return alphabet[(total - 5) % 11]


def uen_problem(value: str, *, today: date) -> Found:
    """Why `value` (compacted) is no Singapore UEN; None when it is one."""
    if _UEN_BUSINESS.fullmatch(value):
        letter = uen_business_letter(value[:8])
    elif match := _UEN_LOCAL.fullmatch(value):
        if int(match["year"]) > today.year:
            return UEN_FUTURE, {"year": int(match["year"])}
        letter = uen_local_letter(value[:9])
    elif match := _UEN_OTHER.fullmatch(value):
        year = _CENTURIES[match["century"]] + int(match["year"])
        if year > today.year:
            return UEN_FUTURE, {"year": year}
        letter = uen_other_letter(value[:9])
    else:
        return UEN_INVALID, {}
    return None if value[-1] == letter else (UEN_CHECK_LETTER, {})


def luhn_valid(digits: str) -> bool:
    """True when the Luhn sum of `digits` is a multiple of 10."""
    total = 0
    for position, character in enumerate(reversed(digits)):
        digit = int(character)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def siret_problem(value: str) -> Found:
    """Why `value` (compacted) is no SIRET; None when it is one."""
    if not (len(value) == 14 and value.isascii() and value.isdigit()):
        return SIRET_INVALID, {}
    if value.startswith(LA_POSTE_SIREN) and value != LA_POSTE_HEAD_OFFICE:
        valid = sum(map(int, value)) % 5 == 0
    else:
        valid = luhn_valid(value) and luhn_valid(value[:9])
    return None if valid else (SIRET_CHECKSUM, {})


def iban_mod97(value: str) -> int:
    """The IBAN's remainder mod 97 (1 for a valid IBAN): its first four characters
    moved to the end, letters as 10 to 35."""
    rearranged = value[4:] + value[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97


def iban_problem(value: str) -> Found:
    """Why `value` (compacted) is no IBAN; None when it is one."""
    match = _IBAN.fullmatch(value)
    if match is None or match["country"] not in COUNTRIES:
        return IBAN_INVALID, {}
    country = match["country"]
    expected = IBAN_LENGTHS.get(country)
    if expected is not None and len(value) != expected:
        return IBAN_LENGTH, {"country": country, "expected": expected, "length": len(value)}
    if iban_mod97(value) != 1:
        return IBAN_CHECKSUM, {}
    return None


def bic_problem(value: str) -> Found:
    """Why `value` (compacted) is no SWIFT/BIC code; None when it is one."""
    match = _BIC.fullmatch(value)
    if match is None or match["country"] not in COUNTRIES | {"XK"}:
        return BIC_INVALID, {}
    return None


def code_problem(value: str) -> Found:
    """Why `value` cannot be a third party's code; None when it can."""
    if _CODE_REFUSED.search(value) or value != value.strip() or value.lower() in RESERVED_CODES:
        return CODE_SHAPE, {}
    return None


# -- every field -------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _limit(name: str) -> int | None:
    return model_field(name).max_length


def check_fields(
    values: Mapping[str, Any],
    *,
    today: date,
    name_of: Callable[[str], str] = field_name,
) -> Checked:
    """The fields in `values` (text fields, `payment_terms_days`, `institution`) as
    stored, and every problem, by field. Only the fields given are checked; required
    ones are checked when given (a change passes the fields it changes). A message
    names its field by `name_of` (its name in words; a sheet names its row and column)."""
    cleaned: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}

    def fail(name: str, template: "StrOrPromise", value: Any = "", **more: Any) -> None:
        message = template.format(field=name_of(name), value=value, **more)
        problems.setdefault(name, []).append(message)

    for name in TEXT_FIELDS:
        if name not in values:
            continue
        raw = _text(values[name])
        value = _NORMALIZE.get(name, _stripped)(raw)
        cleaned[name] = value
        limit = _limit(name)
        if not value:
            if name in REQUIRED_FIELDS:
                fail(name, FIELD_REQUIRED)
            continue
        # A value's own check says more than its length ("Singapore" is no country code).
        check = _CHECKS.get(name)
        found = check(value, today) if check is not None else None
        if found is not None:
            template, params = found
            fail(name, template, value, **params)
        elif limit is not None and len(value) > limit:
            fail(name, FIELD_TOO_LONG, length=len(value), limit=limit)
    if "payment_terms_days" in values:
        days = _days(values["payment_terms_days"])
        cleaned["payment_terms_days"] = days
        if days is None:
            fail(
                "payment_terms_days",
                PAYMENT_TERMS,
                _text(values["payment_terms_days"]),
                limit=PAYMENT_TERMS_LIMIT,
            )
    if "institution" in values:
        cleaned["institution"] = values["institution"]
    return Checked(cleaned, problems)


def _stripped(value: str) -> str:
    # Spaces at either end are a typing slip (a code's too: the shape check refuses only
    # what is inside).
    return value.strip()


def _upper(value: str) -> str:
    return value.strip().upper()


def _kind(value: str) -> str:
    return value.strip().lower()


_NORMALIZE: dict[str, Callable[[str], str]] = {
    "kind": _kind,
    "country": _upper,
    "currency": _upper,
    "uen": compact,
    "siret": compact,
    "bank_swift": compact,
    "bank_iban": compact,
}


def _days(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        text = _text(value).strip()
        if not (text.isascii() and text.isdigit()):
            return None
        number = int(text)
    return number if 0 <= number <= PAYMENT_TERMS_LIMIT else None


def _email_problem(value: str) -> Found:
    try:
        validate_email(value)
    except ValidationError:
        return EMAIL_INVALID, {}
    return None


def _member(values: Any, template: "StrOrPromise") -> Callable[[str, date], Found]:
    return lambda value, today: None if value in values else (template, {})


_CHECKS: dict[str, Callable[[str, date], Found]] = {
    "code": lambda value, today: code_problem(value),
    "kind": _member(ThirdParty.Kind.values, KIND_UNKNOWN),
    "country": _member(COUNTRIES, COUNTRY_UNKNOWN),
    "currency": _member(CURRENCIES, CURRENCY_UNKNOWN),
    "uen": lambda value, today: uen_problem(value, today=today),
    "siret": lambda value, today: siret_problem(value),
    "bank_iban": lambda value, today: iban_problem(value),
    "bank_swift": lambda value, today: bic_problem(value),
    "email": lambda value, today: _email_problem(value),
}
