"""Reference data read by the API: fiscal years with their months, exchange rates."""

from datetime import date

from django.db.models import Prefetch, QuerySet

from irls.models import Lab
from ledger.models import (
    Account,
    Commitment,
    ExchangeRate,
    FiscalYear,
    ImportBatch,
    Journal,
    Period,
)


def fiscal_years_with_periods(lab: Lab) -> QuerySet[FiscalYear]:
    """The lab's fiscal years, oldest first, each with its months in order."""
    return (
        FiscalYear.objects.filter(lab=lab)
        .order_by("year")
        .prefetch_related(Prefetch("periods", queryset=Period.objects.order_by("month")))
    )


def exchange_rates(
    *, currency: str | None = None, date_from: date | None = None, date_to: date | None = None
) -> QuerySet[ExchangeRate]:
    """The office's rates, by currency and date."""
    rates = ExchangeRate.objects.order_by("currency", "valid_from")
    if currency:
        rates = rates.filter(currency=currency.upper())
    if date_from:
        rates = rates.filter(valid_from__gte=date_from)
    if date_to:
        rates = rates.filter(valid_from__lte=date_to)
    return rates


def lab_journal_id(lab: Lab, code: str | None) -> int | None:
    """The id of the lab's journal `code` (None when it has none)."""
    if not code:
        return None
    return Journal.objects.filter(lab=lab, code=code).values_list("pk", flat=True).first()


def lab_account_id(lab: Lab, code: str | None) -> int | None:
    """The id of the lab's account `code` (None when it has none)."""
    if not code:
        return None
    return Account.objects.filter(lab=lab, code=code).values_list("pk", flat=True).first()


def lab_batch_id(lab: Lab, batch_id: int | None) -> int | None:
    """`batch_id` when it is one of the lab's import batches."""
    if not batch_id:
        return None
    return ImportBatch.objects.filter(lab=lab, pk=batch_id).values_list("pk", flat=True).first()


def lab_fiscal_year(
    lab: Lab, on: date | None = None, *, year: int | None = None
) -> FiscalYear | None:
    """The lab's fiscal year holding the day `on`, or the one of `year`."""
    years = FiscalYear.objects.filter(lab=lab)
    if year is not None:
        return years.filter(year=year).first()
    return years.filter(start_date__lte=on, end_date__gte=on).first()


def lab_fiscal_year_before(lab: Lab, on: date) -> FiscalYear | None:
    """The lab's last fiscal year begun on or before `on`."""
    return FiscalYear.objects.filter(lab=lab, start_date__lte=on).order_by("-year").first()


def lab_commitments(
    lab: Lab, *, year: int | None = None, status: str | None = None
) -> QuerySet[Commitment]:
    """The lab's commitments (purchase and mission orders), by year and status."""
    found = Commitment.objects.filter(lab=lab).select_related("budget_line__fiscal_year")
    if year is not None:
        found = found.filter(budget_line__fiscal_year__year=year)
    if status:
        found = found.filter(status=status)
    return found.order_by("date", "reference", "id")
