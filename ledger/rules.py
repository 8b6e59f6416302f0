"""The posting rulebook: what an entry must be to be posted, written once.

Every way of posting applies these plain functions to the entries about to be posted:
`entries_post` (drafts read back from the database), `entries_create_posted` (entries
written posted at once by imports), the year-end entries of `fiscal_year_close`, the
reversals of `entry_reverse`; the journal import's preview asks the same questions
(`month_state`, `needs_budget_line`, `budget_line_year_ok`) to report its problems by
row, so a file the preview accepts is a file the posting accepts. Each path only decides
how to read and write in bulk. The database guards (db_guards.py) check the same
invariants underneath, independently.

The rules read the lab's books once (`books_read`, five small queries) and the entries
as `PostingEntry`/`PostingLine` values: amounts in integer cents of the book currency.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol, TypeVar

from django.utils.translation import gettext_lazy

from irls.models import Lab
from ledger.exceptions import (
    BUDGET_MISSING,
    BUDGET_OTHER_YEAR,
    NO_PERIOD,
    OPENING_NOT_YEAR_END,
    PERIOD_CLOSED,
    PERIOD_MISSING_POSTING,
    THIRD_PARTY_MISSING,
    TOO_FEW_LINES,
    UNBALANCED,
    YEAR_CLOSED,
    YEAR_END_DATE,
    BudgetError,
    BudgetLineMissingError,
    LedgerError,
    NoPeriodError,
    PeriodClosedError,
    ThirdPartyError,
    TooFewLinesError,
    UnbalancedEntryError,
    YearClosedError,
)
from ledger.models import Account, BudgetLine, FiscalYear, Journal, JournalEntry, Period

OPEN = "open"
CLOSED = "closed"
MISSING = "missing"  # no period holds the month (the year has none for it)
YEAR_CLOSED_STATE = "year_closed"
NO_YEAR = "no_year"


@dataclass(frozen=True, slots=True)
class YearInfo:
    year: int
    start: date
    end: date
    closed: bool
    previous_closed: bool  # the lab's fiscal year just before this one exists and is closed
    has_previous: bool


@dataclass(frozen=True, slots=True)
class Books:
    """What the rules need of a lab's books, read once."""

    lab_id: int
    lab_code: str
    book_currency: str
    journals: dict[int, tuple[str, str]]  # id -> (code, kind)
    years: dict[int, YearInfo]  # fiscal year id -> year
    accounts: dict[int, tuple[str, bool]]  # id -> (code, needs a budget line)
    budget_lines: dict[int, tuple[str, int]]  # id -> (code, fiscal year id)
    party_accounts: frozenset[int]  # ids of the accounts whose lines name a third party
    months: dict[tuple[int, int, int], str] = field(default_factory=dict)  # (fy, y, m) -> status

    def year_of(self, on: date) -> int | None:
        """The id of the fiscal year holding `on`, if any."""
        return next((pk for pk, y in self.years.items() if y.start <= on <= y.end), None)


def books_read(
    lab: Lab,
    *,
    account_ids: Iterable[int] | None = None,
    budget_line_ids: Iterable[int] | None = None,
) -> Books:
    """The lab's journals, fiscal years and months, accounts and budget lines. Posting
    known entries names the accounts and budget lines their lines use (`account_ids`,
    `budget_line_ids`): only those of the lab are read, and an id the lab does not hold
    is missing from the books exactly as when everything is read."""
    accounts = Account.objects.filter(lab=lab)
    if account_ids is not None:
        accounts = accounts.filter(pk__in=list(account_ids))
    account_rows = list(
        accounts.values_list("id", "code", "needs_budget_line", "needs_third_party")
    )
    budget_lines = BudgetLine.objects.filter(lab=lab)
    if budget_line_ids is not None:
        budget_lines = budget_lines.filter(pk__in=list(budget_line_ids))
    rows = list(
        FiscalYear.objects.filter(lab=lab)
        .order_by("year")
        .values_list("id", "year", "start_date", "end_date", "status")
    )
    closed_years = {year for _, year, _, _, status in rows if status == FiscalYear.Status.CLOSED}
    years_held = {year for _, year, _, _, _ in rows}
    years = {
        pk: YearInfo(
            year,
            start,
            end,
            status == FiscalYear.Status.CLOSED,
            year - 1 in closed_years,
            year - 1 in years_held,
        )
        for pk, year, start, end, status in rows
    }
    return Books(
        lab_id=lab.pk,
        lab_code=lab.code,
        book_currency=lab.book_currency,
        journals={
            pk: (code, kind)
            for pk, code, kind in Journal.objects.filter(lab=lab).values_list("id", "code", "kind")
        },
        years=years,
        accounts={pk: (code, needs) for pk, code, needs, _ in account_rows},
        party_accounts=frozenset(pk for pk, _, _, party in account_rows if party),
        budget_lines={
            pk: (code, year)
            for pk, code, year in budget_lines.values_list("id", "code", "fiscal_year_id")
        },
        months={
            (year_id, start.year, start.month): status
            for year_id, start, status in Period.objects.filter(lab=lab).values_list(
                "fiscal_year_id", "start_date", "status"
            )
        },
    )


class PostingLine(Protocol):
    account_id: int
    debit: int  # cents
    credit: int  # cents
    budget_line_id: int | None

    @property
    def third_party(self) -> str | None: ...  # the third party's code; blank or None: none


class PostingEntry(Protocol):
    journal_id: int
    fiscal_year_id: int
    date: date
    year_end: str
    reversal_of_id: int | None

    @property
    def lines(self) -> Sequence[PostingLine]: ...


# -- the rules, one question each ---------------------------------------------------------


def month_state(books: Books, fiscal_year_id: int | None, on: date, year_end: str = "") -> str:
    """Whether an entry of `fiscal_year_id` dated `on` may be posted: OPEN, or why not
    (NO_YEAR, YEAR_CLOSED_STATE, CLOSED, MISSING). Nothing is posted into a closed
    fiscal year; the year-end entries the closing writes are dated on the year's
    boundary days, whose months are closed by then (the year itself is still open)."""
    year = books.years.get(fiscal_year_id) if fiscal_year_id is not None else None
    if year is None or not year.start <= on <= year.end:
        return NO_YEAR
    if year.closed:
        return YEAR_CLOSED_STATE
    if year_end:
        return OPEN
    assert fiscal_year_id is not None
    return books.months.get((fiscal_year_id, on.year, on.month), MISSING)


def year_end_date_ok(books: Books, entry: PostingEntry) -> bool:
    """A closing entry is dated on its year's last day, an opening one on the first."""
    if not entry.year_end:
        return True
    year = books.years[entry.fiscal_year_id]
    wanted = year.end if entry.year_end == JournalEntry.YearEnd.CLOSING else year.start
    return entry.date == wanted


def opening_allowed(books: Books, journal_id: int, fiscal_year_id: int, year_end: str) -> bool:
    """Opening balances of a year that follows another come only from closing that one:
    an entry in an opening journal is then a year-end opening entry, posted while the
    previous year is being closed (not once it is closed). A lab's first year takes
    opening entries typed in by hand."""
    opening_journal = books.journals[journal_id][1] == Journal.Kind.OPENING
    if year_end == JournalEntry.YearEnd.OPENING:
        return opening_journal and not books.years[fiscal_year_id].previous_closed
    if opening_journal:
        return not books.years[fiscal_year_id].has_previous
    return True


def needs_budget_line(account_needs: bool, journal_kind: str, year_end: str = "") -> bool:
    """Expense and equipment lines name the budget line they consume, except in opening
    balances and the year-end entries (they consume nothing)."""
    return account_needs and journal_kind != Journal.Kind.OPENING and not year_end


def needs_third_party(account_needs: bool, year_end: str = "", reversal: bool = False) -> bool:
    """Lines on third-party accounts (suppliers, customers and partners, staff, other
    debtors and creditors: LEDGER_THIRD_PARTY_CLASSES) name their third party, except
    the year-end entries and reversals, which carry over what their lines had (lines
    booked before third parties were required may have none)."""
    return account_needs and not year_end and not reversal


def third_party_usable(active: bool, year_end: str = "", reversal: bool = False) -> bool:
    """A line written now names an active third party (a deactivated one stays on the
    lines and statements that already name it); reversals and the year-end entries carry
    over the third parties their lines had, active or not."""
    return active or bool(year_end) or reversal


DUE_JOURNALS = frozenset({Journal.Kind.PURCHASES, Journal.Kind.SALES, Journal.Kind.MISSIONS})


def due_date(
    journal_kind: str, account_needs_party: bool, invoice_date: date, terms: int
) -> date | None:
    """The due date an invoice line takes by default: a line on a third-party account
    in the purchases, sales or missions journal falls due `terms` days (the third party's
    payment terms) after the invoice (its piece date, else the entry's)."""
    if journal_kind not in DUE_JOURNALS or not account_needs_party:
        return None
    return invoice_date + timedelta(days=terms)


def budget_line_year_ok(budget_line_year_id: int, entry_year_id: int) -> bool:
    """A line consumes a budget line of its entry's fiscal year (a later year's spending
    goes to that year's line: carried commitments and carry-overs move there)."""
    return budget_line_year_id == entry_year_id


def entry_number(journal_code: str, year: int, seq: int) -> str:
    """The number a posted entry carries: <JOURNAL>-<YEAR>-<NNNNNN>."""
    return f"{journal_code}-{year}-{seq:06d}"


# -- the rules applied to entries about to be posted ------------------------------------


def _amount(cents: int) -> str:
    from ledger.selectors import format_amount  # selectors import models only

    return format_amount(Decimal(cents) / 100)


def entry_breach(books: Books, entry: PostingEntry, ref: str) -> LedgerError | None:
    """The first rule `entry` breaks, as the error posting raises; None when postable."""
    lines = entry.lines
    if len(lines) < 2:
        return TooFewLinesError(TOO_FEW_LINES.format(ref=ref))
    debit = sum(line.debit for line in lines)
    credit = sum(line.credit for line in lines)
    if debit != credit:
        return UnbalancedEntryError(
            UNBALANCED.format(
                ref=ref,
                debit=_amount(debit),
                credit=_amount(credit),
                currency=books.book_currency,
            )
        )
    state = month_state(books, entry.fiscal_year_id, entry.date, entry.year_end)
    if state != OPEN:
        return _date_breach(books, entry, ref, state)
    if not year_end_date_ok(books, entry) or not opening_allowed(
        books, entry.journal_id, entry.fiscal_year_id, entry.year_end
    ):
        year = books.years[entry.fiscal_year_id]
        if entry.year_end:
            return YearClosedError(YEAR_END_DATE.format(ref=ref, year=year.year))
        return YearClosedError(OPENING_NOT_YEAR_END.format(ref=ref, year=year.year))
    return _budget_breach(books, entry, ref) or _party_breach(books, entry, ref)


def _party_breach(books: Books, entry: PostingEntry, ref: str) -> LedgerError | None:
    if entry.year_end or entry.reversal_of_id is not None:
        return None
    for n, line in enumerate(entry.lines, start=1):
        if not line.third_party and line.account_id in books.party_accounts:
            code = books.accounts[line.account_id][0]
            return ThirdPartyError(THIRD_PARTY_MISSING.format(ref=ref, n=n, account=code))
    return None


def _date_breach(books: Books, entry: PostingEntry, ref: str, state: str) -> LedgerError:
    if state == NO_YEAR:
        return NoPeriodError(NO_PERIOD.format(ref=ref, date=entry.date, lab=books.lab_code))
    year = books.years[entry.fiscal_year_id].year
    if state == YEAR_CLOSED_STATE:
        return YearClosedError(YEAR_CLOSED.format(ref=ref, year=year, lab=books.lab_code))
    template = PERIOD_CLOSED if state == CLOSED else PERIOD_MISSING_POSTING
    return PeriodClosedError(
        template.format(ref=ref, period=f"{entry.date:%Y-%m}", lab=books.lab_code)
    )


def _budget_breach(books: Books, entry: PostingEntry, ref: str) -> LedgerError | None:
    kind = books.journals[entry.journal_id][1]
    for n, line in enumerate(entry.lines, start=1):
        if line.budget_line_id is None:
            code, needs = books.accounts[line.account_id]
            if needs_budget_line(needs, kind, entry.year_end):
                return BudgetLineMissingError(BUDGET_MISSING.format(ref=ref, n=n, account=code))
            continue
        code, year_id = books.budget_lines[line.budget_line_id]
        if not budget_line_year_ok(year_id, entry.fiscal_year_id):
            return BudgetError(
                BUDGET_OTHER_YEAR.format(
                    ref=ref,
                    code=code,
                    year=books.years[year_id].year,
                    entry_year=books.years[entry.fiscal_year_id].year,
                )
            )
    return None


def check_postable(books: Books, entries: Iterable[tuple[PostingEntry, str]]) -> None:
    """Raise the first breach of the entries (each given with how to name it)."""
    for entry, ref in entries:
        breach = entry_breach(books, entry, ref)
        if breach is not None:
            raise breach


# -- conversion rounding ------------------------------------------------------------------

LOSS_ACCOUNT, GAIN_ACCOUNT = "666", "766"
# Stored on the line, as the import writes it: in the language active when it is written.
ROUNDING_LABEL = gettext_lazy("Conversion rounding")


class ConvertedLine(Protocol):
    """A line as the rounding rule reads it: book amounts in cents; `converted` when its
    book amount was computed here from `amount_currency` at the chancellery rate."""

    @property
    def debit(self) -> int: ...
    @property
    def credit(self) -> int: ...
    @property
    def converted(self) -> bool: ...
    @property
    def currency(self) -> str: ...
    @property
    def amount_currency(self) -> Decimal | None: ...
    @property
    def budget_line_id(self) -> int | None: ...


def conversion_rounding(lines: Sequence[ConvertedLine]) -> int | None:
    """What an entry lacks in book currency (cents, debit minus credit) when that is only
    the rounding of the lines converted here: each currency balances on its own and the
    other lines balance among themselves. 0 when the entry balances; None when the
    difference is more than rounding (the entry is simply unbalanced)."""
    difference = sum(line.debit - line.credit for line in lines)
    if difference == 0:
        return 0
    converted = [line for line in lines if line.converted]
    if not converted:
        return None
    by_currency: dict[str, Decimal] = {}
    for line in converted:
        assert line.amount_currency is not None
        signed = line.amount_currency if line.debit else -line.amount_currency
        by_currency[line.currency] = by_currency.get(line.currency, Decimal(0)) + signed
    others = sum(line.debit - line.credit for line in lines if not line.converted)
    if others != 0 or any(by_currency.values()):
        return None
    return difference


def rounding_account_code(difference: int) -> str:
    """The account of the rounding line: a gain (766) when the debits exceed the
    credits (the line is a credit), a loss (666) otherwise."""
    return GAIN_ACCOUNT if difference > 0 else LOSS_ACCOUNT


_Converted = TypeVar("_Converted", bound=ConvertedLine)


def rounding_budget_source(lines: Sequence[_Converted]) -> _Converted | None:
    """The line whose budget line the rounding line carries (when its account needs
    one): of the lines converted here that name a budget line, the largest; else the
    largest line naming one."""
    tagged = [line for line in lines if line.budget_line_id is not None]
    if not tagged:
        return None
    converted = [line for line in tagged if line.converted]
    return max(converted or tagged, key=lambda line: line.debit + line.credit)
