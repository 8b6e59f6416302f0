"""A lab's bank for the security tests' world (tests/security/world.py): a bank account on
512 and a statement of three lines, two of which (a charge and its refund) are matched.
Its names carry the lab's tag, so a response can be searched for another lab's."""

from datetime import date

from django.contrib.auth.models import User
from django.db import models

from banking.models import BankMatch
from banking.services import bank_account_create, bank_match_create, bank_statement_import
from irls.models import Lab
from tests.banking.story import DBS_MAPPING
from tests.books import account


def bank_world(lab: Lab, accountant: User, tag: str) -> tuple[dict[str, models.Model], set[str]]:
    """The objects (bankaccount, bankstatement, bankmatch) and identifiers of `lab`'s bank."""
    bank_account = bank_account_create(
        acting_user=accountant,
        lab=lab,
        account=account(lab, "512"),
        name=f"DBS {tag} operating",
        account_number=f"ACC-{tag}-0001",
        opening_date=date(2025, 2, 28),
        **DBS_MAPPING,
    )
    # A charge the bank took and refunded, matched with each other (no entry of the books
    # moves: the walls' world keeps its postings), and interest left unmatched.
    csv = (
        "Transaction Date,Reference,Debit Amount,Credit Amount,Transaction Ref1,"
        "Transaction Ref2,Transaction Ref3\r\n"
        f"30 Mar 2025,SC,42.00,,SERVICE CHARGE {tag},BANK-{tag}-03,\r\n"
        f"31 Mar 2025,SC,,42.00,REFUND OF SERVICE CHARGE {tag},BANK-{tag}-03,\r\n"
        f"31 Mar 2025,INT,,3.10,INTEREST {tag},,\r\n"
    )
    outcome = bank_statement_import(
        acting_user=accountant,
        bank_account=bank_account,
        file_name=f"dbs-{tag}-2025-03.csv",
        data=csv.encode(),
    )
    assert outcome.statement is not None, [str(p) for p in outcome.problems]
    charge_and_refund = outcome.statement.lines.filter(amount__in=["-42.00", "42.00"])
    match: BankMatch = bank_match_create(
        acting_user=accountant,
        bank_account=bank_account,
        statement_line_ids=list(charge_and_refund.values_list("pk", flat=True)),
        book_line_ids=[],
    )
    objects: dict[str, models.Model] = {
        "bankaccount": bank_account,
        "bankstatement": outcome.statement,
        "bankmatch": match,
    }
    return objects, {f"DBS {tag} operating", f"ACC-{tag}-0001", f"dbs-{tag}-2025-03.csv"}
