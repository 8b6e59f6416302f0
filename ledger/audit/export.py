"""The audit trail as an XLSX workbook, written row by row (openpyxl write-only): when,
lab, who, the action (code and words), the object in words, what changed as text (one
field a line), then the object's type and id and the before/after as JSON for machines.

Every text cell is written as text: a value a spreadsheet could take for a formula, a
command or an error code (starting with = + - @ # tab CR LF) is kept as typed and shown
as text (quote prefix), never evaluated. Ids stay numbers and times stay dates.
"""

import json
from datetime import datetime
from decimal import Decimal
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from ledger.audit.readable import action_words, changes_text, decoded, object_words
from ledger.models import AuditEvent
from ledger.selectors.audit import SYSTEM
from reports.render.xlsx import AMOUNT_FORMAT, is_formula_like

# Excel keeps at most 32,767 characters in a cell and 1,048,576 rows in a sheet.
CELL_LIMIT = 32_767
TRUNCATED = " …"
MAX_ROWS = 1_048_575
TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
CHUNK = 2000
WRAPPED = Alignment(wrap_text=True, vertical="top")
CHANGES_COLUMN = 5  # of the texts of a row: "Changes", one field a line

FIELDS = (
    "id",
    "at",
    "lab__code",
    "actor__username",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
)


def _headers() -> list[str]:
    return [
        _("Event"),
        _("When (Singapore time)"),
        _("Lab"),
        _("User"),
        _("Action"),
        _("What was done"),
        _("Object"),
        _("Changes"),
        _("Object type"),
        _("Object id"),
        _("Before (JSON)"),
        _("After (JSON)"),
    ]


WIDTHS = (9, 20, 10, 16, 22, 28, 36, 60, 22, 10, 40, 40)


def amount_cell(sheet: WriteOnlyWorksheet, value: Decimal, *, bold: bool = False) -> WriteOnlyCell:
    """A number cell holding the exact decimal text (openpyxl would go through a float)."""
    cell = WriteOnlyCell(sheet, value=format(value, "f"))
    cell.data_type = "n"
    cell.number_format = AMOUNT_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell


def text_cell(
    sheet: WriteOnlyWorksheet, value: str, *, bold: bool = False, wrap: bool = False
) -> WriteOnlyCell:
    """A cell that holds `value` as text, whatever it starts with."""
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    if len(text) > CELL_LIMIT:
        text = text[: CELL_LIMIT - len(TRUNCATED)] + TRUNCATED
    cell = WriteOnlyCell(sheet)
    cell.value = text
    cell.data_type = "s"  # never "f", even for "=SUM(...)"
    cell.number_format = "@"
    if is_formula_like(text):
        cell.quotePrefix = True
    if bold:
        cell.font = Font(bold=True)
    if wrap:
        cell.alignment = WRAPPED
    return cell


def _json_text(value: Any) -> str:
    value = decoded(value)
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _local(moment: datetime) -> datetime:
    # Spreadsheets know no time zones: the office's local time, as the pages show it.
    return timezone.localtime(moment).replace(tzinfo=None)


def _row(sheet: WriteOnlyWorksheet, values: tuple[Any, ...]) -> list[Any]:
    (event_id, at, lab, username, action, object_type, object_id, label, before, after) = values
    when = WriteOnlyCell(sheet, value=_local(at))
    when.number_format = TIME_FORMAT
    texts = [
        lab or "",
        username or SYSTEM,
        action,
        action_words(action),
        object_words(object_type, label),
        changes_text(object_type, action, before, after),
        object_type,
        object_id,
        _json_text(before),
        _json_text(after),
    ]
    cells = [text_cell(sheet, str(t), wrap=i == CHANGES_COLUMN) for i, t in enumerate(texts)]
    return [event_id, when, *cells]


def audit_trail_xlsx(events: QuerySet[AuditEvent], out: IO[bytes]) -> int:
    """Write `events` (in their order) to `out` as a workbook; returns the rows written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Audit trail"))
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHIJKL", WIDTHS, strict=True):
        sheet.column_dimensions[column].width = width
    sheet.append([text_cell(sheet, header, bold=True) for header in _headers()])
    rows = 0
    for values in events.values_list(*FIELDS).iterator(chunk_size=CHUNK):
        sheet.append(_row(sheet, values))
        rows += 1
    workbook.save(out)
    return rows
