"""What the tests of the third parties' file share (tests/parties/test_third_party_*): real
identifiers, bank details, personas of one lab, and the entries that name a third party,
all made by the real services (the fixtures are in tests/parties/conftest.py)."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from irls import services as irls_services
from irls.models import Lab
from ledger import services
from ledger.models import JournalEntry
from parties.models import ThirdParty
from tests.books import account, journal

D = Decimal
# Real identifiers (NUS's UEN, a SIRET of the CNRS, whose SIREN is 180089013) and the IBAN
# that French banks' documents give as an example (FR76 3000 6000 0112 3456 7890 189).
NUS_UEN = "200604346E"
CNRS_SIRET = "18008901303720"
EXAMPLE_IBAN = "FR7630006000011234567890189"
BANK: dict[str, Any] = {
    "bank_name": "DBS Bank Ltd",
    "bank_account_holder": "Harbour Optics Pte Ltd",
    "bank_account_number": "072-345678-9",
    "bank_swift": "DBSSSGSGXXX",
    "bank_iban": EXAMPLE_IBAN,
}


def person(username: str, role: str, lab: Lab | None) -> User:
    user = get_user_model().objects.create_user(username=username, password="pw-" + username)
    irls_services.role_grant(acting_user=None, user=user, role=role, lab=lab)
    return user


def invoice(
    user: User,
    lab: Lab,
    party: ThirdParty,
    amount: str = "1090.00",
    *,
    post: bool = True,
    on: date = date(2025, 3, 14),
    ref: str = "HO-2025-031",
) -> JournalEntry:
    """A supplier's invoice: supplies debited, the supplier (401) credited."""
    entry = services.entry_create_draft(
        acting_user=user,
        lab=lab,
        journal=journal(lab, "ACH"),
        date=on,
        label=f"Optics {ref}",
        piece_ref=ref,
        piece_date=on,
        lines=[
            services.LineInput(account=account(lab, "6064"), debit=D(amount)),
            services.LineInput(
                account=account(lab, "401"), credit=D(amount), third_party=party.code
            ),
        ],
    )
    return services.entry_post(acting_user=user, entry=entry) if post else entry


def payment(user: User, lab: Lab, party: ThirdParty, amount: str, on: date) -> JournalEntry:
    """The supplier paid from the bank: 401 debited, 512 credited."""
    entry = services.entry_create_draft(
        acting_user=user,
        lab=lab,
        journal=journal(lab, "BQS"),
        date=on,
        label="Payment Harbour Optics",
        piece_ref=f"PAY-{on:%m%d}",
        piece_date=on,
        lines=[
            services.LineInput(
                account=account(lab, "401"), debit=D(amount), third_party=party.code
            ),
            services.LineInput(account=account(lab, "512"), credit=D(amount)),
        ],
    )
    return services.entry_post(acting_user=user, entry=entry)
