"""The admin of the books, for the office's accountants: entries, chart, periods, rates,
audit trail. Access and writes follow irls.admin_base."""

from ledger.admin import books, entries

__all__ = ["books", "entries"]
