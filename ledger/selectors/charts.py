"""The data of the budget pages' charts: spending per month by envelope, cumulative
spending against the budget per funding source, and a funding source's whole life with
its projection at the current pace.

Built on the figures the page shows (its `BudgetExecution`: budgets and open
commitments) and on the monthly totals the database keeps (`BudgetSpending`, summed in
one query grouped by month, envelope and funding source), never on ledger lines: a
constant number of queries whatever the number of lines and months. Every month of
spending is kept, so a chart's months add up to the page's "spent". Amounts in book
currency, whatever currency the page shows: the budget is held and controlled in it.
"""

import functools
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from irls.models import FundingSource, Lab
from ledger.models import BudgetLine, BudgetSpending, FiscalYear
from ledger.selectors.budget import BudgetExecution
from ledger.selectors.forecast import (
    SourceForecast,
    Status,
    add_months,
    funding_source_forecast,
    month_start,
    months_between,
)

ZERO = Decimal("0.00")
# Forecasts that draw no projection: the period is over, or nothing to measure a pace on.
NO_PROJECTION = frozenset({Status.ENDED, Status.TOO_EARLY})


@dataclass(frozen=True)
class EnvelopeMonth:
    """One month of the stacked bars: what each envelope spent in it."""

    month: date  # first day
    amounts: tuple[Decimal, ...]  # one an envelope, in `EnvelopeChart.envelopes` order
    to_come: bool = False  # after the month under way, with nothing spent yet

    @property
    def total(self) -> Decimal:
        return sum(self.amounts, ZERO)


@dataclass(frozen=True)
class EnvelopeChart:
    """Spending per month by envelope over a fiscal year (stacked bars)."""

    envelopes: tuple[str, ...]  # BudgetLine.Envelope values, in their order
    months: tuple[EnvelopeMonth, ...]  # every month of the year, in order
    current: date  # the month under way (the page's)

    @functools.cached_property
    def totals(self) -> tuple[Decimal, ...]:
        """What each envelope spent over the year (the page's "By envelope" spent)."""
        return tuple(
            sum((m.amounts[i] for m in self.months), ZERO) for i in range(len(self.envelopes))
        )

    @functools.cached_property
    def total(self) -> Decimal:
        return sum(self.totals, ZERO)

    @functools.cached_property
    def top(self) -> Decimal:
        """The highest month's total (the top of the scale)."""
        return max((m.total for m in self.months), default=ZERO)

    @property
    def shown(self) -> tuple[EnvelopeMonth, ...]:
        """The months of the table: up to the month under way."""
        return tuple(m for m in self.months if not m.to_come)


@dataclass(frozen=True)
class BurnMonth:
    """One month of a cumulative chart."""

    month: date  # first day
    spent: Decimal  # spent in the month
    cumulative: Decimal | None  # spent since the start, at the month's end; None: to come
    projected: Decimal | None = None  # the cumulative spending at the current pace

    @property
    def to_come(self) -> bool:
        return self.cumulative is None


@dataclass(frozen=True)
class BurnChart:
    """Cumulative spending of a funding source month by month, against its budget
    (allocated + amendments, the page's), the open commitments on top of the month
    under way; over its whole life, the projection at the current pace to its end."""

    code: str
    name: str
    budget: Decimal
    committed: Decimal  # open commitments, today
    current: date  # the month under way (the page's)
    months: tuple[BurnMonth, ...]  # in order, from the first month of the period to its last
    whole_life: bool = False
    end: date | None = None  # the funding source's end date
    pace: Decimal | None = None  # average monthly spending of the forecast
    projected: Decimal | None = None  # projected spending at the end date
    run_out: date | None = None  # the month the projected spending reaches the budget
    status: str = ""  # the forecast's (ledger.selectors.forecast.Status)

    @functools.cached_property
    def spent(self) -> Decimal:
        return sum((m.spent for m in self.months), ZERO)

    @property
    def consumed(self) -> Decimal:
        """Spent and committed: where the month under way stands."""
        return self.spent + self.committed

    @property
    def available(self) -> Decimal:
        return self.budget - self.consumed

    @property
    def has_projection(self) -> bool:
        return any(m.projected is not None for m in self.months)

    @property
    def shown(self) -> tuple[BurnMonth, ...]:
        """The months of the table: spent so far, or projected."""
        return tuple(m for m in self.months if not m.to_come or m.projected is not None)

    @functools.cached_property
    def top(self) -> Decimal:
        """The highest amount drawn (the top of the scale)."""
        drawn = [self.budget, self.consumed]
        drawn += [m.cumulative for m in self.months if m.cumulative is not None]
        drawn += [m.projected for m in self.months if m.projected is not None]
        return max(drawn)


@dataclass(frozen=True)
class BudgetCharts:
    """The charts of one budget page: a fiscal year's (by envelope, by funding source) or a
    funding source's whole life."""

    currency: str
    month: date  # the month under way (the page's)
    by_envelope: EnvelopeChart | None = None
    by_source: tuple[BurnChart, ...] = ()
    whole_life: BurnChart | None = None


def budget_charts(
    *,
    lab: Lab,
    execution: BudgetExecution,
    fiscal_year: FiscalYear | None = None,
    funding_source: FundingSource | None = None,
    on: date | None = None,
    source_forecast: SourceForecast | None = None,
) -> BudgetCharts:
    """The charts of the page that shows `execution`: a fiscal year's
    (`budget_execution` of `fiscal_year`) or a funding source's whole life
    (`funding_source_execution` of `funding_source`). `on`: the day of the forecast
    (today in the office's time zone by default, as the page's); `source_forecast`: the
    funding source's forecast when the page has it already (read otherwise)."""
    if funding_source is not None:
        day = on or timezone.localdate()
        found = source_forecast or funding_source_forecast(funding_source, on=day)
        return BudgetCharts(
            currency=execution.book_currency,
            month=execution.month,
            whole_life=_whole_life(funding_source, execution, found),
        )
    if fiscal_year is None:
        raise ValueError("the charts of a fiscal year or of a funding source")
    by_envelope, by_source = _year(lab, fiscal_year, execution)
    return BudgetCharts(
        currency=execution.book_currency,
        month=execution.month,
        by_envelope=by_envelope,
        by_source=by_source,
    )


def _months(first: date, last: date) -> list[date]:
    """The first days of the months from `first`'s to `last`'s."""
    return [add_months(month_start(first), n) for n in range(months_between(first, last) + 1)]


def _span(first: date, last: date, spent_months: set[date]) -> list[date]:
    """The months of a period, widened to any month with spending outside it (the page
    counts it, so does the chart)."""
    return _months(min([first, *spent_months]), max([last, *spent_months]))


def _year(
    lab: Lab, fiscal_year: FiscalYear, execution: BudgetExecution
) -> tuple[EnvelopeChart, tuple[BurnChart, ...]]:
    """A fiscal year's stacked bars by envelope and cumulative lines by funding source,
    from one query: the year's monthly spending by month, envelope and funding source."""
    rows = (
        BudgetSpending.objects.filter(budget_line__lab=lab, budget_line__fiscal_year=fiscal_year)
        .values_list("month", "budget_line__envelope", "budget_line__funding_source__code")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    by_envelope: dict[tuple[date, str], Decimal] = defaultdict(lambda: ZERO)
    by_source: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for month, envelope, source, total in rows:
        by_envelope[month, envelope] += total
        by_source[source][month] += total
    current = execution.month
    months = _span(fiscal_year.start_date, fiscal_year.end_date, {m for m, _ in by_envelope})
    present = {group.key[0] for group in execution.by_envelope} | {e for _, e in by_envelope}
    envelopes = tuple(e for e in BudgetLine.Envelope.values if e in present) + tuple(
        sorted(present - set(BudgetLine.Envelope.values))
    )
    last_spent = max((m for m, _ in by_envelope), default=current)
    envelope_chart = EnvelopeChart(
        envelopes=envelopes,
        months=tuple(
            EnvelopeMonth(
                month,
                tuple(by_envelope.get((month, e), ZERO) for e in envelopes),
                to_come=month > max(current, last_spent),
            )
            for month in months
        ),
        current=current,
    )
    source_charts = tuple(
        _burn(
            group.key[0],
            group.label,
            budget=group.book.budget,
            committed=group.book.committed,
            current=current,
            months=months,
            last=max(current, last_spent),
            spending=by_source.get(group.key[0], {}),
        )
        for group in execution.by_source
    )
    return envelope_chart, source_charts


def _burn(
    code: str,
    name: str,
    *,
    budget: Decimal,
    committed: Decimal,
    current: date,
    months: list[date],
    last: date,
    spending: dict[date, Decimal],
    whole_life: bool = False,
    end: date | None = None,
) -> BurnChart:
    """A cumulative chart over `months`, the months after `last` left to come."""
    cumulative = ZERO
    points = []
    for month in months:
        spent = spending.get(month, ZERO)
        cumulative += spent
        points.append(BurnMonth(month, spent, cumulative if month <= last else None))
    return BurnChart(
        code=code,
        name=name,
        budget=budget,
        committed=committed,
        current=current,
        months=tuple(points),
        whole_life=whole_life,
        end=end,
    )


def _whole_life(
    source: FundingSource, execution: BudgetExecution, found: SourceForecast | None
) -> BurnChart:
    """A funding source from its start to its end date (or the end of its last year
    with budget lines), with the projection of its forecast when it is a multi-year
    source whose forecast runs over its whole life."""
    spending = dict(
        BudgetSpending.objects.filter(budget_line__funding_source=source)
        .values("month")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("month", "total")
    )
    end = source.end_date or execution.period_to or execution.month
    months = _span(source.start_date, max(end, execution.month), set(spending))
    chart = _burn(
        source.code,
        source.name,
        budget=execution.total_book.budget,
        committed=execution.total_book.committed,
        current=execution.month,
        months=months,
        last=max([execution.month, *spending]),
        spending=spending,
        whole_life=True,
        end=source.end_date,
    )
    if found is None or not found.whole_life or found.forecast.status in NO_PROJECTION:
        return chart
    forecast = found.forecast
    start, last = month_start(forecast.on), month_start(forecast.end)

    def projected(month: date) -> Decimal | None:
        # The month under way spends the pace less what it has spent, each later month
        # the pace: `projected` at the end's month, less the pace a month before it.
        if start <= month <= last:
            return forecast.projected - forecast.pace * months_between(month, last)
        return None

    return replace(
        chart,
        months=tuple(replace(m, projected=projected(m.month)) for m in chart.months),
        pace=forecast.pace,
        projected=forecast.projected,
        run_out=forecast.run_out,
        status=forecast.status,
    )
