"""What every builder shares: options and period, words, the lab header, account
totals by SQL aggregation, and the conversion to EUR at the chancellery rate of each month.

Conversion rule (ARCHITECTURE.md, Money): lines are aggregated per account and month in
SQL; each month group is converted at the chancellery rate in force on the first day of
its month and rounded half-up to the cent; the figures of a statement are sums of those
converted groups, so a statement that must balance shows the rounding on its own row.
"""

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, cast

from django.db import connection
from django.db.models import Case, Count, DateField, F, Func, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from irls.models import Lab, Partnership
from ledger.fields import CentsField, round_cents
from ledger.models import Account, ExchangeRate, FiscalYear, Journal, JournalEntry, JournalLine
from reports.exceptions import (
    BAD_CURRENCY,
    BAD_LANGUAGE,
    NO_FISCAL_YEAR,
    NO_FISCAL_YEAR_ON,
    NO_RATE,
    PERIOD_ORDER,
    PERIOD_OUTSIDE_YEAR,
    YEAR_NEEDED,
    StatementError,
)
from reports.statement import Column, LabHeader, Row, format_date

Language = Literal["en", "fr"]
LANGUAGES: tuple[Language, ...] = ("en", "fr")
EUR = "EUR"
ZERO = Decimal("0.00")
# Added to PERIOD_OUTSIDE_YEAR for the statements that read a period across fiscal years.
PERIOD_ACROSS_YEARS = _(": give both dates without the year for a period across fiscal years")

# Words shared by several statements; each builder keeps its own in the same shape.
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "account": "Account",
        "name": "Name",
        "opening": "Opening balance",
        "debit": "Debit",
        "credit": "Credit",
        "closing": "Closing balance",
        "balance": "Balance",
        "total": "Total",
        "rounding": "Conversion rounding (EUR)",
        "class": "Class {n}: {name}",
        "subtotal_class": "Total class {n}",
        "annex_title": "Chancellery rates used (SGD per 1 EUR)",
        "month": "Month",
        "rate": "{book} per 1 EUR",
        "valid_from": "Valid from",
        "source": "Source",
        "chancellery": "Chancellery rate (French Treasury)",
        "booked": "Amounts in {book}, the book currency, as booked.",
        "converted": (
            "Amounts converted from {book} to EUR at the chancellery rate of the French "
            "Treasury in force on the first day of each month, per account and month, rounded "
            "half-up to the cent; the rates used are listed in the annex. Any difference this "
            "rounding makes is shown on its own row."
        ),
        "signs": "Balances: positive for a debit balance, negative for a credit balance.",
        "posted_only": "Posted entries only; drafts are left out.",
    },
    "fr": {
        "account": "Compte",
        "name": "Intitulé",
        "opening": "Solde d'ouverture",
        "debit": "Débit",
        "credit": "Crédit",
        "closing": "Solde de clôture",
        "balance": "Solde",
        "total": "Total",
        "rounding": "Écart d'arrondi de conversion (EUR)",
        "class": "Classe {n} : {name}",
        "subtotal_class": "Total classe {n}",
        "annex_title": "Taux de chancellerie utilisés (SGD pour 1 EUR)",
        "month": "Mois",
        "rate": "{book} pour 1 EUR",
        "valid_from": "En vigueur depuis le",
        "source": "Source",
        "chancellery": "Taux de chancellerie (Trésor)",
        "booked": "Montants en {book}, devise de tenue des comptes, tels que comptabilisés.",
        "converted": (
            "Montants convertis de {book} en EUR au taux de chancellerie du Trésor en vigueur "
            "le premier jour de chaque mois, par compte et par mois, arrondis au centime le "
            "plus proche ; les taux utilisés figurent en annexe. L'écart né de ces arrondis "
            "figure sur une ligne distincte."
        ),
        "signs": "Soldes : positifs pour un solde débiteur, négatifs pour un solde créditeur.",
        "posted_only": "Écritures validées uniquement ; les brouillons sont exclus.",
    },
}

CLASS_NAMES: dict[str, dict[str, str]] = {
    "en": {
        "1": "Equity and long-term liabilities",
        "2": "Fixed assets",
        "3": "Stocks and work in progress",
        "4": "Third parties",
        "5": "Financial accounts",
        "6": "Expenses",
        "7": "Income",
    },
    "fr": {
        "1": "Comptes de capitaux",
        "2": "Comptes d'immobilisations",
        "3": "Comptes de stocks et en-cours",
        "4": "Comptes de tiers",
        "5": "Comptes financiers",
        "6": "Comptes de charges",
        "7": "Comptes de produits",
    },
}


def word(words: Mapping[str, Mapping[str, str]], language: str, key: str, **values: Any) -> str:
    """The text `key` of `words` in `language`, with `values` filled in."""
    text = words[language][key]
    return text.format(**values) if values else text


def common(language: str, key: str, **values: Any) -> str:
    return word(WORDS, language, key, **values)


def class_title(language: str, pcg_class: str) -> str:
    return common(language, "class", n=pcg_class, name=CLASS_NAMES[language][pcg_class])


@dataclass(frozen=True)
class StatementOptions:
    """What every statement is asked for: a lab, a period, a language and a currency (the
    book currency or EUR).

    The period lies inside `fiscal_year`, or, for the statements that read any range
    (`statement_options(across_years=True)`), runs from `fiscal_year` over the following
    ones: `years` then lists every fiscal year the period touches, first to last."""

    lab: Lab
    fiscal_year: FiscalYear
    date_from: date
    date_to: date
    language: Language
    currency: str
    years: tuple[FiscalYear, ...] = ()

    @property
    def book_currency(self) -> str:
        return self.lab.book_currency

    @property
    def converting(self) -> bool:
        return self.currency != self.lab.book_currency

    @property
    def fiscal_years(self) -> tuple[FiscalYear, ...]:
        """The fiscal years the period touches, in order (the first is `fiscal_year`)."""
        return self.years or (self.fiscal_year,)

    @property
    def across_years(self) -> bool:
        return len(self.fiscal_years) > 1

    @property
    def year_label(self) -> str:
        """2025, or 2025–2026 for a period across fiscal years."""
        first, last = self.fiscal_years[0].year, self.fiscal_years[-1].year
        return str(first) if first == last else f"{first}–{last}"

    @property
    def whole_year(self) -> bool:
        return not self.across_years and (self.date_from, self.date_to) == (
            self.fiscal_year.start_date,
            self.fiscal_year.end_date,
        )

    def parameters(self, kind: str, **extra: str) -> dict[str, str]:
        """The parameters a statement records (and prints), as text."""
        return {
            "kind": kind,
            "lab": self.lab.code,
            "year": self.year_label,
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "language": self.language,
            "currency": self.currency,
            **{k: v for k, v in extra.items() if v},
        }


def statement_options(
    *,
    lab: Lab,
    year: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    language: str = "en",
    currency: str | None = None,
    across_years: bool = False,
) -> StatementOptions:
    """Check and complete the options: the fiscal year `year` (or the one holding the
    dates), the period inside it (the whole year by default).

    `across_years`: without `year`, the two dates may lie in different fiscal years (the
    statements that read any range: trial balance, ledgers, partner statement)."""
    if language not in LANGUAGES:
        raise StatementError(BAD_LANGUAGE.format(value=language))
    currency = currency or lab.book_currency
    if currency not in (lab.book_currency, EUR):
        raise StatementError(BAD_CURRENCY.format(book=lab.book_currency, value=currency))
    fiscal_year = _fiscal_year(lab, year, date_from or date_to)
    start = date_from or fiscal_year.start_date
    end = date_to or fiscal_year.end_date
    if start > end:
        raise StatementError(PERIOD_ORDER.format(start=start, end=end))
    years: tuple[FiscalYear, ...] = ()
    if across_years and year is None and end > fiscal_year.end_date:
        years = _years_between(lab, fiscal_year, end)
    elif start < fiscal_year.start_date or end > fiscal_year.end_date:
        message = PERIOD_OUTSIDE_YEAR.format(
            start=start,
            end=end,
            year=fiscal_year.year,
            lab=lab.code,
            year_start=fiscal_year.start_date,
            year_end=fiscal_year.end_date,
        )
        if across_years:
            message += str(PERIOD_ACROSS_YEARS)
        raise StatementError(message)
    return StatementOptions(lab, fiscal_year, start, end, cast(Language, language), currency, years)


def _fiscal_year(lab: Lab, year: int | None, on: date | None) -> FiscalYear:
    if year is not None:
        found = FiscalYear.objects.filter(lab=lab, year=year).first()
        if found is None:
            raise StatementError(NO_FISCAL_YEAR.format(lab=lab.code, year=year))
        return found
    if on is None:
        raise StatementError(str(YEAR_NEEDED))
    found = FiscalYear.objects.filter(lab=lab, start_date__lte=on, end_date__gte=on).first()
    if found is None:
        raise StatementError(NO_FISCAL_YEAR_ON.format(lab=lab.code, date=on))
    return found


def _years_between(lab: Lab, first: FiscalYear, end: date) -> tuple[FiscalYear, ...]:
    """`first` and the fiscal years after it up to the one holding `end`, each starting the
    day after the previous one ends (a day no fiscal year holds is refused)."""
    years = [first]
    for following in FiscalYear.objects.filter(
        lab=lab, start_date__gt=first.end_date, start_date__lte=end
    ).order_by("start_date"):
        if following.start_date != years[-1].end_date + timedelta(days=1):
            break
        years.append(following)
    if years[-1].end_date < end:
        missing = years[-1].end_date + timedelta(days=1)
        raise StatementError(NO_FISCAL_YEAR_ON.format(lab=lab.code, date=missing))
    return tuple(years)


def previous_options(options: StatementOptions) -> StatementOptions | None:
    """The same period one fiscal year earlier, or None when the books have no such year."""
    previous = FiscalYear.objects.filter(lab=options.lab, year=options.fiscal_year.year - 1).first()
    if previous is None:
        return None

    def shifted(day: date) -> date:
        try:
            return day.replace(year=day.year - 1)
        except ValueError:  # 29 February
            return day.replace(year=day.year - 1, day=28)

    start = max(shifted(options.date_from), previous.start_date)
    end = min(shifted(options.date_to), previous.end_date)
    if options.date_to == options.fiscal_year.end_date:
        end = previous.end_date
    return StatementOptions(options.lab, previous, start, end, options.language, options.currency)


def lab_header(lab: Lab) -> LabHeader:
    partners = tuple(
        Partnership.objects.filter(lab=lab)
        .order_by("institution__code")
        .values_list("institution__code", flat=True)
    )
    return LabHeader(code=lab.code, name=lab.name, unit_number=lab.unit_number, partners=partners)


def now() -> datetime:
    """When a statement is generated, in the office's time zone."""
    return timezone.localtime()


def account_name(language: str, name_fr: str, name_en: str) -> str:
    return name_fr if language == "fr" else (name_en or name_fr)


def currency_notes(options: StatementOptions) -> tuple[str, ...]:
    key = "converted" if options.converting else "booked"
    return (common(options.language, key, book=options.book_currency),)


class MonthStart(Func):
    """The first day of a date's month, computed by the database itself: date_trunc on
    PostgreSQL; on SQLite (dates are ISO text there) a substring, not Django's TruncMonth,
    which calls a Python function for every line."""

    output_field = DateField()
    template = "CAST(DATE_TRUNC('month', %(expressions)s) AS date)"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="SUBSTR(%(expressions)s, 1, 7) || '-01'", **extra
        )


def cents_sum(expression: Any) -> Sum:
    """An exact SUM of cents on both databases (never through floating point)."""
    return Sum(expression, output_field=CentsField(), default=Value(0, output_field=CentsField()))


def when_cents(condition: Q, column: str) -> Case:
    """`column` where `condition` holds, 0 elsewhere, typed as cents."""
    return Case(When(condition, then=F(column)), default=Value(0), output_field=CentsField())


# Conversion ---------------------------------------------------------------------------


class MonthRates:
    """Chancellery rates of the book currency per EUR, each month's being the one in force
    on its first day; remembers the months it converted for the annex."""

    def __init__(self, currency: str) -> None:
        self.currency = currency
        rows = list(
            ExchangeRate.objects.filter(currency=currency, source=ExchangeRate.Source.CHANCELLERY)
            .order_by("valid_from")
            .values_list("valid_from", "units_per_eur")
        )
        self._dates = [valid_from for valid_from, _ in rows]
        self._values = [units for _, units in rows]
        self.used: dict[date, tuple[Decimal, date]] = {}

    def rate(self, month: date) -> Decimal:
        month = month.replace(day=1)
        i = bisect.bisect_right(self._dates, month) - 1
        if i < 0:
            raise StatementError(NO_RATE.format(currency=self.currency, month=month))
        self.used[month] = (self._values[i], self._dates[i])
        return self._values[i]

    def to_eur(self, amount: Decimal, month: date) -> Decimal:
        """`amount` of the book currency in EUR, rounded half-up to the cent."""
        if not amount:
            return ZERO
        return round_cents(amount / self.rate(month))


def annex(options: StatementOptions, rates: MonthRates | None) -> dict[str, Any]:
    """The annex fields of a statement: the rates used, month by month (EUR only)."""
    if rates is None or not rates.used:
        return {}
    language = options.language
    columns = (
        Column("month", common(language, "month"), "text", 10),
        Column("rate", common(language, "rate", book=options.book_currency), "number", 12),
        Column("valid_from", common(language, "valid_from"), "date", 12),
        Column("source", common(language, "source"), "text", 24),
    )
    rows = tuple(
        Row(
            (
                month_label(month, language),
                rate_value(units),
                valid_from,
                common(language, "chancellery"),
            )
        )
        for month, (units, valid_from) in sorted(rates.used.items())
    )
    title = common(language, "annex_title").replace("SGD", options.book_currency)
    return {"annex_title": title, "annex_columns": columns, "annex_rows": rows}


def month_label(month: date, language: str) -> str:
    return f"{month:%m/%Y}" if language == "fr" else f"{month:%Y-%m}"


def rate_value(units: Decimal) -> Decimal:
    """A rate with its significant decimals, at least four (1.4500, 1.45231)."""
    exponent = units.normalize().as_tuple().exponent
    places = max(4, -exponent if isinstance(exponent, int) else 0)
    return units.quantize(Decimal(1).scaleb(-places))


def date_range_text(options: StatementOptions) -> str:
    """'2025-07-01 – 2026-06-30', '01/07/2025 – 30/06/2026'."""
    start = format_date(options.date_from, options.language)
    end = format_date(options.date_to, options.language)
    return f"{start} – {end}"


# Account totals -----------------------------------------------------------------------


@dataclass(frozen=True)
class AccountInfo:
    id: int
    code: str
    name_fr: str
    name_en: str

    def name(self, language: str) -> str:
        return account_name(language, self.name_fr, self.name_en)


@dataclass(frozen=True)
class Figures:
    """An account's opening balance (signed, debit positive), debits and credits."""

    opening: Decimal = ZERO
    debit: Decimal = ZERO
    credit: Decimal = ZERO

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(
            self.opening + other.opening, self.debit + other.debit, self.credit + other.credit
        )


def _year_end_entries(years: Sequence[FiscalYear], year_end: str) -> list[int]:
    """The posted entries of `years` written by the year end as `year_end` (opening or
    closing), and for the opening ones any entry of the lab's opening journal AN (as
    `ledger.selectors.years.OPENING` says): a handful, so lines are told apart by entry
    id, read from the lines' own table without a join. Each found from an index (the
    year-end entries', the numbered entries' per journal), never by reading the year."""
    if not years:
        return []
    lab_id = years[0].lab_id
    posted = JournalEntry.objects.filter(
        lab_id=lab_id,
        fiscal_year__in=list(years),
        status=JournalEntry.Status.POSTED,
        seq__isnull=False,  # posted, numbered: the numbering's index
    ).order_by()
    found = set(posted.exclude(year_end="").filter(year_end=year_end).values_list("id", flat=True))
    if year_end == JournalEntry.YearEnd.OPENING:
        journals = Journal.objects.filter(lab_id=lab_id, kind=Journal.Kind.OPENING).values("id")
        found |= set(posted.filter(journal_id__in=journals).values_list("id", flat=True))
    return sorted(found)


def opening_entries(options: StatementOptions) -> list[int]:
    """The posted opening entries of every fiscal year of the period."""
    return _year_end_entries(options.fiscal_years, JournalEntry.YearEnd.OPENING)


def carried_entries(options: StatementOptions) -> list[int]:
    """The opening entries of the fiscal years after the first one of a period across years.

    They carry the balances of the year before, which the period already counts (opening
    balance at its start, then every movement up to that year's end): counted again, they
    would double every balance-sheet account."""
    return _year_end_entries(options.fiscal_years[1:], JournalEntry.YearEnd.OPENING)


def closing_entries(options: StatementOptions) -> list[int]:
    """The posted closing entries (year_end="closing") of the fiscal years of the period:
    they move classes 6 and 7 into the result (120/129)."""
    return _year_end_entries(options.fiscal_years, JournalEntry.YearEnd.CLOSING)


def opening_condition(options: StatementOptions) -> Q:
    """Lines that make an opening balance: before the period, or in the opening entries
    of the period's first fiscal year (whatever their date)."""
    first = _year_end_entries(options.fiscal_years[:1], JournalEntry.YearEnd.OPENING)
    return Q(entry_date__lt=options.date_from) | Q(entry_id__in=first)


def period_lines(
    options: StatementOptions, *, without_closing: bool = False
) -> QuerySet[JournalLine]:
    """The posted lines that make the balances of the period: from the start of its first
    fiscal year to its end, without the opening entries of the later years (see
    `account_figures`) and, when asked (income statement), without the closing entries."""
    excluded = carried_entries(options)
    if without_closing:
        excluded += closing_entries(options)
    lines = JournalLine.objects.filter(
        lab=options.lab,
        entry_date__gte=options.fiscal_year.start_date,
        entry_date__lte=options.date_to,
    )
    return lines.exclude(entry_id__in=excluded) if excluded else lines


def account_figures(
    options: StatementOptions, rates: MonthRates | None, *, without_closing: bool = False
) -> dict[int, Figures]:
    """Per account with posted lines in the period's fiscal years up to `date_to`: opening
    balance, debits and credits of the period.

    The rule over one or several fiscal years: the opening balance at `date_from` is what
    the lines of its fiscal year say before that day, plus that year's opening entries
    (AN, whatever their date); the movements are every posted line from `date_from` to
    `date_to`, closing entries included (a trial balance after closing shows classes 6
    and 7 settled into 120/129) unless `without_closing`, and the opening entries of the
    later fiscal years left out: they restate balances that the period has already
    counted. So the closing balance at `date_to` is the same whether the period starts
    in its own fiscal year or in an earlier one, as long as each year is closed before
    the next one opens its books (an earlier year not closed yet keeps its classes 6
    and 7 in the balances, which then run on over the following year).

    In book currency, read from the lines' covering index (`_book_figures`); when
    converting, one GROUP BY account and month, converted per month group."""
    if rates is None:
        return _book_figures(options, without_closing=without_closing)
    opening = opening_condition(options)
    groups = grouped_sums(
        period_lines(options, without_closing=without_closing),
        ["account_id"],
        {
            "open_debit": cents_sum(when_cents(opening, "debit")),
            "open_credit": cents_sum(when_cents(opening, "credit")),
            "debit": cents_sum(when_cents(~opening, "debit")),
            "credit": cents_sum(when_cents(~opening, "credit")),
        },
        rates,
    )
    return {
        key[0]: Figures(s["open_debit"] - s["open_credit"], s["debit"], s["credit"])
        for key, s in groups.items()
    }


_Sums = dict[int, tuple[Decimal, Decimal, int]]  # account id -> debit, credit, lines


def _index_sums(lab: Lab, dates: Q) -> _Sums:
    """Per account of `lab`: debits, credits and lines of its posted lines in `dates`, in
    one GROUP BY over the columns of the covering index on (lab, account, entry_date,
    debit, credit). On SQLite the lab's accounts are named, which makes it walk that
    index account by account (bench/api.py at 1,000,000 lines: 0.28 s, 0.90 s without);
    PostgreSQL is left to choose, and takes a parallel scan on every core when the lab is
    much of the table (0.2 s, where the index account by account took 0.4 s)."""
    lines = JournalLine.objects.filter(dates, lab=lab)
    if connection.vendor == "sqlite":
        lines = lines.filter(account__in=Account.objects.filter(lab=lab).values("id"))
    rows = (
        lines.values("account_id")
        .annotate(debit=cents_sum("debit"), credit=cents_sum("credit"), lines=Count("*"))
        .order_by()
    )
    return {r["account_id"]: (r["debit"], r["credit"], r["lines"]) for r in rows}


def _entry_sums(entry_ids: list[int], dates: Q) -> _Sums:
    """The same, over the lines of a few entries (opening and closing entries)."""
    if not entry_ids:
        return {}
    rows = (
        JournalLine.objects.filter(dates, entry_id__in=entry_ids)
        .values("account_id")
        .annotate(debit=cents_sum("debit"), credit=cents_sum("credit"), lines=Count("*"))
        .order_by()
    )
    return {r["account_id"]: (r["debit"], r["credit"], r["lines"]) for r in rows}


def _book_figures(options: StatementOptions, *, without_closing: bool) -> dict[int, Figures]:
    """`account_figures` in book currency, by the same rule, from index range sums: every
    line from the first fiscal year's start to `date_to`, less those before `date_from`
    (the opening, with the first year's opening entries dated inside the period), less
    the entries the period leaves out (the later years' opening entries; the closing
    entries when asked). Only the opening and closing entries, a few lines, are read by
    entry; the lines of the ledger are read once, from the index."""
    start, date_from, date_to = options.fiscal_year.start_date, options.date_from, options.date_to
    total = _index_sums(options.lab, Q(entry_date__gte=start, entry_date__lte=date_to))
    before: _Sums = {}
    if date_from > start:
        before = _index_sums(options.lab, Q(entry_date__gte=start, entry_date__lt=date_from))
    inside = Q(entry_date__gte=date_from, entry_date__lte=date_to)
    moved = _entry_sums(
        _year_end_entries(options.fiscal_years[:1], JournalEntry.YearEnd.OPENING), inside
    )
    excluded = carried_entries(options)
    if without_closing:
        excluded += closing_entries(options)
    dropped = _entry_sums(excluded, Q(entry_date__gte=start, entry_date__lte=date_to))
    none = (ZERO, ZERO, 0)
    figures = {}
    for account_id, (debit, credit, lines) in total.items():
        b_debit, b_credit, _b = before.get(account_id, none)
        m_debit, m_credit, _m = moved.get(account_id, none)
        d_debit, d_credit, d_lines = dropped.get(account_id, none)
        if lines == d_lines:
            continue  # only lines the period leaves out
        figures[account_id] = Figures(
            b_debit - b_credit + m_debit - m_credit,
            debit - b_debit - m_debit - d_debit,
            credit - b_credit - m_credit - d_credit,
        )
    return figures


def grouped_sums(
    lines: QuerySet[JournalLine],
    keys: Sequence[str],
    sums: Mapping[str, Any],
    rates: MonthRates | None,
) -> dict[tuple[Any, ...], dict[str, Decimal]]:
    """SUMs of `lines` per `keys` in one GROUP BY; when converting, grouped by month too
    and each month group converted at its rate before being added up."""
    group_keys = list(keys)
    if rates is not None:
        lines = lines.annotate(month=MonthStart("entry_date"))
        group_keys.append("month")
    if group_keys:
        groups = list(lines.values(*group_keys).annotate(**sums).order_by())
    else:
        groups = [lines.aggregate(**sums)]
    result: dict[tuple[Any, ...], dict[str, Decimal]] = {}
    for group in groups:
        totals = result.setdefault(tuple(group[k] for k in keys), dict.fromkeys(sums, ZERO))
        for name in sums:
            amount = group[name]
            if rates is not None:
                amount = rates.to_eur(amount, group["month"])
            totals[name] += amount
    return result


def accounts_by_id(ids: Iterable[int]) -> list[AccountInfo]:
    """The accounts `ids`, ordered by code."""
    return [
        AccountInfo(**row)
        for row in Account.objects.filter(id__in=list(ids))
        .order_by("code")
        .values("id", "code", "name_fr", "name_en")
    ]


def rounding_figures(total: Figures) -> Figures:
    """What the conversion rounding row holds so that the totals balance: an opening
    that brings the openings to zero, and a debit or credit that evens the columns."""
    gap = total.debit - total.credit
    return Figures(-total.opening, max(-gap, ZERO), max(gap, ZERO))


def month_rates(options: StatementOptions) -> MonthRates | None:
    return MonthRates(options.book_currency) if options.converting else None
