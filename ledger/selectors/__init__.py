"""Every read of the books and budgets. Import from here: `from ledger.selectors import ...`."""

from ledger.selectors.books import (
    BalanceRow,
    BookRates,
    VerifyResult,
    book_rate,
    entries_for_user,
    format_amount,
    lab_totals,
    ledger_verify,
    rate_find,
    trial_balance,
)
from ledger.selectors.budget import (
    BudgetExecution,
    BudgetFigures,
    budget_availability,
    budget_execution,
    budget_line_commitments,
    budget_line_postings,
    budget_lines_for_user,
    commitments_to_review,
    funding_source_execution,
    matching_budget_line,
)

__all__ = [
    "BalanceRow",
    "BookRates",
    "BudgetExecution",
    "BudgetFigures",
    "VerifyResult",
    "book_rate",
    "budget_availability",
    "budget_execution",
    "budget_line_commitments",
    "budget_line_postings",
    "budget_lines_for_user",
    "commitments_to_review",
    "entries_for_user",
    "format_amount",
    "funding_source_execution",
    "lab_totals",
    "ledger_verify",
    "matching_budget_line",
    "rate_find",
    "trial_balance",
]
