"""A book-currency amount stored as whole cents.

SQLite stores a DECIMAL column as a floating-point REAL and sums it in floating point,
so totals drift by cents on large ledgers (ARCHITECTURE.md, Money). Storing integer
cents makes every SUM exact on SQLite and PostgreSQL alike; Python always sees a
`Decimal` with two places. Raw SQL sees cents.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

CENT = Decimal("0.01")


def to_cents(value: Decimal | int | str) -> int:
    """Whole cents of `value`; refuses amounts with more than two decimals."""
    amount = Decimal(value)
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ValueError(f"{value} has more than two decimals")
    return int(amount * 100)


def round_cents(value: Decimal) -> Decimal:
    """`value` rounded half-up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class CentsField(models.BigIntegerField):
    """An amount with two decimals in the lab's book currency, stored as integer cents."""

    _pyi_private_set_type: Decimal | int | str  # type: ignore[assignment]
    _pyi_private_get_type: Decimal  # type: ignore[assignment]
    _pyi_lookup_exact_type: Decimal | int | str  # type: ignore[assignment]

    description = "Amount in book currency (stored as cents)"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(value) / 100).quantize(CENT)

    def to_python(self, value: Any) -> Decimal | None:
        if value is None or value == "":
            return None
        try:
            amount = Decimal(str(value))
        except (InvalidOperation, ValueError):
            raise ValidationError(
                "'%(value)s' is not an amount", code="invalid", params={"value": value}
            ) from None
        if amount != amount.quantize(CENT):
            raise ValidationError(
                "%(value)s has more than two decimals", code="invalid", params={"value": value}
            )
        return amount.quantize(CENT)

    def get_prep_value(self, value: Any) -> int | None:
        if value is None:
            return None
        if hasattr(value, "resolve_expression"):
            return value
        return to_cents(value)

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.setdefault("max_digits", 18)
        kwargs.setdefault("decimal_places", 2)
        return models.Field.formfield(self, form_class=forms.DecimalField, **kwargs)
