"""Budget alerts in tests: a lab's books, a budget line of 10,000.00, invoices on it, and
the people told (the CINTRA director and a CINTRA accountant with e-mail addresses)."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from smtplib import SMTPRecipientsRefused

import pytest
from django.contrib.auth.models import User
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from irls import services as irls_services
from irls.models import Lab, Role
from ledger.models import BudgetLine, Commitment, JournalEntry
from tests.books import budget_line, charged_invoice

D = Decimal
# The checks' day: early January, 2025 not closed yet, so its lines are still watched;
# no 2026 budget yet, so no forecast of the CNRS allocation's year to flag (forecast
# alerts are in test_forecast_alerts.py).
ON = date(2026, 1, 5)


def invoice(
    user: User,
    lab: Lab,
    amount: str,
    line: BudgetLine,
    *,
    on: date = date(2025, 3, 10),
    ref: str = "INV",
    commitment: Commitment | None = None,
) -> JournalEntry:
    """A posted supplier invoice charged to `line`."""
    return charged_invoice(user, lab, amount, line, on=on, ref=ref, commitment=commitment)


def person(username: str, role: str, lab: Lab | None, email: str = "") -> User:
    user = User.objects.create_user(username=username, password="pw-" + username, email=email)
    irls_services.role_grant(acting_user=None, user=user, role=role, lab=lab)
    return user


@pytest.fixture
def line(cintra: Lab) -> BudgetLine:
    """CINTRA's supplies line of 10,000.00, thresholds 80 and 100 (the default)."""
    return budget_line(cintra, "OP-SUP", "10000.00")


@pytest.fixture
def cintra_director(cintra: Lab) -> User:
    return person("dir_cintra", Role.DIRECTOR, cintra, "director@cintra.example.org")


@pytest.fixture
def cintra_accountant(cintra: Lab) -> User:
    return person("acct_cintra", Role.ACCOUNTANT, cintra, "accounts@cintra.example.org")


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise SMTPRecipientsRefused({"x": (550, b"mailbox unavailable")})
