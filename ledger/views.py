"""Pages of a lab's books. Thin: check access, call a selector, render.

Every page looks the lab up inside the labs the user may read
(`lab_for_user_or_404`), and every object inside that lab, so a lab the user
may not see, a year it does not have and a budget line of another lab all
answer the same 404.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from irls.access import lab_for_user_or_404
from irls.models import FundingSource, Lab
from ledger.models import BudgetLine, FiscalYear
from ledger.selectors import (
    budget_execution,
    budget_line_commitments,
    funding_source_execution,
)
from ledger.selectors.budget import BudgetExecution, BudgetGroup, PostingsByDate
from ledger.selectors.charts import budget_charts
from ledger.selectors.forecast import (
    FORECAST_METHOD,
    Status,
    funding_source_forecast,
    line_forecasts,
    source_forecasts,
)

POSTINGS_PER_PAGE = 50
EUR = "EUR"


@dataclass(frozen=True)
class SourceSection:
    """A funding source's subtotal and its envelopes' groups, in the order they are shown."""

    source: BudgetGroup
    groups: tuple[BudgetGroup, ...]


def _currency(request: HttpRequest, lab: Lab) -> str:
    """EUR when asked for (?currency=EUR), the lab's book currency otherwise."""
    return EUR if request.GET.get("currency") == EUR else lab.book_currency


def _fiscal_years(lab: Lab) -> list[FiscalYear]:
    return list(FiscalYear.objects.filter(lab=lab).order_by("year"))


def _fiscal_year_or_404(years: list[FiscalYear], year: int) -> FiscalYear:
    for fiscal_year in years:
        if fiscal_year.year == year:
            return fiscal_year
    raise Http404("No such fiscal year")


def _funding_sources(lab: Lab) -> list[FundingSource]:
    """The lab's funding sources that have budget lines, each shown over its whole life."""
    return list(
        FundingSource.objects.filter(lab=lab, budget_lines__isnull=False)
        .distinct()
        .order_by("code")
    )


def _sections(execution: BudgetExecution) -> list[SourceSection]:
    return [
        SourceSection(source, tuple(g for g in execution.groups if g.key[0] == source.key[0]))
        for source in execution.by_source
    ]


@login_required
@require_GET
def lab_index(request: HttpRequest, code: str) -> HttpResponse:
    """A lab's first page: the budget of the fiscal year under way (or the latest one)."""
    lab = lab_for_user_or_404(request.user, code)
    years = _fiscal_years(lab)
    if not years:
        return render(request, "ledger/no_fiscal_year.html", {"lab": lab})
    today = timezone.localdate()
    current = next((fy for fy in reversed(years) if fy.start_date <= today), years[0])
    return redirect("ledger:budget", code=lab.code, year=current.year)


@login_required
@require_GET
def budget(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """Budget execution of a lab's year, by funding source and envelope."""
    lab = lab_for_user_or_404(request.user, code)
    years = _fiscal_years(lab)
    fiscal_year = _fiscal_year_or_404(years, year)
    eur = _currency(request, lab) == EUR
    today = timezone.localdate()
    execution = budget_execution(lab=lab, fiscal_year=fiscal_year, on=today, eur=eur)
    forecasts: dict[str, Any] = {}
    if fiscal_year.start_date <= today <= fiscal_year.end_date:
        # The forecast looks ahead from today: a year not yet begun or already over has none.
        lines = line_forecasts(execution, fiscal_year=fiscal_year, on=today)
        forecasts = {
            "sources": source_forecasts(lab=lab, on=today),
            "lines": [(row, lines[row.id]) for row in execution.lines if row.id in lines],
        }
    return _execution_page(
        request, lab, years, execution, fiscal_year=fiscal_year, forecasts=forecasts
    )


@login_required
@require_GET
def budget_source(request: HttpRequest, code: str, source: str) -> HttpResponse:
    """Budget execution of one funding source over its whole life: the lines of every
    fiscal year since its start, summed by code."""
    lab = lab_for_user_or_404(request.user, code)
    funding_source = get_object_or_404(FundingSource, lab=lab, code=source)
    eur = _currency(request, lab) == EUR
    today = timezone.localdate()
    execution = funding_source_execution(funding_source=funding_source, on=today, eur=eur)
    found = funding_source_forecast(funding_source, on=today)
    forecasts: dict[str, Any] = {}
    if found is not None and found.forecast.status != Status.ENDED:
        forecasts = {"sources": [found]}
    return _execution_page(
        request,
        lab,
        _fiscal_years(lab),
        execution,
        funding_source=funding_source,
        forecasts=forecasts,
    )


def _execution_page(
    request: HttpRequest,
    lab: Lab,
    years: list[FiscalYear],
    execution: BudgetExecution,
    *,
    fiscal_year: FiscalYear | None = None,
    funding_source: FundingSource | None = None,
    forecasts: dict[str, Any] | None = None,
) -> HttpResponse:
    currency = _currency(request, lab)
    return render(
        request,
        "ledger/budget/execution.html",
        {
            "lab": lab,
            "years": years,
            "fiscal_year": fiscal_year,
            "funding_source": funding_source,
            "funding_sources": _funding_sources(lab),
            "execution": execution,
            "sections": _sections(execution),
            "currency": currency,
            "total": execution.total_eur if currency == EUR else execution.total_book,
            "forecasts": forecasts or {},
            "forecast_method": FORECAST_METHOD,
            "today": timezone.localdate(),
            "charts": budget_charts(
                lab=lab,
                execution=execution,
                fiscal_year=fiscal_year,
                funding_source=funding_source,
                source_forecast=(forecasts or {}).get("sources", [None])[0]
                if funding_source is not None
                else None,
            ),
        },
    )


@login_required
@require_GET
def budget_line_detail(request: HttpRequest, code: str, year: int, line_id: int) -> HttpResponse:
    """One budget line: its figures, the postings that consumed it, its open commitments."""
    lab = lab_for_user_or_404(request.user, code)
    line = get_object_or_404(
        BudgetLine.objects.select_related("fiscal_year", "funding_source"),
        pk=line_id,
        lab=lab,
        fiscal_year__year=year,
    )
    currency = _currency(request, lab)
    execution = budget_execution(
        lab=lab, fiscal_year=line.fiscal_year, line_ids=[line.pk], eur=currency == EUR
    )
    postings = Paginator(PostingsByDate(line), POSTINGS_PER_PAGE)
    return render(
        request,
        "ledger/budget/line.html",
        {
            "lab": lab,
            "line": line,
            "row": execution.lines[0],
            "execution": execution,
            "currency": currency,
            "postings": postings.get_page(request.GET.get("page")),
            "commitments": list(budget_line_commitments(budget_line=line)),
        },
    )
