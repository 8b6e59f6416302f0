"""The worked example of tests/banking/story.py as fixtures."""

import pytest
from django.contrib.auth.models import User

from banking.models import BankAccount
from irls.models import Lab
from ledger.models import JournalEntry
from tests.banking.story import bank_books, dbs_account


@pytest.fixture
def books(accountant: User, cintra: Lab) -> dict[str, JournalEntry]:
    return bank_books(accountant, cintra)


@pytest.fixture
def dbs(accountant: User, cintra: Lab, books: dict[str, JournalEntry]) -> BankAccount:
    return dbs_account(accountant, cintra)
