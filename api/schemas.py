"""What the API reads and writes. Amounts are decimal strings ("1234.50", never
floats), dates ISO 8601 (YYYY-MM-DD), codes as the pages show them."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import ConfigDict, Field

Amount = Decimal
Text200 = str


class Strict(Schema):
    """A request body: unknown fields are refused (a typo is not silently dropped)."""

    model_config = ConfigDict(extra="forbid")


class LabOut(Schema):
    code: str
    name: str
    unit_number: str
    field: str
    book_currency: str
    start_date: dt.date
    end_date: dt.date | None
    status: str
    roles: list[str] = Field(description="The caller's roles in this lab")
    may_write: bool


class AccountOut(Schema):
    code: str
    name_fr: str
    name_en: str
    kind: str
    is_active: bool
    needs_budget_line: bool
    needs_third_party: bool


class JournalOut(Schema):
    code: str
    name_fr: str
    name_en: str
    kind: str


class PeriodOut(Schema):
    month: int
    start_date: dt.date
    end_date: dt.date
    status: str


class FiscalYearOut(Schema):
    year: int
    start_date: dt.date
    end_date: dt.date
    status: str
    periods: list[PeriodOut]


class RateOut(Schema):
    currency: str
    valid_from: dt.date
    units_per_eur: Decimal
    source: str


class LineOut(Schema):
    account: str
    label: str
    debit: Amount
    credit: Amount
    currency: str | None = Field(None, description="Foreign currency of the operation")
    amount_currency: Amount | None = None
    fx_rate: Decimal | None = None
    fx_rate_date: dt.date | None = None
    fx_rate_source: str = ""
    third_party: str | None = None
    due_date: dt.date | None = None
    budget_line: str | None = None
    commitment: str | None = None


class EntrySummaryOut(Schema):
    id: int
    date: dt.date
    number: str | None = Field(description="<JOURNAL>-<YEAR>-<NNNNNN> once posted")
    status: str
    journal: str
    piece_ref: str
    label: str
    debit: Amount
    credit: Amount
    line_count: int
    reversal_of: int | None
    reversed_by: int | None
    import_batch: int | None


class EntryOut(Schema):
    id: int
    lab: str
    date: dt.date
    number: str | None
    status: str
    journal: str
    piece_ref: str
    piece_date: dt.date | None
    label: str
    year_end: str
    reversal_of: int | None
    reversed_by: int | None
    import_batch: int | None
    created_by: str | None
    created_at: dt.datetime
    posted_by: str | None
    posted_at: dt.datetime | None
    hash: str
    lines: list[LineOut]


class EntryPageOut(Schema):
    items: list[EntrySummaryOut]
    next_cursor: str | None = Field(
        description="Pass it as `cursor` for the next (older) page; null on the last page"
    )


class LineIn(Strict):
    """One line: an amount in book currency on one side; or, with `currency` (a foreign
    one), the amount in that currency, converted at the chancellery rate of the entry's
    date, or at `bank_rate` when given."""

    account: str = Field(max_length=12, description="Account code of the lab's chart")
    label: str = Field("", max_length=200)
    debit: Decimal | None = Field(None, ge=0, max_digits=15, decimal_places=2)
    credit: Decimal | None = Field(None, ge=0, max_digits=15, decimal_places=2)
    currency: str | None = Field(None, min_length=3, max_length=3)
    bank_rate: Decimal | None = Field(None, gt=0, max_digits=18, decimal_places=8)
    third_party: str | None = Field(None, max_length=40)
    due_date: dt.date | None = None
    budget_line: str | None = Field(None, max_length=30, description="Budget line code")
    commitment: str | None = Field(None, max_length=60, description="Commitment reference")


class EntryIn(Strict):
    journal: str = Field(max_length=6)
    date: dt.date
    label: str = Field(max_length=200)
    piece_ref: str = Field("", max_length=60)
    piece_date: dt.date | None = None
    lines: list[LineIn] = Field(min_length=2, max_length=200)


class ReverseIn(Strict):
    date: dt.date
    reason: str = Field(min_length=1, max_length=200)


class BalanceOut(Schema):
    account: str
    name_fr: str
    name_en: str
    opening: Amount
    debit: Amount
    credit: Amount
    closing: Amount


class BalancesOut(Schema):
    lab: str
    date_from: dt.date
    date_to: dt.date
    currency: str
    accounts: list[BalanceOut]
    total: BalanceOut


class StatementIn(Strict):
    kind: Literal[
        "trial-balance",
        "general-ledger",
        "journal",
        "budget-execution",
        "partner",
        "grant",
        "balance-sheet",
        "income-statement",
        "fec",
        "ageing-payables",
        "ageing-receivables",
        "third-party-ledger",
        "third-party-balance",
    ]
    year: int | None = Field(None, ge=1900, le=2999)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    format: Literal["pdf", "xlsx", "txt"] = "pdf"
    language: Literal["en", "fr"] = "en"
    currency: str | None = Field(None, min_length=3, max_length=3)
    partner: str = Field("", max_length=20)
    grant: str = Field("", max_length=30)
    third_party: str = Field("", max_length=40)


class StatementOut(Schema):
    id: int
    kind: str
    format: str
    file_name: str
    size: int
    sha256: str
    chain_length: int
    chain_head: str
    issued_at: dt.datetime
    issued_by: str | None
    parameters: dict[str, str]
    download: str = Field(description="The file's address")


class JobOut(Schema):
    id: int
    status: str
    page: str = Field(description="The job's page, which shows its progress and its file")


class VerifyOut(Schema):
    lab: str
    ok: bool
    entries: int
    message: str


class BudgetFiguresOut(Schema):
    allocated: Amount
    amendments: Amount
    budget: Amount
    committed: Amount
    spent: Amount
    available: Amount


class BudgetLineOut(Schema):
    code: str
    label_fr: str
    label_en: str
    funding_source: str
    envelope: str
    nature: str
    policy: str
    book: BudgetFiguresOut
    eur: BudgetFiguresOut | None


class BudgetOut(Schema):
    lab: str
    year: int
    book_currency: str
    lines: list[BudgetLineOut]
    total_book: BudgetFiguresOut
    total_eur: BudgetFiguresOut | None


class CommitmentOut(Schema):
    id: int
    kind: str
    reference: str
    third_party: str
    label: str
    budget_line: str
    year: int
    date: dt.date
    amount: Amount
    settled: Amount = Field(description="Invoiced so far")
    open_amount: Amount
    status: str


class ImportBatchOut(Schema):
    id: int
    kind: str
    file_name: str
    sha256: str
    size: int
    rows: int
    created: int = Field(description="Objects created")
    posted: bool
    result: str
    message: str
    created_at: dt.datetime
    created_by: str | None
    withdrawn_at: dt.datetime | None


class ProblemOut(Schema):
    message: str
    row: int | None
    column: str | None


class ImportPreviewOut(Schema):
    preview_id: str = Field(description="Confirm the import with it, within a day")
    kind: str
    file_name: str
    sha256: str
    rows: int
    post: bool
    notes: list[str]
    confirm: str = Field(description="The address to POST to import the file")
