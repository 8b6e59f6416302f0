"""What the Closing page of a lab shows: its fiscal years, each with its twelve months
(status, who changed it and when, drafts left in them), which month can close next, and
the checklist of the year that can close next.

Months close in order and years close in order, so one month of each open year and one
year of the lab are "next"; the checklist (which verifies the hash chain) is computed
for that year only.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count
from django.db.models.functions import TruncMonth

from irls.models import Lab
from ledger.models import FiscalYear, JournalEntry, Period
from ledger.services.years import YearChecklist, fiscal_year_checklist


@dataclass(frozen=True)
class MonthRow:
    period: Period
    drafts: int
    next_to_close: bool  # the first open month of an open year: the one that can close
    # Each bank account's reconciliation that month (banking), shown for information:
    # closing does not wait for it.
    bank: tuple[Any, ...] = ()


@dataclass(frozen=True)
class YearPanel:
    fiscal_year: FiscalYear
    months: tuple[MonthRow, ...]
    next_to_close: bool  # the lab's earliest open year: the one that can close
    checklist: YearChecklist | None  # for that year only

    @property
    def is_open(self) -> bool:
        return self.fiscal_year.status == FiscalYear.Status.OPEN


@dataclass(frozen=True)
class ClosingOverview:
    lab: Lab
    years: tuple[YearPanel, ...]  # latest first
    year_to_open: int  # the year after the latest one (this year when there is none)
    has_bank_accounts: bool = False


def _drafts_by_month(lab: Lab) -> dict[date, int]:
    rows = (
        JournalEntry.objects.filter(lab=lab, status=JournalEntry.Status.DRAFT)
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {row["month"]: row["count"] for row in rows}


def closing_overview(*, lab: Lab, today: date) -> ClosingOverview:
    """The lab's fiscal years and months as the Closing page shows them."""
    years = list(
        FiscalYear.objects.filter(lab=lab).select_related("status_changed_by").order_by("year")
    )
    periods: dict[int, list[Period]] = {fy.pk: [] for fy in years}
    for period in (
        Period.objects.filter(lab=lab).select_related("status_changed_by").order_by("start_date")
    ):
        periods[period.fiscal_year_id].append(period)
    drafts = _drafts_by_month(lab)
    # Imported here: banking builds on the ledger, not the other way round.
    from banking.selectors import bank_month_states, lab_has_bank_accounts

    bank = bank_month_states(lab=lab, months=[p.start_date for ps in periods.values() for p in ps])
    first_open = next((fy for fy in years if fy.status == FiscalYear.Status.OPEN), None)
    panels = []
    for fiscal_year in years:
        is_open = fiscal_year.status == FiscalYear.Status.OPEN
        first_month = next(
            (p for p in periods[fiscal_year.pk] if p.status == Period.Status.OPEN), None
        )
        months = tuple(
            MonthRow(
                period=p,
                drafts=drafts.get(p.start_date.replace(day=1), 0),
                next_to_close=is_open and p == first_month,
                bank=bank.get(p.start_date.replace(day=1), ()),
            )
            for p in periods[fiscal_year.pk]
        )
        is_next = fiscal_year == first_open
        checklist = fiscal_year_checklist(fiscal_year) if is_next else None
        panels.append(YearPanel(fiscal_year, months, is_next, checklist))
    year_to_open = years[-1].year + 1 if years else today.year
    return ClosingOverview(
        lab=lab,
        years=tuple(reversed(panels)),
        year_to_open=year_to_open,
        has_bank_accounts=lab_has_bank_accounts(lab),
    )
