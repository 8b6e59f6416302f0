"""Fixtures of the third parties' tests (tests/parties/test_third_party_*): personas of one
lab and a supplier with bank details, made by the real services."""

import pytest
from django.contrib.auth.models import User

from irls.models import Lab, Role
from parties.models import ThirdParty
from parties.services import third_party_create
from tests.parties.third_parties import BANK, person


@pytest.fixture
def accountant_cintra(cintra: Lab) -> User:
    return person("accountant_cintra", Role.ACCOUNTANT, cintra)


@pytest.fixture
def auditor_cintra(cintra: Lab) -> User:
    return person("auditor_cintra", Role.AUDITOR, cintra)


@pytest.fixture
def supplier(accountant: User) -> ThirdParty:
    """A Singapore supplier with its bank details (no line names it yet)."""
    return third_party_create(
        acting_user=accountant,
        code="HARBOUR-OPTICS",
        name="Harbour Optics Pte Ltd",
        kind="supplier",
        country="SG",
        uen="53012345B",
        currency="SGD",
        payment_terms_days=45,
        email="ar@harbour-optics.example",
        **BANK,
    )
