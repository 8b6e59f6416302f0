"""Reading one cell: amounts with a decimal point or comma, dates, text, choices.

Spreadsheets hand over numbers (floats), dates, text and booleans; CSV hands over text
as French or English spreadsheets write it ("1 234,56", "1,234.56", "14/03/2025").
A value that cannot be read raises CellError with the message template and its
parameters; the caller adds the row and column.
"""

import math
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.utils import dateformat

from ledger.imports.problems import (
    NOT_A_CHOICE,
    NOT_A_DATE,
    NOT_AN_AMOUNT,
    NOT_YES_NO,
    TOO_MANY_DECIMALS,
    shown,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class CellError(Exception):
    """A cell that cannot be read: `template` formatted with `params`, row and column."""

    def __init__(self, template: "StrOrPromise", **params: Any) -> None:
        super().__init__(str(template))
        self.template = template
        self.params = params


_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
# Thousands separators French and Swiss spreadsheets write: spaces of every width, apostrophes.
_GROUPING = str.maketrans("", "", " \u00a0\u202f\u2009'’")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[ T][0-9:.]*)?")
_FRENCH_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


def is_blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not value.strip())


def text(value: Any) -> str:
    """A cell as text; whole numbers without '.0' (an account code typed as a number)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


def amount(value: Any, places: int = 2) -> Decimal | None:
    """The amount in a cell (None if blank); at most `places` decimals."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError(NOT_AN_AMOUNT, value=shown(value))
        number = Decimal(repr(value))
    elif isinstance(value, bool):
        raise CellError(NOT_AN_AMOUNT, value=shown(value))
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        written = value.strip()
        if not written:
            return None
        number = _localized(written) if not _PLAIN_NUMBER.fullmatch(written) else Decimal(written)
    elif value is None:
        return None
    elif isinstance(value, Decimal) and value.is_finite():
        number = value
    else:
        raise CellError(NOT_AN_AMOUNT, value=shown(text(value)))
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places and number != round(number, places):
        raise CellError(TOO_MANY_DECIMALS, value=shown(text(value)), places=places)
    return number


def _localized(written: str) -> Decimal:
    """'1 234,56', '1.234,56', '1,234.56', '1,5' -> Decimal; CellError otherwise."""
    plain = written.translate(_GROUPING)
    commas, points = plain.count(","), plain.count(".")
    if commas and points:
        decimal_mark = "," if plain.rfind(",") > plain.rfind(".") else "."
        grouping = "." if decimal_mark == "," else ","
        plain = plain.replace(grouping, "").replace(decimal_mark, ".")
    elif commas == 1:
        plain = plain.replace(",", ".")
    elif commas > 1:
        plain = plain.replace(",", "")
    elif points > 1:
        plain = plain.replace(".", "")
    if not _PLAIN_NUMBER.fullmatch(plain):
        raise CellError(NOT_AN_AMOUNT, value=shown(written))
    try:
        return Decimal(plain)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise CellError(NOT_AN_AMOUNT, value=shown(written)) from None


def date_reading(on: date) -> str:
    """date(2025, 12, 3) -> '3 December 2025' (French: '3 décembre 2025'): how a date was
    read, in words, in the active language."""
    return dateformat.format(on, "j F Y")


def day(value: Any) -> date | None:
    """The date in a cell (None if blank): an Excel date, YYYY-MM-DD or DD/MM/YYYY."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        written = value.strip()
        return _date_text(written) if written else None
    if value is None:
        return None
    raise CellError(NOT_A_DATE, value=shown(text(value)))


@lru_cache(maxsize=4096)
def _date_text(written: str) -> date:
    match = _ISO_DATE.fullmatch(written)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        match = _FRENCH_DATE.fullmatch(written)
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        pass
    raise CellError(NOT_A_DATE, value=shown(written))


_YES = {"yes", "y", "oui", "o", "true", "vrai", "1", "x"}
_NO = {"no", "n", "non", "false", "faux", "0", ""}


def yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    written = text(value).casefold()
    if written in _YES:
        return True
    if written in _NO:
        return False
    raise CellError(NOT_YES_NO, value=shown(written))


def choice(value: Any, choices: dict[str, str]) -> str:
    """The stored value of a choice written as its value or one of its names
    (`choices` maps casefolded names to values)."""
    written = text(value)
    found = choices.get(written.casefold())
    if found is None:
        names = ", ".join(sorted(set(choices.values())))
        raise CellError(NOT_A_CHOICE, value=shown(written), choices=names)
    return found
