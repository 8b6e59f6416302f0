"""The figures of a budget page's charts (ledger.selectors.charts) as an XLSX workbook, one
sheet a chart: a fiscal year's spending by envelope and cumulative spending by funding
source, or a funding source's whole life with its projection.

Headers in the reader's language; months are dates and amounts numbers (their exact
decimal text) with number formats; every text is text, and a name a spreadsheet could
take for a formula ("=cmd", "+1", "@SUM") is kept as typed behind the quote prefix.
"""

from datetime import date
from decimal import Decimal
from typing import IO

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from irls.models import Lab
from ledger.audit.export import amount_cell, text_cell
from ledger.selectors.charts import BudgetCharts, BurnChart, EnvelopeChart
from ledger.templatetags.ledger_format import envelope_label
from reports.render.xlsx import sheet_name

MONTH_FORMAT = "mmm yyyy"
BOLD = Font(bold=True)
WIDTHS = (12, 18, 18, 18, 18, 18, 18)


def _amount(sheet: WriteOnlyWorksheet, value: Decimal | None, *, bold: bool = False) -> object:
    """An amount cell; nothing for None."""
    return None if value is None else amount_cell(sheet, value, bold=bold)


def _month(sheet: WriteOnlyWorksheet, month: date) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=month)
    cell.number_format = MONTH_FORMAT
    return cell


def _sheet(workbook: Workbook, title: str, heading: str, currency: str) -> WriteOnlyWorksheet:
    taken = [ws.title for ws in workbook.worksheets]
    sheet = workbook.create_sheet(sheet_name(title, taken))
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.append([text_cell(sheet, heading, bold=True)])
    sheet.append([text_cell(sheet, _("Amounts in %(currency)s") % {"currency": currency})])
    sheet.append([])
    return sheet


def _headers(sheet: WriteOnlyWorksheet, headers: list[str]) -> None:
    sheet.append([text_cell(sheet, h, bold=True) for h in headers])


def _envelopes(workbook: Workbook, chart: EnvelopeChart, heading: str, currency: str) -> None:
    sheet = _sheet(workbook, _("By envelope"), heading, currency)
    labels = [envelope_label(e) for e in chart.envelopes]
    _headers(sheet, [_("Month"), *labels, _("Total")])
    for month in chart.shown:
        sheet.append(
            [
                _month(sheet, month.month),
                *(_amount(sheet, a) for a in month.amounts),
                _amount(sheet, month.total),
            ]
        )
    sheet.append(
        [
            text_cell(sheet, _("Total"), bold=True),
            *(_amount(sheet, t, bold=True) for t in chart.totals),
            _amount(sheet, chart.total, bold=True),
        ]
    )


def _sources(
    workbook: Workbook, charts: tuple[BurnChart, ...], heading: str, currency: str
) -> None:
    """One row a funding source and month: the month's spending, the spending since the
    start, the budget; the open commitments on the month under way's row."""
    sheet = _sheet(workbook, _("By funding source"), heading, currency)
    _headers(
        sheet,
        [
            _("Funding source"),
            _("Name"),
            _("Month"),
            _("Spent in the month"),
            _("Spent since the start"),
            _("Committed"),
            _("Budget"),
        ],
    )
    for chart in charts:
        for month in chart.shown:
            sheet.append(
                [
                    text_cell(sheet, chart.code),
                    text_cell(sheet, chart.name),
                    _month(sheet, month.month),
                    _amount(sheet, month.spent),
                    _amount(sheet, month.cumulative),
                    _amount(sheet, chart.committed if month.month == chart.current else None),
                    _amount(sheet, chart.budget),
                ]
            )


def _whole_life(workbook: Workbook, chart: BurnChart, heading: str, currency: str) -> None:
    sheet = _sheet(workbook, _("Whole life"), heading, currency)
    facts: list[tuple[str, Decimal | None]] = [
        (_("Budget"), chart.budget),
        (_("Spent"), chart.spent),
        (_("Committed"), chart.committed),
        (_("Available"), chart.available),
    ]
    if chart.has_projection:
        facts += [
            (_("Average monthly spending (the current pace)"), chart.pace),
            (_("Projected at the end date, at the current pace"), chart.projected),
        ]
    for label, value in facts:
        sheet.append([text_cell(sheet, label), _amount(sheet, value)])
    if chart.end is not None:
        sheet.append([text_cell(sheet, _("End date")), text_cell(sheet, date_format(chart.end))])
    if chart.has_projection and chart.run_out is not None:
        run_out = date_format(chart.run_out, "YEAR_MONTH_FORMAT")
        sheet.append([text_cell(sheet, _("Runs out")), text_cell(sheet, run_out)])
    sheet.append([])
    headers = [_("Month"), _("Spent in the month"), _("Spent since the start")]
    if chart.has_projection:
        headers.append(_("Projected at the current pace"))
    _headers(sheet, headers)
    for month in chart.shown:
        row = [
            _month(sheet, month.month),
            _amount(sheet, None if month.to_come else month.spent),
            _amount(sheet, month.cumulative),
        ]
        if chart.has_projection:
            row.append(_amount(sheet, month.projected))
        sheet.append(row)


def budget_charts_xlsx(out: IO[bytes], *, lab: Lab, charts: BudgetCharts, title: str) -> None:
    """Write the figures of `charts` (a page titled `title`) to `out`, one sheet a chart."""
    workbook = Workbook(write_only=True)
    heading = f"{lab.code} · {title}"
    if charts.by_envelope is not None:
        _envelopes(workbook, charts.by_envelope, heading, charts.currency)
    if charts.by_source:
        _sources(workbook, charts.by_source, heading, charts.currency)
    if charts.whole_life is not None:
        _whole_life(workbook, charts.whole_life, heading, charts.currency)
    if not workbook.worksheets:
        _sheet(workbook, _("Charts"), heading, charts.currency)
    workbook.save(out)
