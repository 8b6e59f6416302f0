"""What is allocated, committed, spent and still available, per budget line and above.

A constant number of queries whatever the number of lines: spending comes from the
monthly totals the database keeps (`BudgetSpending`), never from summing ledger lines
in Python.
"""

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db.models import F, QuerySet, Sum

from irls.access import UserLike, labs_for_user
from irls.models import Lab
from ledger.fields import CentsField, round_cents
from ledger.models import (
    BudgetAmendment,
    BudgetLine,
    BudgetSpending,
    Commitment,
    ExchangeRate,
    FiscalYear,
    JournalLine,
)

ZERO = Decimal("0.00")
OPEN_STATUSES = (Commitment.Status.OPEN, Commitment.Status.PARTLY_SETTLED)
WATCH_PERCENT = Decimal(90)


@dataclass(frozen=True)
class BudgetFigures:
    """One set of figures, in one currency."""

    allocated: Decimal = ZERO
    amendments: Decimal = ZERO
    committed: Decimal = ZERO
    spent: Decimal = ZERO
    spent_this_month: Decimal = ZERO

    @property
    def budget(self) -> Decimal:
        return self.allocated + self.amendments

    @property
    def available(self) -> Decimal:
        return self.budget - self.spent - self.committed

    @property
    def consumed(self) -> Decimal:
        return self.spent + self.committed

    @property
    def percent(self) -> Decimal | None:
        """Spent and committed as a percentage of the budget (None for an empty budget)."""
        if self.budget <= 0:
            return None
        return (self.consumed * 100 / self.budget).quantize(Decimal("0.1"))

    @property
    def spent_percent(self) -> Decimal:
        return self._share(self.spent)

    @property
    def committed_percent(self) -> Decimal:
        return self._share(self.committed)

    def _share(self, amount: Decimal) -> Decimal:
        base = max(self.budget, self.consumed)
        return (amount * 100 / base).quantize(Decimal("0.1")) if base > 0 else Decimal(0)

    @property
    def overspent(self) -> bool:
        return self.available < 0

    @property
    def watch(self) -> bool:
        """Over 90 % consumed but not yet overspent."""
        return not self.overspent and self.percent is not None and self.percent > WATCH_PERCENT

    def __add__(self, other: "BudgetFigures") -> "BudgetFigures":
        return BudgetFigures(
            self.allocated + other.allocated,
            self.amendments + other.amendments,
            self.committed + other.committed,
            self.spent + other.spent,
            self.spent_this_month + other.spent_this_month,
        )


@dataclass(frozen=True)
class BudgetLineRow:
    id: int
    code: str
    label_fr: str
    label_en: str
    funding_source: str
    funding_source_name: str
    envelope: str
    nature: str
    funder_category: str
    policy: str
    book: BudgetFigures
    eur: BudgetFigures | None


@dataclass(frozen=True)
class BudgetGroup:
    """Subtotal of the lines sharing a key (funding source, envelope, or both)."""

    key: tuple[str, ...]
    label: str
    book: BudgetFigures
    eur: BudgetFigures | None
    lines: tuple[BudgetLineRow, ...] = field(default=())


@dataclass(frozen=True)
class BudgetExecution:
    lab: str
    year: int
    month: date
    book_currency: str
    lines: tuple[BudgetLineRow, ...]
    groups: tuple[BudgetGroup, ...]
    by_source: tuple[BudgetGroup, ...]
    by_envelope: tuple[BudgetGroup, ...]
    total_book: BudgetFigures
    total_eur: BudgetFigures | None
    rates: tuple["RateUsed", ...]
    months_without_rate: tuple[date, ...]


class RateUsed(NamedTuple):
    """The rate an amount of `month` was converted at: which rate, of which date, which source."""

    month: date
    valid_from: date
    units_per_eur: Decimal
    source: str = ExchangeRate.Source.CHANCELLERY


class _Rates:
    """Chancellery rates (book units per EUR) in force on the first of each month."""

    def __init__(self, currency: str, until: date) -> None:
        rows = list(
            ExchangeRate.objects.filter(
                currency=currency,
                source=ExchangeRate.Source.CHANCELLERY,
                valid_from__lte=until,
            )
            .order_by("valid_from")
            .values_list("valid_from", "units_per_eur")
        )
        self.dates = [d for d, _ in rows]
        self.values = [v for _, v in rows]
        self.missing: set[date] = set()
        self.used: dict[date, RateUsed] = {}

    def to_eur(self, amount: Decimal, on: date) -> Decimal | None:
        month = on.replace(day=1)
        i = bisect.bisect_right(self.dates, month) - 1
        if i < 0:
            self.missing.add(month)
            return None
        self.used[month] = RateUsed(month, self.dates[i], self.values[i])
        return amount / self.values[i]


def _month_of(on: date) -> date:
    return on.replace(day=1)


def budget_execution(
    *, lab: Lab, fiscal_year: FiscalYear, on: date | None = None
) -> BudgetExecution:
    """Figures of every budget line of the lab's year, grouped by funding source and envelope,
    in book currency and in EUR at the chancellery rate of each amount's month."""
    on = min(max(on or date.today(), fiscal_year.start_date), fiscal_year.end_date)
    month = _month_of(on)
    lines = list(
        BudgetLine.objects.filter(lab=lab, fiscal_year=fiscal_year)
        .select_related("funding_source")
        .order_by("funding_source__code", "envelope", "code")
    )
    scope = {"budget_line__lab": lab, "budget_line__fiscal_year": fiscal_year}
    amendments = (
        BudgetAmendment.objects.filter(**scope)
        .values("budget_line_id", "date")
        .annotate(total=Sum("delta"))
        .order_by()
    )
    spending = BudgetSpending.objects.filter(**scope).values_list(
        "budget_line_id", "month", "amount"
    )
    commitments = (
        Commitment.objects.filter(status__in=OPEN_STATUSES, **scope)
        .values("budget_line_id", "date")
        .annotate(open=Sum(F("amount") - F("settled"), output_field=CentsField()))
        .order_by()
    )
    rates = _Rates(lab.book_currency, fiscal_year.end_date)

    # Per line, amounts by month: (allocated, amendments, committed, spent) in book currency.
    dated: dict[int, list[tuple[str, date, Decimal]]] = defaultdict(list)
    for line in lines:
        dated[line.pk].append(("allocated", line.allocated_on, line.allocated))
    for row in amendments:
        dated[row["budget_line_id"]].append(("amendments", row["date"], row["total"]))
    for line_id, spent_month, amount in spending:
        dated[line_id].append(("spent", spent_month, amount))
    for row in commitments:
        dated[row["budget_line_id"]].append(("committed", row["date"], row["open"]))

    rows = tuple(_line_row(line, dated[line.pk], month, rates) for line in lines)
    return BudgetExecution(
        lab=lab.code,
        year=fiscal_year.year,
        month=month,
        book_currency=lab.book_currency,
        lines=rows,
        groups=_grouped(
            rows,
            lambda r: (r.funding_source, r.envelope),
            lambda r: f"{r.funding_source} / {r.envelope}",
            keep_lines=True,
        ),
        by_source=_grouped(rows, lambda r: (r.funding_source,), lambda r: r.funding_source_name),
        by_envelope=_grouped(rows, lambda r: (r.envelope,), lambda r: r.envelope),
        total_book=sum((r.book for r in rows), BudgetFigures()),
        total_eur=_sum_eur(rows),
        rates=tuple(rates.used[month] for month in sorted(rates.used)),
        months_without_rate=tuple(sorted(rates.missing)),
    )


def _line_row(
    line: BudgetLine, amounts: list[tuple[str, date, Decimal]], month: date, rates: _Rates
) -> BudgetLineRow:
    book: dict[str, Decimal] = defaultdict(lambda: ZERO)
    eur: dict[str, Decimal] = defaultdict(lambda: ZERO)
    convertible = True
    for kind, on, amount in amounts:
        book[kind] += amount
        converted = rates.to_eur(amount, on)
        if converted is None:
            convertible = False
        else:
            eur[kind] += converted
        if kind == "spent" and _month_of(on) == month:
            book["spent_this_month"] += amount
            eur["spent_this_month"] += converted or ZERO
    return BudgetLineRow(
        id=line.pk,
        code=line.code,
        label_fr=line.label_fr,
        label_en=line.label_en,
        funding_source=line.funding_source.code,
        funding_source_name=line.funding_source.name,
        envelope=line.envelope,
        nature=line.nature,
        funder_category=line.funder_category,
        policy=line.policy,
        book=_figures(book),
        eur=_figures(eur, rounded=True) if convertible else None,
    )


def _figures(values: dict[str, Decimal], rounded: bool = False) -> BudgetFigures:
    def get(key: str) -> Decimal:
        return round_cents(values[key]) if rounded else values[key]

    return BudgetFigures(
        get("allocated"), get("amendments"), get("committed"), get("spent"), get("spent_this_month")
    )


def _sum_eur(rows: Iterable[BudgetLineRow]) -> BudgetFigures | None:
    total = BudgetFigures()
    for row in rows:
        if row.eur is None:
            return None
        total += row.eur
    return total


def _grouped(
    rows: tuple[BudgetLineRow, ...],
    key: Callable[[BudgetLineRow], tuple[str, ...]],
    label: Callable[[BudgetLineRow], str],
    keep_lines: bool = False,
) -> tuple[BudgetGroup, ...]:
    groups: dict[tuple[str, ...], list[BudgetLineRow]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return tuple(
        BudgetGroup(
            key=k,
            label=label(members[0]),
            book=sum((m.book for m in members), BudgetFigures()),
            eur=_sum_eur(members),
            lines=tuple(members) if keep_lines else (),
        )
        for k, members in sorted(groups.items())
    )


def budget_availability(*, budget_line_ids: Iterable[int]) -> dict[int, Decimal]:
    """Available amount (book currency) of each budget line: allocated + amendments - spent
    - open commitments. Four queries whatever the number of lines."""
    ids = list(budget_line_ids)
    available = dict(BudgetLine.objects.filter(id__in=ids).values_list("id", "allocated"))
    for model, value, extra in (
        (BudgetAmendment, Sum("delta"), {}),
        (BudgetSpending, Sum("amount"), {}),
        (
            Commitment,
            Sum(F("amount") - F("settled"), output_field=CentsField()),
            {"status__in": OPEN_STATUSES},
        ),
    ):
        sign = 1 if model is BudgetAmendment else -1
        for line_id, total in (
            model.objects.filter(budget_line_id__in=ids, **extra)
            .values("budget_line_id")
            .annotate(total=value)
            .order_by()
            .values_list("budget_line_id", "total")
        ):
            available[line_id] += sign * total
    return available


def budget_lines_for_user(user: UserLike) -> QuerySet[BudgetLine]:
    """The budget lines of the labs `user` may read."""
    return BudgetLine.objects.filter(lab__in=labs_for_user(user))


def budget_line_postings(*, budget_line: BudgetLine) -> QuerySet[JournalLine]:
    """Posted ledger lines that consume `budget_line`, in date order."""
    return (
        JournalLine.objects.filter(budget_line=budget_line, entry_date__isnull=False)
        .select_related("entry", "account", "commitment")
        .order_by("entry_date", "entry__number", "id")
    )


def budget_line_commitments(*, budget_line: BudgetLine) -> QuerySet[Commitment]:
    """Open and partly settled commitments of `budget_line`."""
    return Commitment.objects.filter(budget_line=budget_line, status__in=OPEN_STATUSES).order_by(
        "date", "id"
    )
