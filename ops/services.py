"""Backups and restores: every write of ops/, each one audited (actor None: the system).

A backup is one archive (ops/archive.py) written next to its final name and renamed
into place when complete, so a file under a backup's name is always whole. A restore
refuses, before writing anything, a file that is not a backup, a backup of another kind
of database or of a newer schema, a damaged one, and a target that holds data; after
writing, it verifies the ledger and compares the restored database with the manifest.
"""

import hashlib
import io
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from irls.models import Lab
from ledger.models.documents import document_storage
from ledger.selectors import VerifyResult, ledger_verify
from ledger.services.audit import audit_record
from ops import archive as backup_archive
from ops import databases
from ops.databases import POSTGRESQL, SQLITE, Contents, DocumentRow
from ops.exceptions import (
    DATABASE_KIND,
    DOCUMENT_ALTERED,
    DOCUMENT_CONFLICT,
    DOCUMENT_MISSING,
    NEWER_SCHEMA,
    OUTPUT_EXISTS,
    RESTORE_MISMATCH,
    TARGET_HOLDS_DATA,
    BackupError,
    RestoreMismatchError,
)


@dataclass(frozen=True)
class BackupMade:
    """A backup written: where, its sha256 and what it holds."""

    path: Path
    sha256: str
    size: int
    manifest: dict[str, Any]


@dataclass(frozen=True)
class RestoreDone:
    """A restore written and checked: each lab's verification and any difference from
    the manifest (none when `ok`)."""

    manifest: dict[str, Any]
    verifications: list[VerifyResult]
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def backup_directory() -> Path:
    return Path(getattr(settings, "BACKUP_DIR", Path(settings.VAR_DIR) / "backups"))


def _target(output: Path | None, name: str) -> Path:
    """Where the archive goes: `output` (a file, or an existing folder to hold the
    standard name), by default BACKUP_DIR."""
    if output is None:
        folder = backup_directory()
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name
    if output.is_dir():
        return output / name
    if output.exists():
        raise BackupError(OUTPUT_EXISTS.format(file=output))
    return output


def _documents(rows: list[DocumentRow]) -> Iterator[tuple[str, bytes]]:
    """Each document's bytes from the storage (any backend), checked against its sha256."""
    storage = document_storage()
    for row in rows:
        if not storage.exists(row.name):
            raise BackupError(DOCUMENT_MISSING.format(name=row.name))
        with storage.open(row.name, "rb") as stream:
            data = stream.read()
        if hashlib.sha256(data).hexdigest() != row.sha256:
            raise BackupError(DOCUMENT_ALTERED.format(name=row.name))
        yield row.name, data


def backup_make(*, output: Path | None = None) -> BackupMade:
    """Copy the database (consistently, while the application runs) and the supporting
    documents into one archive with its manifest; audited as `backup.make`."""
    vendor = databases.vendor()
    made_at = timezone.localtime()
    path = _target(output, backup_archive.archive_name(vendor, made_at))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".backup-") as work:
        dump = Path(work) / backup_archive.DATABASE_MEMBER[vendor]
        if vendor == SQLITE:
            contents = databases.sqlite_copy(dump)
            tool = f"sqlite3 {sqlite3.sqlite_version} backup API"
        else:
            contents = databases.postgresql_dump(dump)
            tool = databases.pg_dump_version()
        manifest = backup_archive.manifest_build(
            vendor=vendor, made_at=made_at, contents=contents, dump=dump, tool=tool
        )
        try:
            backup_archive.archive_write(
                partial, manifest=manifest, dump=dump, documents=_documents(contents.documents)
            )
            with partial.open("rb") as stream:
                os.fsync(stream.fileno())
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    partial.replace(path)
    sha256 = backup_archive.file_sha256(path)
    path.with_name(path.name + ".sha256").write_text(f"{sha256}  {path.name}\n")
    size = path.stat().st_size
    audit_record(
        actor=None,
        action="backup.make",
        after={
            "file": path.name,
            "sha256": sha256,
            "size": size,
            "database": vendor,
            "rows": sum(contents.counts.values()),
            "documents": len(contents.documents),
            "chain_heads": {lab: head["head"] for lab, head in contents.chain_heads.items()},
        },
    )
    return BackupMade(path=path, sha256=sha256, size=size, manifest=manifest)


def _refusals(manifest: dict[str, Any], file_name: str) -> None:
    """Raise BackupError for a backup that cannot go into this database as it is."""
    vendor, backup_vendor = databases.vendor(), manifest["database"]["vendor"]
    if backup_vendor != vendor:
        raise BackupError(DATABASE_KIND.format(file=file_name, backup=backup_vendor, target=vendor))
    known = {f"{app}.{name}" for app, name in MigrationLoader(None).graph.nodes}
    unknown = sorted(set(manifest["migrations"]) - known)
    if unknown:
        shown = ", ".join(unknown[:3]) + (", ..." if len(unknown) > 3 else "")
        raise BackupError(NEWER_SCHEMA.format(file=file_name, migrations=shown))
    holding = databases.tables_with_data()
    if holding:
        shown = ", ".join(holding[:4]) + (
            f" and {len(holding) - 4} more" if len(holding) > 4 else ""
        )
        raise BackupError(TARGET_HOLDS_DATA.format(tables=shown))
    storage = document_storage()
    for row in backup_archive.manifest_documents(manifest):
        if storage.exists(row.name):
            with storage.open(row.name, "rb") as stream:
                if hashlib.sha256(stream.read()).hexdigest() != row.sha256:
                    raise BackupError(DOCUMENT_CONFLICT.format(name=row.name))


def _documents_check_in(archive: Any, manifest: dict[str, Any], file_name: str) -> None:
    """Check every document of the archive against its sha256 before anything is written
    (BackupError for a damaged one)."""
    for row in backup_archive.manifest_documents(manifest):
        member = backup_archive.document_member(row.name)
        backup_archive.member_extract(archive, member, io.BytesIO(), row.sha256, file_name)


def _documents_restore(archive: Any, manifest: dict[str, Any], file_name: str) -> list[str]:
    """Write each document of the backup into the storage (those already there with the
    same content are left); the names that came back under another name."""
    storage = document_storage()
    problems = []
    for row in backup_archive.manifest_documents(manifest):
        if storage.exists(row.name):
            continue
        data = io.BytesIO()
        member = backup_archive.document_member(row.name)
        backup_archive.member_extract(archive, member, data, row.sha256, file_name)
        saved = storage.save(row.name, ContentFile(data.getvalue()))
        if saved != row.name:
            problems.append(f"document {row.name} stored as {saved}")
    return problems


def _differences(manifest: dict[str, Any], now: Contents) -> list[str]:
    problems = []
    for label in sorted(set(manifest["counts"]) | set(now.counts)):
        expected, found = manifest["counts"].get(label), now.counts.get(label)
        if expected != found:
            problems.append(f"{label}: {found} rows, the backup has {expected}")
    if now.chain_heads != manifest["chain_heads"]:
        problems.append("the chain heads differ from the backup's")
    if [row.__dict__ for row in now.documents] != manifest["documents"]:
        problems.append("the supporting documents differ from the backup's")
    return problems


def _documents_check(rows: list[DocumentRow]) -> list[str]:
    storage = document_storage()
    problems = []
    for row in rows:
        if not storage.exists(row.name):
            problems.append(f"document {row.name} missing")
            continue
        with storage.open(row.name, "rb") as stream:
            if hashlib.sha256(stream.read()).hexdigest() != row.sha256:
                problems.append(f"document {row.name} altered")
    return problems


def backup_restore(*, path: Path) -> RestoreDone:
    """Restore a backup into the configured, empty database and documents storage, then
    verify every lab's hash chain and compare rows, chain heads and documents with the
    manifest; audited as `backup.restore` once checked. Raises BackupError (nothing
    written) or RestoreMismatchError (written, but it does not verify)."""
    with backup_archive.archive_open(path) as archive:
        manifest = backup_archive.manifest_read(archive, path.name)
        _refusals(manifest, path.name)
        _documents_check_in(archive, manifest, path.name)
        database = manifest["database"]
        with tempfile.TemporaryDirectory(prefix="irl-restore-") as work:
            dump = Path(work) / database["member"]
            with dump.open("wb") as target:
                backup_archive.member_extract(
                    archive, database["member"], target, database["sha256"], path.name
                )
            if database["vendor"] == POSTGRESQL:
                databases.postgresql_restore(dump)
            else:
                databases.sqlite_restore(dump)
        problems = _documents_restore(archive, manifest, path.name)
    verifications = [ledger_verify(lab=lab) for lab in Lab.objects.order_by("code")]
    problems += [
        f"{result.lab}: ledger altered at {result.first_bad} ({result.reason})"
        for result in verifications
        if not result.ok
    ]
    now = databases.contents_of_database()
    problems += _differences(manifest, now)
    problems += _documents_check(now.documents)
    audit_record(
        actor=None,
        action="backup.restore",
        after={
            "file": path.name,
            "sha256": backup_archive.file_sha256(path),
            "made_at": manifest["made_at"],
            "labs_verified": len(verifications),
            "rows": sum(now.counts.values()),
            "documents": len(now.documents),
            "result": "; ".join(problems) if problems else "verified",
        },
    )
    done = RestoreDone(manifest=manifest, verifications=verifications, problems=problems)
    if problems:
        raise RestoreMismatchError(RESTORE_MISMATCH.format(problems="; ".join(problems)), done=done)
    return done
