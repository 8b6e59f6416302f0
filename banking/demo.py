"""The demo's bank: one bank account a lab (DBS, on its 512 SGD account, 5121), and the
bank's monthly statements of the year in progress as CAMT.053 files made from the lab's
posted bank lines, imported and reconciled through the real services.

The bank books a line a day or two after the books for most payments (a cheque clears
later), on the same day for its own charges; a line that clears after a month's end is
on the next month's statement, and one that clears after the last booked month is a book
item not yet on the bank at the end. Every month is reconciled (the obvious matches in
one go, the others by hand), except one bank charge of the last month that the books do
not hold yet: the accountant creates its entry from the month's page.

Idempotent: a lab that has a bank account already is left alone.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast
from xml.sax.saxutils import escape

from django.contrib.auth.models import User

from banking.importing.presets import PRESETS
from banking.models import BankAccount
from banking.selectors.books import account_balance, book_lines, unmatched_statement_lines
from banking.selectors.months import month_end
from banking.services import (
    bank_account_create,
    bank_match_create,
    bank_matches_confirm_obvious,
    bank_statement_import,
)
from irls.models import Lab
from ledger.models import Account

LEDGER_ACCOUNT = "5121"
UNBOOKED_CHARGE = Decimal("-15.00")
UNBOOKED_TEXT = "SERVICE CHARGE CHEQUE BOOK"


@dataclass(frozen=True)
class BankEntry:
    """A line of a generated CAMT.053 statement."""

    booking_date: date
    amount: Decimal  # money in positive
    reference: str
    text: str
    bank_id: str


def camt053_bytes(
    *,
    statement_id: str,
    account_number: str,
    currency: str,
    start: date,
    end: date,
    opening: Decimal,
    entries: list[BankEntry],
) -> bytes:
    """A CAMT.053.001.02 statement as a bank sends it: booked balances and entries."""

    def balance(code: str, amount: Decimal, on: date) -> str:
        side = "CRDT" if amount >= 0 else "DBIT"
        return (
            f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
            f'<Amt Ccy="{currency}">{abs(amount):.2f}</Amt><CdtDbtInd>{side}</CdtDbtInd>'
            f"<Dt><Dt>{on.isoformat()}</Dt></Dt></Bal>"
        )

    closing = opening + sum((e.amount for e in entries), Decimal("0.00"))
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">',
        f"<BkToCstmrStmt><GrpHdr><MsgId>{escape(statement_id)}</MsgId>",
        f"<CreDtTm>{end.isoformat()}T23:59:00+08:00</CreDtTm></GrpHdr>",
        f"<Stmt><Id>{escape(statement_id)}</Id>",
        f"<FrToDt><FrDtTm>{start.isoformat()}T00:00:00+08:00</FrDtTm>",
        f"<ToDtTm>{end.isoformat()}T23:59:59+08:00</ToDtTm></FrToDt>",
        f"<Acct><Id><Othr><Id>{escape(account_number)}</Id></Othr></Id><Ccy>{currency}</Ccy></Acct>",
        balance("OPBD", opening, start),
        balance("CLBD", closing, end),
    ]
    for entry in entries:
        side = "CRDT" if entry.amount > 0 else "DBIT"
        parts.append(
            f'<Ntry><Amt Ccy="{currency}">{abs(entry.amount):.2f}</Amt>'
            f"<CdtDbtInd>{side}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
            f"<BookgDt><Dt>{entry.booking_date.isoformat()}</Dt></BookgDt>"
            f"<ValDt><Dt>{entry.booking_date.isoformat()}</Dt></ValDt>"
            f"<AcctSvcrRef>{escape(entry.bank_id)}</AcctSvcrRef>"
            "<NtryDtls><TxDtls><Refs>"
            f"<EndToEndId>{escape(entry.reference or 'NOTPROVIDED')}</EndToEndId></Refs>"
            f"<RmtInf><Ustrd>{escape(entry.text)}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
        )
    parts.append("</Stmt></BkToCstmrStmt></Document>\n")
    return "".join(parts).encode("utf-8")


def _clearing_days(line_id: int, amount: Decimal, label: str) -> int:
    """Days the bank takes after the books: none for its own charges, 0-1 for money in,
    0-2 for payments, 9 for a cheque."""
    if "charge" in label.lower():
        return 0
    if amount > 0:
        return line_id % 2
    return 9 if "cheque" in label.lower() else line_id % 3


def _entries_by_month(bank_account: BankAccount, last: date) -> dict[date, list[BankEntry]]:
    rows = (
        book_lines(bank_account)
        .filter(entry_date__lte=last)
        .order_by("entry_date", "id")
        .values_list("id", "entry_date", "debit", "credit", "entry__label", "entry__piece_ref")
    )
    months: dict[date, list[BankEntry]] = defaultdict(list)
    for line_id, day, debit, credit, label, piece in rows:
        amount, on = debit - credit, cast(date, day)
        booked = on + timedelta(days=_clearing_days(line_id, amount, label))
        if booked > last:
            continue  # not on the bank's statements yet
        text = " ".join(label.upper().split())[:120]
        bank_id = f"DBS{booked:%y%m%d}{line_id:08d}"
        months[booked.replace(day=1)].append(BankEntry(booked, amount, piece, text, bank_id))
    return months


def _statements(
    bank_account: BankAccount, months: dict[date, list[BankEntry]], first: date, last: date
) -> int:
    """Import one statement a month, from `first` to `last`; returns how many."""
    balance, count = bank_account.opening_balance, 0
    month = first
    while month <= last:
        end = month_end(month)
        entries = sorted(months.get(month, []), key=lambda e: (e.booking_date, e.bank_id))
        if end == month_end(last):
            entries.append(
                BankEntry(end, UNBOOKED_CHARGE, "", UNBOOKED_TEXT, f"DBS{end:%y%m%d}CHQBOOK")
            )
        data = camt053_bytes(
            statement_id=f"{bank_account.lab.code}-{month:%Y-%m}",
            account_number=bank_account.account_number,
            currency=bank_account.currency,
            start=month,
            end=end,
            opening=balance,
            entries=entries,
        )
        outcome = bank_statement_import(
            acting_user=None,
            bank_account=bank_account,
            file_name=f"DBS-{bank_account.lab.code}-{month:%Y-%m}.xml",
            data=data,
        )
        if outcome.problems:
            raise ValueError(f"demo statement refused: {[str(p) for p in outcome.problems]}")
        balance += sum((e.amount for e in entries), Decimal("0.00"))
        count += 1
        month = end + timedelta(days=1)
    return count


def _reconcile(bank_account: BankAccount, user: User, first: date, last: date) -> None:
    """The obvious matches month by month, then the others by hand (same amount, the
    nearest book date)."""
    month = first
    while month <= last:
        bank_matches_confirm_obvious(
            acting_user=user, bank_account=bank_account, date_from=month, date_to=month_end(month)
        )
        month = month_end(month) + timedelta(days=1)
    from banking.selectors.matching import book_items

    books = book_items(bank_account, None, last)
    by_amount: dict[Decimal, list[Any]] = defaultdict(list)
    for item in books:
        by_amount[item.amount].append(item)
    for line in unmatched_statement_lines(bank_account).order_by("booking_date", "id"):
        candidates = by_amount.get(line.amount) or []
        if not candidates:
            continue  # the charge the books do not hold yet
        best = min(candidates, key=lambda b: (abs((b.date - line.booking_date).days), b.id))
        candidates.remove(best)
        bank_match_create(
            acting_user=user,
            bank_account=bank_account,
            statement_line_ids=[line.pk],
            book_line_ids=[best.id],
        )


def bank_demo_load(*, calendar: Any, user: User, created: Any) -> None:
    """A DBS account on 5121 for each lab without a bank account, its statements of the
    year in progress to `calendar.cutoff`, reconciled but for one charge of the last month.
    `created` counts what was made (the demo loader's Counter)."""
    first = date(calendar.current, 1, 1)
    last = calendar.cutoff
    if last < first:
        return
    taken = set(BankAccount.objects.values_list("lab_id", flat=True))
    for number, lab in enumerate(Lab.objects.order_by("code"), start=1):
        account = Account.objects.filter(lab=lab, code=LEDGER_ACCOUNT).first()
        if lab.pk in taken or account is None:
            continue
        starting = first - timedelta(days=1)
        bank_account = bank_account_create(
            acting_user=None,
            lab=lab,
            account=account,
            name="DBS operating account (SGD)",
            bank_name="DBS Bank Ltd",
            account_number=f"072-90{number:02d}45-{number}",
            opening_date=starting,
            opening_balance=account_balance(lab.pk, account.pk, starting),
            **PRESETS["dbs"],
        )
        months = _entries_by_month(bank_account, last)
        created["bank statements"] += _statements(bank_account, months, first, last)
        _reconcile(bank_account, user, first, last)
        created["bank accounts"] += 1
