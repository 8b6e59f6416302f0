"""A lab at a glance, for its director's home page: the year's key figures, the
forecast of each funding source, the budget lines to watch and last month's spending."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from irls.models import Lab
from ledger.models import BudgetLine, BudgetSpending, FiscalYear
from ledger.selectors.budget import BudgetExecution, BudgetLineRow, budget_execution
from ledger.selectors.forecast import SourceForecast, add_months, month_start, source_forecasts

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class EnvelopeSpending:
    envelope: str
    amount: Decimal


@dataclass(frozen=True)
class LabOverview:
    lab: Lab
    on: date
    fiscal_year: FiscalYear | None  # the year under way (None: no year covers `on`)
    execution: BudgetExecution | None  # its budget, in book currency
    sources: tuple[SourceForecast, ...]
    last_month: date  # first day of the month before `on`'s
    last_month_spending: tuple[EnvelopeSpending, ...]  # by envelope, in envelope order

    @property
    def flagged(self) -> tuple[SourceForecast, ...]:
        return tuple(found for found in self.sources if found.forecast.flagged)

    @property
    def lines_to_watch(self) -> tuple[BudgetLineRow, ...]:
        """Budget lines overspent, then those over 90 % used."""
        if self.execution is None:
            return ()
        rows = self.execution.lines
        return tuple(row for row in rows if row.book.overspent) + tuple(
            row for row in rows if row.book.watch
        )

    @property
    def last_month_total(self) -> Decimal:
        return sum((item.amount for item in self.last_month_spending), ZERO)


def lab_overview(*, lab: Lab, on: date) -> LabOverview:
    """`lab` as of `on`: a constant number of queries per lab."""
    fiscal_year = FiscalYear.objects.filter(lab=lab, start_date__lte=on, end_date__gte=on).first()
    execution = (
        budget_execution(lab=lab, fiscal_year=fiscal_year, on=on, eur=False)
        if fiscal_year is not None
        else None
    )
    last_month = add_months(month_start(on), -1)
    spent = dict(
        BudgetSpending.objects.filter(budget_line__lab=lab, month=last_month)
        .values("budget_line__envelope")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("budget_line__envelope", "total")
    )
    return LabOverview(
        lab=lab,
        on=on,
        fiscal_year=fiscal_year,
        execution=execution if execution is not None and execution.lines else None,
        sources=tuple(source_forecasts(lab=lab, on=on)),
        last_month=last_month,
        last_month_spending=tuple(
            EnvelopeSpending(envelope, spent[envelope])
            for envelope in BudgetLine.Envelope.values
            if spent.get(envelope)
        ),
    )
