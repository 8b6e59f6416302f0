"""The statements page of a lab: issue, download again, check; a wall around each lab."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ledger.models import AuditEvent
from reports import forms, views
from reports.models import IssuedStatement
from reports.services import statement_issue
from tests.reports.conftest import Books, post

PAGE = "/labs/CINTRA/statements/"
ISSUE = PAGE + "issue/"
CHECK = PAGE + "check/"
ASK = {
    "kind": "trial-balance",
    "year": "2025",
    "date_from": "",
    "date_to": "",
    "language": "en",
    "currency": "SGD",
    "format": "pdf",
    "partner": "",
    "grant": "",
}


@pytest.fixture
def director(client: Client, director_cintra) -> Client:
    client.force_login(director_cintra)
    return client


def test_the_page_extends_the_site_and_lists_the_archive(director: Client, books: Books):
    statement_issue(acting_user=books.user, lab=books.lab, kind="fec", year=2025)
    response = director.get(PAGE)
    assert response.status_code == 200
    assert [t.name for t in response.templates][:2] == ["reports/statements.html", "base.html"]
    html = response.content.decode()
    assert "Issue a statement" in html and "Check a statement" in html
    assert "180089013FEC20251231.txt" in html
    issued = IssuedStatement.objects.get()
    assert f'href="/labs/CINTRA/statements/{issued.pk}/download/"' in html
    assert 'value="THALES"' in html and 'value="ANR-2D"' in html


def test_issuing_downloads_the_file_archived_and_not_cached(
    director: Client, books: Books, director_cintra
):
    response = director.post(ISSUE, ASK)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"] == (
        'attachment; filename="CINTRA_trial-balance_2025_en_SGD.pdf"'
    )
    issued = IssuedStatement.objects.get()
    assert response.content == bytes(issued.content)
    assert response["X-Statement-SHA256"] == hashlib.sha256(response.content).hexdigest()
    assert issued.issued_by == director_cintra


def test_earlier_statements_download_byte_for_byte(director: Client, books: Books):
    issued = statement_issue(
        acting_user=books.user, lab=books.lab, kind="journal", year=2025, format="xlsx"
    )
    response = director.get(f"{PAGE}{issued.pk}/download/")
    assert response.status_code == 200
    assert response.content == bytes(issued.content)
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEvent.objects.filter(action="statement.download", object_id=str(issued.pk)).exists()


def test_the_fec_downloads_as_text(director: Client, books: Books):
    response = director.post(ISSUE, {**ASK, "kind": "fec", "format": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="180089013FEC20251231.txt"'


def test_a_bad_request_shows_the_form_again(director: Client, books: Books):
    response = director.post(ISSUE, {**ASK, "kind": "partner"})
    assert response.status_code == 400
    assert "Choose the partner institution of the partner statement." in response.content.decode()
    response = director.post(ISSUE, {**ASK, "date_from": "2025-07-01", "date_to": "2025-03-01"})
    assert response.status_code == 400
    assert "after its end on 2025-03-01" in response.content.decode()
    assert not IssuedStatement.objects.exists()


def test_checking_a_file(director: Client, books: Books):
    issued = statement_issue(acting_user=books.user, lab=books.lab, kind="fec", year=2025)
    upload = SimpleUploadedFile("fec.txt", bytes(issued.content))
    html = director.post(CHECK, {"file": upload}).content.decode()
    assert "Issued by IRL Ledger." in html
    assert "The ledger has not changed since" in html
    assert "issued by accountant" in html.lower()
    post(books.user, books.lab, "BQS", books.entries[-1].date, "Charges", "B-7",
         [("627", "1.00", "0", {}), ("512", "0", "1.00", {})])  # fmt: skip
    upload = SimpleUploadedFile("fec.txt", bytes(issued.content))
    html = director.post(CHECK, {"file": upload}).content.decode()
    assert "1 entry was posted after this statement was issued" in html
    forged = SimpleUploadedFile("fec.txt", bytes(issued.content) + b"\n")
    html = director.post(CHECK, {"file": forged}).content.decode()
    assert "Not issued by IRL Ledger." in html


def test_checking_refuses_a_file_too_large(director: Client, books: Books, monkeypatch):
    monkeypatch.setattr(forms, "MAX_UPLOAD", 10)
    response = director.post(CHECK, {"file": SimpleUploadedFile("big.pdf", b"x" * 11)})
    assert response.status_code == 400
    assert "larger than 0 MB" in response.content.decode()
    monkeypatch.setattr(views, "MAX_UPLOAD", 0)
    monkeypatch.setattr(views, "BODY_MARGIN", 0)
    response = director.post(CHECK, {"file": SimpleUploadedFile("big.pdf", b"x" * 11)})
    assert response.status_code == 413


def test_a_director_of_another_lab_gets_404_everywhere(
    client: Client, books: Books, director_majulab
):
    issued = statement_issue(acting_user=books.user, lab=books.lab, kind="fec", year=2025)
    client.force_login(director_majulab)
    assert client.get(PAGE).status_code == 404
    assert client.post(ISSUE, ASK).status_code == 404
    assert client.get(f"{PAGE}{issued.pk}/download/").status_code == 404
    assert client.post(CHECK, {"file": SimpleUploadedFile("f.txt", b"x")}).status_code == 404
    # Nor through the lab the director does read.
    assert client.get(f"/labs/MAJULAB/statements/{issued.pk}/download/").status_code == 404
    assert client.get("/labs/MAJULAB/statements/").status_code == 200
    assert client.get("/labs/NOWHERE/statements/").status_code == 404
    assert IssuedStatement.objects.count() == 1


def test_a_check_in_another_lab_does_not_reveal_this_one(
    client: Client, books: Books, director_majulab
):
    issued = statement_issue(acting_user=books.user, lab=books.lab, kind="fec", year=2025)
    client.force_login(director_majulab)
    upload = SimpleUploadedFile("fec.txt", bytes(issued.content))
    html = client.post("/labs/MAJULAB/statements/check/", {"file": upload}).content.decode()
    assert "Not issued by IRL Ledger." in html
    assert "CINTRA" not in html


def test_signed_out_visitors_are_sent_to_log_in(client: Client, books: Books):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert client.get(ISSUE).status_code == 302


def test_issuing_needs_a_post(director: Client, books: Books):
    assert director.get(ISSUE).status_code == 405


def test_checking_a_fec_file_also_checks_its_format(director: Client, books: Books):
    issued = statement_issue(acting_user=books.user, lab=books.lab, kind="fec", year=2025)
    upload = SimpleUploadedFile(issued.file_name, bytes(issued.content))
    html = director.post(CHECK, {"file": upload}).content.decode()
    assert "FEC format: valid." in html
    broken = bytes(issued.content).replace(b"\t10000,00\t", b"\t10000.00\t", 1)
    upload = SimpleUploadedFile(issued.file_name, broken)
    html = director.post(CHECK, {"file": upload}).content.decode()
    assert "Not issued by IRL Ledger." in html
    assert "FEC format: problems found." in html
    assert "Line 2: Debit &#x27;10000.00&#x27; uses a dot" in html


def test_the_page_reads_a_constant_number_of_queries(director: Client, books: Books):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    statement_issue(acting_user=books.user, lab=books.lab, kind="fec", year=2025)
    with CaptureQueriesContext(connection) as one:
        director.get(PAGE)
    for kind in ("journal", "trial-balance", "balance-sheet"):
        statement_issue(acting_user=books.user, lab=books.lab, kind=kind, year=2025)
    with CaptureQueriesContext(connection) as four:
        html = director.get(PAGE).content.decode()
    assert len(four) == len(one)
    assert html.count("/download/") == 4
