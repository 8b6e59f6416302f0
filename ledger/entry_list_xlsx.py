"""The Entries list as an XLSX workbook, written row by row (openpyxl write-only), so a
list of hundreds of thousands of entries never sits in memory.

The sheet: the lab and the export's time, a row naming the filters applied, the
header row (frozen), one row an entry, the totals of the list last. Dates are dates and
amounts are numbers (their exact decimal text) with number formats; every text cell is
text, and a value a spreadsheet could take for a formula or a command ("=cmd", "+1",
"@SUM") is kept as typed behind the quote prefix, never evaluated.
"""

from collections.abc import Iterable
from datetime import date
from typing import IO

from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from irls.models import Lab
from ledger.audit.export import amount_cell, text_cell
from ledger.selectors.entry_list import EntryRow, EntryTotals
from reports.render.xlsx import DATE_FORMATS

# Excel holds 1,048,576 rows: the title rows and the totals take a few.
MAX_ROWS = 1_048_000
WIDTHS = (11, 18, 9, 9, 16, 44, 22, 15, 15, 15, 36)
BOLD = Font(bold=True)


def _headers(currency: str) -> list[str]:
    return [
        _("Date"),
        _("Number"),
        _("Status"),
        _("Journal"),
        _("Piece reference"),
        _("Label"),
        _("Third parties"),
        _("Debit (%(currency)s)") % {"currency": currency},
        _("Credit (%(currency)s)") % {"currency": currency},
        _("Difference (%(currency)s)") % {"currency": currency},
        _("Flags"),
    ]


def _date(sheet: WriteOnlyWorksheet, value: date, date_format: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = date_format
    return cell


def _flags(row: EntryRow) -> str:
    flags = []
    if row.is_unbalanced:
        flags.append(
            _("Unbalanced: %(difference)s") % {"difference": format(row.difference, "f")}
            if row.line_count >= 2
            else _("Fewer than two lines")
        )
    if row.reversal_of is not None:
        flags.append(_("Reversal of %(number)s") % {"number": row.reversal_of.number or ""})
    if row.reversed_by is not None:
        flags.append(_("Reversed by %(number)s") % {"number": row.reversed_by.number or ""})
    if row.import_batch_id is not None:
        flags.append(_("Imported (batch %(batch)s)") % {"batch": row.import_batch_id})
    return "; ".join(flags)


def _row(sheet: WriteOnlyWorksheet, row: EntryRow, date_format: str) -> list[object]:
    parties = ", ".join(row.third_parties)
    if row.more_third_parties:
        parties += f" +{row.more_third_parties}"
    status = _("Draft") if row.is_draft else _("Posted")
    texts = [row.number or _("Draft"), status, row.journal_code, row.piece_ref, row.label]
    return [
        _date(sheet, row.date, date_format),
        *(text_cell(sheet, text) for text in texts),
        text_cell(sheet, parties),
        amount_cell(sheet, row.debit),
        amount_cell(sheet, row.credit),
        amount_cell(sheet, row.difference),
        text_cell(sheet, _flags(row)),
    ]


def entry_list_xlsx(
    out: IO[bytes],
    *,
    lab: Lab,
    applied: list[tuple[str, str]],
    rows: Iterable[EntryRow],
    totals: EntryTotals,
    exported_by: str,
) -> int:
    """Write the list to `out`; returns the entry rows written."""
    language = (get_language() or "en")[:2]
    date_format = DATE_FORMATS.get(language, DATE_FORMATS["en"])
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Entries"))
    sheet.freeze_panes = "A5"  # the title rows and the header row stay in view
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    title = _("Entries of %(lab)s · %(name)s") % {"lab": lab.code, "name": lab.name}
    sheet.append([text_cell(sheet, title, bold=True)])
    filters = "; ".join(
        _("%(label)s: %(value)s") % {"label": label, "value": value} for label, value in applied
    )
    filters = filters or pgettext("filters", "none")
    sheet.append([text_cell(sheet, _("Filters: %(filters)s") % {"filters": filters})])
    exported = _("Exported on %(when)s (Singapore time) by %(user)s") % {
        "when": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "user": exported_by,
    }
    sheet.append([text_cell(sheet, exported)])
    sheet.append([text_cell(sheet, h, bold=True) for h in _headers(lab.book_currency)])
    written = 0
    for row in rows:
        sheet.append(_row(sheet, row, date_format))
        written += 1
    label = _("Total of the %(count)s entries") % {"count": totals.entries}
    sheet.append(
        [
            text_cell(sheet, label, bold=True),
            *[None] * 6,
            amount_cell(sheet, totals.debit, bold=True),
            amount_cell(sheet, totals.credit, bold=True),
            amount_cell(sheet, totals.difference, bold=True),
        ]
    )
    workbook.save(out)
    return written
