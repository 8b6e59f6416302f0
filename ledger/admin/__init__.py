"""The admin of the books, for the office's accountants: entries, chart, periods, rates,
budget lines, amendments and commitments, audit trail. Access and writes follow
irls.admin_base."""

from ledger.admin import amendments, books, budget, commitments, entries, imports

__all__ = ["amendments", "books", "budget", "commitments", "entries", "imports"]
