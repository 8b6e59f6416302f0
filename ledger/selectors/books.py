"""Every read of the books: balances, rates, verification. Aggregation happens in SQL."""

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Max, Q, QuerySet, Sum, Value
from django.utils.formats import number_format

from irls.access import UserLike, labs_for_user
from irls.models import Lab
from ledger.exceptions import NO_RATE, RATE_SOURCES, MissingRateError
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
CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.00000001")


def format_amount(amount: Decimal) -> str:
    """1234.5 -> '1,234.50' in English, '1 234,50' in French: two decimals, grouped, in
    the active language (messages and admin pages speak the reader's language)."""
    return number_format(Decimal(amount).quantize(CENT), decimal_pos=2, force_grouping=True)


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
        raise MissingRateError(
            NO_RATE.format(source=RATE_SOURCES.get(source, source), currency=currency, date=on)
        )
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


class BookRates:
    """`book_rate` for many lines at once: every rate of the source is read once, then
    each (currency, date) is answered from memory with the same result as `book_rate`."""

    def __init__(
        self, *, book_currency: str, source: str = ExchangeRate.Source.CHANCELLERY
    ) -> None:
        self.book_currency = book_currency
        self.source = source
        self._history: dict[str, tuple[list[date], list[Decimal]]] = {}
        rows = ExchangeRate.objects.filter(source=source).order_by("currency", "valid_from")
        for currency, valid_from, units in rows.values_list(
            "currency", "valid_from", "units_per_eur"
        ):
            dates, values = self._history.setdefault(currency, ([], []))
            dates.append(valid_from)
            values.append(units)
        self._answers: dict[tuple[str, date], tuple[Decimal, date]] = {}

    def _per_eur(self, currency: str, on: date) -> tuple[Decimal, date | None]:
        if currency == "EUR":
            return Decimal(1), None
        dates, values = self._history.get(currency, ([], []))
        position = bisect_right(dates, on)
        if position == 0:
            raise MissingRateError(
                NO_RATE.format(
                    source=RATE_SOURCES.get(self.source, self.source), currency=currency, date=on
                )
            )
        return values[position - 1], dates[position - 1]

    def rate(self, currency: str, on: date) -> tuple[Decimal, date]:
        """Book-currency units for one unit of `currency` on `on`, and the rate's date."""
        key = (currency, on)
        answer = self._answers.get(key)
        if answer is None:
            if currency == self.book_currency:
                answer = (Decimal(1), on)
            else:
                book, book_date = self._per_eur(self.book_currency, on)
                foreign, foreign_date = self._per_eur(currency, on)
                dates = [d for d in (book_date, foreign_date) if d is not None]
                answer = ((book / foreign).quantize(RATE_PLACES), max(dates))
            self._answers[key] = answer
        return answer


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


def _balance_sums(lab: Lab, dates: Q) -> QuerySet[JournalLine, dict[str, Any]]:
    """Per account of `lab`: total debit and credit of its posted lines dated in `dates`.

    The account condition changes no result (a line's account is of the line's lab) but
    lets both databases enter the covering index on (lab, account, date range): one exact
    range per account, read in account order, so the GROUP BY needs no sort."""
    return (
        JournalLine.objects.filter(
            dates, lab=lab, account__in=Account.objects.filter(lab=lab).values("id")
        )
        .values("account_id")
        .annotate(debit=_cents_sum("debit"), credit=_cents_sum("credit"))
        .order_by()
    )


def trial_balance(*, lab: Lab, date_from: date, date_to: date) -> list[BalanceRow]:
    """Per account: balance before `date_from` within its fiscal year, debits and credits
    from `date_from` to `date_to`. Posted entries only; every line is read once from the
    covering index (the opening and the period are disjoint date ranges)."""
    fiscal_year = FiscalYear.objects.filter(
        lab=lab, start_date__lte=date_from, end_date__gte=date_from
    ).first()
    year_start = fiscal_year.start_date if fiscal_year else date_from
    period = {
        r["account_id"]: (r["debit"], r["credit"])
        for r in _balance_sums(lab, Q(entry_date__gte=date_from, entry_date__lte=date_to))
    }
    opening: dict[int, Decimal] = {}
    if year_start < date_from:
        opening = {
            r["account_id"]: r["debit"] - r["credit"]
            for r in _balance_sums(lab, Q(entry_date__gte=year_start, entry_date__lt=date_from))
        }
    accounts = (
        Account.objects.filter(id__in=period.keys() | opening.keys())
        .order_by("code")
        .values("id", "code", "name_fr", "name_en")
    )
    return [
        BalanceRow(
            a["code"],
            a["name_fr"],
            a["name_en"],
            opening.get(a["id"], ZERO),
            *period.get(a["id"], (ZERO, ZERO)),
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
    tail = _tail_problem(lab, checked, prev_hash) or _opening_problem(lab)
    if tail:
        return VerifyResult(lab.code, checked, prev_hash, tail[0], tail[1])
    return VerifyResult(lab.code, checked, prev_hash)


def ledger_verify_report(*, lab: Lab) -> tuple[VerifyResult, list[str]]:
    """`ledger_verify` of `lab`, with its report as `manage.py verify_ledger` prints it
    (where each fiscal year ends in the chain, when the chain holds)."""
    from ledger.selectors.years import year_heads

    result = ledger_verify(lab=lab)
    if not result.ok:
        return result, [
            f"{lab.code}: ALTERED at {result.first_bad}: {result.reason} "
            f"({result.entries} entries verified before it)"
        ]
    lines = [
        f"{lab.code}: OK, {result.entries} posted entries, "
        f"chain head {result.head_hash[:16] or '(empty)'}"
    ]
    for head in year_heads(lab.pk):
        lines.append(
            f"  {head.year}: last in the chain {head.number} (#{head.chain_index}), "
            f"hash {head.hash}"
        )
    return result, lines


def _opening_problem(lab: Lab) -> tuple[str, str] | None:
    """Invariant 11: the opening balances of the year after a closed year equal its
    closing balances, account by account (and third party)."""
    from ledger.selectors.years import next_fiscal_year, opening_differences

    for year in FiscalYear.objects.filter(lab=lab, status=FiscalYear.Status.CLOSED).order_by(
        "year"
    ):
        later = next_fiscal_year(year)
        if later is None:
            return (f"{year.year}", f"{year.year} is closed but {year.year + 1} does not exist")
        differences = opening_differences(year, later)
        if differences:
            return (
                f"opening balances of {later.year}",
                f"{len(differences)} account(s) differ from the closing balances of "
                f"{year.year}, first {differences[0]}",
            )
    return None


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
