"""The worked example of the banking tests, told as the office lives it.

CINTRA's bank account (ledger account 512) starts after 28 February 2025 with 85,000.00
SGD, which the books hold too (an opening entry of 2 January). In March the books record
(journal BQS):

    b1  03/03  + 75,000.00  Thales contribution              CINTRA-VT-2025-001
    b2  04/03  -  1,351.60  Orchid Lab supplies (GIRO)       OLS-2025-0212
    b5  07/03  -  1,351.60  Orchid Lab supplies (cheque)     CHQ-000118
    b3  09/03  -    267.92  Merlion office supplies          MO-2025-0220
    b4  13/03  -  2,450.00  Mission Hanoi, air ticket        OM-2025-011
    b8  25/03  -    650.00 and - 330.00: per diem paid in one bank batch   BATCH-0325
    b6  28/03  -  3,200.00  Travel agency (cheque 000123, cleared in April)
    b7  31/03  +  5,000.00  NUS recharge (received in April)

and the bank's March statement (tests/banking/files/*-2025-03.*) shows:

    s1  03/03  + 75,000.00   s2 05/03 - 1,351.60   s3 10/03 - 267.92   s4 14/03 - 2,450.00
    s5  20/03  -  1,351.60 (cheque 000118)   s6 25/03 - 980.00 (the per diem batch)
    s7  31/03  -     55.30 service charge    s8 31/03 + 12.48 interest

By hand: bank balance at 31/03 = 85,000 + 75,000 - 1,351.60 - 267.92 - 2,450 - 1,351.60
- 980 - 55.30 + 12.48 = 153,556.06; book balance = 85,000 + 75,000 - 1,351.60 - 1,351.60
- 267.92 - 2,450 - 980 - 3,200 + 5,000 = 155,398.88. Once s1-s6 are matched: book items
not on the bank -3,200.00 + 5,000.00 = 1,800.00 (adjusted bank 155,356.06); bank lines not
in the books -55.30 + 12.48 = -42.82 (adjusted book 155,356.06): difference 0.00.
"""

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User

from banking.models import BankAccount
from banking.services import bank_account_create
from irls.models import Lab
from ledger import services
from ledger.models import Account, JournalEntry, JournalLine
from tests.books import account, draft

FILES = Path(__file__).parent / "files"
D = Decimal
BANK_BALANCE = D("153556.06")
BOOK_BALANCE = D("155398.88")

DBS_MAPPING: dict[str, Any] = {
    "csv_date_column": "Transaction Date",
    "csv_date_format": "%d %b %Y",
    "csv_debit_column": "Debit Amount",
    "csv_credit_column": "Credit Amount",
    "csv_description_columns": "Transaction Ref1, Transaction Ref3",
    "csv_reference_column": "Transaction Ref2",
}
OCBC_MAPPING: dict[str, Any] = {
    "csv_date_column": "Transaction date",
    "csv_value_date_column": "Value date",
    "csv_debit_column": "Withdrawals (SGD)",
    "csv_credit_column": "Deposits (SGD)",
    "csv_description_columns": "Description",
}
UOB_MAPPING: dict[str, Any] = {
    "csv_date_column": "Transaction Date",
    "csv_value_date_column": "Value Date",
    "csv_debit_column": "Withdrawal",
    "csv_credit_column": "Deposit",
    "csv_description_columns": "Description",
    "csv_reference_column": "Your Reference",
}
FRENCH_MAPPING: dict[str, Any] = {
    "csv_date_column": "Date",
    "csv_amount_column": "Montant",
    "csv_description_columns": "Libellé",
    "csv_reference_column": "Référence",
    "csv_delimiter": ";",
    "csv_decimal_separator": ",",
}


def file(name: str) -> bytes:
    return (FILES / name).read_bytes()


def _posted(
    user: User, lab: Lab, lines: list[tuple[str, str, str]], **kwargs: object
) -> JournalEntry:
    entry = draft(user, lab, lines, **kwargs)  # type: ignore[arg-type]
    return services.entry_post(acting_user=user, entry=entry)


def bank_books(user: User, lab: Lab) -> dict[str, JournalEntry]:
    """The opening entry and the March entries of the story (posted)."""
    if not Account.objects.filter(lab=lab, code="768").exists():
        services.account_create(
            acting_user=None,
            lab=lab,
            code="768",
            name_fr="Autres produits financiers",
            name_en="Other financial income",
            needs_budget_line=False,
        )
    bq: dict[str, object] = {"journal_code": "BQS"}
    return {
        "opening": _posted(
            user,
            lab,
            [("512", "85000.00", "0"), ("101", "0", "85000.00")],
            journal_code="OD",
            on=date(2025, 1, 2),
            label="Bank balance brought in",
            piece_ref="OPEN-2025",
        ),
        "b1": _posted(
            user,
            lab,
            [("512", "75000.00", "0"), ("741", "0", "75000.00")],
            on=date(2025, 3, 3),
            label="Thales contribution 2025 H1",
            piece_ref="CINTRA-VT-2025-001",
            **bq,
        ),
        "b2": _posted(
            user,
            lab,
            [("6064", "1351.60", "0"), ("512", "0", "1351.60")],
            on=date(2025, 3, 4),
            label="Orchid Lab supplies, February (GIRO)",
            piece_ref="OLS-2025-0212",
            **bq,
        ),
        "b5": _posted(
            user,
            lab,
            [("6064", "1351.60", "0"), ("512", "0", "1351.60")],
            on=date(2025, 3, 7),
            label="Orchid Lab supplies, cheque 000118",
            piece_ref="CHQ-000118",
            **bq,
        ),
        "b3": _posted(
            user,
            lab,
            [("6064", "267.92", "0"), ("512", "0", "267.92")],
            on=date(2025, 3, 9),
            label="Merlion office supplies",
            piece_ref="MO-2025-0220",
            **bq,
        ),
        "b4": _posted(
            user,
            lab,
            [("6256", "2450.00", "0"), ("512", "0", "2450.00")],
            on=date(2025, 3, 13),
            label="Mission Hanoi, air ticket",
            piece_ref="OM-2025-011",
            **bq,
        ),
        "b8": _posted(
            user,
            lab,
            [("6256", "980.00", "0"), ("512", "0", "650.00"), ("512", "0", "330.00")],
            on=date(2025, 3, 25),
            label="Per diem, Kuala Lumpur and Hanoi",
            piece_ref="BATCH-0325",
            **bq,
        ),
        "b6": _posted(
            user,
            lab,
            [("6256", "3200.00", "0"), ("512", "0", "3200.00")],
            on=date(2025, 3, 28),
            label="Straits Travel, cheque 000123",
            piece_ref="CHQ-000123",
            **bq,
        ),
        "b7": _posted(
            user,
            lab,
            [("512", "5000.00", "0"), ("741", "0", "5000.00")],
            on=date(2025, 3, 31),
            label="NUS recharge, March",
            piece_ref="NUS-2025-03",
            **bq,
        ),
    }


def bank_line(entry: JournalEntry, amount: str | None = None) -> JournalLine:
    """The entry's line on 512 (of `amount`, debit - credit, when it has several)."""
    lines = [line for line in entry.lines.select_related("account") if line.account.code == "512"]
    if amount is not None:
        lines = [line for line in lines if line.debit - line.credit == Decimal(amount)]
    (line,) = lines
    return line


def dbs_account(user: User | None, lab: Lab, **fields: object) -> BankAccount:
    """The bank account of the story, on 512, starting after 28 February with 85,000."""
    values: dict[str, object] = {
        "name": "DBS operating account",
        "bank_name": "DBS Bank",
        "account_number": "012-345678-9",
        "opening_date": date(2025, 2, 28),
        "opening_balance": D("85000.00"),
        **DBS_MAPPING,
        **fields,
    }
    return bank_account_create(
        acting_user=user,
        lab=lab,
        account=account(lab, "512"),
        **values,  # type: ignore[arg-type]
    )
