"""Every read of the books: balances, rates, verification. Aggregation happens in SQL."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, F, Max, Q, QuerySet, Sum, Value, When

from irls.access import UserLike, labs_for_user
from irls.models import Lab
from ledger.exceptions import NO_RATE, MissingRateError
from ledger.fields import CentsField
from ledger.hashing import ENTRY_FIELDS, LINE_FIELDS, chain_hash
from ledger.models import (
    Account,
    ExchangeRate,
    FiscalYear,
    JournalEntry,
    JournalLine,
    LedgerChain,
)

ZERO = Decimal("0.00")
RATE_PLACES = Decimal("0.00000001")


def format_amount(amount: Decimal) -> str:
    """1234.5 -> '1,234.50' (English accounting format)."""
    return f"{amount:,.2f}"


def rate_find(
    *, currency: str, on: date, source: str = ExchangeRate.Source.CHANCELLERY
) -> ExchangeRate:
    """The rate of `currency` per EUR in force on `on` (the latest valid_from <= on)."""
    rate = (
        ExchangeRate.objects.filter(currency=currency, source=source, valid_from__lte=on)
        .order_by("-valid_from")
        .first()
    )
    if rate is None:
        raise MissingRateError(NO_RATE.format(source=source, currency=currency, date=on))
    return rate


def book_rate(
    *, book_currency: str, currency: str, on: date, source: str = ExchangeRate.Source.CHANCELLERY
) -> tuple[Decimal, date]:
    """Book-currency units for one unit of `currency` on `on`, through the EUR rates,
    and the date of the rate used."""
    if currency == book_currency:
        return Decimal(1), on
    book = (
        rate_find(currency=book_currency, on=on, source=source) if book_currency != "EUR" else None
    )
    foreign = rate_find(currency=currency, on=on, source=source) if currency != "EUR" else None
    book_per_eur = book.units_per_eur if book else Decimal(1)
    foreign_per_eur = foreign.units_per_eur if foreign else Decimal(1)
    dates = [r.valid_from for r in (book, foreign) if r is not None]
    return (book_per_eur / foreign_per_eur).quantize(RATE_PLACES), max(dates)


@dataclass(frozen=True)
class BalanceRow:
    account_code: str
    account_name_fr: str
    account_name_en: str
    opening: Decimal
    debit: Decimal
    credit: Decimal

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit


def _cents_sum(expression: Any) -> Sum:
    return Sum(expression, output_field=CentsField(), default=Value(0, output_field=CentsField()))


def trial_balance(*, lab: Lab, date_from: date, date_to: date) -> list[BalanceRow]:
    """Per account: balance before `date_from` within its fiscal year, debits and credits
    from `date_from` to `date_to`. Posted entries only; one GROUP BY on the covering index."""
    fiscal_year = FiscalYear.objects.filter(
        lab=lab, start_date__lte=date_from, end_date__gte=date_from
    ).first()
    year_start = fiscal_year.start_date if fiscal_year else date_from
    in_period = Q(entry_date__gte=date_from)
    rows = (
        JournalLine.objects.filter(lab=lab, entry_date__gte=year_start, entry_date__lte=date_to)
        .values("account_id")
        .annotate(
            opening=_cents_sum(
                Case(
                    When(~in_period, then=F("debit") - F("credit")),
                    default=Value(0),
                    output_field=CentsField(),
                )
            ),
            debit=_cents_sum(
                Case(When(in_period, then=F("debit")), default=Value(0), output_field=CentsField())
            ),
            credit=_cents_sum(
                Case(When(in_period, then=F("credit")), default=Value(0), output_field=CentsField())
            ),
        )
        .order_by()
    )
    totals = {r["account_id"]: r for r in rows}
    accounts = (
        Account.objects.filter(id__in=totals)
        .order_by("code")
        .values("id", "code", "name_fr", "name_en")
    )
    return [
        BalanceRow(
            a["code"],
            a["name_fr"],
            a["name_en"],
            totals[a["id"]]["opening"],
            totals[a["id"]]["debit"],
            totals[a["id"]]["credit"],
        )
        for a in accounts
    ]


def lab_totals(*, lab: Lab) -> tuple[Decimal, Decimal]:
    """Total debit and total credit of every posted line of the lab."""
    row = JournalLine.objects.filter(lab=lab, entry_date__isnull=False).aggregate(
        debit=_cents_sum("debit"), credit=_cents_sum("credit")
    )
    return row["debit"], row["credit"]


def entries_for_user(user: UserLike) -> QuerySet[JournalEntry]:
    """The entries of the labs `user` may read."""
    return JournalEntry.objects.filter(lab__in=labs_for_user(user))


@dataclass(frozen=True)
class VerifyResult:
    lab: str
    entries: int
    head_hash: str
    first_bad: str | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad is None


VERIFY_BATCH = 2000


def ledger_verify(*, lab: Lab) -> VerifyResult:
    """Recompute the lab's hash chain from the stored entries and lines; name the first
    entry that does not match, in posting order."""
    prev_hash = ""
    checked = 0
    after = 0
    while True:
        entries = list(
            JournalEntry.objects.filter(
                lab=lab, status=JournalEntry.Status.POSTED, chain_index__gt=after
            )
            .order_by("chain_index")
            .values(*ENTRY_FIELDS)[:VERIFY_BATCH]
        )
        if not entries:
            break
        lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for line in (
            JournalLine.objects.filter(entry_id__in=[e["id"] for e in entries])
            .order_by("entry_id", "id")
            .values(*LINE_FIELDS)
        ):
            lines[line["entry_id"]].append(line)
        for entry in entries:
            problem = _entry_problem(entry, lines[entry["id"]], prev_hash, checked + 1)
            if problem:
                return VerifyResult(lab.code, checked, prev_hash, entry["number"], problem)
            prev_hash = entry["hash"]
            checked += 1
        after = entries[-1]["chain_index"]
    tail = _tail_problem(lab, checked, prev_hash)
    if tail:
        return VerifyResult(lab.code, checked, prev_hash, tail[0], tail[1])
    return VerifyResult(lab.code, checked, prev_hash)


def _entry_problem(
    entry: dict[str, Any], lines: list[dict[str, Any]], prev_hash: str, expected_index: int
) -> str:
    if entry["chain_index"] != expected_index:
        return f"chain position {entry['chain_index']} where {expected_index} was expected"
    if entry["prev_hash"] != prev_hash:
        return "does not point to the previous entry's hash"
    if sum(line["debit"] for line in lines) != sum(line["credit"] for line in lines):
        return "does not balance"
    if chain_hash(prev_hash, entry, lines) != entry["hash"]:
        return "its content no longer matches its hash (changed after posting)"
    return ""


def _tail_problem(lab: Lab, checked: int, head: str) -> tuple[str, str] | None:
    chain = LedgerChain.objects.filter(lab=lab).first()
    if chain is not None and (chain.length != checked or chain.head_hash != head):
        return (
            "(chain head)",
            f"the lab's chain records {chain.length} entries, "
            f"{checked} were found: posted entries were removed or added",
        )
    gaps = (
        JournalEntry.objects.filter(lab=lab, status=JournalEntry.Status.POSTED)
        .values("journal__code", "fiscal_year__year")
        .annotate(n=Count("id"), last=Max("seq"))
        .filter(~Q(n=F("last")))
        .order_by("journal__code")
    )
    for gap in gaps:
        return (
            f"{gap['journal__code']}-{gap['fiscal_year__year']}",
            f"{gap['n']} entries numbered up to {gap['last']}: the numbering has a gap",
        )
    return None
