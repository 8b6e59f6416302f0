"""The archive's files: written into `IssuedStatement.content` and read back out of it in
chunks, so that memory stays bounded whatever the file's size (issue 13).

The file stays in the database (the backups hold the statements with the books), but
never whole in this process. A plain INSERT of a 44 MB value cost SQLite two copies of
it, and psycopg with Django's client-side binding a hex literal twice its size inside
the SQL text. The archive is append-only (ledger/db_guards.py refuses any UPDATE), so
the row is inserted once, its content already complete, in the caller's transaction:

- SQLite: the row is inserted holding `zeroblob(size)`, then the file is written into
  that blob through incremental blob I/O (`sqlite3.Connection.blobopen`), which fires
  no UPDATE trigger; the row is visible to no one before the commit.
- PostgreSQL: the file is appended, chunk by chunk, to a temporary large object (binary
  parameters of a server-side-binding psycopg cursor, no hex literal), the row is
  inserted with `content = lo_get(oid)` (the server copies it), and the large object is
  unlinked. A rollback undoes all three.

Reading: SQLite through a read-only blob handle; PostgreSQL with `substring(content
from x for n)`, a chunk a query, in binary.
"""

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import psycopg
from django.db import connection, transaction
from django.db.models import BinaryField, Func, Value
from django.db.models.expressions import RawSQL

from reports.models import IssuedStatement

# Bytes read, written or sent at a time. A download of a file no larger is sent in one
# piece (reports/views.py).
CHUNK = 4 * 1024 * 1024
TABLE = IssuedStatement._meta.db_table
COLUMN = IssuedStatement._meta.get_field("content").column


def file_digest(file: IO[bytes]) -> tuple[str, int]:
    """The sha256 (hex) and size of `file`, read in chunks from its start."""
    file.seek(0)
    digest, size = hashlib.sha256(), 0
    while chunk := file.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def archive_store(*, file: IO[bytes], **fields: Any) -> IssuedStatement:
    """Insert the archive row holding `file` (seekable, binary: read from its start in
    chunks) with `fields` (every other column but sha256 and size, computed here).

    Atomic: a failure half-way leaves no row. The returned object's `content` is not
    loaded (reading it loads the whole file: use `archive_chunks`)."""
    sha256, size = file_digest(file)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            issued = _store_postgresql(file, sha256, size, fields)
        else:
            issued = _store_sqlite(file, sha256, size, fields)
    # Deferred: the attribute is read from the database only if asked for.
    del issued.__dict__["content"]
    return issued


def archive_chunks(issued: IssuedStatement, *, chunk: int | None = None) -> Iterator[bytes]:
    """The archived file of `issued`, `chunk` bytes (CHUNK) at a time, read from the
    database."""
    if issued.size == 0:
        return
    chunk = chunk or CHUNK
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        yield from _chunks_postgresql(issued.pk, issued.size, chunk)
    else:
        yield from _chunks_sqlite(issued.pk, chunk)


def archive_save(issued: IssuedStatement, output: Path) -> Path:
    """Write the archived file to `output` (a folder: under its own file name), read from
    the archive in chunks, as the commands hand it to the operator."""
    path = output / issued.file_name if output.is_dir() else output
    with path.open("wb") as out:
        for chunk in archive_chunks(issued):
            out.write(chunk)
    return path


def _chunks_of(file: IO[bytes]) -> Iterator[bytes]:
    file.seek(0)
    while data := file.read(CHUNK):
        yield data


def _store_sqlite(
    file: IO[bytes], sha256: str, size: int, fields: dict[str, Any]
) -> IssuedStatement:
    blank = Func(Value(size), function="zeroblob", output_field=BinaryField())
    issued = IssuedStatement.objects.create(sha256=sha256, size=size, content=blank, **fields)
    if size:
        raw = connection.connection
        with raw.blobopen(TABLE, COLUMN, issued.pk) as blob:
            written = 0
            for data in _chunks_of(file):
                blob.write(data[: size - written])  # a file that grew is cut, never overflows
                written += len(data)
        if written != size:
            raise OSError(f"archive: {written} bytes read where {size} were counted")
    return issued


def _store_postgresql(
    file: IO[bytes], sha256: str, size: int, fields: dict[str, Any]
) -> IssuedStatement:
    raw = connection.connection
    with psycopg.Cursor(raw) as cursor:  # server-side binding: binary parameters
        cursor.execute("SELECT lo_create(0)")
        row = cursor.fetchone()
        assert row is not None
        oid = row[0]
        written = 0
        for data in _chunks_of(file):
            cursor.execute("SELECT lo_put(%s::oid, %s, %b)", [oid, written, data])
            written += len(data)
        if written != size:
            raise OSError(f"archive: {written} bytes read where {size} were counted")
        content = RawSQL("lo_get(%s::oid)", [oid], output_field=BinaryField())
        issued = IssuedStatement.objects.create(sha256=sha256, size=size, content=content, **fields)
        cursor.execute("SELECT lo_unlink(%s::oid)", [oid])
    return issued


def _chunks_sqlite(pk: int, chunk: int) -> Iterator[bytes]:
    with connection.connection.blobopen(TABLE, COLUMN, pk, readonly=True) as blob:
        while data := blob.read(chunk):
            yield data


def _chunks_postgresql(pk: int, size: int, chunk: int) -> Iterator[bytes]:
    # The table and column are the model's names, never input.
    query = f"SELECT substring({COLUMN} FROM %s FOR %s) FROM {TABLE} WHERE id = %s"  # noqa: S608
    for start in range(0, size, chunk):
        # A cursor a chunk: the connection may serve other queries between two chunks.
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(query, [start + 1, chunk, pk], binary=True)
            row = cursor.fetchone()
        if row is None or not row[0]:  # the archive is append-only: never expected
            raise OSError(f"archive: statement {pk} ends before its {size} bytes")
        yield bytes(row[0])
