"""Supporting documents on the web (issue 12): the accountant attaches a supplier's PDF to
an entry, the auditor downloads exactly those bytes, the lab's director reads but never
attaches, another lab's people find nothing; files that are not what their name says,
too large, or sent with a malformed length are refused with a message, nothing written.
"""

import hashlib
from html import unescape
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from irls.models import Lab
from ledger.models import AuditEvent, JournalEntry, SupportingDocument
from ledger.services import entry_post
from ledger.services.documents import document_attach
from ledger.views_documents import BAD_LENGTH
from tests.books import draft, posted
from tests.web.html import table_rows

PDF = b"%PDF-1.4\n% Wafer-Co invoice 2025-117\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32


@pytest.fixture(autouse=True)
def storage_dir(tmp_path: Path, settings) -> Path:
    folder = tmp_path / "documents"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": folder},
        },
    }
    return folder


def logged_in(user: User, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def add_url(entry: JournalEntry) -> str:
    return f"/labs/{entry.lab.code}/entries/{entry.pk}/documents/"


def document_url(document: SupportingDocument) -> str:
    return f"{add_url(document.entry)}{document.pk}/"


def files_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def invoice(accountant: User, cintra: Lab) -> JournalEntry:
    return posted(accountant, cintra, "2500.00")


def test_the_accountant_attaches_a_pdf_and_comes_back_to_the_entry(
    accountant, invoice, storage_dir
):
    client = logged_in(accountant)
    response = client.post(
        add_url(invoice),
        {"file": SimpleUploadedFile("Wafer-Co 2025-117.pdf", PDF)},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 302
    assert response["Location"] == f"/labs/CINTRA/entries/{invoice.pk}/#documents"
    document = SupportingDocument.objects.get()
    assert (document.entry, document.original_name) == (invoice, "Wafer-Co 2025-117.pdf")
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert [p.read_bytes() for p in files_in(storage_dir)] == [PDF]
    assert AuditEvent.objects.filter(action="document.attach", actor=accountant).count() == 1

    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="fr")
    html = unescape(page.content.decode())
    assert "Wafer-Co 2025-117.pdf est joint." in html
    assert document_url(document) in html


def test_the_auditor_downloads_the_exact_bytes_as_an_attachment(
    accountant, auditor, invoice, storage_dir
):
    document = document_attach(
        acting_user=accountant, entry=invoice, name="Facture été n°7.pdf", data=PDF
    )
    response = logged_in(auditor).get(document_url(document))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(PDF))
    # The name is sent encoded (RFC 5987), never raw in the header.
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Facture%20%C3%A9t%C3%A9%20n%C2%B07.pdf"
    )
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Document-SHA256"] == document.sha256
    event = AuditEvent.objects.get(action="document.download")
    assert event.actor == auditor and event.lab == invoice.lab


def test_a_quote_in_the_name_cannot_break_the_header(accountant, director_cintra, invoice):
    document = document_attach(acting_user=accountant, entry=invoice, name='a"b;c.pdf', data=PDF)
    response = logged_in(director_cintra).get(document_url(document))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="a\\"b;c.pdf"'


def test_the_labs_director_reads_but_may_not_attach(
    accountant, director_cintra, invoice, storage_dir
):
    document = document_attach(acting_user=accountant, entry=invoice, name="inv.pdf", data=PDF)
    client = logged_in(director_cintra)
    assert client.get(document_url(document)).status_code == 200
    response = client.post(add_url(invoice), {"file": SimpleUploadedFile("x.pdf", PDF)})
    assert response.status_code == 403
    assert SupportingDocument.objects.count() == 1
    assert client.post(document_url(document) + "remove/").status_code == 403


def test_another_labs_director_finds_nothing(
    accountant, director_majulab, invoice, majulab, storage_dir
):
    document = document_attach(acting_user=accountant, entry=invoice, name="inv.pdf", data=PDF)
    client = logged_in(director_majulab)
    assert client.get(document_url(document)).status_code == 404
    response = client.post(add_url(invoice), {"file": SimpleUploadedFile("x.pdf", PDF)})
    assert response.status_code == 404
    # Nor under their own lab's address with this lab's ids.
    other = draft(accountant, majulab, [("6064", "1", "0"), ("401", "0", "1")])
    assert (
        client.get(f"/labs/MAJULAB/entries/{other.pk}/documents/{document.pk}/").status_code == 404
    )
    assert not AuditEvent.objects.filter(action="document.download").exists()
    assert SupportingDocument.objects.count() == 1


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "scan.pdf is a PNG file, but its name says otherwise"),
        ("fr", "scan.pdf est un fichier PNG, mais son nom dit autre chose"),
    ],
)
def test_a_pdf_that_is_really_a_png_is_refused_naming_the_file(
    accountant, invoice, storage_dir, lang, expected
):
    client = logged_in(accountant)
    response = client.post(
        add_url(invoice),
        {"file": SimpleUploadedFile("scan.pdf", PNG, content_type="application/pdf")},
        HTTP_ACCEPT_LANGUAGE=lang,
        follow=True,
    )
    assert response.status_code == 200
    assert any(message.startswith(expected) for message in messages_of(response))
    assert expected in unescape(response.content.decode())
    assert not SupportingDocument.objects.exists()
    assert files_in(storage_dir) == []


def test_an_eleven_megabyte_upload_is_refused_before_it_is_read(accountant, invoice, storage_dir):
    client = logged_in(accountant)
    big = SimpleUploadedFile("scan.pdf", PDF + b"\0" * (11 * 1024 * 1024))
    response = client.post(add_url(invoice), {"file": big}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 413
    html = unescape(response.content.decode())
    assert "plus grand que 10,0\xa0Mio" in html
    assert f"/labs/CINTRA/entries/{invoice.pk}/#documents" in html
    assert not SupportingDocument.objects.exists()
    assert not AuditEvent.objects.filter(action="document.attach").exists()
    assert files_in(storage_dir) == []


def test_a_file_just_over_the_limit_is_refused_by_its_size(accountant, invoice, storage_dir):
    client = logged_in(accountant)
    over = SimpleUploadedFile("scan.pdf", PDF + b"\0" * (10 * 1024 * 1024))
    response = client.post(add_url(invoice), {"file": over}, follow=True)
    assert any(
        m.startswith("scan.pdf is 10.0\xa0MB: a supporting document is at most 10.0\xa0MB")
        for m in messages_of(response)
    )
    assert not SupportingDocument.objects.exists()
    assert files_in(storage_dir) == []


@pytest.mark.parametrize("length", ["abc", "-1", "12x", "١٢", "1e9"])
def test_a_malformed_content_length_is_a_bad_request(accountant, invoice, length):
    response = logged_in(accountant).post(
        add_url(invoice), {"file": SimpleUploadedFile("a.pdf", PDF)}, CONTENT_LENGTH=length
    )
    assert response.status_code == 400
    assert str(BAD_LENGTH) in unescape(response.content.decode())
    assert not SupportingDocument.objects.exists()


def test_an_upload_without_a_file_is_a_bad_request(accountant, invoice):
    response = logged_in(accountant).post(add_url(invoice), {})
    assert response.status_code == 400
    assert "Choose the file to attach" in response.content.decode()


def test_the_upload_needs_the_csrf_token(accountant, invoice):
    client = logged_in(accountant, enforce_csrf_checks=True)
    response = client.post(add_url(invoice), {"file": SimpleUploadedFile("a.pdf", PDF)})
    assert response.status_code == 403
    assert not SupportingDocument.objects.exists()


def test_a_drafts_document_is_removed_a_posted_ones_stays(
    accountant, cintra, storage_dir, django_capture_on_commit_callbacks
):
    entry = draft(accountant, cintra, [("6064", "10", "0"), ("401", "0", "10")])
    document = document_attach(acting_user=accountant, entry=entry, name="wrong.pdf", data=PDF)
    kept = document_attach(acting_user=accountant, entry=entry, name="right.png", data=PNG)
    client = logged_in(accountant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(document_url(document) + "remove/", follow=True)
    assert "wrong.pdf is removed." in messages_of(response)
    assert list(SupportingDocument.objects.all()) == [kept]
    assert len(files_in(storage_dir)) == 1

    entry_post(acting_user=accountant, entry=entry)
    response = client.post(document_url(kept) + "remove/", follow=True)
    assert any("right.png supports the posted entry" in m for m in messages_of(response))
    assert list(SupportingDocument.objects.all()) == [kept]


# The partial the entry page includes ----------------------------------------------------------


def _partial(entry: JournalEntry, may_write: bool, lang: str = "en") -> str:
    with translation.override(lang):
        return render_to_string(
            "ledger/entries/_documents.html",
            {
                "lab": entry.lab,
                "entry": entry,
                "documents": list(entry.documents.select_related("uploaded_by")),
                "may_write": may_write,
            },
        )


def test_the_list_shows_name_type_size_fingerprint_and_who_in_singapore_time(accountant, cintra):
    entry = draft(accountant, cintra, [("6064", "10", "0"), ("401", "0", "10")])
    document = document_attach(
        acting_user=accountant, entry=entry, name="scan.pdf", data=PDF + b"\0" * 2000
    )
    html = _partial(entry, may_write=True, lang="fr")
    rows = table_rows(html, "documents-table")
    cells = rows[1][1]
    assert cells[:4] == ["scan.pdf", "PDF", "2,0\xa0Kio", document.sha256[:12] + "…"]
    assert cells[4].startswith("accountant, ") and cells[4].endswith("+08")
    assert f'title="{document.sha256}"' in html
    assert "Pièces justificatives" in html
    assert 'accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"' in html
    assert "10,0\xa0Mio" in html
    assert "Retirer" in html


def test_readers_get_no_form_and_posted_entries_no_remove_button(accountant, cintra, invoice):
    document_attach(acting_user=accountant, entry=invoice, name="inv.pdf", data=PDF)
    reader = _partial(invoice, may_write=False)
    assert "inv.pdf" in reader and "<form" not in reader
    writer = _partial(invoice, may_write=True)
    assert "remove/" not in writer and 'enctype="multipart/form-data"' in writer
    assert "none removed" in writer


def test_the_admins_entry_page_lists_the_documents_as_download_links(
    accountant, invoice, storage_dir
):
    accountant.is_staff = True
    accountant.save(update_fields=["is_staff"])
    document = document_attach(acting_user=accountant, entry=invoice, name="inv.pdf", data=PDF)
    response = logged_in(accountant).get(f"/admin/ledger/journalentry/{invoice.pk}/change/")
    assert response.status_code == 200
    assert f'<a href="{document_url(document)}">inv.pdf</a>' in response.content.decode()
