"""Journal sheets: one row a line, rows grouped into entries by `entry`.

Every row is read and checked against the lab's books loaded once (accounts, journals,
fiscal years and closed months, budget lines, chancellery rates): no query per row.
The result is a plan of drafts for `ledger.services.entries_bulk.entries_create_drafts`
and every problem, by row and column. Foreign-currency rows without book amounts are
converted at the chancellery rate of the entry date (the rate, its date and source are
kept on the line); when the rounded lines of an entry then differ by cents, an explicit
rounding line on 666 (loss) or 766 (gain) is added and noted in the preview.
"""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from irls.models import Lab
from ledger.exceptions import MissingRateError
from ledger.fields import round_cents
from ledger.imports import cells
from ledger.imports.cells import CellError
from ledger.imports.plans import Plan, Preview, PreviewGroup, Progress, RowReader
from ledger.imports.problems import (
    AMOUNT_WITHOUT_CURRENCY,
    BOOK_CURRENCY_GIVEN,
    BOTH_SIDES,
    BUDGET_BLOCKED,
    BUDGET_LINE_REQUIRED,
    CURRENCY_WITHOUT_AMOUNT,
    ENTRY_ALREADY_IMPORTED,
    ENTRY_CONFLICT,
    ENTRY_NO_LABEL,
    ENTRY_ONE_LINE,
    ENTRY_UNBALANCED,
    NEGATIVE,
    NO_AMOUNT,
    NO_RATE,
    NO_SIDE,
    NOT_A_CHOICE,
    NOT_A_CURRENCY,
    NOT_AN_AMOUNT,
    NOT_POSITIVE,
    OUT_OF_YEAR,
    PERIOD_CLOSED,
    REQUIRED,
    ROUNDING_ACCOUNT_MISSING,
    ROUNDING_NOTE,
    SIDE_CONFLICT,
    TOO_LONG,
    UNKNOWN_ACCOUNT,
    UNKNOWN_BUDGET_LINE,
    UNKNOWN_JOURNAL,
    rows_text,
    shown,
)
from ledger.imports.reading import Sheet, max_rows
from ledger.models import (
    Account,
    BudgetLine,
    ExchangeRate,
    FiscalYear,
    Journal,
    JournalEntry,
    Period,
)
from ledger.selectors import BookRates, budget_availability, format_amount
from ledger.services.entries_bulk import EntryDraft, LineDraft

LOSS_ACCOUNT, GAIN_ACCOUNT = "666", "766"
ROUNDING_LABEL = "Conversion rounding"
PREVIEW_ENTRIES = 200
LIMITS = {"entry": 60, "label": 200, "piece_ref": 60, "third_party": 40}
SIDES = {
    "debit": "debit",
    "d": "debit",
    "débit": "debit",
    "dr": "debit",
    "credit": "credit",
    "c": "credit",
    "crédit": "credit",
    "cr": "credit",
}


class Books:
    """The lab's books as the planner needs them, each read with one query."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.accounts: dict[str, tuple[int, bool]] = {
            code: (pk, needs)
            for pk, code, needs in Account.objects.filter(lab=lab).values_list(
                "id", "code", "needs_budget_line"
            )
        }
        self.journals: dict[str, tuple[int, str]] = {
            code: (pk, kind)
            for pk, code, kind in Journal.objects.filter(lab=lab).values_list("id", "code", "kind")
        }
        self.years = list(
            FiscalYear.objects.filter(lab=lab).values_list("start_date", "end_date", "id", "year")
        )
        self.closed = {
            (start.year, start.month)
            for start in Period.objects.filter(lab=lab, status=Period.Status.CLOSED).values_list(
                "start_date", flat=True
            )
        }
        self.budget_lines: dict[tuple[int, str], tuple[int, str]] = {
            (fy, code): (pk, policy)
            for pk, fy, code, policy in BudgetLine.objects.filter(lab=lab).values_list(
                "id", "fiscal_year_id", "code", "policy"
            )
        }
        self._year_of: dict[date, tuple[int, int] | None] = {}
        self.rates = BookRates(book_currency=lab.book_currency)
        self.currencies = set(getattr(settings, "CURRENCIES", [])) | {"EUR"}

    def fiscal_year(self, on: date) -> tuple[int, int] | None:
        """(id, year) of the fiscal year holding `on` (remembered per date)."""
        if on in self._year_of:
            return self._year_of[on]
        found = next(
            ((pk, year) for start, end, pk, year in self.years if start <= on <= end), None
        )
        self._year_of[on] = found
        return found


@dataclass(slots=True)
class Row:
    """One line as read from the sheet, amounts in cents."""

    number: int
    account_id: int
    needs_budget: bool
    account_code: str
    label: str
    debit: int
    credit: int
    currency: str
    amount_currency: Decimal | None
    side: str
    budget_code: str
    third_party: str


@dataclass
class EntryRows:
    key: str
    rows: list[int] = field(default_factory=list)
    lines: list[Row] = field(default_factory=list)
    date: datetime.date | None = None
    date_row: int = 0
    journal: str = ""
    journal_row: int = 0
    piece_ref: str | None = None
    piece_ref_row: int = 0
    piece_date: datetime.date | None = None
    piece_date_row: int = 0
    label: str = ""
    broken: bool = False


@dataclass
class PlannedEntry:
    key: str
    rows: list[int]
    journal_code: str
    draft: EntryDraft
    rounding: str = ""


@dataclass
class JournalPlan(Plan):
    lab_code: str = ""
    book_currency: str = "SGD"
    entries: list[PlannedEntry] = field(default_factory=list)
    account_codes: dict[int, str] = field(default_factory=dict)

    @property
    def drafts(self) -> list[EntryDraft]:
        return [planned.draft for planned in self.entries]

    @property
    def line_count(self) -> int:
        return sum(len(planned.draft.lines) for planned in self.entries)

    def preview(self) -> Preview:
        groups: list[PreviewGroup] = []
        total_debit = total_credit = 0
        for planned in self.entries:
            draft = planned.draft
            debit = sum(line.debit for line in draft.lines)
            credit = sum(line.credit for line in draft.lines)
            total_debit += debit
            total_credit += credit
            if len(groups) < PREVIEW_ENTRIES:
                groups.append(self._group(planned, debit, credit))
        cents = Decimal("0.01")
        summary = [
            ("Entries", f"{len(self.entries):,}"),
            ("Lines", f"{self.line_count:,}"),
            ("Total debit", f"{format_amount(total_debit * cents)} {self.book_currency}"),
            ("Total credit", f"{format_amount(total_credit * cents)} {self.book_currency}"),
        ]
        columns = [
            "row",
            "account",
            "label",
            "debit",
            "credit",
            "currency amount",
            "rate",
            "budget line",
        ]
        hidden = max(0, len(self.entries) - PREVIEW_ENTRIES)
        return Preview(columns, groups, summary, hidden)

    def _group(self, planned: PlannedEntry, debit: int, credit: int) -> PreviewGroup:
        cents = Decimal("0.01")
        draft = planned.draft
        rows = []
        for line in draft.lines:
            foreign = (
                f"{format_amount(line.amount_currency)} {line.currency}"
                if line.amount_currency is not None
                else ""
            )
            rate = (
                f"{line.fx_rate.normalize()} ({line.fx_rate_source} of {line.fx_rate_date})"
                if line.fx_rate is not None
                else ""
            )
            rows.append(
                [
                    str(line.source_row or ""),
                    self.account_codes.get(line.account_id, ""),
                    line.label,
                    format_amount(line.debit * cents) if line.debit else "",
                    format_amount(line.credit * cents) if line.credit else "",
                    foreign,
                    rate,
                    line.budget_code,
                ]
            )
        title = (
            f"{planned.key} ({rows_text(planned.rows)}): {planned.journal_code} "
            f"{draft.date:%Y-%m-%d} {draft.label}"
        )
        return PreviewGroup(
            title, rows, format_amount(debit * cents), format_amount(credit * cents), True
        )


def plan_journal(
    sheet: Sheet, *, lab: Lab, post: bool, progress: Progress | None = None
) -> JournalPlan:
    """Read and check every row of a journal sheet; the plan holds the drafts to write
    and every problem."""
    plan = JournalPlan(kind="journal", lab_code=lab.code, book_currency=lab.book_currency)
    reader = RowReader("journal", sheet, plan, max_rows())
    if plan.problems:
        plan.finish()
        return plan
    books = Books(lab)
    plan.account_codes = {pk: code for code, (pk, _) in books.accounts.items()}
    groups = _read_rows(reader, plan, books, progress)
    if reader.truncated:
        plan.finish()
        return plan
    # Entries whose rows read well are checked (and previewed) even when other rows have
    # problems, so that the accountant sees every problem at once.
    _plan_entries(plan, books, groups)
    _check_already_imported(plan, lab)
    if not plan.problems and post:
        _check_blocked_budgets(plan, books)
    plan.finish()
    return plan


COLUMNS = (
    "entry",
    "date",
    "journal",
    "account",
    "label",
    "debit",
    "credit",
    "currency",
    "amount_currency",
    "side",
    "budget_line",
    "piece_ref",
    "piece_date",
    "third_party",
)
# Whole cents written plainly ("1234.5", "12"): the common case, read without Decimal.
_PLAIN_CENTS = re.compile(r"([0-9]{1,15})(?:\.([0-9]{1,2}))?")
MAX_CENTS = 10**17
# Foreign amounts keep 15 significant digits (SQLite stores them as REAL): 2 decimals.
MAX_FOREIGN = 10**13


def _read_rows(
    reader: RowReader, plan: JournalPlan, books: Books, progress: Progress | None
) -> dict[str, EntryRows]:
    """Every row read into its entry's group (the hot loop: one pass, no query)."""
    # A column the sheet lacks reads the blank cell RowReader adds after the last column.
    at = [reader.position(name) for name in COLUMNS]
    (i_entry, i_date, i_journal, i_account, i_label, i_debit, i_credit, i_currency) = (
        reader.width if index is None else index for index in at[:8]
    )
    (i_amount, i_side, i_budget, i_piece_ref, i_piece_date, i_third) = (
        reader.width if index is None else index for index in at[8:]
    )
    groups: dict[str, EntryRows] = {}
    text = cells.text
    for number, row in reader.rows(progress):
        raw = row[i_entry]
        key = raw.strip() if type(raw) is str else text(raw)
        if not key:
            plan.add(REQUIRED.format(row=number, column="entry"), number, "entry")
            continue
        group = groups.get(key)
        if group is None:
            group = groups[key] = EntryRows(key)
            if len(key) > LIMITS["entry"]:
                _too_long(plan, number, "entry", key)
                group.broken = True
        group.rows.append(number)
        if not _read_entry_fields(
            plan, group, number, row[i_date], row[i_journal], row[i_piece_ref], row[i_piece_date]
        ):
            group.broken = True
        label = row[i_label]
        label = label.strip() if type(label) is str else text(label)
        if not group.label:
            group.label = label
        line = _read_line(
            plan,
            books,
            number,
            row[i_account],
            label,
            row[i_debit],
            row[i_credit],
            (row[i_currency], row[i_amount], row[i_side]),
            row[i_budget],
            row[i_third],
        )
        if line is None:
            group.broken = True
        else:
            group.lines.append(line)
    return groups


def _too_long(plan: Plan, number: int, column: str, value: str) -> bool:
    limit = LIMITS[column]
    if len(value) > limit:
        plan.add(
            TOO_LONG.format(row=number, column=column, length=len(value), limit=limit),
            number,
            column,
        )
        return True
    return False


def _read_entry_fields(
    plan: JournalPlan,
    group: EntryRows,
    number: int,
    raw_date: Any,
    raw_journal: Any,
    raw_piece_ref: Any,
    raw_piece_date: Any,
) -> bool:
    """The entry's date, journal, piece reference and date: from its first row that has
    them; a later row saying otherwise is a problem."""
    ok = True
    for column, raw in (("date", raw_date), ("piece_date", raw_piece_date)):
        if raw is None or raw == "":
            continue
        kind = type(raw)
        if kind is datetime.datetime:
            value = raw.date()
        elif kind is datetime.date:
            value = raw
        else:
            try:
                value = cells.day(raw)
            except CellError as error:
                plan.cell_problem(error, number, column)
                ok = False
                continue
        if value is not None and value != getattr(group, column):
            ok = _same(plan, group, number, column, value) and ok
    journal = raw_journal.strip() if type(raw_journal) is str else cells.text(raw_journal)
    if journal:
        journal = journal.upper()
        if journal != group.journal:
            ok = _same(plan, group, number, "journal", journal) and ok
    piece_ref = raw_piece_ref.strip() if type(raw_piece_ref) is str else cells.text(raw_piece_ref)
    if piece_ref and piece_ref != group.piece_ref:
        ok = not _too_long(plan, number, "piece_ref", piece_ref) and ok
        ok = _same(plan, group, number, "piece_ref", piece_ref) and ok
    return ok


def _same(plan: JournalPlan, group: EntryRows, number: int, column: str, value: Any) -> bool:
    current = getattr(group, column)
    if current is None or current == "":
        setattr(group, column, value)
        setattr(group, f"{column}_row", number)
        return True
    if current == value:
        return True
    plan.add(
        ENTRY_CONFLICT.format(
            row=number,
            column=column,
            value=shown(value),
            first=shown(current),
            first_row=getattr(group, f"{column}_row"),
            key=shown(group.key),
        ),
        number,
        column,
    )
    return False


def _cents(plan: JournalPlan, number: int, column: str, raw: Any) -> tuple[int | None, bool]:
    """(cents or None when blank, readable)."""
    if raw is None or raw == "":
        return None, True
    kind = type(raw)
    if kind is float:
        whole = round(raw * 100)
        # The nearest double to whole/100 is the number typed: it had two decimals at most.
        if 0 <= whole < MAX_CENTS and whole / 100 == raw:
            return whole, True
    elif kind is int:
        if 0 <= raw * 100 < MAX_CENTS:
            return raw * 100, True
    elif kind is str:
        match = _PLAIN_CENTS.fullmatch(raw)
        if match:
            units, decimals = match.groups()
            return int(units) * 100 + (int(decimals.ljust(2, "0")) if decimals else 0), True
    try:
        value = cells.amount(raw)
    except CellError as error:
        plan.cell_problem(error, number, column)
        return None, False
    if value is None:
        return None, True
    if value < 0:
        plan.add(NEGATIVE.format(row=number, column=column, value=shown(value)), number, column)
        return None, False
    if value * 100 >= MAX_CENTS:
        plan.add(NOT_AN_AMOUNT.format(row=number, column=column, value=shown(raw)), number, column)
        return None, False
    return int(value * 100), True


def _read_line(
    plan: JournalPlan,
    books: Books,
    number: int,
    raw_account: Any,
    label: str,
    raw_debit: Any,
    raw_credit: Any,
    raw_foreign: tuple[Any, Any, Any],
    raw_budget: Any,
    raw_third: Any,
) -> Row | None:
    ok = True
    code = raw_account.strip() if type(raw_account) is str else cells.text(raw_account)
    account = books.accounts.get(code)
    if account is None:
        if not code:
            plan.add(REQUIRED.format(row=number, column="account"), number, "account")
        else:
            plan.add(
                UNKNOWN_ACCOUNT.format(row=number, code=shown(code), lab=books.lab.code),
                number,
                "account",
            )
        ok = False
    if len(label) > LIMITS["label"]:
        ok = not _too_long(plan, number, "label", label) and ok
    third_party = cells.text(raw_third)
    if len(third_party) > LIMITS["third_party"]:
        ok = not _too_long(plan, number, "third_party", third_party) and ok
    debit, debit_ok = _cents(plan, number, "debit", raw_debit)
    credit, credit_ok = _cents(plan, number, "credit", raw_credit)
    currency, foreign, side, fx_ok = "", None, "", True
    raw_currency, raw_amount, raw_side = raw_foreign
    if (
        (raw_currency is not None and raw_currency != "")
        or (raw_amount is not None and raw_amount != "")
        or (raw_side is not None and raw_side != "")
    ):
        currency, foreign, side, fx_ok = _foreign(plan, books, number, *raw_foreign)
    ok = ok and debit_ok and credit_ok and fx_ok
    debit, credit = debit or 0, credit or 0
    if ok and debit and credit:
        plan.add(BOTH_SIDES.format(row=number), number)
        ok = False
    elif ok and not debit and not credit and foreign is None:
        plan.add(NO_AMOUNT.format(row=number), number)
        ok = False
    elif ok and not debit and not credit and not side:
        plan.add(
            NO_SIDE.format(
                row=number, amount=format_amount(foreign or Decimal(0)), currency=currency
            ),
            number,
            "side",
        )
        ok = False
    elif ok and side and (debit or credit) and (side == "debit") != bool(debit):
        column = "debit" if debit else "credit"
        plan.add(SIDE_CONFLICT.format(row=number, side=side, column=column), number, "side")
        ok = False
    if not ok or account is None:
        return None
    budget = raw_budget.strip() if type(raw_budget) is str else cells.text(raw_budget)
    return Row(
        number,
        account[0],
        account[1],
        code,
        label,
        debit,
        credit,
        currency,
        foreign,
        side,
        budget,
        third_party,
    )


def _foreign(
    plan: JournalPlan, books: Books, number: int, raw_currency: Any, raw_amount: Any, raw_side: Any
) -> tuple[str, Decimal | None, str, bool]:
    currency = cells.text(raw_currency).upper()
    raw_side = cells.text(raw_side)
    ok = True
    side = ""
    if raw_side:
        side = SIDES.get(raw_side.casefold(), "")
        if not side:
            plan.add(
                NOT_A_CHOICE.format(
                    row=number, column="side", value=shown(raw_side), choices="debit, credit"
                ),
                number,
                "side",
            )
            ok = False
    try:
        foreign = cells.amount(raw_amount)
    except CellError as error:
        plan.cell_problem(error, number, "amount_currency")
        return currency, None, side, False
    if currency and (
        len(currency) != 3 or not currency.isalpha() or currency not in books.currencies
    ):
        plan.add(
            NOT_A_CURRENCY.format(row=number, column="currency", value=shown(currency)),
            number,
            "currency",
        )
        return currency, None, side, False
    if foreign is not None and foreign >= MAX_FOREIGN:
        plan.add(
            NOT_AN_AMOUNT.format(row=number, column="amount_currency", value=shown(raw_amount)),
            number,
            "amount_currency",
        )
        return currency, None, side, False
    if foreign is not None and foreign <= 0:
        plan.add(
            NOT_POSITIVE.format(row=number, column="amount_currency", value=shown(foreign)),
            number,
            "amount_currency",
        )
        return currency, None, side, False
    if currency and foreign is None:
        plan.add(CURRENCY_WITHOUT_AMOUNT.format(row=number, currency=currency), number, "currency")
        return currency, None, side, False
    if foreign is not None and not currency:
        plan.add(
            AMOUNT_WITHOUT_CURRENCY.format(row=number, amount=shown(foreign)),
            number,
            "amount_currency",
        )
        return currency, None, side, False
    if currency and currency == books.lab.book_currency:
        plan.add(BOOK_CURRENCY_GIVEN.format(row=number, currency=currency), number, "currency")
        return currency, None, side, False
    return currency, foreign, side, ok


def _plan_entries(plan: JournalPlan, books: Books, groups: dict[str, EntryRows]) -> None:
    for group in groups.values():
        if group.broken:
            continue
        planned = _plan_entry(plan, books, group)
        if planned is not None:
            plan.entries.append(planned)


def _plan_entry(plan: JournalPlan, books: Books, group: EntryRows) -> PlannedEntry | None:
    first = group.rows[0]
    if group.date is None:
        plan.add(REQUIRED.format(row=first, column="date"), first, "date")
        return None
    if not group.journal:
        plan.add(REQUIRED.format(row=first, column="journal"), first, "journal")
        return None
    journal = books.journals.get(group.journal)
    if journal is None:
        plan.add(
            UNKNOWN_JOURNAL.format(
                row=group.journal_row, code=shown(group.journal), lab=books.lab.code
            ),
            group.journal_row,
            "journal",
        )
        return None
    year = books.fiscal_year(group.date)
    if year is None:
        plan.add(
            OUT_OF_YEAR.format(row=group.date_row, date=group.date, lab=books.lab.code),
            group.date_row,
            "date",
        )
        return None
    if (group.date.year, group.date.month) in books.closed:
        plan.add(
            PERIOD_CLOSED.format(row=group.date_row, period=f"{group.date:%Y-%m}"),
            group.date_row,
            "date",
        )
        return None
    if not group.label:
        plan.add(ENTRY_NO_LABEL.format(key=shown(group.key), rows=rows_text(group.rows)), first)
        return None
    if len(group.lines) < 2:
        plan.add(ENTRY_ONE_LINE.format(key=shown(group.key), rows=rows_text(group.rows)), first)
        return None
    lines = _lines(plan, books, group, year, journal[1])
    if lines is None:
        return None
    draft = EntryDraft(
        journal_id=journal[0],
        fiscal_year_id=year[0],
        date=group.date,
        label=group.label,
        piece_ref=group.piece_ref or "",
        piece_date=group.piece_date,
        source_key=group.key,
        lines=lines,
    )
    planned = PlannedEntry(group.key, group.rows, group.journal, draft)
    if not _balance(plan, books, group, planned):
        return None
    return planned


def _lines(
    plan: JournalPlan, books: Books, group: EntryRows, year: tuple[int, int], journal_kind: str
) -> list[LineDraft] | None:
    lines = []
    ok = True
    for row in group.lines:
        budget_line_id = None
        if row.budget_code:
            found = books.budget_lines.get((year[0], row.budget_code))
            if found is None:
                plan.add(
                    UNKNOWN_BUDGET_LINE.format(
                        row=row.number,
                        code=shown(row.budget_code),
                        lab=books.lab.code,
                        year=year[1],
                    ),
                    row.number,
                    "budget_line",
                )
                ok = False
                continue
            budget_line_id = found[0]
        elif row.needs_budget and journal_kind != Journal.Kind.OPENING:
            plan.add(
                BUDGET_LINE_REQUIRED.format(row=row.number, code=row.account_code),
                row.number,
                "budget_line",
            )
            ok = False
            continue
        line = LineDraft(
            account_id=row.account_id,
            debit=row.debit,
            credit=row.credit,
            label=row.label,
            third_party=row.third_party,
            budget_line_id=budget_line_id,
            budget_code=row.budget_code,
            source_row=row.number,
        )
        if row.amount_currency is not None and not _convert(plan, books, group, row, line):
            ok = False
            continue
        lines.append(line)
    return lines if ok else None


def _convert(plan: JournalPlan, books: Books, group: EntryRows, row: Row, line: LineDraft) -> bool:
    """Keep the amount in currency and its rate: the chancellery rate of the entry date
    when converted here, the rate actually obtained when the book amount is given."""
    assert group.date is not None and row.amount_currency is not None
    foreign = row.amount_currency
    line.currency = row.currency
    line.amount_currency = foreign
    if line.debit or line.credit:
        line.fx_rate = (Decimal(line.debit or line.credit) / 100 / foreign).quantize(
            Decimal("0.00000001")
        )
        line.fx_rate_date = group.date
        line.fx_rate_source = ExchangeRate.Source.BANK
        return True
    try:
        rate, rate_date = books.rates.rate(row.currency, group.date)
    except MissingRateError:
        plan.add(
            NO_RATE.format(row=row.number, currency=row.currency, date=group.date),
            row.number,
            "currency",
        )
        return False
    cents = int(round_cents(foreign * rate) * 100)
    if row.side == "debit":
        line.debit = cents
    else:
        line.credit = cents
    line.fx_rate = rate
    line.fx_rate_date = rate_date
    line.fx_rate_source = ExchangeRate.Source.CHANCELLERY
    line.converted = True
    return True


def _balance(plan: JournalPlan, books: Books, group: EntryRows, planned: PlannedEntry) -> bool:
    """An entry balances in book currency, or differs only by the rounding of lines
    converted here (each currency balancing on its own): then a rounding line is added."""
    lines = planned.draft.lines
    debit = credit = 0
    for line in lines:
        debit += line.debit
        credit += line.credit
    if debit == credit:
        return True
    key, where = shown(group.key), rows_text(group.rows)
    if not _rounding_only(lines):
        cents = Decimal("0.01")
        plan.add(
            ENTRY_UNBALANCED.format(
                key=key,
                rows=where,
                debit=format_amount(debit * cents),
                credit=format_amount(credit * cents),
            ),
            group.rows[0],
        )
        return False
    difference = debit - credit
    code = GAIN_ACCOUNT if difference > 0 else LOSS_ACCOUNT
    account = books.accounts.get(code)
    if account is None:
        plan.add(
            ROUNDING_ACCOUNT_MISSING.format(key=key, rows=where, code=code, lab=books.lab.code),
            group.rows[0],
        )
        return False
    lines.append(
        LineDraft(
            account_id=account[0],
            debit=-difference if difference < 0 else 0,
            credit=difference if difference > 0 else 0,
            label=ROUNDING_LABEL,
        )
    )
    planned.rounding = ROUNDING_NOTE.format(
        key=key,
        rows=where,
        amount=format_amount(abs(difference) * Decimal("0.01")),
        currency=books.lab.book_currency,
        code=code,
        what="gain" if difference > 0 else "loss",
    )
    plan.notes.append(planned.rounding)
    return True


def _rounding_only(lines: list[LineDraft]) -> bool:
    """True when the lines converted here balance in each currency and the other lines
    balance among themselves: what is left in book currency is rounding."""
    converted = [line for line in lines if line.converted]
    if not converted:
        return False
    by_currency: dict[str, Decimal] = defaultdict(Decimal)
    for line in converted:
        assert line.amount_currency is not None
        by_currency[line.currency] += line.amount_currency if line.debit else -line.amount_currency
    others = sum(line.debit - line.credit for line in lines if not line.converted)
    return others == 0 and not any(by_currency.values())


def _check_already_imported(plan: JournalPlan, lab: Lab) -> None:
    """An entry imported before (same lab, journal, piece reference and key) is reported."""
    wanted = {
        (planned.draft.journal_id, planned.draft.piece_ref, planned.key): planned
        for planned in plan.entries
    }
    keys = sorted({planned.key for planned in plan.entries})
    for start in range(0, len(keys), 500):
        found = (
            JournalEntry.objects.filter(lab=lab, source_key__in=keys[start : start + 500])
            .values_list(
                "journal_id",
                "piece_ref",
                "source_key",
                "import_batch__file_name",
                "import_batch__created_at",
                "import_batch__created_by__username",
            )
            .order_by("id")
        )
        for journal_id, piece_ref, key, file_name, created_at, username in found:
            planned = wanted.get((journal_id, piece_ref, key))
            if planned is None:
                continue
            when = timezone.localtime(created_at).strftime("%Y-%m-%d %H:%M") if created_at else "?"
            plan.add(
                ENTRY_ALREADY_IMPORTED.format(
                    key=shown(key),
                    rows=rows_text(planned.rows),
                    file=shown(file_name or "another file"),
                    when=when,
                    who=username or "the system",
                ),
                planned.rows[0],
                "entry",
            )


def _check_blocked_budgets(plan: JournalPlan, books: Books) -> None:
    """Posting would refuse to overspend a budget line whose policy is 'block': say so now."""
    spent: dict[int, int] = defaultdict(int)
    for planned in plan.entries:
        for line in planned.draft.lines:
            if line.budget_line_id is not None:
                spent[line.budget_line_id] += line.debit - line.credit
    blocking = {
        pk: code
        for (_, code), (pk, policy) in books.budget_lines.items()
        if policy == BudgetLine.Policy.BLOCK and spent.get(pk, 0) > 0
    }
    if not blocking:
        return
    available = budget_availability(budget_line_ids=list(blocking))
    for pk, code in sorted(blocking.items(), key=lambda item: item[1]):
        consumption = Decimal(spent[pk]) / 100
        if consumption > available[pk]:
            plan.add(
                BUDGET_BLOCKED.format(
                    code=code,
                    excess=format_amount(consumption - available[pk]),
                    currency=books.lab.book_currency,
                )
            )
