"""Books ready for imports: CINTRA with gain and loss accounts, budget lines, and monthly
chancellery rates of 2025 for SGD, USD and JPY (per euro)."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from pytest_django import DjangoDbBlocker

from irls import services as irls_services
from irls.models import Lab, Role
from ledger import services
from tests.books import budget_line, close_months, lab_with_books

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


def books_build(cintra: Lab) -> Lab:
    """CINTRA with 766, two budget lines (supplies, travel) and the rates of 2025."""
    services.account_create(
        acting_user=None, lab=cintra, code="766", name_fr="Gains de change", name_en="FX gains"
    )
    budget_line(cintra, "OP-SUP", "50000.00")
    budget_line(cintra, "OP-MIS", "20000.00", nature="missions")
    rates_2025()
    return cintra


def cintra_accountant_build(books: Lab) -> User:
    """CINTRA's accountant (staff: the admin's import pages)."""
    from irls import services as irls_services

    user = User.objects.create_user(username="cintra_accountant", password="pw", is_staff=True)
    irls_services.role_grant(acting_user=None, user=user, role="accountant", lab=books)
    return user


@pytest.fixture
def books(cintra: Lab) -> Lab:
    """CINTRA with 766, two budget lines (supplies, travel) and the rates of 2025."""
    return books_build(cintra)


@pytest.fixture
def cintra_accountant(books: Lab) -> User:
    return cintra_accountant_build(books)


@dataclass(frozen=True)
class ModuleBooks:
    lab: Lab  # the `books` above, February closed (January open)
    cintra_accountant: User
    accountant: User  # office-wide: exchange rates are the office's


@contextmanager
def books_for_a_module(django_db_blocker: DjangoDbBlocker) -> Iterator[ModuleBooks]:
    """The `books` above with February closed, and their accountants, written once for a
    module's tests that each import one file and check it against them (~0.7 s a test
    on PostgreSQL otherwise): inside a transaction rolled back after the module, each
    test in a savepoint of its own rolled back after it (pytest-django's `db`). For a
    module-scoped fixture of the module itself, and only where no other test of the
    module that uses the database runs while it is set up."""
    with django_db_blocker.unblock(), transaction.atomic():
        books = books_build(lab_with_books("CINTRA"))
        cintra_accountant = cintra_accountant_build(books)
        accountant = User.objects.create_user(username="accountant", password="pw-accountant")
        irls_services.role_grant(acting_user=None, user=accountant, role=Role.ACCOUNTANT, lab=None)
        close_months(books, 2, user=cintra_accountant)  # February closed, January open
        yield ModuleBooks(books, cintra_accountant, accountant)
        transaction.set_rollback(True)
