"""The database side of backups: a consistent copy (SQLite's online backup API, or
`pg_dump` in one snapshot), its restore, and what a copy holds (row counts, chain heads,
applied migrations, supporting documents), read the same way from a copy and from a
restored database so that the two compare.

A backup sits below the apps: it copies tables whole, so the figures it keeps are read
with plain SQL over the tables (the ORM cannot read a copy that is not the configured
database), table names taken from the models.
"""

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model

from irls.models import Lab
from ledger.fixture_guard import BOOK_APPS
from ledger.models import LedgerChain, SupportingDocument
from ops.exceptions import TOOL_FAILED, TOOL_MISSING, UNSUPPORTED_DATABASE, BackupError

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
# Tables that tell whether a database holds data: the books, and the users.
USERS = "auth.User"


class Cursor(Protocol):
    def execute(self, sql: str, params: Any = ..., /) -> Any: ...
    def fetchall(self) -> list[Any]: ...


@dataclass(frozen=True)
class DocumentRow:
    """A supporting document as the database lists it: its storage name and sha256."""

    name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Contents:
    """What a database holds, as a backup's manifest keeps it."""

    counts: dict[str, int]
    chain_heads: dict[str, dict[str, Any]]
    migrations: list[str]
    documents: list[DocumentRow]


def vendor() -> str:
    """The configured database's kind: sqlite or postgresql."""
    if connection.vendor not in (SQLITE, POSTGRESQL):
        raise BackupError(UNSUPPORTED_DATABASE.format(vendor=connection.vendor))
    return connection.vendor


def counted_models() -> list[type[Model]]:
    """The models whose row counts a backup keeps: every app of the project, and the
    users and groups (with their many-to-many tables)."""
    base = Path(settings.BASE_DIR).resolve()
    labels = {
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base)
        and ".venv" not in Path(config.path).parts
    } | {"auth"}
    return sorted(
        (m for m in apps.get_models(include_auto_created=True) if m._meta.app_label in labels),
        key=lambda m: m._meta.label,
    )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def contents_read(cursor: Cursor) -> Contents:
    """Row counts, chain heads, applied migrations and documents, read through `cursor`
    (of a copy, or of the configured database)."""
    counts = {}
    for model in counted_models():
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(model._meta.db_table)}")  # noqa: S608
        counts[model._meta.label] = int(cursor.fetchall()[0][0])
    chain, lab = LedgerChain._meta.db_table, Lab._meta.db_table
    cursor.execute(
        f"SELECT l.code, c.length, c.head_hash FROM {_quote(chain)} c "  # noqa: S608
        f"JOIN {_quote(lab)} l ON l.id = c.lab_id ORDER BY l.code"
    )
    heads = {code: {"length": int(n), "head": head} for code, n, head in cursor.fetchall()}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    migrations = [f"{app}.{name}" for app, name in cursor.fetchall()]
    cursor.execute(
        f"SELECT file, sha256, size FROM {_quote(SupportingDocument._meta.db_table)} "  # noqa: S608
        "ORDER BY id"
    )
    documents = [DocumentRow(name, sha, int(size)) for name, sha, size in cursor.fetchall()]
    return Contents(counts, heads, migrations, documents)


def tables_with_data() -> list[str]:
    """The tables of the books and the users' table that hold a row in the configured
    database (a table not created yet holds none)."""
    existing = set(connection.introspection.table_names())
    models = [
        m for m in apps.get_models(include_auto_created=True) if m._meta.app_label in BOOK_APPS
    ]
    models.append(apps.get_model(USERS))
    found = []
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            if table not in existing:
                continue
            cursor.execute(f"SELECT 1 FROM {_quote(table)} LIMIT 1")  # noqa: S608
            if cursor.fetchall():
                found.append(table)
    return found


def contents_of_database() -> Contents:
    """What the configured database holds now."""
    with connection.cursor() as cursor:
        return contents_read(cursor)


# -- SQLite ---------------------------------------------------------------------------


def _sqlite_path() -> Path:
    return Path(settings.DATABASES["default"]["NAME"])


def sqlite_copy(target: Path) -> Contents:
    """Copy the configured SQLite database into `target` with SQLite's online backup API
    (consistent while the application writes), then read the copy's contents."""
    source = sqlite3.connect(_sqlite_path(), timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        # One self-contained file (the source runs in WAL mode).
        copy.execute("PRAGMA journal_mode=DELETE")
        return contents_read(copy.cursor())
    finally:
        copy.close()
        source.close()


def sqlite_restore(copy: Path) -> None:
    """Write the copy into the configured SQLite database file, page by page."""
    connection.close()
    path = _sqlite_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(copy)
    target = sqlite3.connect(path, timeout=30)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


# -- PostgreSQL -----------------------------------------------------------------------


def _tool(name: str, variable: str) -> str:
    tool = shutil.which(os.environ.get(variable) or name)
    if not tool:
        raise BackupError(TOOL_MISSING.format(tool=name, variable=variable))
    return tool


def _client_environment() -> dict[str, str]:
    """libpq's variables for the configured database: the password travels in PGPASSWORD,
    never on a command line (which every user of the machine can read)."""
    db = settings.DATABASES["default"]
    env = {**os.environ}
    for variable, value in (
        ("PGHOST", db.get("HOST")),
        ("PGPORT", db.get("PORT")),
        ("PGUSER", db.get("USER")),
        ("PGPASSWORD", db.get("PASSWORD")),
        ("PGSSLMODE", (db.get("OPTIONS") or {}).get("sslmode")),
    ):
        if value:
            env[variable] = str(value)
    return env


def _run(args: list[str]) -> str:
    result = subprocess.run(  # noqa: S603 (a fixed tool, arguments never from a shell)
        args, env=_client_environment(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = " ".join(result.stderr.strip().splitlines()[-3:]) or "no message"
        raise BackupError(
            TOOL_FAILED.format(tool=Path(args[0]).name, code=result.returncode, detail=detail)
        )
    return result.stdout


def pg_dump_version() -> str:
    return _run([_tool("pg_dump", "PG_DUMP"), "--version"]).strip()


def postgresql_dump(target: Path) -> Contents:
    """`pg_dump --format=custom` of the configured database into `target`, and its
    contents read in the very snapshot the dump copies (a repeatable-read transaction
    exports its snapshot; pg_dump works in it): the figures and the dump always agree,
    even while the application writes."""
    tool = _tool("pg_dump", "PG_DUMP")
    connection.ensure_connection()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchall()[0][0]
        contents = contents_read(cursor)
        _run(
            [
                tool,
                "--format=custom",
                "--no-password",
                f"--snapshot={snapshot}",
                f"--file={target}",
                f"--dbname={settings.DATABASES['default']['NAME']}",
            ]
        )
    return contents


def postgresql_restore(dump: Path) -> None:
    """`pg_restore --no-owner` into the configured database, in one transaction (all or
    nothing). The database holds no data (checked before); tables made by a `migrate`
    run beforehand are dropped and made again from the dump (--clean --if-exists)."""
    tool = _tool("pg_restore", "PG_RESTORE")
    connection.close()
    _run(
        [
            tool,
            "--no-owner",
            "--no-privileges",
            "--no-password",
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={settings.DATABASES['default']['NAME']}",
            str(dump),
        ]
    )
