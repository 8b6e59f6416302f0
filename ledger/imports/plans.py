"""What every kind of sheet shares: reading the rows by column name, collecting problems,
and the preview shown before anything is written."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ledger.imports.cells import CellError
from ledger.imports.columns import match_headers, unnamed_problem
from ledger.imports.conventions import Amounts, Dates, Resolution
from ledger.imports.problems import (
    FILE_NO_ROWS,
    FILE_TOO_MANY_ROWS,
    FORMULA,
    FORMULAS_MORE,
    MORE_PROBLEMS,
    Problem,
    column_letter,
)
from ledger.imports.reading import Sheet

MAX_PROBLEMS = 500
PROGRESS_EVERY = 5_000

Progress = Callable[[str, int, int], None]

# -- the preview's words: made text when a preview is built, so in the language of whoever
# reads it (the admin page's, the command's) --------------------------------------------
SUMMARY_ENTRIES = _("Entries")
SUMMARY_LINES = _("Lines")
SUMMARY_TOTAL_DEBIT = _("Total debit")
SUMMARY_TOTAL_CREDIT = _("Total credit")
SUMMARY_TOTAL_ALLOCATED = _("Total allocated")
SUMMARY_ACCOUNTS = _("Accounts")
SUMMARY_RATES = _("Exchange rates")
SUMMARY_BUDGET_LINES = _("Budget lines")
# An entry of a journal sheet: "B-17 (rows 2-3): ACH 2025-03-14 Lab supplies".
GROUP_TITLE = _("{key} ({rows}): {journal} {date} {label}")
# "1.3 (chancellery of 2025-03-01)": the rate a foreign amount was converted at.
RATE_USED = _("{rate} ({source} of {date})")
NEEDS_BUDGET_LINE_BY_CLASS = _("by its class")
YES = _("yes")
NO = _("no")
# The preview's column captions, by the sheet's column name ("row": the sheet's row).
CAPTIONS: dict[str, Promise] = {
    "row": _("row"),
    "account": _("account"),
    "label": _("label"),
    "debit": _("debit"),
    "credit": _("credit"),
    "amount_currency": _("amount in currency"),
    "rate": _("rate used"),
    "budget_line": _("budget line"),
    "code": _("code"),
    "name_fr": _("French name"),
    "name_en": _("English name"),
    "needs_budget_line": _("needs a budget line"),
    "currency": _("currency"),
    "valid_from": _("valid from"),
    "units_per_eur": _("units per 1 EUR"),
    "source": _("source"),
    "year": _("year"),
    "funding_source": _("funding source"),
    "label_en": _("English label"),
    "envelope": _("envelope"),
    "nature": _("nature"),
    "allocated": _("allocated"),
    "policy": _("overspending policy"),
}


def captions(names: list[str]) -> list[str]:
    """The preview's column captions for these column names, in the active language."""
    return [str(CAPTIONS[name]) if name in CAPTIONS else name for name in names]


@dataclass(frozen=True)
class PreviewGroup:
    """One entry (journal) or all the rows (other kinds), as shown before importing."""

    title: str
    rows: list[list[str]]
    debit: str = ""
    credit: str = ""
    balanced: bool = True


@dataclass(frozen=True)
class Preview:
    columns: list[str]
    groups: list[PreviewGroup]
    summary: list[tuple[str, str]]
    hidden_groups: int = 0


@dataclass
class Plan:
    """What a sheet would create, and every problem found in it."""

    kind: str
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dropped: int = 0

    def add(self, message: str, row: int | None = None, column: str | None = None) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.dropped += 1
            return
        self.problems.append(Problem(message, row, column))

    def cell_problem(self, error: CellError, row: int, column: str) -> None:
        self.add(error.template.format(row=row, column=column, **error.params), row, column)

    def finish(self) -> None:
        """Order the problems by row (file-level ones first) and note what was cut."""
        self.problems.sort(key=lambda p: (p.row is not None, p.row or 0))
        if self.dropped:
            self.problems.append(Problem(MORE_PROBLEMS.format(count=self.dropped)))

    @property
    def ok(self) -> bool:
        return not self.problems

    def preview(self) -> Preview:
        raise NotImplementedError


class RowReader:
    """The rows of a sheet as (row number, cells by column name), header checked first.

    `names` maps each column name found to its position in a row's cells; cells of
    columns the sheet lacks read as ""."""

    def __init__(
        self, kind: str, sheet: Sheet, plan: Plan, max_rows: int, date_order: str = "auto"
    ) -> None:
        self.sheet = sheet
        self.plan = plan
        self.max_rows = max_rows
        # How this file writes amounts and dates: decided over all its cells.
        self.amounts = Amounts(sheet.decimal_hint)
        self.dates = Dates(date_order)
        plan.notes.extend(sheet.notes)
        # How the file was read is said first: its conventions join the sheet's notes.
        self._read_notes_end = len(plan.notes)
        found, problems = match_headers(kind, sheet.headers)
        for problem in problems:
            plan.add(problem.message)
        self.positions = {name: index - sheet.offset for name, index in found.items()}
        self.width = max((i for i, _ in sheet.headers), default=-1) + 1 - sheet.offset
        self.unnamed = [i - sheet.offset for i, text in sheet.headers if not text]
        self.truncated = False
        self._formula_problems(found)

    def _formula_problems(self, found: dict[str, int]) -> None:
        names = {index: name for name, index in found.items()}
        headers = dict(self.sheet.headers)
        for formula in self.sheet.formulas:
            column = (
                names.get(formula.column)
                or headers.get(formula.column)
                or column_letter(formula.column)
            )
            self.plan.add(
                FORMULA.format(
                    row=formula.row, column=column, cell=formula.cell, formula=formula.text
                ),
                formula.row,
                column,
            )
        if self.sheet.more_formulas:
            listed = len(self.sheet.formulas)
            total = listed + self.sheet.more_formulas
            self.plan.add(FORMULAS_MORE.format(total=total, listed=listed))

    def conventions(self) -> Resolution:
        """Once every row is read: decide the file's decimal mark, report the cells that
        disagree with it, note how amounts and dates were read; the amounts that waited
        for the decision are in the resolution."""
        resolution, problems, notes = self.amounts.resolve()
        for problem in problems:
            self.plan.add(problem.message, problem.row, problem.column)
        at = self._read_notes_end
        self.plan.notes[at:at] = [*self.dates.notes(), *notes]
        return resolution

    def position(self, name: str) -> int | None:
        return self.positions.get(name)

    def rows(self, progress: Progress | None = None) -> Iterator[tuple[int, list[Any]]]:
        """Rows padded to the header's width, plus one blank cell (at index `width`, what
        a column the sheet lacks reads); nameless columns holding values reported once."""
        width = self.width
        unnamed = self.unnamed
        reported: set[int] = set()
        count = 0
        estimate = self.sheet.row_estimate
        for number, cells in self.sheet.rows:
            count += 1
            if count > self.max_rows:
                self.plan.add(FILE_TOO_MANY_ROWS.format(limit=self.max_rows))
                self.truncated = True
                count -= 1
                break
            if len(cells) != width:
                if len(cells) > width:
                    self._extra_cells(cells, width, reported)
                    cells = cells[:width]
                else:
                    cells = [*cells, *([""] * (width - len(cells)))]
            cells.append("")
            for index in unnamed:
                value = cells[index]
                if value != "" and value is not None and index not in reported:
                    reported.add(index)
                    self.plan.add(unnamed_problem(index + self.sheet.offset).message)
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress("rows", count, estimate)
            yield number, cells
        self.plan.rows = count
        if progress is not None:
            progress("rows", count, count)
        if count == 0:
            self.plan.add(str(FILE_NO_ROWS))

    def _extra_cells(self, cells: list[Any], width: int, reported: set[int]) -> None:
        for index in range(width, len(cells)):
            value = cells[index]
            if value != "" and value is not None and value != " " and index not in reported:
                reported.add(index)
                self.plan.add(unnamed_problem(index + self.sheet.offset).message)
