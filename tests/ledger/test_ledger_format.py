"""The amount and percent filters write exactly what Django's number_format writes
(grouped thousands, decimals cut), in English and in French, though faster."""

import random
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.formats import number_format
from hypothesis import given
from hypothesis import strategies as st

from ledger.templatetags.ledger_format import amount, grouped, percent

LANGUAGES = ("en", "fr")
EDGES = [
    Decimal("0"),
    Decimal("-0"),
    Decimal("-0.00"),
    Decimal("0.004"),
    Decimal("-0.004"),
    Decimal("0.005"),
    Decimal("-0.009"),
    Decimal("-0.01"),
    Decimal("0.099"),
    Decimal("-0.1"),
    Decimal("999.999"),
    Decimal("-999.995"),
    Decimal("1000"),
    Decimal("-1000.00"),
    Decimal("1E+3"),
    Decimal("1.5E+7"),
    Decimal("1E-250"),
    Decimal("1" + "0" * 210),
    Decimal("12345678901234567890123456789.123456"),
    Decimal("NaN"),
    Decimal("Infinity"),
    0,
    12,
    -1234567,
    1234.5,
    "3.456",
    "-0.001",
    "1234567.891",
]


def _written(write, *args, **kwargs) -> str:
    """The text, or the error raised (NaN is refused by both alike)."""
    try:
        return write(*args, **kwargs)
    except Exception as error:
        return repr(error)


def _amounts(count: int, seed: int = 1) -> list[Decimal]:
    r = random.Random(seed)
    return [Decimal(r.randint(-(10**13), 10**13)).scaleb(-r.randint(0, 6)) for _ in range(count)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_amount_and_percent_write_what_number_format_writes(language):
    with translation.override(language):
        for value in [*EDGES, *_amounts(20_000)]:
            for places in (1, 2):
                assert _written(grouped, value, places) == _written(
                    number_format, value, decimal_pos=places, force_grouping=True
                ), (language, value, places)


@given(st.decimals(allow_nan=False, allow_infinity=False), st.sampled_from(LANGUAGES))
def test_any_decimal_is_written_as_number_format_writes_it(value, language):
    with translation.override(language):
        assert grouped(value, 2) == number_format(value, decimal_pos=2, force_grouping=True)
        assert grouped(value, 1) == number_format(value, decimal_pos=1, force_grouping=True)


def test_the_filters_in_english_and_in_french():
    with translation.override("en"):
        assert amount(Decimal("-1234567.899")) == "-1,234,567.89"
        assert percent(Decimal("95.0")) == "95.0%"
        assert amount(None) == amount("") == "—"
    with translation.override("fr"):
        assert amount(Decimal("-1234567.899")) == "-1\xa0234\xa0567,89"
        assert percent(Decimal("1234.5")) == "1\xa0234,5\xa0%"
        assert percent(None) == "—"
