"""Amounts, rates and percentages as the reader's language writes them.

English: 1,234.56 and 45.0%; French: 1 234,56 and 45,0 % (no-break spaces).
Django's localisation gives the separators; grouping is forced here rather than
with the global USE_THOUSAND_SEPARATOR, which would also group years and ids.
"""

from datetime import datetime
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.formats import date_format, get_format, number_format
from django.utils.translation import get_language, gettext

from ledger.models import BudgetLine
from ledger.selectors import BudgetExecution, BudgetFigures
from ledger.selectors.budget import BudgetGroup, BudgetLineRow

register = template.Library()


@register.filter
def moment(value: datetime | None) -> str:
    """A time as the reader's language writes it, in the office's time zone (Asia/
    Singapore), the zone shown: 'Dec. 3, 2026, 2:05 p.m. +08', '3 décembre 2026 14:05 +08'."""
    if value is None:
        return NOT_AVAILABLE
    local = timezone.localtime(value)
    return f"{date_format(local, 'DATETIME_FORMAT')} {local.tzname()}"


NOT_AVAILABLE = "—"
RATE_MIN_PLACES = 4
# Below these, number_format writes zero (nothing shows in the decimals kept).
_CUTOFF = {1: Decimal("0.1"), 2: Decimal("0.01")}
_ZERO = Decimal(0)
_MAX_DIGITS = 200  # number_format writes longer numbers in scientific notation


def grouped(value: Decimal | str, places: int) -> str:
    """`number_format(value, decimal_pos=places, force_grouping=True)`, the same text,
    about twice as fast for a Decimal (a budget page writes thousands): Python groups the
    digits, then the language's separators replace Python's. Decimals are cut, not
    rounded, as number_format does."""
    language = get_language()
    if (
        type(value) is not Decimal
        or places not in _CUTOFF
        or not value.is_finite()
        or get_format("NUMBER_GROUPING", language) != 3
    ):
        return number_format(value, decimal_pos=places, force_grouping=True)
    if abs(value) < _CUTOFF[places]:
        value = _ZERO
    _, digits, exponent = value.as_tuple()
    if len(digits) + abs(int(exponent)) > _MAX_DIGITS:
        return number_format(value, decimal_pos=places, force_grouping=True)
    whole, _, decimals = f"{value:,f}".partition(".")
    thousands = str(get_format("THOUSAND_SEPARATOR", language))
    point = str(get_format("DECIMAL_SEPARATOR", language))
    return whole.replace(",", thousands) + point + decimals[:places].ljust(places, "0")


@register.filter
def amount(value: Decimal | str | None) -> str:
    """An amount with two decimals and grouped thousands; an em dash when unknown
    (None, or the empty string a template gives for figures that do not exist)."""
    if value is None or value == "":
        return NOT_AVAILABLE
    return grouped(value, 2)


@register.filter
def percent(value: Decimal | None) -> str:
    """A percentage with one decimal; an em dash when there is no budget to measure."""
    if value is None:
        return NOT_AVAILABLE
    return gettext("%(number)s%%") % {"number": grouped(value, 1)}


@register.filter
def rate(value: Decimal) -> str:
    """An exchange rate with its significant decimals (at least four)."""
    exponent = value.normalize().as_tuple().exponent
    places = max(RATE_MIN_PLACES, -exponent if isinstance(exponent, int) else 0)
    return number_format(value, decimal_pos=places)


@register.filter
def css_percent(value: Decimal | None) -> str:
    """A bar width for a style attribute: 0 to 100, always with a decimal point."""
    share = min(max(Decimal(value or 0), Decimal(0)), Decimal(100))
    return f"{share:.1f}%"


@register.filter
def budget_mark(figures: BudgetFigures) -> str:
    """Where the budget ends on the bar of an overspent line (scaled to what it consumed)."""
    if figures.consumed <= 0:
        return css_percent(Decimal(100))
    return css_percent(figures.budget * 100 / figures.consumed)


@register.filter
def in_currency(
    item: BudgetLineRow | BudgetGroup | BudgetExecution, currency: str
) -> BudgetFigures | None:
    """The figures of a line, group or execution in EUR, or in book currency; None when
    some amount of it could not be converted (a month without a chancellery rate)."""
    if isinstance(item, BudgetExecution):
        return item.total_eur if currency == "EUR" else item.total_book
    return item.eur if currency == "EUR" else item.book


@register.filter
def envelope_label(value: str) -> str:
    try:
        return str(BudgetLine.Envelope(value).label)
    except ValueError:
        return value


@register.filter
def nature_label(value: str) -> str:
    try:
        return str(BudgetLine.Nature(value).label)
    except ValueError:
        return value
