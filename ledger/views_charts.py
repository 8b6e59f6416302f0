"""The figures of the budget pages' charts as a spreadsheet. Thin: find the lab and the
year or funding source inside what the user may read (another lab's answers 404), build
the page's figures and charts, write the workbook.

Not recorded in the audit trail, as the entries list's export is not: these are the
figures of a page the user may read, not an issued statement (those are archived and
their downloads audited, reports/)."""

import io

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from irls.access import lab_for_user_or_404
from irls.models import FundingSource, Lab
from ledger.charts_xlsx import budget_charts_xlsx
from ledger.models import FiscalYear
from ledger.selectors import budget_execution, funding_source_execution
from ledger.selectors.charts import BudgetCharts, budget_charts

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(lab: Lab, charts: BudgetCharts, title: str, name: str) -> HttpResponse:
    out = io.BytesIO()
    budget_charts_xlsx(out, lab=lab, charts=charts, title=title)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def budget_charts_xlsx_view(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The figures of a fiscal year's charts (by envelope, by funding source)."""
    lab = lab_for_user_or_404(request.user, code)
    fiscal_year = get_object_or_404(FiscalYear, lab=lab, year=year)
    execution = budget_execution(
        lab=lab, fiscal_year=fiscal_year, on=timezone.localdate(), eur=False
    )
    charts = budget_charts(lab=lab, execution=execution, fiscal_year=fiscal_year)
    title = _("Budget execution %(year)s") % {"year": year}
    return _attachment(lab, charts, title, f"budget-charts-{lab.code}-{year}.xlsx")


@login_required
@require_GET
def budget_source_charts_xlsx_view(request: HttpRequest, code: str, source: str) -> HttpResponse:
    """The figures of a funding source's whole-life chart."""
    lab = lab_for_user_or_404(request.user, code)
    funding_source = get_object_or_404(FundingSource, lab=lab, code=source)
    execution = funding_source_execution(
        funding_source=funding_source, on=timezone.localdate(), eur=False
    )
    charts = budget_charts(lab=lab, execution=execution, funding_source=funding_source)
    title = _("%(name)s: the whole life") % {"name": funding_source.name}
    name = f"budget-charts-{lab.code}-{slugify(funding_source.code) or 'source'}.xlsx"
    return _attachment(lab, charts, title, name)
