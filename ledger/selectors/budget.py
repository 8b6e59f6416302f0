"""What is allocated, committed, spent and still available, per budget line and above.

A constant number of queries whatever the number of lines: spending comes from the
monthly totals the database keeps (`BudgetSpending`), never from summing ledger lines
in Python.
"""

import bisect
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple, overload

from django.db.models import F, QuerySet, Sum

from irls.access import UserLike, labs_for_user
from irls.models import FundingSource, Lab
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
PERCENT_PLACES = Decimal("0.1")
# Amendments that move a line's unspent allocation from one year to the next: over the
# whole life of a funding source they cancel out (the grant's own money changing years).
CARRY_KINDS = (BudgetAmendment.Kind.CARRY_IN, BudgetAmendment.Kind.CARRY_OUT)


@dataclass(frozen=True)
class BudgetFigures:
    """One set of figures, in one currency. The derived figures are computed once (a page
    shows each several times): `cached_property` stores them in the instance's __dict__,
    which a frozen dataclass allows."""

    allocated: Decimal = ZERO
    amendments: Decimal = ZERO
    committed: Decimal = ZERO
    spent: Decimal = ZERO
    spent_this_month: Decimal = ZERO

    @functools.cached_property
    def budget(self) -> Decimal:
        return self.allocated + self.amendments

    @functools.cached_property
    def available(self) -> Decimal:
        return self.budget - self.spent - self.committed

    @functools.cached_property
    def consumed(self) -> Decimal:
        return self.spent + self.committed

    @functools.cached_property
    def percent(self) -> Decimal | None:
        """Spent and committed as a percentage of the budget (None for an empty budget):
        `consumed_percent`, the one rule of pages and statements."""
        return consumed_percent(self)

    @functools.cached_property
    def spent_percent(self) -> Decimal:
        return self._share(self.spent)

    @functools.cached_property
    def committed_percent(self) -> Decimal:
        return self._share(self.committed)

    def _share(self, amount: Decimal) -> Decimal:
        base = max(self.budget, self.consumed)
        return (amount * 100 / base).quantize(Decimal("0.1")) if base > 0 else Decimal(0)

    @functools.cached_property
    def overspent(self) -> bool:
        return self.available < 0

    @functools.cached_property
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
    year: int = 0  # the fiscal year of the line (the latest one over a funding source's life)
    years: tuple[int, ...] = ()  # the fiscal years whose lines of this code are summed
    # The allocation as notified, when every line of the row was notified in one currency
    # other than the book currency (the CNRS and the ANR notify in EUR).
    notified_currency: str = ""
    notified_amount: Decimal | None = None
    notified_in_eur: bool = False  # some line of the row shows its EUR notification


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
    # Over the whole life of one funding source (funding_source_execution): its code and
    # name, the fiscal years summed and the period they cover.
    funding_source: str = ""
    funding_source_name: str = ""
    years: tuple[int, ...] = ()
    period_from: date | None = None
    period_to: date | None = None

    @property
    def whole_life(self) -> bool:
        return bool(self.funding_source)


def consumed_percent(
    item: "BudgetLineRow | BudgetGroup | BudgetExecution | BudgetFigures",
) -> Decimal | None:
    """The "% consumed" of a budget line, a group of lines or a whole execution, the same
    whatever currency its amounts are shown in (SGD or EUR), on the budget page and in the
    budget-execution statement (PDF, XLSX) alike.

    The rule: (spent + open commitments) / (allocated + amendments) x 100, computed on the
    figures in the book currency (the currency the budget is held and controlled in), and
    rounded half-up to one decimal; None when that budget is zero or less. The EUR figures
    are not divided: their amounts are converted each at the chancellery rate of its own
    month, so their ratio would move with the rates while the budget's use did not. The
    flags (over 90 %, overspent) use the same book-currency figures. Figures given
    directly (a `BudgetFigures`) are taken as they are: pass the book ones.
    """
    if isinstance(item, BudgetExecution):
        figures = item.total_book
    elif isinstance(item, BudgetFigures):
        figures = item
    else:
        figures = item.book
    if figures.budget <= 0:
        return None
    return (figures.consumed * 100 / figures.budget).quantize(PERCENT_PLACES, ROUND_HALF_UP)


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


class _Line(NamedTuple):
    """What the figures need of a budget line, read as values (not model instances)."""

    id: int
    code: str
    label_fr: str
    label_en: str
    envelope: str
    nature: str
    funder_category: str
    policy: str
    allocated: Decimal
    allocated_on: date
    notified_currency: str
    notified_amount: Decimal | None
    funding_source: str
    funding_source_name: str
    year: int
    year_start: date
    year_end: date

    @property
    def notified_in_eur(self) -> bool:
        """As `BudgetLine.notified_in_eur`."""
        return self.notified_currency == "EUR" and self.notified_amount is not None


# The columns of `_Line`, in the order of its fields.
_LINE_COLUMNS = (
    "id",
    "code",
    "label_fr",
    "label_en",
    "envelope",
    "nature",
    "funder_category",
    "policy",
    "allocated",
    "allocated_on",
    "notified_currency",
    "notified_amount",
    "funding_source__code",
    "funding_source__name",
    "fiscal_year__year",
    "fiscal_year__start_date",
    "fiscal_year__end_date",
)


def _lines(found: "QuerySet[BudgetLine]") -> list[_Line]:
    return [_Line(*row) for row in found.values_list(*_LINE_COLUMNS)]


def budget_execution(
    *,
    lab: Lab,
    fiscal_year: FiscalYear,
    on: date | None = None,
    line_ids: Iterable[int] | None = None,
    eur: bool = True,
) -> BudgetExecution:
    """Figures of every budget line of the lab's year, grouped by funding source and envelope,
    in book currency and in EUR at the chancellery rate of each amount's month (a line
    notified in EUR shows its notified amount).

    `line_ids`: the figures of those lines only (of the lab's year), the groups and totals
    over them. `eur=False`: no conversion and no rate read; every EUR figure is None."""
    on = min(max(on or date.today(), fiscal_year.start_date), fiscal_year.end_date)
    found = BudgetLine.objects.filter(lab=lab, fiscal_year=fiscal_year)
    scope: dict[str, object] = {"budget_line__lab": lab, "budget_line__fiscal_year": fiscal_year}
    if line_ids is not None:
        found = found.filter(id__in=list(line_ids))
    lines = _lines(found.order_by("funding_source__code", "envelope", "code"))
    if line_ids is not None:
        scope = {"budget_line_id__in": [line.id for line in lines]}
    return _execution(
        lab,
        lines,
        scope,
        on=on,
        until=fiscal_year.end_date,
        year=fiscal_year.year,
        amendments=BudgetAmendment.objects.filter(**scope),
        eur=eur,
    )


def funding_source_execution(
    *,
    funding_source: FundingSource,
    until_year: int | None = None,
    on: date | None = None,
    eur: bool = True,
) -> BudgetExecution:
    """Figures of a funding source over its whole life: the lines of every fiscal year
    (up to `until_year` if given) summed by budget line code, since the source's start.
    Carry-overs between years are left out: they move the source's own unspent money
    from one year's line to the next and cancel out over its life. `eur` as for
    `budget_execution`."""
    lab = funding_source.lab
    found = BudgetLine.objects.filter(funding_source=funding_source)
    if until_year is not None:
        found = found.filter(fiscal_year__year__lte=until_year)
    lines = _lines(found.order_by("fiscal_year__year", "code"))
    years = tuple(sorted({line.year for line in lines}))
    period_to = (
        lines[-1].year_end if lines else funding_source.end_date or funding_source.start_date
    )
    first_day = min([funding_source.start_date, *(line.year_start for line in lines)])
    on = min(max(on or date.today(), first_day), period_to)
    scope: dict[str, object] = {"budget_line__funding_source": funding_source}
    if until_year is not None:
        scope["budget_line__fiscal_year__year__lte"] = until_year
    execution = _execution(
        lab,
        lines,
        scope,
        on=on,
        until=period_to,
        year=years[-1] if years else on.year,
        amendments=BudgetAmendment.objects.filter(**scope).exclude(kind__in=CARRY_KINDS),
        merge=True,
        eur=eur,
    )
    return replace(
        execution,
        funding_source=funding_source.code,
        funding_source_name=funding_source.name,
        years=years,
        period_from=funding_source.start_date,
        period_to=period_to,
    )


# (kind, date, amount in book currency, amount in EUR when known without conversion)
_Dated = tuple[str, date, Decimal, Decimal | None]


def _execution(
    lab: Lab,
    lines: list[_Line],
    scope: dict[str, object],
    *,
    on: date,
    until: date,
    year: int,
    amendments: "QuerySet[BudgetAmendment]",
    merge: bool = False,
    eur: bool = True,
) -> BudgetExecution:
    """The figures of `lines` (those that `scope` selects among amendments, spending and
    commitments), one row a line, or one row a code when `merge` (several years); in EUR
    too when `eur`."""
    month = _month_of(on)
    amended = amendments.values("budget_line_id", "date").annotate(total=Sum("delta")).order_by()
    spending = BudgetSpending.objects.filter(**scope).values_list(
        "budget_line_id", "month", "amount"
    )
    commitments = (
        Commitment.objects.filter(status__in=OPEN_STATUSES, **scope)
        .values("budget_line_id", "date")
        .annotate(open=Sum(F("amount") - F("settled"), output_field=CentsField()))
        .order_by()
    )
    rates = _Rates(lab.book_currency, until) if eur else None

    # Per row, amounts by date: (allocated, amendments, committed, spent) in book currency.
    key_of = {line.id: (line.code if merge else line.id) for line in lines}
    members: dict[object, list[_Line]] = defaultdict(list)
    dated: dict[object, list[_Dated]] = defaultdict(list)
    for line in lines:
        members[key_of[line.id]].append(line)
        notified = line.notified_amount if line.notified_in_eur else None
        dated[key_of[line.id]].append(("allocated", line.allocated_on, line.allocated, notified))
    for row in amended:
        dated[key_of[row["budget_line_id"]]].append(("amendments", row["date"], row["total"], None))
    for line_id, spent_month, amount in spending:
        dated[key_of[line_id]].append(("spent", spent_month, amount, None))
    for row in commitments:
        dated[key_of[row["budget_line_id"]]].append(("committed", row["date"], row["open"], None))

    rows = tuple(
        sorted(
            (_line_row(group, dated[key], month, rates) for key, group in members.items()),
            key=lambda r: (r.funding_source, r.envelope, r.code),
        )
    )
    return BudgetExecution(
        lab=lab.code,
        year=year,
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
        rates=tuple(rates.used[month] for month in sorted(rates.used)) if rates else (),
        months_without_rate=tuple(sorted(rates.missing)) if rates else (),
    )


def _notified(lines: list[_Line]) -> tuple[str, Decimal | None]:
    """The notified currency and amount of lines all notified in the same currency."""
    currencies = {line.notified_currency for line in lines}
    if len(currencies) != 1 or "" in currencies:
        return "", None
    return currencies.pop(), sum((line.notified_amount or ZERO for line in lines), ZERO)


def _line_row(
    lines: list[_Line], amounts: list[_Dated], month: date, rates: _Rates | None
) -> BudgetLineRow:
    """One row: a line, or the lines of one code over several years (the latest one
    names it); no EUR figures without `rates`."""
    line = lines[-1]
    book: dict[str, Decimal] = defaultdict(lambda: ZERO)
    eur: dict[str, Decimal] = defaultdict(lambda: ZERO)
    convertible = rates is not None
    for kind, on, amount, known_eur in amounts:
        this_month = kind == "spent" and _month_of(on) == month
        book[kind] += amount
        if this_month:
            book["spent_this_month"] += amount
        if rates is None:
            continue
        converted = known_eur if known_eur is not None else rates.to_eur(amount, on)
        if converted is None:
            convertible = False
        else:
            eur[kind] += converted
        if this_month:
            eur["spent_this_month"] += converted or ZERO
    notified_currency, notified_amount = _notified(lines)
    return BudgetLineRow(
        id=line.id,
        code=line.code,
        label_fr=line.label_fr,
        label_en=line.label_en,
        funding_source=line.funding_source,
        funding_source_name=line.funding_source_name,
        envelope=line.envelope,
        nature=line.nature,
        funder_category=line.funder_category,
        policy=line.policy,
        book=_figures(book),
        eur=_figures(eur, rounded=True) if convertible else None,
        year=line.year,
        years=tuple(sorted({member.year for member in lines})),
        notified_currency=notified_currency,
        notified_amount=notified_amount,
        notified_in_eur=any(member.notified_in_eur for member in lines),
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


def budget_availability(*, budget_line_ids: Iterable[int] | QuerySet[Any]) -> dict[int, Decimal]:
    """Available amount (book currency) of each budget line: allocated + amendments - spent
    - open commitments. Four queries whatever the number of lines; `budget_line_ids` may
    be a query of ids (`.values("id")`), sent as a subquery rather than a list."""
    ids = budget_line_ids if isinstance(budget_line_ids, QuerySet) else list(budget_line_ids)
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


class PostingsByDate:
    """`budget_line_postings` for a Paginator: the same lines in the same order (date,
    entry number, id), a page read by the dates that bound it rather than by OFFSET.

    OFFSET would read, join and sort every posting of the line up to the page (thousands
    on a busy line). Here the dates of the page's postings, and how many postings come
    before the first of them, are read from the index (budget_line, entry_date) alone;
    then only the postings of the page's dates are read, joined and sorted."""

    def __init__(self, budget_line: BudgetLine) -> None:
        self.posted = JournalLine.objects.filter(budget_line=budget_line, entry_date__isnull=False)
        self.rows = budget_line_postings(budget_line=budget_line)

    def count(self) -> int:
        return self.posted.count()

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[JournalLine]:
        return iter(self.rows)

    @overload
    def __getitem__(self, index: int) -> JournalLine: ...

    @overload
    def __getitem__(self, index: slice) -> list[JournalLine]: ...

    def __getitem__(self, index: int | slice) -> JournalLine | list[JournalLine]:
        if isinstance(index, int):
            found = self[index : index + 1]
            if not found:
                raise IndexError(index)
            return found[0]
        if index.step is not None or (index.start or 0) < 0 or (index.stop or 0) < 0:
            raise ValueError("a page of postings: a slice of non-negative bounds, no step")
        start = index.start or 0
        dates = list(
            self.posted.order_by("entry_date").values_list("entry_date", flat=True)[
                start : index.stop
            ]
        )
        if not dates:
            return []
        first, last = dates[0], dates[-1]
        skip = start - self.posted.filter(entry_date__lt=first).count()
        window = self.rows.filter(entry_date__gte=first, entry_date__lte=last)
        return list(window[skip : skip + len(dates)])


def budget_line_commitments(*, budget_line: BudgetLine) -> QuerySet[Commitment]:
    """Open and partly settled commitments of `budget_line`."""
    return (
        Commitment.objects.filter(budget_line=budget_line, status__in=OPEN_STATUSES)
        .select_related("carried_from")
        .order_by("date", "id")
    )


def matching_budget_line(budget_line: BudgetLine, fiscal_year: FiscalYear) -> BudgetLine | None:
    """The line of the same lab and code in `fiscal_year` (where a commitment or an unspent
    allocation of `budget_line` goes next year), or None."""
    return (
        BudgetLine.objects.filter(lab_id=budget_line.lab_id, fiscal_year=fiscal_year)
        .filter(code=budget_line.code)
        .select_related("lab", "fiscal_year", "funding_source")
        .first()
    )


def commitments_to_review(fiscal_year: FiscalYear) -> QuerySet[Commitment]:
    """Open or partly settled commitments on the budget lines of `fiscal_year`: each is
    carried over to the next year or cancelled before the year closes."""
    return (
        Commitment.objects.filter(budget_line__fiscal_year=fiscal_year, status__in=OPEN_STATUSES)
        .select_related("lab", "budget_line")
        .order_by("budget_line__code", "date", "id")
    )
