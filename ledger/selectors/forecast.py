"""Where the money goes and when it runs out: monthly spending and the burn-rate forecast
of budget lines and funding sources.

The method (stated on the budget page and in the statements, `FORECAST_METHOD`):

- **Pace**: the average monthly spending (posted, in book currency) of the last
  `PACE_MONTHS` complete months before the month under way, counted from the first month
  of the period forecast (a budget line's fiscal year, a funding source's start) when that
  is more recent. The month under way is not in the average: it is not over.
- **Commitments are certain**: the open orders are counted as spent now (they are already
  out of the available amount).
- **Projection**: the rest of the month under way spends the pace less what it has spent
  so far (never less than nothing); each later month up to the end date's month spends
  the pace. Projected spending at the end = spent + committed + those months.
- **Run-out month**: the month in which the projected spending reaches the budget.
- **Flags**: *runs out* when that month comes before the end date's month (how many
  months early); *overspent* when nothing is available already; *unspent* when more than
  `UNSPENT_SHARE` of the budget would remain at the end (not for one year of a funding
  source that carries its unspent allocation to the next year); *too early* when no
  complete month has passed yet and nothing is spent.

Pure arithmetic on figures the budget selectors already hold (`BudgetFigures`) and the
monthly totals the database keeps (`BudgetSpending`): a constant number of queries.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from irls.models import FundingSource, Lab
from ledger.models import BudgetLine, BudgetSpending, FiscalYear
from ledger.selectors.budget import (
    BudgetExecution,
    BudgetFigures,
    budget_execution,
    funding_source_execution,
)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
PACE_MONTHS = 6
UNSPENT_SHARE = Decimal("0.10")

FORECAST_METHOD = _(
    "Forecast at the current pace: the average monthly spending of the last 6 complete "
    "months (fewer when the period started more recently), the month under way excluded; "
    "open commitments counted as spent. The rest of the month under way and each month up "
    "to the end date spend that average. A line or funding source runs out in the month "
    "its projected spending reaches its budget; it is flagged when that comes before its "
    "end, or when more than a tenth of its budget would remain unspent at the end."
)


class Status:
    """What a forecast says, most serious first."""

    OVERSPENT = "overspent"
    RUNS_OUT = "runs_out"
    UNSPENT = "unspent"
    ON_TRACK = "on_track"
    TOO_EARLY = "too_early"
    ENDED = "ended"

    FLAGGED = frozenset({OVERSPENT, RUNS_OUT, UNSPENT})
    LABELS = {
        OVERSPENT: _("Overspent"),
        RUNS_OUT: _("Runs out before the end"),
        UNSPENT: _("Will remain unspent"),
        ON_TRACK: _("On track"),
        TOO_EARLY: _("Too early to forecast"),
        ENDED: _("Period ended"),
    }


def month_start(on: date) -> date:
    return on.replace(day=1)


def add_months(month: date, n: int) -> date:
    """The first day of the month `n` months after `month`'s."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> int:
    """How many months from `first`'s month to `last`'s (0 for the same month)."""
    return (last.year - first.year) * 12 + last.month - first.month


@dataclass(frozen=True)
class Forecast:
    """The forecast of one budget line or funding source, in book currency."""

    on: date  # as of this day
    start: date  # first day of the period forecast
    end: date  # its end date
    budget: Decimal
    spent: Decimal
    committed: Decimal
    pace: Decimal  # average monthly spending over `window`
    window: tuple[date, ...]  # the months averaged (first days)
    projected: Decimal  # spent + committed + the months to come, at the end date
    run_out: date | None  # the month the projected spending reaches the budget
    status: str
    months_early: int = 0  # how many months before the end's month it runs out
    carries_over: bool = False  # what is left at the end goes on to next year's line

    @property
    def available(self) -> Decimal:
        return self.budget - self.spent - self.committed

    @property
    def consumed(self) -> Decimal:
        return self.spent + self.committed

    @property
    def overspent_by(self) -> Decimal:
        return max(-self.available, ZERO)

    @property
    def remaining_at_end(self) -> Decimal:
        """What the budget keeps at the end date at this pace (negative: the excess)."""
        return self.budget - self.projected

    @property
    def flagged(self) -> bool:
        return self.status in Status.FLAGGED

    @property
    def label(self) -> str:
        return str(Status.LABELS[self.status])


def forecast(
    figures: BudgetFigures,
    spending: Mapping[date, Decimal],
    *,
    on: date,
    start: date,
    end: date,
    carries_over: bool = False,
) -> Forecast:
    """The forecast of a budget of `figures` (book currency) whose spending by month
    (first days, `on`'s month included) is `spending`, for
    the period `start`..`end`, as of `on`. `carries_over`: the unspent budget at `end`
    goes on to the next year (no *unspent* flag)."""
    current = month_start(on)
    first = month_start(start)
    window = tuple(
        month
        for month in (add_months(current, -n) for n in range(PACE_MONTHS, 0, -1))
        if month >= first
    )
    total = sum((spending.get(month, ZERO) for month in window), ZERO)
    pace = (total / len(window)).quantize(CENT, ROUND_HALF_UP) if window else ZERO
    budget, spent, committed = figures.budget, figures.spent, figures.committed
    available = budget - spent - committed

    def made(projected: Decimal, run_out: date | None, status: str, early: int = 0) -> Forecast:
        return Forecast(
            on,
            start,
            end,
            budget,
            spent,
            committed,
            pace,
            window,
            projected,
            run_out,
            status,
            early,
        )

    if on > end:
        return made(spent + committed, None, Status.ENDED)
    # What the month under way has spent so far, from the same monthly totals as the pace.
    rest_of_month = max(pace - spending.get(current, ZERO), ZERO)
    later_months = months_between(current, end)
    projected = spent + committed + rest_of_month + pace * later_months
    run_out = _run_out(available, pace, rest_of_month, current)
    if available < 0:
        return made(projected, current, Status.OVERSPENT)
    if not window and spent + committed == 0:
        return made(projected, None, Status.TOO_EARLY)
    if run_out is not None and run_out < month_start(end):
        return made(projected, run_out, Status.RUNS_OUT, months_between(run_out, end))
    if not carries_over and budget > 0 and budget - projected > budget * UNSPENT_SHARE:
        return made(projected, run_out, Status.UNSPENT)
    return made(projected, run_out, Status.ON_TRACK)


def _run_out(
    available: Decimal, pace: Decimal, rest_of_month: Decimal, current: date
) -> date | None:
    """The month the available amount is used up at `pace` (None at no pace)."""
    if available <= 0:
        return current
    if available <= rest_of_month:
        return current
    if pace <= 0:
        return None
    months = ((available - rest_of_month) / pace).to_integral_value(ROUND_CEILING)
    return add_months(current, int(months))


def monthly_spending(
    line_ids: Iterable[int], *, since: date | None = None, until: date | None = None
) -> dict[date, Decimal]:
    """Posted spending of the budget lines `line_ids`, summed by month (first days), from
    the monthly totals the database keeps."""
    found = BudgetSpending.objects.filter(budget_line_id__in=list(line_ids))
    if since is not None:
        found = found.filter(month__gte=month_start(since))
    if until is not None:
        found = found.filter(month__lte=until)
    return dict(
        found.values("month").annotate(total=Sum("amount")).order_by().values_list("month", "total")
    )


def spending_by_line(
    line_ids: Iterable[int], *, since: date, until: date
) -> dict[int, dict[date, Decimal]]:
    """Posted spending of each budget line by month (first days) from `since`'s month to
    `until`'s."""
    by_line: dict[int, dict[date, Decimal]] = defaultdict(dict)
    for line_id, month, amount in BudgetSpending.objects.filter(
        budget_line_id__in=list(line_ids), month__gte=month_start(since), month__lte=until
    ).values_list("budget_line_id", "month", "amount"):
        by_line[line_id][month] = amount
    return by_line


def line_forecasts(
    execution: BudgetExecution, *, fiscal_year: FiscalYear, on: date
) -> dict[int, Forecast]:
    """The forecast of each line of a fiscal year's execution (`budget_execution`), by
    line id, to the year end (or the funding source's end date when it comes first)."""
    rows = execution.lines
    if not rows:
        return {}
    ids = [row.id for row in rows]
    sources = {
        line_id: (carries_over, source_end)
        for line_id, carries_over, source_end in BudgetLine.objects.filter(id__in=ids).values_list(
            "id", "funding_source__carries_over", "funding_source__end_date"
        )
    }
    spending = spending_by_line(
        ids, since=add_months(month_start(on), -PACE_MONTHS), until=month_start(on)
    )
    result = {}
    for row in rows:
        carries_over, source_end = sources[row.id]
        end = min(fiscal_year.end_date, source_end or fiscal_year.end_date)
        result[row.id] = forecast(
            row.book,
            spending.get(row.id, {}),
            on=on,
            start=fiscal_year.start_date,
            end=end,
            # The year's unspent allocation goes on to next year's line of the grant.
            carries_over=carries_over and (source_end is None or end < source_end),
        )
    return result


@dataclass(frozen=True)
class SourceForecast:
    """A funding source's forecast: over its whole life when it carries its unspent money
    over and has an end date (a multi-year grant or contract), over the fiscal year under
    way otherwise (an allocation that lapses at the year end)."""

    code: str
    name: str
    whole_life: bool
    execution: BudgetExecution
    forecast: Forecast
    spending: dict[date, Decimal]  # by month, over the period forecast


def source_forecasts(*, lab: Lab, on: date) -> list[SourceForecast]:
    """The forecast of each funding source of `lab` with budget lines to forecast, in
    code order (`funding_source_forecast`)."""
    sources = FundingSource.objects.filter(lab=lab, budget_lines__isnull=False).distinct()
    found = (funding_source_forecast(source, on=on) for source in sources.order_by("code"))
    return [one for one in found if one is not None]


def funding_source_forecast(source: FundingSource, *, on: date) -> SourceForecast | None:
    """The forecast of `source` as of `on`: over its whole life when it carries its
    unspent money over and has an end date, over `on`'s fiscal year otherwise; None when
    it has no budget line there."""
    if source.carries_over and source.end_date is not None:
        line_ids = list(
            BudgetLine.objects.filter(funding_source=source).values_list("id", flat=True)
        )
        if not line_ids:
            return None
        execution = funding_source_execution(funding_source=source, on=on, eur=False)
        start, end = source.start_date, source.end_date
    else:
        fiscal_year = FiscalYear.objects.filter(
            lab_id=source.lab_id, start_date__lte=on, end_date__gte=on
        ).first()
        if fiscal_year is None:
            return None
        line_ids = list(
            BudgetLine.objects.filter(funding_source=source, fiscal_year=fiscal_year).values_list(
                "id", flat=True
            )
        )
        if not line_ids:
            return None
        execution = budget_execution(
            lab=source.lab, fiscal_year=fiscal_year, on=on, line_ids=line_ids, eur=False
        )
        start = fiscal_year.start_date
        end = min(fiscal_year.end_date, source.end_date or fiscal_year.end_date)
    spending = monthly_spending(line_ids, since=start, until=month_start(on))
    return SourceForecast(
        code=source.code,
        name=source.name,
        whole_life=source.carries_over and source.end_date is not None,
        execution=execution,
        forecast=forecast(execution.total_book, spending, on=on, start=start, end=end),
        spending=spending,
    )
