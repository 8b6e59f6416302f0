"""Template workbooks: the columns of a kind with one example row, and a second sheet
that says what each column means (with its French aliases), in the active language (the
column names themselves are the file's contract and stay as they are)."""

import io
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl.styles import Font

from ledger.imports.columns import KIND_COLUMNS, MORE_EXAMPLES

TITLES = {
    "accounts": _("Chart of accounts"),
    "rates": _("Exchange rates"),
    "budget": _("Budget lines"),
    "journal": _("Journal entries"),
}
# The second sheet: its name, its header, and whether a column is required.
COLUMNS_SHEET = _("Columns")
COLUMNS_HEADER = (_("column"), _("required"), _("also accepted as"), _("meaning"))
YES = _("yes")
NO = _("no")


def template_name(kind: str) -> str:
    return f"irl-ledger-{kind}-template.xlsx"


def example_day(today: date) -> date:
    """The date of the template's example entry: the last day of the month before
    `today`, a day the office's books still take (the month is closed once it is
    reconciled, after the template is downloaded)."""
    return today.replace(day=1) - timedelta(days=1)


def template_workbook(kind: str, on: date | None = None) -> bytes:
    """The .xlsx template of `kind`: header row and an example (a balanced entry for
    the journal, dated `on`, by default `example_day` of today) on the first sheet; the
    meaning of each column, the names it is also accepted as, on the second."""
    on = on or example_day(timezone.localdate())
    columns = [
        replace(column, example=on) if kind == "journal" and column.name == "date" else column
        for column in KIND_COLUMNS[kind]
    ]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = str(TITLES[kind])[:31]
    bold = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        header = sheet.cell(row=1, column=index, value=column.name)
        header.font = bold
        example = column.example
        cell = sheet.cell(
            row=2,
            column=index,
            value=float(example) if isinstance(example, Decimal) else example,
        )
        if isinstance(example, date):
            cell.number_format = "yyyy-mm-dd"
        elif isinstance(example, Decimal):
            cell.number_format = "0.00" if kind != "rates" else "0.0000####"
        elif isinstance(example, str):
            cell.number_format = "@"  # text: account codes keep their digits as typed
        sheet.column_dimensions[header.column_letter].width = max(12, len(column.name) + 4)
    for number, changes in enumerate(MORE_EXAMPLES.get(kind, []), start=3):
        for index, column in enumerate(columns, start=1):
            example = changes.get(column.name, column.example)
            cell = sheet.cell(
                row=number,
                column=index,
                value=float(example) if isinstance(example, Decimal) else example,
            )
            cell.number_format = sheet.cell(row=2, column=index).number_format
    sheet.freeze_panes = "A2"
    about = workbook.create_sheet(str(COLUMNS_SHEET))
    about.append([str(word) for word in COLUMNS_HEADER])
    for cell in about[1]:
        cell.font = bold
    for column in columns:
        about.append(
            [
                column.name,
                str(YES if column.required else NO),
                ", ".join(column.aliases),
                str(column.description),
            ]
        )
    for letter, width in zip("ABCD", (18, 10, 36, 100), strict=True):
        about.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
