"""Backups that restore (issue 13, item 5): `manage.py backup` and `manage.py restore`,
run as the operator runs them (processes on the test's committed database), on SQLite
and PostgreSQL alike.

The story: two labs' books (posted entries, a reversal, a draft, a closed month, a
supporting document) are backed up while nothing else changes; the archive is restored
into a new, empty database and documents folder; the restored ledger verifies and holds
exactly the rows, chain heads and documents of the backup. A restore into a database
that holds data, a damaged archive, a backup of the other kind of database and a
restored database that differs from its manifest are refused, with a non-zero exit.
"""

import hashlib
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection

from irls.models import Lab
from ledger import services
from ledger.models import AuditEvent, JournalEntry, SupportingDocument
from ledger.services.documents import document_attach
from ops import databases
from ops.exceptions import DATABASE_KIND
from tests.books import close_months, draft, posted

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(settings.BASE_DIR)
KEPT = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PG_DUMP", "PG_RESTORE")
INVOICE = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
NAME = re.compile(r"irl-ledger-(sqlite|postgresql)-\d{8}-\d{6}\+0800\.tar(\.gz)?")


def _url(db: dict[str, Any], name: str) -> str:
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    login = quote(db.get("USER") or "postgres", safe="")
    if db.get("PASSWORD"):
        login += ":" + quote(db["PASSWORD"], safe="")
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{login}@{host}:{port}/{name}"


def _postgres(dbname: str) -> psycopg.Connection[Any]:
    db = connection.settings_dict
    return psycopg.connect(
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        dbname=dbname,
        autocommit=True,
    )


@dataclass(frozen=True)
class Target:
    """An empty database (and documents folder) to restore into."""

    url: str
    name: str
    documents: Path

    def tables(self) -> int:
        """How many tables the database holds (0: nothing was restored)."""
        if connection.vendor == "sqlite":
            with sqlite3.connect(self.name) as db:
                return int(db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0])
        with _postgres(self.name) as db:
            row = db.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            return int(row.fetchone()[0])  # type: ignore[index]

    def contents(self) -> databases.Contents:
        """What the database holds, read the way a backup's manifest is."""
        if connection.vendor == "sqlite":
            with sqlite3.connect(self.name) as lite:
                return databases.contents_read(lite.cursor())
        with _postgres(self.name) as pg, pg.cursor() as cursor:
            return databases.contents_read(cursor)


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Target]:
    """SQLite: a new file; PostgreSQL: a database test_restore_<pid>, dropped after."""
    documents = tmp_path / "restored-documents"
    if connection.vendor == "sqlite":
        name = str(tmp_path / "restored.sqlite3")
        yield Target(_url(connection.settings_dict, name), name, documents)
        return
    name = f"test_restore_{os.getpid()}"
    with _postgres("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield Target(_url(connection.settings_dict, name), name, documents)
    finally:
        with _postgres("postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def documents_folder() -> Path:
    return Path(settings.STORAGES["documents"]["OPTIONS"]["location"])


def manage(
    *args: str, database_url: str, documents: Path, var: Path
) -> subprocess.CompletedProcess[str]:
    env = {key: os.environ[key] for key in KEPT if key in os.environ}
    env |= {
        "DATABASE_URL": database_url,
        "DOCUMENTS_ROOT": str(documents),
        "IRL_VAR_DIR": str(var),
        "CACHE_BACKEND": "memory",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def books(cintra: Lab, majulab: Lab, accountant: User) -> dict[str, Any]:
    """Two labs' books through the services: purchases posted, one reversed, a draft, a
    closed month and a supporting document."""
    for lab in (cintra, majulab):
        invoice = posted(accountant, lab, "120.00", on=date(2025, 1, 10), piece_ref="INV-1")
        posted(accountant, lab, "45.50", on=date(2025, 2, 3), piece_ref="INV-2")
        services.entry_reverse(acting_user=accountant, entry=invoice, date=date(2025, 2, 20))
        draft(accountant, lab, [("6064", "9.99", "0"), ("401", "0", "9.99")], piece_ref="D-1")
    close_months(cintra, 1, user=accountant)
    entry = JournalEntry.objects.filter(lab=cintra, piece_ref="INV-2").get()
    document = document_attach(
        acting_user=accountant, entry=entry, name="invoice.pdf", data=INVOICE
    )
    return {"document": document.file.name}


def backup(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    source = _url(connection.settings_dict, connection.settings_dict["NAME"])
    made = manage(
        "backup",
        "--output",
        str(tmp_path),
        database_url=source,
        documents=documents_folder(),
        var=tmp_path,
    )
    assert made.returncode == 0, made.stderr
    (archive,) = [p for p in tmp_path.iterdir() if NAME.fullmatch(p.name)]
    with tarfile.open(archive) as tar:
        stream = tar.extractfile("manifest.json")
        assert stream is not None
        return archive, json.load(stream)


def test_a_backup_restored_into_an_empty_database_verifies_and_holds_the_same_rows(
    books: dict[str, Any], target: Target, tmp_path: Path
) -> None:
    before = databases.contents_of_database()

    archive, manifest = backup(tmp_path)

    # The name says the kind of database and the office's time; the sidecar its sha256.
    assert archive.name.startswith(f"irl-ledger-{connection.vendor}-")
    sha256, name = archive.with_name(archive.name + ".sha256").read_text().split()
    assert (sha256, name) == (hashlib.sha256(archive.read_bytes()).hexdigest(), archive.name)
    # The manifest: the database as it was, to the row, with its chain heads.
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["counts"] == before.counts
    assert manifest["counts"]["ledger.JournalEntry"] == 8
    assert manifest["counts"]["auth.User"] == 1
    assert manifest["chain_heads"] == before.chain_heads
    assert set(manifest["chain_heads"]) == {"CINTRA", "MAJULAB"}
    assert [d["name"] for d in manifest["documents"]] == [books["document"]]
    # The backup is an audit event of the system, written after the copy.
    event = AuditEvent.objects.order_by("-pk").first()
    assert event is not None and (event.action, event.actor_id) == ("backup.make", None)
    assert event.after == {
        "file": archive.name,
        "sha256": sha256,
        "size": archive.stat().st_size,
        "database": connection.vendor,
        "rows": sum(manifest["counts"].values()),
        "documents": 1,
        "chain_heads": {lab: head["head"] for lab, head in before.chain_heads.items()},
    }

    restored = manage(
        "restore",
        str(archive),
        database_url=target.url,
        documents=target.documents,
        var=tmp_path,
    )

    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "CINTRA: OK, 3 posted entries" in restored.stdout
    assert "MAJULAB: OK, 3 posted entries" in restored.stdout
    assert "as the manifest says" in restored.stdout
    verified = manage(
        "verify_ledger", database_url=target.url, documents=target.documents, var=tmp_path
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    now = target.contents()
    assert now.chain_heads == manifest["chain_heads"]
    # Every table as in the backup, plus the restore's own audit event.
    assert now.counts == {
        **manifest["counts"],
        "ledger.AuditEvent": manifest["counts"]["ledger.AuditEvent"] + 1,
    }
    assert (target.documents / books["document"]).read_bytes() == INVOICE
    # The restore is audited in the restored database, once it verified.
    if connection.vendor == "sqlite":
        with sqlite3.connect(target.name) as db:
            last = db.execute(
                "SELECT action, actor_id, after FROM ledger_auditevent ORDER BY id DESC LIMIT 1"
            ).fetchone()
        action, actor, after = last[0], last[1], json.loads(last[2])
    else:
        with _postgres(target.name) as db:
            row = db.execute(
                "SELECT action, actor_id, after FROM ledger_auditevent ORDER BY id DESC LIMIT 1"
            ).fetchone()
        assert row is not None
        action, actor, after = row
    assert (action, actor, after["result"]) == ("backup.restore", None, "verified")
    assert after["file"] == archive.name


def test_a_restore_into_a_database_that_holds_data_refuses_and_writes_nothing(
    books: dict[str, Any], tmp_path: Path
) -> None:
    archive, _ = backup(tmp_path)
    before = databases.contents_of_database()
    files = sorted(documents_folder().rglob("*"))
    source = _url(connection.settings_dict, connection.settings_dict["NAME"])

    refused = manage(
        "restore", str(archive), database_url=source, documents=documents_folder(), var=tmp_path
    )

    assert refused.returncode == 1
    assert refused.stderr.startswith("CommandError: The target database already holds data (")
    assert refused.stderr.strip().endswith(
        "nothing was restored. Restore into an empty database (a new PostgreSQL database, "
        "or a new SQLite file)"
    )
    assert databases.contents_of_database() == before
    assert sorted(documents_folder().rglob("*")) == files


def _rewrite(archive: Path, into: Path, change: dict[str, Any]) -> Path:
    """A copy of `archive` whose members named in `change` are replaced (a function of
    the member's bytes)."""
    with tarfile.open(archive) as source, tarfile.open(into, "w") as copy:
        for member in source.getmembers():
            stream = source.extractfile(member)
            assert stream is not None
            data = stream.read()
            if member.name in change:
                data = change[member.name](data)
                member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return into


@pytest.mark.parametrize("part", ["database", "document"])
def test_a_damaged_backup_is_refused_before_anything_is_written(
    part: str, books: dict[str, Any], target: Target, tmp_path: Path
) -> None:
    archive, manifest = backup(tmp_path)
    member = {
        "database": manifest["database"]["member"],
        "document": f"documents/{books['document']}",
    }[part]
    damaged = _rewrite(
        archive,
        tmp_path / "damaged.tar",
        {member: lambda data: data[:-10] + bytes(byte ^ 0xFF for byte in data[-10:])},
    )

    refused = manage(
        "restore",
        str(damaged),
        database_url=target.url,
        documents=target.documents,
        var=tmp_path,
    )

    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f"CommandError: damaged.tar: {member} does not match its sha256 in the manifest: "
        "the backup is damaged"
    )
    assert not target.documents.exists()
    assert target.tables() == 0


def test_a_restore_that_differs_from_its_manifest_is_an_error(
    books: dict[str, Any], target: Target, tmp_path: Path
) -> None:
    archive, manifest = backup(tmp_path)
    entries = manifest["counts"]["ledger.JournalEntry"]

    def one_more_entry(data: bytes) -> bytes:
        changed = json.loads(data)
        changed["counts"]["ledger.JournalEntry"] += 1
        return json.dumps(changed).encode()

    altered = _rewrite(archive, tmp_path / "altered.tar", {"manifest.json": one_more_entry})

    result = manage(
        "restore",
        str(altered),
        database_url=target.url,
        documents=target.documents,
        var=tmp_path,
    )

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "CommandError: The restored database differs from the backup: ledger.JournalEntry: "
        f"{entries} rows, the backup has {entries + 1}"
    )
    assert "CINTRA: OK" in result.stdout  # the chains themselves verify


def test_a_backup_of_the_other_kind_of_database_or_no_backup_is_refused(
    books: dict[str, Any], tmp_path: Path
) -> None:
    archive, _ = backup(tmp_path)
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"

    def other_kind(data: bytes) -> bytes:
        changed = json.loads(data)
        changed["database"]["vendor"] = other
        return json.dumps(changed).encode()

    foreign = _rewrite(archive, tmp_path / "foreign.tar", {"manifest.json": other_kind})
    not_a_backup = tmp_path / "notes.tar"
    not_a_backup.write_bytes(b"not a tar file at all")
    before = databases.contents_of_database()

    with pytest.raises(CommandError) as refused:
        call_command("restore", str(foreign))
    assert str(refused.value) == DATABASE_KIND.format(
        file="foreign.tar", backup=other, target=connection.vendor
    )
    with pytest.raises(CommandError, match=r"^notes\.tar is not a backup of IRL Ledger"):
        call_command("restore", str(not_a_backup))
    assert databases.contents_of_database() == before
    assert SupportingDocument.objects.count() == 1


def test_a_backup_never_overwrites_a_file_and_writes_nothing_when_refused(
    books: dict[str, Any], tmp_path: Path
) -> None:
    existing = tmp_path / "monday.tar"
    existing.write_bytes(b"last week's backup")
    events = AuditEvent.objects.count()

    with pytest.raises(CommandError) as refused:
        call_command("backup", "--output", str(existing))

    assert str(refused.value) == f"{existing} already exists: name another file"
    assert existing.read_bytes() == b"last week's backup"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["monday.tar"]
    assert AuditEvent.objects.count() == events


@pytest.mark.postgres_only
def test_without_pg_dump_the_backup_says_what_to_install(
    books: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PG_DUMP", str(tmp_path / "no-such-pg_dump"))
    events = AuditEvent.objects.count()

    with pytest.raises(CommandError) as refused:
        call_command("backup", "--output", str(tmp_path))

    assert str(refused.value) == (
        "pg_dump was not found: install the PostgreSQL client or set PG_DUMP"
    )
    assert list(tmp_path.iterdir()) == []
    assert AuditEvent.objects.count() == events
