"""The entries the books lack for bank lines nobody booked yet (bank charges on 627,
interest on 768, or any account the accountant picks), created from the statement lines
in one action: one entry each in the bank journal, posted through the ledger's own
services (so the posting rulebook, numbering, hashing and audit apply), then matched
with the line it came from. All or nothing."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from banking.exceptions import (
    BANK_LINE_LABEL,
    BUDGET_LINE_NEEDED,
    COUNTER_ACCOUNT,
    COUNTER_NEEDS_PARTY,
    COUNTER_YEAR_END,
    NO_BANK_JOURNAL,
    NOTHING_SELECTED,
    MatchError,
)
from banking.models import BankAccount, BankMatch
from banking.selectors.books import YEAR_END_PREFIXES
from ledger.models import Account, BudgetLine, Journal, JournalEntry
from ledger.rules import needs_budget_line, needs_third_party
from ledger.services import LineInput, entries_post, entry_create_draft

from .access import require
from .accounts import default_journal
from .matching import MatchGroup, _guarded_write, _locked, _statement_rows

ZERO = Decimal("0.00")


def bank_entries_create(
    *,
    acting_user: User,
    bank_account: BankAccount,
    statement_line_ids: Sequence[int],
    account: Account,
    budget_line: BudgetLine | None = None,
    label: str = "",
) -> list[JournalEntry]:
    """For each unmatched statement line: an entry dated its booking day, the bank's
    ledger account against `account` (with `budget_line` when the account needs one),
    labelled `label` or the bank's text, with the bank's reference; posted, and matched
    with its statement line."""
    require(acting_user, bank_account.lab, "reconcile bank accounts")
    ids = sorted(set(statement_line_ids))
    if not ids:
        raise MatchError(str(NOTHING_SELECTED))
    with transaction.atomic():
        bank_account = _locked(bank_account)
        journal = bank_account.journal or default_journal(bank_account.lab, bank_account.currency)
        if journal is None:
            raise MatchError(
                NO_BANK_JOURNAL.format(lab=bank_account.lab.code, name=bank_account.name)
            )
        _check_counter_account(bank_account, account, journal, budget_line)
        rows = _statement_rows(bank_account, ids)
        drafts = []
        for row in rows:
            amount: Decimal = row["amount"]
            text = _entry_label(label, row)
            money_in = amount > 0
            drafts.append(
                entry_create_draft(
                    acting_user=acting_user,
                    lab=bank_account.lab,
                    journal=journal,
                    date=row["booking_date"],
                    label=text,
                    piece_ref=f"BANK-{row['id']}",
                    piece_date=row["booking_date"],
                    lines=[
                        LineInput(
                            account=bank_account.account,
                            debit=amount if money_in else ZERO,
                            credit=ZERO if money_in else -amount,
                            label=text,
                        ),
                        LineInput(
                            account=account,
                            debit=ZERO if money_in else -amount,
                            credit=amount if money_in else ZERO,
                            label=text,
                            budget_line=budget_line if account.needs_budget_line else None,
                        ),
                    ],
                )
            )
        posted = entries_post(acting_user=acting_user, entries=drafts)
        bank_lines = dict(
            (entry_id, line_id)
            for entry_id, line_id in JournalEntry.objects.filter(
                pk__in=[e.pk for e in posted], lines__account_id=bank_account.account_id
            ).values_list("id", "lines__id")
        )
        groups = [
            MatchGroup(
                statement_line_ids=(row["id"],),
                book_line_ids=(bank_lines[entry.pk],),
                amount=int(row["amount"] * 100),
                after={
                    "amount": str(row["amount"]),
                    "entry": entry.number,
                    "statement_lines": [[row["id"], row["booking_date"].isoformat()]],
                    "book_lines": [[bank_lines[entry.pk], entry.number]],
                },
            )
            for row, entry in zip(rows, posted, strict=True)
        ]
        _guarded_write(acting_user, bank_account, BankMatch.Kind.ENTRY, groups)
    return posted


def _check_counter_account(
    bank_account: BankAccount, account: Account, journal: Journal, budget_line: BudgetLine | None
) -> None:
    """Refuse, naming the account, what the posting rulebook would refuse later in words
    about drafts the accountant never saw."""
    code = account.code
    if account.pk == bank_account.account_id or code.startswith("512"):
        raise MatchError(COUNTER_ACCOUNT.format(code=code))
    if code.startswith(YEAR_END_PREFIXES):
        raise MatchError(COUNTER_YEAR_END.format(code=code))
    if needs_third_party(account.needs_third_party):
        raise MatchError(COUNTER_NEEDS_PARTY.format(code=code))
    if budget_line is None and needs_budget_line(account.needs_budget_line, journal.kind):
        raise MatchError(BUDGET_LINE_NEEDED.format(code=code))


def _entry_label(label: str, row: dict[str, Any]) -> str:
    """The label typed, else the bank's text (else the line's date), then the bank's
    reference when the text does not hold it already."""
    text = label or row["description"] or str(BANK_LINE_LABEL.format(date=row["booking_date"]))
    reference = row["reference"]
    if reference and reference.casefold() not in text.casefold():
        text = f"{text} · {reference}"
    return text[:200]
