"""The backup file: one tar archive holding the manifest, the database copy and the
supporting documents.

    manifest.json              what the backup holds (FORMAT, VERSION; see manifest_build)
    database.sqlite3           SQLite: the database file, copied by the online backup API
    database.pgdump            PostgreSQL: pg_dump's custom format (compressed by pg_dump)
    documents/<storage name>   each supporting document, under its name in the storage

An SQLite backup is gzip-compressed (.tar.gz); a PostgreSQL one is a plain .tar, its dump
being compressed already. Beside the archive, `<archive>.sha256` holds its sha256 in
`sha256sum` form (`sha256sum -c` checks it).
"""

import hashlib
import io
import json
import tarfile
import time
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from ops.databases import SQLITE, Contents, DocumentRow
from ops.exceptions import DAMAGED, NOT_A_BACKUP, BackupError

FORMAT = "irl-ledger-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
DOCUMENTS = "documents"
CHUNK = 1024 * 1024


def archive_name(vendor: str, at: datetime) -> str:
    """`irl-ledger-<sqlite|postgresql>-<YYYYMMDD-HHMMSS+0800>.tar[.gz]`, `at` in the
    office's time (Asia/Singapore)."""
    suffix = ".tar.gz" if vendor == SQLITE else ".tar"
    return f"irl-ledger-{vendor}-{at:%Y%m%d-%H%M%S%z}{suffix}"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_build(
    *, vendor: str, made_at: datetime, contents: Contents, dump: Path, tool: str
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "made_at": made_at.isoformat(timespec="seconds"),
        "database": {
            "vendor": vendor,
            "member": DATABASE_MEMBER[vendor],
            "sha256": file_sha256(dump),
            "size": dump.stat().st_size,
            "tool": tool,
        },
        "counts": contents.counts,
        "chain_heads": contents.chain_heads,
        "migrations": contents.migrations,
        "documents": [asdict(document) for document in contents.documents],
    }


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def archive_write(
    path: Path,
    *,
    manifest: dict[str, Any],
    dump: Path,
    documents: Iterable[tuple[str, bytes]],
) -> None:
    """Write the archive at `path`: the manifest first, then the database, then each
    document (name in the storage, bytes)."""
    mode = "w:gz" if manifest["database"]["vendor"] == SQLITE else "w"
    # Level 1: most of what gzip can take off a database file, several times faster.
    options = {"compresslevel": 1} if mode == "w:gz" else {}
    with tarfile.open(path, mode, **options) as archive:  # type: ignore[call-overload]
        _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=1).encode())
        info = archive.gettarinfo(str(dump), arcname=manifest["database"]["member"])
        info.mode = 0o600
        with dump.open("rb") as stream:
            archive.addfile(info, stream)
        for name, data in documents:
            _add_bytes(archive, f"{DOCUMENTS}/{name}", data)


def archive_open(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r:*")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(NOT_A_BACKUP.format(file=path.name, problem=exc)) from exc


def manifest_read(archive: tarfile.TarFile, file_name: str) -> dict[str, Any]:
    """The archive's manifest, checked for its format and version."""
    try:
        stream = archive.extractfile(MANIFEST)
        manifest = json.loads(stream.read()) if stream else None
    except (KeyError, tarfile.TarError, ValueError) as exc:
        raise BackupError(NOT_A_BACKUP.format(file=file_name, problem=exc)) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(NOT_A_BACKUP.format(file=file_name, problem="no manifest"))
    if manifest.get("version") != VERSION:
        problem = f"format version {manifest.get('version')}, expected {VERSION}"
        raise BackupError(NOT_A_BACKUP.format(file=file_name, problem=problem))
    return manifest


def manifest_documents(manifest: dict[str, Any]) -> list[DocumentRow]:
    return [DocumentRow(**row) for row in manifest["documents"]]


def member_extract(
    archive: tarfile.TarFile, member: str, target: IO[bytes], sha256: str, file_name: str
) -> None:
    """Copy one member into `target`, checking its sha256 against the manifest's."""
    try:
        stream = archive.extractfile(member)
    except KeyError as exc:
        raise BackupError(DAMAGED.format(file=file_name, member=member)) from exc
    if stream is None:
        raise BackupError(DAMAGED.format(file=file_name, member=member))
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        target.write(chunk)
    if digest.hexdigest() != sha256:
        raise BackupError(DAMAGED.format(file=file_name, member=member))


def document_member(name: str) -> str:
    """The archive member of a document, refusing names that would leave the folder."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(NOT_A_BACKUP.format(file=name, problem="document name"))
    return f"{DOCUMENTS}/{path}"
