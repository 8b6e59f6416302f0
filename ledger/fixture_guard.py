"""No row of the books is saved raw: `loaddata` (and any deserializer's `save()`) writes
rows as they are in the file, without the services' rules or an audit event, so it is
refused for the apps that hold the books. Demo data comes from `load_demo`, spreadsheets
from `import_sheet`, backups go back with the database's own tools (which keep the audit
trail and the hash chain as they were)."""

from typing import Any

from django.db import models

from ledger.exceptions import FIXTURE_REFUSED, FixtureRefusedError

# The apps whose tables are the books, the audit trail or the archive of statements.
# A new app of ours with models is either added here or named in
# tests/ledger/test_commands_audited.py as holding no books.
BOOK_APPS = frozenset({"alerts", "banking", "irls", "ledger", "parties", "reports"})


def refuse_raw_save(sender: type[models.Model], raw: bool = False, **kwargs: Any) -> None:
    """pre_save receiver: a raw save (fixture loading) of a book row raises, before any
    write, so `loaddata` rolls its whole transaction back."""
    if raw and sender._meta.app_label in BOOK_APPS:
        raise FixtureRefusedError(FIXTURE_REFUSED.format(model=sender._meta.label))
