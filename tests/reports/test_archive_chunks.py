"""The archive's files written and read in chunks (reports/archive.py): what goes in
comes out byte for byte, its sha256 is the file's, and a failure half-way leaves
nothing (issue 13: a million-line ledger is archived with bounded memory)."""

import hashlib
import io
import random
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

from irls.models import Lab
from ledger.models import AuditEvent
from reports import archive
from reports.archive import archive_chunks, archive_store
from reports.audit_package import audit_package_issue
from reports.models import IssuedStatement
from reports.services import statement_issue
from tests.reports.conftest import Books

SMALL = 1000  # bytes a chunk in these tests: every file here takes several


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "CHUNK", SMALL)


def data_of(size: int) -> bytes:
    return random.Random(13).randbytes(size)


def fields(lab: Lab, user: User | None) -> dict[str, Any]:
    return {
        "lab": lab, "kind": "trial-balance", "format": "pdf", "parameters": {"year": "2025"},
        "file_name": "tb.pdf", "chain_length": 0, "chain_head": "", "issued_by": user,
    }  # fmt: skip


def large_objects() -> int:
    """PostgreSQL's large objects (the archive's staging): none may be left behind."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_largeobject_metadata")
        return int(cursor.fetchone()[0])


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("size", [1, SMALL - 1, SMALL, SMALL + 1, 10 * SMALL + 7])
def test_a_file_archived_in_chunks_comes_back_byte_for_byte(
    cintra: Lab, accountant: User, size: int
):
    data = data_of(size)
    spool = io.BytesIO(data)
    spool.seek(size)  # wherever the writer left it: read from the start

    issued = archive_store(file=spool, **fields(cintra, accountant))

    assert issued.sha256 == hashlib.sha256(data).hexdigest()
    assert issued.size == size
    chunks = list(archive_chunks(issued))
    assert [len(c) for c in chunks] == [SMALL] * (size // SMALL) + [size % SMALL] * (
        size % SMALL > 0
    )
    assert b"".join(chunks) == data
    stored = IssuedStatement.objects.get(pk=issued.pk)
    assert bytes(stored.content) == data  # the column itself holds the file
    assert bytes(issued.content) == data  # loaded from the database when asked
    assert large_objects() == 0


def test_an_empty_file_is_archived_empty(cintra: Lab, accountant: User):
    issued = archive_store(file=io.BytesIO(), **fields(cintra, accountant))
    assert (issued.size, issued.sha256) == (0, hashlib.sha256(b"").hexdigest())
    assert list(archive_chunks(issued)) == []
    assert bytes(IssuedStatement.objects.get(pk=issued.pk).content) == b""


class Breaking(io.BytesIO):
    """A file that fails after its first `reads_ok` reads of its content."""

    def __init__(self, data: bytes, reads_ok: int) -> None:
        super().__init__(data)
        self.reads_ok = reads_ok

    def read(self, size: int | None = -1) -> bytes:
        if self.reads_ok == 0:
            raise OSError("disk gone")
        self.reads_ok -= 1
        return super().read(size)


@pytest.mark.usefixtures("small_chunks")
def test_a_failure_half_way_through_archiving_leaves_no_row(cintra: Lab, accountant: User):
    data = data_of(5 * SMALL)
    # The sha256 takes five reads and the end-of-file one; the write fails at its third.
    broken = Breaking(data, reads_ok=6 + 2)
    with pytest.raises(OSError, match="disk gone"):
        archive_store(file=broken, **fields(cintra, accountant))
    assert not IssuedStatement.objects.exists()
    assert large_objects() == 0


@pytest.mark.usefixtures("small_chunks")
def test_a_statement_failing_while_archived_leaves_no_row_nor_audit_event(
    books: Books, monkeypatch: pytest.MonkeyPatch
):
    written = archive._chunks_of

    def failing(file: Any) -> Iterator[bytes]:
        chunks = written(file)
        yield next(chunks)
        raise OSError("disk gone")

    monkeypatch.setattr(archive, "_chunks_of", failing)
    with pytest.raises(OSError, match="disk gone"):
        statement_issue(
            acting_user=books.user, lab=books.lab, kind="journal", year=2025, format="xlsx"
        )
    assert not IssuedStatement.objects.exists()
    assert not AuditEvent.objects.filter(action="statement.issue").exists()
    assert large_objects() == 0


@pytest.mark.usefixtures("small_chunks")
def test_an_issued_statement_equals_its_sha256_and_downloads_streamed_byte_for_byte(
    client: Client, books: Books, director_cintra: User
):
    issued = statement_issue(
        acting_user=books.user, lab=books.lab, kind="general-ledger", year=2025, format="xlsx"
    )
    data = b"".join(archive_chunks(issued))
    assert issued.size > 2 * SMALL and len(data) == issued.size
    assert hashlib.sha256(data).hexdigest() == issued.sha256
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None

    client.force_login(director_cintra)
    response = client.get(f"/labs/CINTRA/statements/{issued.pk}/download/")

    assert response.status_code == 200 and response.streaming
    downloaded = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert downloaded == data
    assert response["Content-Length"] == str(issued.size)
    assert response["Cache-Control"] == "no-store"
    assert response["X-Statement-SHA256"] == issued.sha256
    assert response["Content-Disposition"] == (
        'attachment; filename="CINTRA_general-ledger_2025_en_SGD.xlsx"'
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.usefixtures("small_chunks")
def test_the_audit_package_is_archived_in_chunks_too(books: Books, auditor: User):
    issued = audit_package_issue(acting_user=auditor, lab=books.lab, year=2025)
    data = b"".join(archive_chunks(issued))
    assert issued.size > 2 * SMALL and len(data) == issued.size
    assert hashlib.sha256(data).hexdigest() == issued.sha256
    package = zipfile.ZipFile(io.BytesIO(data))
    assert package.testzip() is None
    assert "manifest.json" in package.namelist()
