"""Every read of bank reconciliation the pages, the statement and the Closing page need."""

from banking.selectors.books import (
    bank_balance,
    book_balance,
    book_lines,
    statement_lines,
    unmatched_book_lines,
    unmatched_statement_lines,
)
from banking.selectors.matching import (
    DEFAULT_WINDOW,
    MAX_WINDOW,
    BookItem,
    StatementItem,
    Suggestion,
    book_items,
    obvious_pairs,
    statement_items,
    suggestions,
)
from banking.selectors.months import (
    BankMonth,
    BankMonthState,
    bank_account_months,
    bank_month_states,
    lab_has_bank_accounts,
    month_end,
)
from banking.selectors.reconciliation import Reconciliation, reconciliation_at

__all__ = [
    "DEFAULT_WINDOW",
    "MAX_WINDOW",
    "BankMonth",
    "BankMonthState",
    "BookItem",
    "Reconciliation",
    "StatementItem",
    "Suggestion",
    "bank_account_months",
    "bank_balance",
    "bank_month_states",
    "book_balance",
    "book_items",
    "book_lines",
    "lab_has_bank_accounts",
    "month_end",
    "obvious_pairs",
    "reconciliation_at",
    "statement_items",
    "statement_lines",
    "suggestions",
    "unmatched_book_lines",
    "unmatched_statement_lines",
]
