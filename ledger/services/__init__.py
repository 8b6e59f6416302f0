"""Every write to the books. Import from here: `from ledger.services import entry_post`."""

from ledger.services.audit import audit_record
from ledger.services.budget import (
    budget_line_amend,
    budget_line_create,
    budget_line_update,
    budget_transfer,
    commitment_create,
)
from ledger.services.commitments import (
    budget_carry_forward,
    commitment_amend,
    commitment_cancel,
    commitment_carry_over,
)
from ledger.services.entries import (
    LineInput,
    entries_post,
    entry_create_draft,
    entry_delete_draft,
    entry_post,
    entry_ref,
    entry_reverse,
    entry_update_draft,
)
from ledger.services.periods import period_close, period_reopen
from ledger.services.setup import (
    account_create,
    exchange_rate_set,
    fiscal_year_open,
    journal_create,
)

__all__ = [
    "LineInput",
    "account_create",
    "audit_record",
    "budget_carry_forward",
    "budget_line_amend",
    "budget_line_create",
    "budget_line_update",
    "budget_transfer",
    "commitment_amend",
    "commitment_cancel",
    "commitment_carry_over",
    "commitment_create",
    "entries_post",
    "entry_create_draft",
    "entry_delete_draft",
    "entry_post",
    "entry_ref",
    "entry_reverse",
    "entry_update_draft",
    "exchange_rate_set",
    "fiscal_year_open",
    "journal_create",
    "period_close",
    "period_reopen",
]
