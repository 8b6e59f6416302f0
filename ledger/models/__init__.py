"""Models of the books (books.py), of the budget (budget.py), of imports (imports.py)
and of supporting documents (documents.py)."""

from ledger.models.books import (
    Account,
    AuditEvent,
    ExchangeRate,
    FiscalYear,
    Journal,
    JournalEntry,
    JournalLine,
    LedgerChain,
    LedgerSequence,
    Period,
)
from ledger.models.budget import (
    BudgetAmendment,
    BudgetLine,
    BudgetSpending,
    Commitment,
    CommitmentAmendment,
)
from ledger.models.documents import SupportingDocument
from ledger.models.imports import ImportBatch

__all__ = [
    "Account",
    "AuditEvent",
    "BudgetAmendment",
    "BudgetLine",
    "BudgetSpending",
    "Commitment",
    "CommitmentAmendment",
    "ExchangeRate",
    "FiscalYear",
    "ImportBatch",
    "Journal",
    "JournalEntry",
    "JournalLine",
    "LedgerChain",
    "LedgerSequence",
    "Period",
    "SupportingDocument",
]
