"""Supporting documents through the services: what is refused (with its message, nothing
written), what is stored (bytes, sha256, name), what is audited, and the database guard
that keeps a posted entry's documents against raw SQL on SQLite and PostgreSQL."""

import hashlib
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from irls.models import Lab
from ledger.exceptions import (
    DOCUMENT_DUPLICATE,
    DOCUMENT_EMPTY,
    DOCUMENT_EXTENSION,
    DOCUMENT_OF_POSTED,
    DOCUMENT_TOO_LARGE,
    DOCUMENT_TYPE,
    DocumentError,
    EntryFrozenError,
    NotPermittedError,
)
from ledger.models import AuditEvent, JournalEntry, SupportingDocument
from ledger.selectors.documents import document_in_lab_or_none, entry_documents
from ledger.services import entry_post, entry_ref
from ledger.services.documents import (
    document_attach,
    document_clean_name,
    document_download,
    document_remove,
    documents_of_draft_remove,
)
from tests.books import draft, posted
from tests.ledger.rawsql import execute, refused

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32


@pytest.fixture
def storage_dir(tmp_path: Path, settings) -> Path:
    """This test's documents folder (the whole suite already writes to a temporary one)."""
    folder = tmp_path / "documents"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": folder},
        },
    }
    return folder


def _stored_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _draft(user: User, lab: Lab) -> JournalEntry:
    return draft(user, lab, [("6064", "120.00", "0"), ("401", "0", "120.00")])


def test_a_pdf_is_attached_with_its_sha256_under_a_name_of_lab_entry_and_hash(
    accountant, cintra, storage_dir
):
    entry = _draft(accountant, cintra)
    document = document_attach(
        acting_user=accountant, entry=entry, name="C:\\scans\\Facture Wafer°1.PDF", data=PDF
    )
    digest = hashlib.sha256(PDF).hexdigest()
    assert document.sha256 == digest
    assert document.size == len(PDF)
    assert document.content_type == "application/pdf"
    assert document.original_name == "Facture Wafer°1.PDF"
    assert document.lab == cintra and document.uploaded_by == accountant
    # The stored name is the lab, the entry and the hash: never the user's name.
    assert document.file.name == f"CINTRA/{entry.pk}/{digest}.pdf"
    assert _stored_files(storage_dir) == [storage_dir / "CINTRA" / str(entry.pk) / f"{digest}.pdf"]
    with document.file.open("rb") as handle:
        assert handle.read() == PDF
    assert list(entry_documents(entry)) == [document]


def test_jpeg_and_png_are_recognised_by_their_bytes(accountant, cintra, storage_dir):
    entry = _draft(accountant, cintra)
    jpeg = document_attach(acting_user=accountant, entry=entry, name="ticket.JPEG", data=JPEG)
    png = document_attach(acting_user=accountant, entry=entry, name="receipt.png", data=PNG)
    assert (jpeg.content_type, png.content_type) == ("image/jpeg", "image/png")
    assert jpeg.file.name.endswith(".jpg") and png.file.name.endswith(".png")


def test_the_attachment_is_audited_with_name_size_and_sha256(accountant, cintra, storage_dir):
    entry = posted(accountant, cintra)
    document = document_attach(acting_user=accountant, entry=entry, name="invoice.pdf", data=PDF)
    event = AuditEvent.objects.get(action="document.attach")
    assert event.actor == accountant and event.lab == cintra
    assert event.object_type == "ledger.SupportingDocument"
    assert event.object_id == str(document.pk)
    assert event.after == {
        "entry": entry.number,
        "name": "invoice.pdf",
        "content_type": "application/pdf",
        "size": len(PDF),
        "sha256": hashlib.sha256(PDF).hexdigest(),
    }


def _refusal(accountant, entry, name, data, storage_dir) -> str:
    before = (SupportingDocument.objects.count(), AuditEvent.objects.count())
    files = _stored_files(storage_dir)
    with pytest.raises(DocumentError) as info:
        document_attach(acting_user=accountant, entry=entry, name=name, data=data)
    assert (SupportingDocument.objects.count(), AuditEvent.objects.count()) == before
    assert _stored_files(storage_dir) == files
    return str(info.value)


def test_every_refusal_names_the_file_and_writes_nothing(accountant, cintra, storage_dir):
    entry = _draft(accountant, cintra)
    assert _refusal(accountant, entry, "empty.pdf", b"", storage_dir) == DOCUMENT_EMPTY.format(
        name="empty.pdf"
    )
    assert _refusal(
        accountant, entry, "notes.pdf", b"Just some text", storage_dir
    ) == DOCUMENT_TYPE.format(name="notes.pdf")
    # A PNG named .pdf: its content decides, and the name must agree.
    assert _refusal(accountant, entry, "scan.pdf", PNG, storage_dir) == (
        DOCUMENT_EXTENSION.format(name="scan.pdf", kind="PNG", extensions=".png")
    )
    assert _refusal(accountant, entry, "photo", JPEG, storage_dir) == (
        DOCUMENT_EXTENSION.format(name="photo", kind="JPEG", extensions=".jpg / .jpeg")
    )
    # An HTML page or an executable dressed as a PDF is not a PDF.
    assert "evil.pdf is not a PDF, JPEG or PNG file" in _refusal(
        accountant, entry, "evil.pdf", b"<html><script>alert(1)</script>", storage_dir
    )
    document_attach(acting_user=accountant, entry=entry, name="twice.pdf", data=PDF)
    assert _refusal(accountant, entry, "again.pdf", PDF, storage_dir) == (
        DOCUMENT_DUPLICATE.format(name="again.pdf", ref=entry_ref(entry), existing="twice.pdf")
    )


def test_a_file_over_the_limit_is_refused_in_megabytes(accountant, cintra, storage_dir):
    entry = _draft(accountant, cintra)
    with override_settings(DOCUMENT_MAX_BYTES=1024 * 1024):
        message = _refusal(accountant, entry, "big.pdf", PDF + b"\0" * (1024 * 1024), storage_dir)
    assert message == DOCUMENT_TOO_LARGE.format(name="big.pdf", size="1.0\xa0MB", limit="1.0\xa0MB")


def test_the_default_limit_is_ten_megabytes(accountant, cintra, storage_dir):
    entry = _draft(accountant, cintra)
    eleven = PDF + b"\0" * (11 * 1024 * 1024)
    message = _refusal(accountant, entry, "eleven.pdf", eleven, storage_dir)
    assert "is at most 10.0\xa0MB" in message


def test_the_refusal_is_in_french_for_a_french_user(accountant, cintra, storage_dir):
    from django.utils import translation

    entry = _draft(accountant, cintra)
    with translation.override("fr"):
        message = _refusal(accountant, entry, "scan.pdf", PNG, storage_dir)
    assert message.startswith("scan.pdf est un fichier PNG")


def test_file_names_lose_folders_and_control_characters():
    assert document_clean_name("../../etc/passwd.pdf") == "passwd.pdf"
    assert document_clean_name("a\x00b\r\n.pdf") == "ab.pdf"
    assert document_clean_name("   ") == "document"
    long_name = document_clean_name("x" * 400 + ".pdf")
    assert len(long_name) == 255 and long_name.endswith(".pdf")


def test_only_writers_of_the_entrys_lab_attach(
    accountant, director_cintra, auditor, cintra, majulab, storage_dir
):
    from irls import services as irls_services
    from irls.models import Role

    entry = _draft(accountant, cintra)
    majulab_accountant = User.objects.create_user("acct_majulab", password="pw-acct-majulab")
    irls_services.role_grant(
        acting_user=None, user=majulab_accountant, role=Role.ACCOUNTANT, lab=majulab
    )
    for user in (director_cintra, auditor, majulab_accountant):
        with pytest.raises(NotPermittedError):
            document_attach(acting_user=user, entry=entry, name="x.pdf", data=PDF)
    assert not SupportingDocument.objects.exists()
    assert _stored_files(storage_dir) == []


def test_a_drafts_document_is_removed_with_its_file_and_audited(
    accountant, cintra, storage_dir, django_capture_on_commit_callbacks
):
    entry = _draft(accountant, cintra)
    document = document_attach(acting_user=accountant, entry=entry, name="wrong.pdf", data=PDF)
    with django_capture_on_commit_callbacks(execute=True):
        document_remove(acting_user=accountant, document=document)
    assert not SupportingDocument.objects.exists()
    assert _stored_files(storage_dir) == []
    event = AuditEvent.objects.get(action="document.remove")
    assert event.actor == accountant and event.before is not None
    assert event.before["name"] == "wrong.pdf"
    assert event.before["sha256"] == hashlib.sha256(PDF).hexdigest()


def test_posting_keeps_the_documents_and_more_can_be_added_never_removed(
    accountant, cintra, storage_dir
):
    entry = _draft(accountant, cintra)
    first = document_attach(acting_user=accountant, entry=entry, name="quote.pdf", data=PDF)
    entry = entry_post(acting_user=accountant, entry=entry)
    second = document_attach(acting_user=accountant, entry=entry, name="receipt.png", data=PNG)
    for document in (first, second):
        with pytest.raises(EntryFrozenError) as info:
            document_remove(acting_user=accountant, document=document)
        assert str(info.value) == DOCUMENT_OF_POSTED.format(
            name=document.original_name, ref=entry.number
        )
    assert SupportingDocument.objects.filter(entry=entry).count() == 2
    assert len(_stored_files(storage_dir)) == 2
    assert not AuditEvent.objects.filter(action="document.remove").exists()


def test_a_draft_about_to_be_deleted_loses_its_documents_first(
    accountant, cintra, storage_dir, django_capture_on_commit_callbacks
):
    from ledger.services import entry_delete_draft

    entry = _draft(accountant, cintra)
    document_attach(acting_user=accountant, entry=entry, name="a.pdf", data=PDF)
    document_attach(acting_user=accountant, entry=entry, name="b.png", data=PNG)
    with django_capture_on_commit_callbacks(execute=True):
        assert documents_of_draft_remove(acting_user=accountant, entry=entry) == 2
        entry_delete_draft(acting_user=accountant, entry=entry)
    assert AuditEvent.objects.filter(action="document.remove").count() == 2
    assert _stored_files(storage_dir) == []


def test_the_download_is_audited_for_every_reader(
    accountant, director_cintra, auditor, cintra, storage_dir
):
    entry = posted(accountant, cintra)
    document = document_attach(acting_user=accountant, entry=entry, name="inv.pdf", data=PDF)
    for reader in (auditor, director_cintra):
        assert document_download(acting_user=reader, document=document) == document
    events = AuditEvent.objects.filter(action="document.download").order_by("id")
    assert [e.actor for e in events] == [auditor, director_cintra]
    assert events[0].after == {"name": "inv.pdf", "sha256": document.sha256}


def test_another_labs_entry_and_document_are_not_found(
    accountant, director_majulab, cintra, majulab, storage_dir
):
    entry = posted(accountant, cintra)
    document = document_attach(acting_user=accountant, entry=entry, name="inv.pdf", data=PDF)
    assert document_in_lab_or_none(majulab, entry.pk, document.pk) is None
    assert document_in_lab_or_none(cintra, entry.pk + 1000, document.pk) is None
    assert document_in_lab_or_none(cintra, entry.pk, document.pk) == document
    with pytest.raises(NotPermittedError):
        document_download(acting_user=director_majulab, document=document)


# The database guard, by raw SQL --------------------------------------------------------------


def test_raw_sql_cannot_delete_or_change_a_posted_entrys_document(accountant, cintra, storage_dir):
    entry = posted(accountant, cintra)
    document = document_attach(acting_user=accountant, entry=entry, name="inv.pdf", data=PDF)
    table = "ledger_supportingdocument"
    assert "LEDGER_FROZEN" in refused(f"DELETE FROM {table} WHERE id = %s", [document.pk])
    assert "LEDGER_FROZEN" in refused(
        f"UPDATE {table} SET sha256 = %s WHERE id = %s", ["0" * 64, document.pk]
    )
    assert "LEDGER_FROZEN" in refused(
        f"UPDATE {table} SET original_name = %s WHERE id = %s", ["other.pdf", document.pk]
    )
    # Moved onto a draft, it would escape the guard: the posted side refuses too.
    other = _draft(accountant, cintra)
    assert "LEDGER_FROZEN" in refused(
        f"UPDATE {table} SET entry_id = %s WHERE id = %s", [other.pk, document.pk]
    )
    document.refresh_from_db()
    assert (document.entry_id, document.original_name) == (entry.pk, "inv.pdf")


def test_raw_sql_cannot_move_a_drafts_document_onto_a_posted_entry(accountant, cintra, storage_dir):
    entry = _draft(accountant, cintra)
    document = document_attach(acting_user=accountant, entry=entry, name="inv.pdf", data=PDF)
    target = posted(accountant, cintra)
    assert "LEDGER_FROZEN" in refused(
        "UPDATE ledger_supportingdocument SET entry_id = %s WHERE id = %s",
        [target.pk, document.pk],
    )


def test_raw_sql_cannot_attach_a_document_to_another_labs_entry(
    accountant, cintra, majulab, storage_dir
):
    entry = posted(accountant, cintra)
    document = document_attach(acting_user=accountant, entry=entry, name="inv.pdf", data=PDF)
    assert "LEDGER_CROSS_LAB" in refused(
        "INSERT INTO ledger_supportingdocument (lab_id, entry_id, file, original_name,"
        " content_type, size, sha256, uploaded_by_id, uploaded_at)"
        " SELECT %s, entry_id, file, original_name, content_type, size, %s, uploaded_by_id,"
        " uploaded_at FROM ledger_supportingdocument WHERE id = %s",
        [majulab.pk, "1" * 64, document.pk],
    )


@pytest.mark.postgres_only
def test_truncating_the_documents_is_refused_on_postgresql(accountant, cintra, storage_dir):
    entry = posted(accountant, cintra)
    document_attach(acting_user=accountant, entry=entry, name="inv.pdf", data=PDF)
    execute("SET CONSTRAINTS ALL IMMEDIATE")  # fire the commit-time checks first
    assert "LEDGER_FROZEN" in refused("TRUNCATE ledger_supportingdocument")


def test_a_drafts_document_may_be_deleted_by_sql(accountant, cintra, storage_dir):
    """The guard stands for posted entries only: a draft's documents are the service's."""
    entry = _draft(accountant, cintra)
    document = document_attach(acting_user=accountant, entry=entry, name="inv.pdf", data=PDF)
    execute("DELETE FROM ledger_supportingdocument WHERE id = %s", [document.pk])
    assert not SupportingDocument.objects.exists()
