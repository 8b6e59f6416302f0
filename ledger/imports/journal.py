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
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.formats import number_format

from irls.models import Lab
from ledger import rules
from ledger.exceptions import RATE_SOURCES, MissingRateError
from ledger.fields import round_cents
from ledger.imports import cells
from ledger.imports.cells import CellError
from ledger.imports.conventions import Amounts, Dates, Resolution
from ledger.imports.plans import (
    GROUP_TITLE,
    RATE_USED,
    SUMMARY_ENTRIES,
    SUMMARY_LINES,
    SUMMARY_TOTAL_CREDIT,
    SUMMARY_TOTAL_DEBIT,
    Plan,
    Preview,
    PreviewGroup,
    Progress,
    RowReader,
    captions,
)
from ledger.imports.problems import (
    AMOUNT_AND_SIDES,
    AMOUNT_WITHOUT_CURRENCY,
    ANOTHER_FILE,
    BOOK_CURRENCY_GIVEN,
    BOTH_SIDES,
    BUDGET_BLOCKED,
    BUDGET_LINE_REQUIRED,
    CONVERTS_TO_ZERO,
    CONVERTS_TOO_LARGE,
    CURRENCY_WITHOUT_AMOUNT,
    ENTRY_ALREADY_IMPORTED,
    ENTRY_CONFLICT,
    ENTRY_NO_LABEL,
    ENTRY_ONE_LINE,
    ENTRY_UNBALANCED,
    INACTIVE_THIRD_PARTY,
    NEGATIVE_CURRENCY,
    NEGATIVE_SIDE,
    NO_AMOUNT,
    NO_RATE,
    NO_SIDE,
    NOT_A_CHOICE,
    NOT_A_CURRENCY,
    NOT_AN_AMOUNT,
    NOT_POSITIVE,
    OPENING_TYPED,
    OUT_OF_YEAR,
    PERIOD_CLOSED,
    PERIOD_MISSING,
    RATE_NOT_KEPT,
    REQUIRED,
    ROUNDING_ACCOUNT_MISSING,
    ROUNDING_GAIN,
    ROUNDING_LOSS,
    ROUNDING_NEEDS_BUDGET_LINE,
    ROUNDING_NOTE,
    SIDE_CONFLICT,
    THE_SYSTEM,
    THIRD_PARTY_REQUIRED,
    TOO_LONG,
    UNKNOWN_ACCOUNT,
    UNKNOWN_BUDGET_LINE,
    UNKNOWN_JOURNAL,
    UNKNOWN_THIRD_PARTY,
    YEAR_CLOSED_ROW,
    count_text,
    rows_text,
    shown,
    when_text,
)
from ledger.imports.reading import Sheet, max_rows
from ledger.models import (
    BudgetLine,
    ExchangeRate,
    JournalEntry,
)
from ledger.selectors import BookRates, budget_availability, format_amount
from ledger.services.entries_bulk import RATE_PLACES, EntryDraft, LineDraft, rate_kept
from parties.models import ThirdParty

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ROUNDING_LABEL = rules.ROUNDING_LABEL
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
        # The posting rulebook's view of the books, read once: the preview asks it the
        # posting's questions (month open, budget line needed) and reads codes from it.
        self.rules = rules.books_read(lab)
        self.accounts: dict[str, tuple[int, bool]] = {
            code: (pk, needs) for pk, (code, needs) in self.rules.accounts.items()
        }
        self.journals: dict[str, tuple[int, str]] = {
            code: (pk, kind) for pk, (code, kind) in self.rules.journals.items()
        }
        self.years = [(y.start, y.end, pk, y.year) for pk, y in self.rules.years.items()]
        self.budget_lines: dict[tuple[int, str], tuple[int, str]] = {
            (fy, code): (pk, policy)
            for pk, fy, code, policy in BudgetLine.objects.filter(lab=lab).values_list(
                "id", "fiscal_year_id", "code", "policy"
            )
        }
        # Office-wide, a few hundred rows: code -> payment terms (days), and which are
        # deactivated (new lines may not name them).
        parties = list(ThirdParty.objects.values_list("code", "payment_terms_days", "is_active"))
        self.third_parties: dict[str, int] = {code: days for code, days, _active in parties}
        self.inactive_parties = frozenset(code for code, _days, active in parties if not active)
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
    # The date cell as typed (echoed by the problems about the date: "03/12/2025 read as ...").
    date_written: str = ""
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
        book = self.book_currency
        summary = [
            (str(SUMMARY_ENTRIES), count_text(len(self.entries))),
            (str(SUMMARY_LINES), count_text(self.line_count)),
            (str(SUMMARY_TOTAL_DEBIT), f"{format_amount(total_debit * cents)} {book}"),
            (str(SUMMARY_TOTAL_CREDIT), f"{format_amount(total_credit * cents)} {book}"),
        ]
        columns = captions(
            ["row", "account", "label", "debit", "credit", "amount_currency", "rate", "budget_line"]
        )
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
                RATE_USED.format(
                    rate=number_format(line.fx_rate.normalize()),
                    source=RATE_SOURCES.get(line.fx_rate_source, line.fx_rate_source),
                    date=line.fx_rate_date,
                )
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
        title = GROUP_TITLE.format(
            key=planned.key,
            rows=rows_text(planned.rows),
            journal=planned.journal_code,
            date=f"{draft.date:%Y-%m-%d}",
            label=draft.label,
        )
        return PreviewGroup(
            title, rows, format_amount(debit * cents), format_amount(credit * cents), True
        )


def plan_journal(
    sheet: Sheet,
    *,
    lab: Lab,
    post: bool,
    progress: Progress | None = None,
    date_order: str = "auto",
) -> JournalPlan:
    """Read and check every row of a journal sheet; the plan holds the drafts to write
    and every problem. `date_order`: auto (day first unless a date says otherwise, which
    refuses the file), dmy or mdy."""
    plan = JournalPlan(kind="journal", lab_code=lab.code, book_currency=lab.book_currency)
    reader = RowReader("journal", sheet, plan, max_rows(), date_order)
    if plan.problems:
        plan.finish()
        return plan
    books = Books(lab)
    plan.account_codes = {pk: code for code, (pk, _) in books.accounts.items()}
    groups = _read_rows(reader, plan, books, progress)
    if reader.truncated:
        plan.finish()
        return plan
    _apply_conventions(reader.conventions(), groups)
    # Every entry is checked, whatever problems other rows or entries have, and those
    # without any are previewed, so that the accountant sees every problem at once.
    _plan_entries(plan, books, groups)
    imported = _check_already_imported(plan, lab)
    if post:
        _check_blocked_budgets(plan, books, imported)
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
    "amount",
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
    (i_amount, i_side, i_budget, i_piece_ref, i_piece_date, i_third, i_book) = (
        reader.width if index is None else index for index in at[8:]
    )
    groups: dict[str, EntryRows] = {}
    text = cells.text
    book = books.lab.book_currency
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
            plan,
            reader.dates,
            group,
            number,
            row[i_date],
            row[i_journal],
            row[i_piece_ref],
            row[i_piece_date],
        ):
            group.broken = True
        label = row[i_label]
        label = label.strip() if type(label) is str else text(label)
        if not group.label:
            group.label = label
        raw_debit, raw_credit = row[i_debit], row[i_credit]
        if row[i_book] != "" and row[i_book] is not None:
            # An amount and its side (Montant, Sens), as French ledgers often write them.
            sided = _sided(plan, number, row[i_book], row[i_side], raw_debit, raw_credit, book)
            if sided is None:
                group.broken = True
                continue
            raw_debit, raw_credit = sided
        line = _read_line(
            plan,
            books,
            reader.amounts,
            number,
            row[i_account],
            label,
            raw_debit,
            raw_credit,
            (row[i_currency], row[i_amount], row[i_side]),
            row[i_budget],
            row[i_third],
        )
        if line is None:
            group.broken = True
        else:
            group.lines.append(line)
    return groups


def _apply_conventions(resolution: Resolution, groups: dict[str, EntryRows]) -> None:
    """Set the amounts that waited for the file's decimal mark; the entries of rows
    written against it cannot be planned (their problems are reported)."""
    if not resolution.values and not resolution.bad_rows:
        return
    for group in groups.values():
        if resolution.bad_rows.intersection(group.rows):
            group.broken = True
        for line in group.lines:
            for column in ("debit", "credit", "amount_currency"):
                value = resolution.values.get((line.number, column))
                if value is None:
                    continue
                if column == "amount_currency":
                    line.amount_currency = value
                else:
                    setattr(line, column, int(value * 100))


def _sided(
    plan: JournalPlan,
    number: int,
    raw_amount: Any,
    raw_side: Any,
    raw_debit: Any,
    raw_credit: Any,
    currency: str,
) -> tuple[Any, Any] | None:
    """(debit, credit) cells of a row that gives an amount and its side."""
    if (raw_debit != "" and raw_debit is not None) or (raw_credit != "" and raw_credit is not None):
        plan.add(AMOUNT_AND_SIDES.format(row=number), number, "amount")
        return None
    side = SIDES.get(cells.text(raw_side).casefold(), "")
    if not side:
        plan.add(
            NO_SIDE.format(row=number, amount=shown(cells.text(raw_amount)), currency=currency)
            if cells.is_blank(raw_side)
            else NOT_A_CHOICE.format(
                row=number,
                column="side",
                value=shown(cells.text(raw_side)),
                choices="debit, credit",
            ),
            number,
            "side",
        )
        return None
    return (raw_amount, "") if side == "debit" else ("", raw_amount)


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
    dates: Dates,
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
            value, written = raw.date(), ""
        elif kind is datetime.date:
            value, written = raw, ""
        else:
            try:
                value, written = dates.read(raw, number)
            except CellError as error:
                plan.cell_problem(error, number, column)
                ok = False
                continue
        if value is not None and value != getattr(group, column):
            if column == "date" and group.date is None:
                group.date_written = written or f"{value:%Y-%m-%d}"
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


def _cents(
    plan: JournalPlan, amounts: Amounts, number: int, column: str, raw: Any, currency: str
) -> tuple[int | None, bool]:
    """(cents or None when blank, readable). Text waits for the file's decimal mark
    when it can be read both ways (`amounts` sets it at the end)."""
    if raw is None or raw == "":
        return None, True
    kind = type(raw)
    if kind is float:
        whole = round(raw * 100)
        # The nearest double to whole/100 is the number typed: it had two decimals at most;
        # a formula's result (1166.3000000000002) is the amount to the cent within 1e-6.
        if 0 <= whole < MAX_CENTS and (whole / 100 == raw or abs(whole / 100 - raw) <= 1e-6):
            return whole, True
    elif kind is int:
        if 0 <= raw * 100 < MAX_CENTS:
            return raw * 100, True
    elif kind is str:
        match = _PLAIN_CENTS.fullmatch(raw)
        if match:
            units, decimals = match.groups()
            if decimals:
                amounts.seen_point(number, column, raw)
            return int(units) * 100 + (int(decimals.ljust(2, "0")) if decimals else 0), True
    other = "credit" if column == "debit" else "debit"
    try:
        if kind is str:
            written = raw.strip()
            if not written:
                return None, True
            value: Decimal | None = amounts.text(
                written,
                number,
                column,
                currency=currency,
                negative=NEGATIVE_SIDE,
                other_column=other,
            )
        else:
            value = cells.amount(raw)
    except CellError as error:
        plan.cell_problem(error, number, column)
        return None, False
    if value is None:
        return None, True
    if value < 0:
        plan.add(
            NEGATIVE_SIDE.format(row=number, column=column, value=shown(raw), other=other),
            number,
            column,
        )
        return None, False
    if value * 100 >= MAX_CENTS:
        plan.add(NOT_AN_AMOUNT.format(row=number, column=column, value=shown(raw)), number, column)
        return None, False
    return int(value * 100), True


def _read_line(
    plan: JournalPlan,
    books: Books,
    amounts: Amounts,
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
    book = books.lab.book_currency
    debit, debit_ok = _cents(plan, amounts, number, "debit", raw_debit, book)
    credit, credit_ok = _cents(plan, amounts, number, "credit", raw_credit, book)
    currency, foreign, side, fx_ok = "", None, "", True
    raw_currency, raw_amount, raw_side = raw_foreign
    if (
        (raw_currency is not None and raw_currency != "")
        or (raw_amount is not None and raw_amount != "")
        or (raw_side is not None and raw_side != "")
    ):
        currency, foreign, side, fx_ok = _foreign(plan, books, amounts, number, *raw_foreign)
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
    plan: JournalPlan,
    books: Books,
    amounts: Amounts,
    number: int,
    raw_currency: Any,
    raw_amount: Any,
    raw_side: Any,
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
        if isinstance(raw_amount, str) and raw_amount.strip():
            foreign: Decimal | None = amounts.text(
                raw_amount.strip(),
                number,
                "amount_currency",
                currency=currency,
                negative=NEGATIVE_CURRENCY,
            )
        elif isinstance(raw_amount, float) and raw_amount < 0:
            raise CellError(NEGATIVE_CURRENCY, value=shown(raw_amount))
        else:
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
    """Every entry is checked, for every problem that does not hide behind another one;
    those without any are planned. A group with a cell that could not be read ("broken")
    is checked for what its cells read allow."""
    reported: dict[int, set[str]] | None = None  # the columns refused, by row
    for group in groups.values():
        date_unread, unread = False, frozenset[int]()
        if group.broken:
            if reported is None:
                reported = defaultdict(set)
                for problem in plan.problems:
                    if problem.row is not None and problem.column is not None:
                        reported[problem.row].add(problem.column)
            date_unread = any("date" in reported.get(number, ()) for number in group.rows)
            unread = frozenset(
                number
                for number in group.rows
                if not AMOUNT_COLUMNS.isdisjoint(reported.get(number, ()))
            )
        planned = _plan_entry(plan, books, group, date_unread, unread)
        if planned is not None:
            plan.entries.append(planned)


# Columns whose problem leaves a line's amount unknown (the entry's balance unchecked).
AMOUNT_COLUMNS = frozenset({"debit", "credit", "amount_currency", "currency", "side"})


def _plan_entry(
    plan: JournalPlan,
    books: Books,
    group: EntryRows,
    date_unread: bool = False,
    unread: frozenset[int] = frozenset(),
) -> PlannedEntry | None:
    """The entry to write, or None and all its problems: its date (and year and month),
    journal, label, number of lines, budget lines, conversions and balance are each
    checked on their own, so a closed month does not hide an unbalanced entry. The
    balance is checked once every amount of the entry is known in book currency.
    `date_unread`: the date cell could not be read; `unread`: rows whose amounts could
    not be read (their problems are reported already)."""
    first = group.rows[0]
    ok = not group.broken
    on = group.date
    year = None
    if on is None:
        if not date_unread:
            plan.add(REQUIRED.format(row=first, column="date"), first, "date")
        ok = False
    else:
        year = books.fiscal_year(on)
        state = rules.month_state(books.rules, year[0] if year else None, on)
        if state != rules.OPEN:
            _date_problem(plan, books, group, DATE_PROBLEMS[state], year[1] if year else None)
            ok = False
    journal = books.journals.get(group.journal) if group.journal else None
    if journal is None:
        if not group.journal:
            plan.add(REQUIRED.format(row=first, column="journal"), first, "journal")
        else:
            plan.add(
                UNKNOWN_JOURNAL.format(
                    row=group.journal_row, code=shown(group.journal), lab=books.lab.code
                ),
                group.journal_row,
                "journal",
            )
        ok = False
    if not group.label:
        plan.add(ENTRY_NO_LABEL.format(key=shown(group.key), rows=rows_text(group.rows)), first)
        ok = False
    if len(group.rows) < 2:
        plan.add(ENTRY_ONE_LINE.format(key=shown(group.key), rows=rows_text(group.rows)), first)
        ok = False
    if (
        journal is not None
        and year is not None
        and not rules.opening_allowed(books.rules, journal[0], year[0], "")
    ):
        plan.add(
            OPENING_TYPED.format(
                row=group.journal_row, code=shown(group.journal), year=year[1], previous=year[1] - 1
            ),
            group.journal_row,
            "journal",
        )
        ok = False
    # An unknown journal is not an opening journal: its lines need their budget lines.
    kind = journal[1] if journal is not None else ""
    lines, lines_ok, known = _lines(plan, books, group, year, kind, unread)
    ok = ok and lines_ok
    rounding: str | None = None
    if known and not unread and len(lines) >= 2 and len(group.lines) == len(group.rows):
        rounding = _balance(plan, books, group, lines, kind)
    if not ok or rounding is None:
        return None
    assert on is not None and year is not None and journal is not None
    draft = EntryDraft(
        journal_id=journal[0],
        fiscal_year_id=year[0],
        date=on,
        label=group.label,
        piece_ref=group.piece_ref or "",
        piece_date=group.piece_date,
        source_key=group.key,
        lines=lines,
    )
    if rounding:
        plan.notes.append(rounding)
    return PlannedEntry(group.key, group.rows, group.journal, draft, rounding)


DATE_PROBLEMS = {
    rules.NO_YEAR: OUT_OF_YEAR,
    rules.YEAR_CLOSED_STATE: YEAR_CLOSED_ROW,
    rules.CLOSED: PERIOD_CLOSED,
    rules.MISSING: PERIOD_MISSING,
}


def _date_problem(
    plan: JournalPlan,
    books: Books,
    group: EntryRows,
    template: "StrOrPromise",
    year: int | None = None,
) -> None:
    """A problem about the entry's date, echoing the cell as typed and how it was read."""
    on = group.date
    assert on is not None
    plan.add(
        template.format(
            row=group.date_row,
            written=shown(group.date_written or f"{on:%Y-%m-%d}"),
            reading=cells.date_reading(on),
            period=f"{on:%Y-%m}",
            lab=books.lab.code,
            year=year,
        ),
        group.date_row,
        "date",
    )


def _lines(
    plan: JournalPlan,
    books: Books,
    group: EntryRows,
    year: tuple[int, int] | None,
    journal_kind: str,
    unread: frozenset[int] = frozenset(),
) -> tuple[list[LineDraft], bool, bool]:
    """The lines read of the entry, with their budget lines (of `year`, when the date
    gives one) and their conversions (but of the rows whose amounts are `unread`);
    whether they have no problem, and whether every one has its amount in book currency
    (each conversion could be made)."""
    lines = []
    ok = known = True
    for row in group.lines:
        budget_line_id = None
        if row.budget_code:
            found = books.budget_lines.get((year[0], row.budget_code)) if year else None
            if found is not None:
                budget_line_id = found[0]
            else:
                ok = False
                if year is not None:  # without a year, the date's problem says why
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
        elif rules.needs_budget_line(row.needs_budget, journal_kind):
            plan.add(
                BUDGET_LINE_REQUIRED.format(row=row.number, code=row.account_code),
                row.number,
                "budget_line",
            )
            ok = False
        due_date, party_ok = _third_party(plan, books, group, row, journal_kind)
        ok = ok and party_ok
        line = LineDraft(
            account_id=row.account_id,
            debit=row.debit,
            credit=row.credit,
            label=row.label,
            third_party=row.third_party,
            due_date=due_date,
            budget_line_id=budget_line_id,
            budget_code=row.budget_code,
            source_row=row.number,
        )
        if row.amount_currency is not None and row.number not in unread:
            converted = _convert(plan, books, group, row, line)
            if not converted:
                ok = False
                known = known and converted is not None
        lines.append(line)
    return lines, ok, known


def _third_party(
    plan: JournalPlan, books: Books, group: EntryRows, row: Row, journal_kind: str
) -> tuple[date | None, bool]:
    """The row's third party is known, and named where its account needs one (the
    posting rulebook's question); its due date, by the third party's payment terms."""
    party_account = row.account_id in books.rules.party_accounts
    if not row.third_party:
        if rules.needs_third_party(party_account):
            plan.add(
                THIRD_PARTY_REQUIRED.format(row=row.number, code=row.account_code),
                row.number,
                "third_party",
            )
            return None, False
        return None, True
    terms = books.third_parties.get(row.third_party)
    if terms is None:
        plan.add(
            UNKNOWN_THIRD_PARTY.format(row=row.number, code=shown(row.third_party)),
            row.number,
            "third_party",
        )
        return None, False
    if row.third_party in books.inactive_parties and not rules.third_party_usable(False):
        inactive = INACTIVE_THIRD_PARTY.format(row=row.number, code=row.third_party)
        plan.add(inactive, row.number, "third_party")
        return None, False
    invoiced = group.piece_date or group.date
    if invoiced is None:
        return None, True
    return rules.due_date(journal_kind, party_account, invoiced, terms), True


def _convert(
    plan: JournalPlan, books: Books, group: EntryRows, row: Row, line: LineDraft
) -> bool | None:
    """Keep the amount in currency and its rate: the chancellery rate of the entry date
    when converted here, the rate actually obtained when the book amount is given.
    True when converted; False when converted to an amount or at a rate the books cannot
    keep; None when it cannot be converted (no date, no rate). Problems are reported."""
    foreign = row.amount_currency
    assert foreign is not None
    line.currency = row.currency
    line.amount_currency = foreign
    book = books.lab.book_currency
    if line.debit or line.credit:
        rate = (Decimal(line.debit or line.credit) / 100 / foreign).quantize(RATE_PLACES)
        line.fx_rate = rate
        line.fx_rate_date = group.date
        line.fx_rate_source = ExchangeRate.Source.BANK
        if not rate_kept(rate):
            plan.add(
                RATE_NOT_KEPT.format(
                    row=row.number,
                    amount=f"{foreign:,}",
                    currency=row.currency,
                    rate=f"{rate.normalize():f}",
                    book=book,
                ),
                row.number,
                "amount_currency",
            )
            return False
        return True
    if group.date is None:
        return None  # the missing date is reported
    try:
        rate, rate_date = books.rates.rate(row.currency, group.date)
    except MissingRateError:
        plan.add(
            NO_RATE.format(row=row.number, currency=row.currency, date=group.date),
            row.number,
            "currency",
        )
        return None
    cents = int(round_cents(foreign * rate) * 100)
    if row.side == "debit":
        line.debit = cents
    else:
        line.credit = cents
    line.fx_rate = rate
    line.fx_rate_date = rate_date
    line.fx_rate_source = ExchangeRate.Source.CHANCELLERY
    line.converted = True
    if 0 < cents < MAX_CENTS and rate_kept(rate):
        return True
    shown_rate = f"{rate.normalize():f}"
    if not rate_kept(rate):
        message = RATE_NOT_KEPT.format(
            row=row.number, amount=f"{foreign:,}", currency=row.currency, rate=shown_rate, book=book
        )
    elif cents == 0:
        message = CONVERTS_TO_ZERO.format(
            row=row.number, amount=f"{foreign:,}", currency=row.currency, book=book, rate=shown_rate
        )
    else:
        message = CONVERTS_TOO_LARGE.format(
            row=row.number,
            amount=f"{foreign:,}",
            currency=row.currency,
            converted=format_amount(Decimal(cents) / 100),
            book=book,
            rate=shown_rate,
        )
    plan.add(message, row.number, "amount_currency")
    return False


def _balance(
    plan: JournalPlan, books: Books, group: EntryRows, lines: list[LineDraft], journal_kind: str
) -> str | None:
    """An entry balances in book currency (""), or differs only by the rounding of lines
    converted here (each currency balancing on its own): then a rounding line is added
    to `lines`, carrying the budget line its account needs, and its note is returned.
    None when it cannot balance (the problem is reported)."""
    debit = credit = 0
    for line in lines:
        debit += line.debit
        credit += line.credit
    if debit == credit:
        return ""
    key, where = shown(group.key), rows_text(group.rows)
    difference = rules.conversion_rounding(lines)
    if difference is None:
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
        return None
    code = rules.rounding_account_code(difference)
    amount = format_amount(abs(difference) * Decimal("0.01"))
    book = books.lab.book_currency
    account = books.accounts.get(code)
    if account is None:
        plan.add(
            ROUNDING_ACCOUNT_MISSING.format(key=key, rows=where, code=code, lab=books.lab.code),
            group.rows[0],
        )
        return None
    budget_line_id, budget_code = None, ""
    if rules.needs_budget_line(account[1], journal_kind):  # the rounding line needs one too
        source = rules.rounding_budget_source(lines)
        if source is None:
            if not any(line.budget_code for line in lines):  # else: its problem is reported
                plan.add(
                    ROUNDING_NEEDS_BUDGET_LINE.format(
                        key=key, rows=where, amount=amount, currency=book, code=code
                    ),
                    group.rows[0],
                )
            return None
        budget_line_id, budget_code = source.budget_line_id, source.budget_code
    lines.append(
        LineDraft(
            account_id=account[0],
            debit=-difference if difference < 0 else 0,
            credit=difference if difference > 0 else 0,
            label=str(ROUNDING_LABEL),
            budget_line_id=budget_line_id,
            budget_code=budget_code,
        )
    )
    return ROUNDING_NOTE.format(
        key=key,
        rows=where,
        amount=amount,
        currency=book,
        code=code,
        what=ROUNDING_GAIN if difference > 0 else ROUNDING_LOSS,
    )


def _check_already_imported(plan: JournalPlan, lab: Lab) -> set[str]:
    """An entry imported before (same lab, journal, piece reference and key) is reported;
    returns their keys."""
    flagged: set[str] = set()
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
            when = when_text(created_at) if created_at else "?"
            flagged.add(planned.key)
            plan.add(
                ENTRY_ALREADY_IMPORTED.format(
                    key=shown(key),
                    rows=rows_text(planned.rows),
                    file=shown(file_name or ANOTHER_FILE),
                    when=when,
                    who=username or THE_SYSTEM,
                ),
                planned.rows[0],
                "entry",
            )
    return flagged


def _check_blocked_budgets(plan: JournalPlan, books: Books, skipped: Collection[str] = ()) -> None:
    """Posting would refuse to overspend a budget line whose policy is 'block': say so now,
    from the entries that have no problem (but those `skipped`, imported before),
    whatever problems the others have."""
    spent: dict[int, int] = defaultdict(int)
    for planned in plan.entries:
        if planned.key in skipped:
            continue
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
