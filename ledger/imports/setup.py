"""Sheets that set the books up: chart of accounts, exchange rates, budget lines.

Small sheets (tens to hundreds of rows): each row is checked against the lab's books
read once, and written by the setup services one row at a time.
"""

import re
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.formats import number_format

from irls.models import FundingSource, Lab
from ledger.alert_thresholds import DEFAULT_ALERT_THRESHOLDS, alert_thresholds_text
from ledger.exceptions import RATE_SOURCES
from ledger.imports import cells
from ledger.imports.cells import CellError
from ledger.imports.plans import (
    NEEDS_BUDGET_LINE_BY_CLASS,
    NO,
    SUMMARY_ACCOUNTS,
    SUMMARY_BUDGET_LINES,
    SUMMARY_RATES,
    SUMMARY_TOTAL_ALLOCATED,
    YES,
    Plan,
    Preview,
    PreviewGroup,
    Progress,
    RowReader,
    captions,
)
from ledger.imports.problems import (
    ACCOUNT_CODE,
    ACCOUNT_EXISTS,
    ALERT_THRESHOLDS_CELL,
    BUDGET_LINE_EXISTS,
    DUPLICATE_ACCOUNT,
    DUPLICATE_BUDGET_LINE,
    DUPLICATE_IN_FILE,
    DUPLICATE_RATE,
    NEGATIVE,
    NOT_A_CURRENCY,
    NOT_A_YEAR,
    NOT_POSITIVE,
    RATE_CORRECTED,
    RATE_UNCHANGED,
    REQUIRED,
    TOO_LONG,
    UNKNOWN_FUNDING,
    UNKNOWN_YEAR,
    count_text,
    shown,
)
from ledger.imports.reading import Sheet
from ledger.models import Account, BudgetLine, ExchangeRate, FiscalYear
from ledger.selectors import format_amount

MAX_ROWS = 20_000
ACCOUNT_PATTERN = re.compile(r"[1-7][0-9]{2,11}")
CURRENCY_PATTERN = re.compile(r"[A-Z]{3}")

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class _Rows:
    """Cells of one row by column name, with the row's problems going to the plan."""

    def __init__(self, plan: Plan, reader: RowReader, number: int, row: list[Any]) -> None:
        self.plan = plan
        self.reader = reader
        self.number = number
        self.row = row
        self.ok = True

    def raw(self, name: str) -> Any:
        index = self.reader.position(name)
        return self.row[index] if index is not None else ""

    def fail(self, message: str, column: str | None = None) -> None:
        self.plan.add(message, self.number, column)
        self.ok = False

    def text(self, name: str, limit: int, required: bool = True) -> str:
        value = cells.text(self.raw(name))
        if required and not value:
            self.fail(REQUIRED.format(row=self.number, column=name), name)
        elif len(value) > limit:
            self.fail(
                TOO_LONG.format(row=self.number, column=name, length=len(value), limit=limit), name
            )
        return value

    def date(self, name: str) -> date | None:
        """A date of the file (its order decided for the whole file)."""
        raw = self.raw(name)
        if cells.is_blank(raw):
            self.fail(REQUIRED.format(row=self.number, column=name), name)
            return None
        try:
            return self.reader.dates.read(raw, self.number)[0]
        except CellError as error:
            self.plan.cell_problem(error, self.number, name)
            self.ok = False
            return None

    def amount(self, name: str, places: int = 2) -> Decimal | None:
        """An amount of the file (text read with the file's decimal mark)."""
        raw = self.raw(name)
        if not isinstance(raw, str) or not raw.strip():
            return self.read(name, cells.amount, places)
        try:
            return self.reader.amounts.text(raw.strip(), self.number, name, places=places)
        except CellError as error:
            self.plan.cell_problem(error, self.number, name)
            self.ok = False
            return None

    def read(self, name: str, reader: Any, *args: Any, required: bool = True) -> Any:
        raw = self.raw(name)
        if cells.is_blank(raw):
            if required:
                self.fail(REQUIRED.format(row=self.number, column=name), name)
            return None
        try:
            return reader(raw, *args)
        except CellError as error:
            self.plan.cell_problem(error, self.number, name)
            self.ok = False
            return None


def _table(columns: list[str], rows: list[list[str]], what: "StrOrPromise") -> Preview:
    """One group of all the rows, titled and counted by `what`, captions in words."""
    title = str(what)
    return Preview(captions(columns), [PreviewGroup(title, rows)], [(title, count_text(len(rows)))])


# -- chart of accounts ---------------------------------------------------------------------


@dataclass(frozen=True)
class AccountRow:
    row: int
    code: str
    name_fr: str
    name_en: str
    needs_budget_line: bool | None


@dataclass
class AccountsPlan(Plan):
    accounts: list[AccountRow] = field(default_factory=list)

    def preview(self) -> Preview:
        rows = [
            [str(a.row), a.code, a.name_fr, a.name_en, _yes_no(a.needs_budget_line)]
            for a in self.accounts
        ]
        return _table(
            ["row", "code", "name_fr", "name_en", "needs_budget_line"], rows, SUMMARY_ACCOUNTS
        )


def _yes_no(value: bool | None) -> str:
    return str(NEEDS_BUDGET_LINE_BY_CLASS if value is None else (YES if value else NO))


def plan_accounts(
    sheet: Sheet,
    *,
    lab: Lab,
    post: bool = False,
    progress: Progress | None = None,
    date_order: str = "auto",
) -> AccountsPlan:
    plan = AccountsPlan(kind="accounts")
    reader = RowReader("accounts", sheet, plan, MAX_ROWS, date_order)
    if plan.problems:
        plan.finish()
        return plan
    existing = set(Account.objects.filter(lab=lab).values_list("code", flat=True))
    seen: dict[str, int] = {}
    for number, row in reader.rows(progress):
        cells_ = _Rows(plan, reader, number, row)
        code = cells_.text("code", 12)
        if code and not ACCOUNT_PATTERN.fullmatch(code):
            cells_.fail(ACCOUNT_CODE.format(row=number, value=shown(code)), "code")
        elif code in seen:
            cells_.fail(
                DUPLICATE_IN_FILE.format(
                    row=number, what=DUPLICATE_ACCOUNT, key=code, first_row=seen[code]
                ),
                "code",
            )
        elif code in existing:
            cells_.fail(ACCOUNT_EXISTS.format(row=number, code=code, lab=lab.code), "code")
        name_fr = cells_.text("name_fr", 200)
        name_en = cells_.text("name_en", 200)
        needs = cells_.read("needs_budget_line", cells.yes_no, required=False)
        if code:
            seen.setdefault(code, number)
        if cells_.ok:
            plan.accounts.append(AccountRow(number, code, name_fr, name_en, needs))
    plan.finish()
    return plan


# -- exchange rates ------------------------------------------------------------------------

SOURCES = {
    "chancellery": ExchangeRate.Source.CHANCELLERY,
    "chancellerie": ExchangeRate.Source.CHANCELLERY,
    "taux de chancellerie": ExchangeRate.Source.CHANCELLERY,
    "ecb": ExchangeRate.Source.ECB,
    "bce": ExchangeRate.Source.ECB,
    "bank": ExchangeRate.Source.BANK,
    "banque": ExchangeRate.Source.BANK,
}


@dataclass(frozen=True)
class RateRow:
    row: int
    currency: str
    valid_from: date
    units_per_eur: Decimal
    source: str


@dataclass
class RatesPlan(Plan):
    rates: list[RateRow] = field(default_factory=list)

    def preview(self) -> Preview:
        rows = [
            [
                str(r.row),
                r.currency,
                r.valid_from.isoformat(),
                number_format(r.units_per_eur),
                _label(ExchangeRate.Source, r.source),
            ]
            for r in self.rates
        ]
        return _table(
            ["row", "currency", "valid_from", "units_per_eur", "source"], rows, SUMMARY_RATES
        )


def plan_rates(
    sheet: Sheet,
    *,
    lab: Lab,
    post: bool = False,
    progress: Progress | None = None,
    date_order: str = "auto",
) -> RatesPlan:
    plan = RatesPlan(kind="rates")
    reader = RowReader("rates", sheet, plan, MAX_ROWS, date_order)
    if plan.problems:
        plan.finish()
        return plan
    stored = {
        (currency, source, valid_from): units
        for currency, source, valid_from, units in ExchangeRate.objects.values_list(
            "currency", "source", "valid_from", "units_per_eur"
        )
    }
    seen: dict[tuple[str, str, date], int] = {}
    for number, row in reader.rows(progress):
        cells_ = _Rows(plan, reader, number, row)
        currency = cells_.text("currency", 20).upper()
        if currency and not CURRENCY_PATTERN.fullmatch(currency):
            cells_.fail(
                NOT_A_CURRENCY.format(row=number, column="currency", value=shown(currency)),
                "currency",
            )
        valid_from = cells_.date("valid_from")
        units = cells_.amount("units_per_eur", 8)
        if units is not None and (units <= 0 or units >= Decimal("1e10")):
            cells_.fail(
                NOT_POSITIVE.format(row=number, column="units_per_eur", value=shown(units)),
                "units_per_eur",
            )
        source = ExchangeRate.Source.CHANCELLERY
        if not cells.is_blank(cells_.raw("source")):
            source = cells_.read("source", cells.choice, SOURCES) or source
        if not cells_.ok or valid_from is None or units is None:
            continue
        key = (currency, source, valid_from)
        if key in seen:
            plan.add(
                DUPLICATE_IN_FILE.format(
                    row=number,
                    what=DUPLICATE_RATE,
                    key=f"{currency} {source} {valid_from}",
                    first_row=seen[key],
                ),
                number,
            )
            continue
        seen[key] = number
        old = stored.get(key)
        if old is not None and old == units:
            plan.notes.append(
                RATE_UNCHANGED.format(
                    row=number,
                    currency=currency,
                    source=RATE_SOURCES.get(source, source),
                    date=valid_from,
                    value=units,
                )
            )
            continue
        if old is not None:
            plan.notes.append(
                RATE_CORRECTED.format(
                    row=number,
                    currency=currency,
                    source=RATE_SOURCES.get(source, source),
                    date=valid_from,
                    old=old.normalize(),
                    new=units,
                )
            )
        plan.rates.append(RateRow(number, currency, valid_from, units, source))
    values = reader.conventions().values
    plan.rates = [
        replace(rate, units_per_eur=values.get((rate.row, "units_per_eur"), rate.units_per_eur))
        for rate in plan.rates
    ]
    plan.finish()
    return plan


# -- budget lines --------------------------------------------------------------------------


def _choices(choices: Any, extra: dict[str, str]) -> dict[str, str]:
    table = {value.casefold(): value for value in choices.values}
    table.update({str(label).casefold(): value for value, label in choices.choices})
    table.update(extra)
    return table


ENVELOPES = _choices(
    BudgetLine.Envelope,
    {"fonctionnement": "operating", "investissement": "equipment", "personnel": "personnel"},
)
NATURES = _choices(
    BudgetLine.Nature,
    {
        "fournitures": "supplies",
        "prestations": "services",
        "équipement": "equipment",
        "cdd": "fixed_term_staff",
        "réceptions": "receptions",
        "autre": "other",
    },
)
CATEGORIES = _choices(BudgetLine.FunderCategory, {})
POLICIES = _choices(BudgetLine.Policy, {"avertir": "warn", "bloquer": "block"})


@dataclass(frozen=True)
class BudgetRow:
    row: int
    code: str
    fiscal_year: FiscalYear
    funding_source: FundingSource
    label_fr: str
    label_en: str
    envelope: str
    nature: str
    allocated: Decimal
    allocated_on: date
    funder_category: str
    policy: str
    alert_thresholds: str = DEFAULT_ALERT_THRESHOLDS


@dataclass
class BudgetPlan(Plan):
    lines: list[BudgetRow] = field(default_factory=list)
    book_currency: str = "SGD"

    def preview(self) -> Preview:
        rows = [
            [
                str(b.row),
                b.code,
                str(b.fiscal_year.year),
                b.funding_source.code,
                b.label_en,
                _label(BudgetLine.Envelope, b.envelope),
                _label(BudgetLine.Nature, b.nature),
                format_amount(b.allocated),
                _label(BudgetLine.Policy, b.policy),
            ]
            for b in self.lines
        ]
        columns = ["row", "code", "year", "funding_source", "label_en", "envelope", "nature"]
        preview = _table([*columns, "allocated", "policy"], rows, SUMMARY_BUDGET_LINES)
        total = sum((b.allocated for b in self.lines), Decimal(0))
        preview.summary.append(
            (str(SUMMARY_TOTAL_ALLOCATED), f"{format_amount(total)} {self.book_currency}")
        )
        return preview


def _label(choices: Any, value: str) -> str:
    """A choice in words, in the active language (as it is if it is no choice)."""
    return str(dict(choices.choices).get(value, value))


def _thresholds(value: Any) -> str:
    """A budget line's alert thresholds ("80,100"; a single number is one threshold)."""
    written = cells.text(value)
    try:
        return alert_thresholds_text(written)
    except ValidationError as error:
        raise CellError(ALERT_THRESHOLDS_CELL, problem=" ".join(error.messages)) from None


def _year(value: Any) -> int:
    written = cells.text(value)
    if not re.fullmatch(r"[0-9]{4}", written):
        raise CellError(NOT_A_YEAR, value=shown(written))
    return int(written)


def plan_budget(
    sheet: Sheet,
    *,
    lab: Lab,
    post: bool = False,
    progress: Progress | None = None,
    date_order: str = "auto",
) -> BudgetPlan:
    plan = BudgetPlan(kind="budget", book_currency=lab.book_currency)
    reader = RowReader("budget", sheet, plan, MAX_ROWS, date_order)
    if plan.problems:
        plan.finish()
        return plan
    years = {fy.year: fy for fy in FiscalYear.objects.filter(lab=lab)}
    sources = {fs.code: fs for fs in FundingSource.objects.filter(lab=lab)}
    existing = set(BudgetLine.objects.filter(lab=lab).values_list("fiscal_year__year", "code"))
    seen: dict[tuple[int, str], int] = {}
    for number, row in reader.rows(progress):
        cells_ = _Rows(plan, reader, number, row)
        code = cells_.text("code", 30)
        year = cells_.read("year", _year)
        fiscal_year = years.get(year) if year is not None else None
        if year is not None and fiscal_year is None:
            cells_.fail(UNKNOWN_YEAR.format(row=number, lab=lab.code, year=year), "year")
        source_code = cells_.text("funding_source", 30)
        source = sources.get(source_code)
        if source_code and source is None:
            cells_.fail(
                UNKNOWN_FUNDING.format(row=number, code=shown(source_code), lab=lab.code),
                "funding_source",
            )
        label_fr = cells_.text("label_fr", 200)
        label_en = cells_.text("label_en", 200)
        envelope = cells_.read("envelope", cells.choice, ENVELOPES)
        nature = cells_.read("nature", cells.choice, NATURES)
        allocated = cells_.amount("allocated")
        if allocated is not None and allocated < 0:
            cells_.fail(
                NEGATIVE.format(row=number, column="allocated", value=shown(allocated)), "allocated"
            )
        allocated_on = cells_.date("allocated_on")
        category = cells_.read("funder_category", cells.choice, CATEGORIES, required=False)
        policy = cells_.read("policy", cells.choice, POLICIES, required=False)
        thresholds = cells_.read("alert_thresholds", _thresholds, required=False)
        if code and year is not None:
            key = (year, code)
            if key in seen:
                cells_.fail(
                    DUPLICATE_IN_FILE.format(
                        row=number,
                        what=DUPLICATE_BUDGET_LINE,
                        key=f"{code} {year}",
                        first_row=seen[key],
                    ),
                    "code",
                )
            elif key in existing:
                cells_.fail(
                    BUDGET_LINE_EXISTS.format(row=number, code=code, lab=lab.code, year=year),
                    "code",
                )
            seen.setdefault(key, number)
        if cells_.ok and fiscal_year and source and allocated_on and allocated is not None:
            plan.lines.append(
                BudgetRow(
                    number,
                    code,
                    fiscal_year,
                    source,
                    label_fr,
                    label_en,
                    envelope,
                    nature,
                    allocated,
                    allocated_on,
                    category or "",
                    policy or BudgetLine.Policy.WARN,
                    DEFAULT_ALERT_THRESHOLDS if thresholds is None else thresholds,
                )
            )
    values = reader.conventions().values
    plan.lines = [
        replace(line, allocated=values.get((line.row, "allocated"), line.allocated))
        for line in plan.lines
    ]
    plan.finish()
    return plan
