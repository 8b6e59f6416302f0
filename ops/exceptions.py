"""Errors of backups and restores, in words an operator acts on.

Message templates are module constants (translated, `{placeholders}`), so tests can
assert the exact text. Every class is a `LedgerError`, the project's one root.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

from ledger.exceptions import LedgerError

NOT_A_BACKUP = _("{file} is not a backup of IRL Ledger ({problem})")
DATABASE_KIND = _(
    "{file} is a backup of a {backup} database; this one is {target}: restore it into a "
    "{backup} database"
)
NEWER_SCHEMA = _(
    "{file} was made by a newer version of IRL Ledger (migrations {migrations} are unknown "
    "here): update the code first"
)
TARGET_HOLDS_DATA = _(
    "The target database already holds data ({tables}): nothing was restored. Restore "
    "into an empty database (a new PostgreSQL database, or a new SQLite file)"
)
DAMAGED = _("{file}: {member} does not match its sha256 in the manifest: the backup is damaged")
DOCUMENT_CONFLICT = _(
    "The documents storage already holds {name} with other content: nothing was restored"
)
DOCUMENT_MISSING = _(
    "The supporting document {name} is listed in the database but missing from the "
    "documents storage: no backup was written"
)
DOCUMENT_ALTERED = _(
    "The supporting document {name} no longer matches its sha256: no backup was written"
)
TOOL_MISSING = _("{tool} was not found: install the PostgreSQL client or set {variable}")
TOOL_FAILED = _("{tool} failed (exit {code}): {detail}")
OUTPUT_EXISTS = _("{file} already exists: name another file")
UNSUPPORTED_DATABASE = _("Backups cover SQLite and PostgreSQL databases, not {vendor}")
RESTORE_MISMATCH = _("The restored database differs from the backup: {problems}")


class BackupError(LedgerError):
    """A backup could not be written, or a restore was refused before writing anything:
    not a backup, another kind of database, a newer schema, a target that holds data, a
    damaged file, a missing PostgreSQL tool."""


class RestoreMismatchError(LedgerError):
    """A restore was written but does not verify: the ledger verification failed, or the
    row counts, chain heads or documents differ from the backup's manifest. `done` holds
    what was checked (ops.services.RestoreDone)."""

    def __init__(self, message: str, *, done: Any) -> None:
        super().__init__(message)
        self.done = done
