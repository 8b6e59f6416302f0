"""Books ready for imports: CINTRA with gain and loss accounts, budget lines, and monthly
chancellery rates of 2025 for SGD, USD and JPY (per euro)."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from irls.models import Lab
from ledger import services
from tests.books import budget_line

# Units per euro, first day of each month of 2025 (illustrative).
SGD_PER_EUR = {m: Decimal("1.4500") + Decimal("0.0010") * m for m in range(1, 13)}
USD_PER_EUR = {m: Decimal("1.0800") + Decimal("0.0020") * m for m in range(1, 13)}


def rates_2025() -> None:
    for month in range(1, 13):
        for currency, table in (("SGD", SGD_PER_EUR), ("USD", USD_PER_EUR)):
            services.exchange_rate_set(
                acting_user=None,
                currency=currency,
                valid_from=date(2025, month, 1),
                units_per_eur=table[month],
                source="chancellery",
            )


@pytest.fixture
def books(cintra: Lab) -> Lab:
    """CINTRA with 766, two budget lines (supplies, travel) and the rates of 2025."""
    services.account_create(
        acting_user=None, lab=cintra, code="766", name_fr="Gains de change", name_en="FX gains"
    )
    budget_line(cintra, "OP-SUP", "50000.00")
    budget_line(cintra, "OP-MIS", "20000.00", nature="missions")
    rates_2025()
    return cintra


@pytest.fixture
def cintra_accountant(books: Lab) -> User:
    from irls import services as irls_services

    user = User.objects.create_user(username="cintra_accountant", password="pw", is_staff=True)
    irls_services.role_grant(acting_user=None, user=user, role="accountant", lab=books)
    return user
