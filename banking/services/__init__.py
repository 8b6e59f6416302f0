"""Every write of bank reconciliation. Import from here: `from banking.services import ...`."""

from banking.services.access import ACTIONS
from banking.services.accounts import bank_account_create, bank_account_update, default_journal
from banking.services.entries import bank_entries_create
from banking.services.imports import BankImportOutcome, bank_statement_import, csv_mapping
from banking.services.matching import (
    bank_match_create,
    bank_match_undo,
    bank_matches_confirm_obvious,
)
from banking.services.statement import bank_reconciliation_issue

__all__ = [
    "ACTIONS",
    "BankImportOutcome",
    "bank_account_create",
    "bank_account_update",
    "bank_entries_create",
    "bank_match_create",
    "bank_match_undo",
    "bank_matches_confirm_obvious",
    "bank_reconciliation_issue",
    "bank_statement_import",
    "csv_mapping",
    "default_journal",
]
