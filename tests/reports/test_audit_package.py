"""The audit package of a lab's fiscal year: one ZIP of every statement (rendered by the
statements' own builders and renderers), the FEC, the supporting documents, the ledger
verification and a manifest; archived like a statement, downloaded byte for byte,
recognised on the check form, built again when the books move meanwhile; asked for on
the statements page (a worker builds it) or by `manage.py audit_package`."""

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from pypdf import PdfReader

import reports.audit_package
from jobs.models import Job
from ledger.exceptions import NotPermittedError
from ledger.models import AuditEvent, LedgerChain, SupportingDocument
from ledger.services.documents import document_attach
from reports.audit_package import PACKAGE_MOVING, audit_package_issue
from reports.exceptions import StatementError
from reports.fec import fec_validate
from reports.models import IssuedStatement
from tests.jobs.conftest import IMMEDIATE
from tests.reports.conftest import Books, TwoYears, post

NBSP = "\u00a0"
PAGE = "/labs/CINTRA/statements/"
PACKAGE = PAGE + "audit-package/"
CHECK = PAGE + "check/"
SCAN = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
YEAR_STATEMENTS = (
    "trial-balance",
    "general-ledger",
    "journal",
    "balance-sheet",
    "income-statement",
    "budget-execution",
    "third-party-balance",
    "third-party-ledger",
    "payables-ageing",
    "receivables-ageing",
)


@pytest.fixture(autouse=True)
def storage_dir(tmp_path: Path, settings: Any) -> Path:
    """This test's supporting documents folder."""
    folder = tmp_path / "documents"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": folder},
        },
    }
    return folder


@pytest.fixture
def immediate_tasks() -> Iterator[None]:
    """Each task runs inside the request that queues it (tests/jobs: a real worker)."""
    with override_settings(TASKS=IMMEDIATE):
        yield


def charges(books: Books) -> Any:
    """One more entry posted: bank charges of 1 July."""
    lines: list[tuple[str, str, str, dict[str, Any]]] = [
        ("627", "1.00", "0", {}),
        ("512", "0", "1.00", {}),
    ]
    return post(books.user, books.lab, "BQS", date(2025, 7, 1), "Charges", "B-7", lines)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def xlsx_values(data: bytes) -> list[Any]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [cell for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row]


def opened(issued: IssuedStatement) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(bytes(issued.content)))
    assert archive.testzip() is None
    return archive


def statement_names(subjects: list[tuple[str, str]], language: str = "fr") -> set[str]:
    """The statements/ members for (kind, subject) pairs, both formats."""
    names = set()
    for kind, subject in subjects:
        middle = f"2025_{subject}" if subject else "2025"
        for fmt in ("pdf", "xlsx"):
            names.add(f"statements/CINTRA_{kind}_{middle}_{language}_SGD.{fmt}")
    return names


def test_the_package_holds_every_statement_documents_verification_and_manifest(
    books: Books, auditor: User
):
    invoice = books.entries[3]  # ACH, wafers
    document_attach(acting_user=books.user, entry=invoice, name="Wafers INV-100.pdf", data=SCAN)

    issued = audit_package_issue(acting_user=auditor, lab=books.lab, year=2025)

    archive = opened(issued)
    names = set(archive.namelist())
    subjects = [(kind, "") for kind in YEAR_STATEMENTS]
    subjects += [("partner", code) for code in ("ANR", "CNRS", "THALES")]
    subjects += [("grant", code) for code in ("ANR-2D", "THALES-25")]
    document = (
        f"documents/{invoice.number}/{hashlib.sha256(SCAN).hexdigest()[:8]}_Wafers INV-100.pdf"
    )
    assert names == statement_names(subjects) | {
        "statements/180089013FEC20251231.txt",
        document,
        "verify_ledger.txt",
        "manifest.json",
        "manifest.txt",
        "SHA256SUMS",
    }
    # 2025 is open: no closing statement.
    assert not [name for name in names if "closing" in name]

    fec = archive.read("statements/180089013FEC20251231.txt")
    assert fec_validate(fec, "180089013FEC20251231.txt") == []
    assert fec.count(b"\r\n") == 1 + 20  # the header, two lines an entry
    text = pdf_text(archive.read("statements/CINTRA_trial-balance_2025_fr_SGD.pdf"))
    assert "Balance générale 2025" in text
    assert f"64{NBSP}715,03" in text or "64 715,03" in text
    values = xlsx_values(archive.read("statements/CINTRA_partner_2025_THALES_fr_SGD.xlsx"))
    assert 26300 in values or 26300.0 in values
    for name in names - {document}:
        if name.endswith(".pdf"):
            assert pdf_text(archive.read(name)).strip(), name
        elif name.endswith(".xlsx"):
            assert xlsx_values(archive.read(name)), name
    assert archive.read(document) == SCAN
    assert archive.read("verify_ledger.txt").decode().splitlines()[:2] == [
        "$ python manage.py verify_ledger --lab CINTRA",
        f"CINTRA: OK, 10 posted entries, chain head {books.entries[-1].hash[:16]}",
    ]
    assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in archive.infolist())


def test_the_manifest_gives_every_file_its_sha256_the_parameters_and_the_chain_head(
    books: Books, auditor: User
):
    issued = audit_package_issue(acting_user=auditor, lab=books.lab, year=2025)

    archive = opened(issued)
    manifest = json.loads(archive.read("manifest.json"))
    listed = {row["name"]: row for row in manifest["files"]}
    assert set(listed) == set(archive.namelist()) - {"manifest.json", "manifest.txt", "SHA256SUMS"}
    for name, row in listed.items():
        data = archive.read(name)
        assert (row["size"], row["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
    assert listed["statements/CINTRA_grant_2025_ANR-2D_fr_SGD.pdf"]["parameters"] == {
        "kind": "grant", "lab": "CINTRA", "year": "2025", "date_from": "2025-01-01",
        "date_to": "2025-12-31", "language": "fr", "currency": "SGD", "grant": "ANR-2D",
        "format": "pdf",
    }  # fmt: skip
    assert manifest["parameters"] == {
        "lab": "CINTRA", "year": "2025", "date_from": "2025-01-01", "date_to": "2025-12-31",
        "language": "fr", "currency": "SGD", "book_currency": "SGD",
    }  # fmt: skip
    chain = LedgerChain.objects.get(lab=books.lab)
    assert manifest["chain_head"] == {"sequence": 10, "hash": chain.head_hash}
    assert manifest["issued_at"].endswith("+08:00")
    assert manifest["issued_by"] == "auditor"
    assert manifest["verification"] == {"ok": True, "file": "verify_ledger.txt"}
    sums = archive.read("SHA256SUMS").decode().splitlines()
    assert len(sums) == len(archive.namelist()) - 1
    for line in sums:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    readable = archive.read("manifest.txt").decode()
    assert "Dossier d'audit de CINTRA" in readable and "exercice ouvert" in readable
    assert chain.head_hash in readable

    # Archived like a statement, with its proof, and audited.
    content = bytes(issued.content)
    assert (issued.kind, issued.format) == ("audit-package", "zip")
    assert issued.file_name == "CINTRA_audit-package_2025_fr_SGD.zip"
    assert issued.sha256 == hashlib.sha256(content).hexdigest() and issued.size == len(content)
    assert (issued.chain_length, issued.chain_head) == (10, chain.head_hash)
    assert issued.parameters["files"] == str(len(archive.namelist()))
    event = AuditEvent.objects.get(action="audit_package.issue")
    assert (event.actor, event.lab, event.object_id) == (auditor, books.lab, str(issued.pk))
    assert event.after is not None and event.after["sha256"] == issued.sha256


def test_a_closed_year_brings_its_closing_statement(two_years: TwoYears, accountant: User):
    issued = audit_package_issue(acting_user=accountant, lab=two_years.lab, year=2025)

    archive = opened(issued)
    text = pdf_text(archive.read("statements/CINTRA_closing_2025_fr_SGD.pdf"))
    assert "Procès-verbal de clôture de l'exercice 2025" in text
    assert xlsx_values(archive.read("statements/CINTRA_closing_2025_fr_SGD.xlsx"))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["fiscal_year_status"] == "closed"
    # The chain head is the books' at issue: the 2026 entries are in it.
    assert manifest["chain_head"]["sequence"] == LedgerChain.objects.get(lab=two_years.lab).length
    assert "exercice clos" in archive.read("manifest.txt").decode()


def test_the_package_in_english_and_eur_keeps_the_fec_and_closing_as_booked(
    two_years: TwoYears,
):
    issued = audit_package_issue(
        acting_user=None, lab=two_years.lab, year=2025, language="en", currency="EUR"
    )

    assert issued.file_name == "CINTRA_audit-package_2025_en_EUR.zip"
    names = set(opened(issued).namelist())
    assert "statements/CINTRA_trial-balance_2025_en_EUR.pdf" in names
    assert "statements/CINTRA_closing_2025_en_SGD.pdf" in names
    assert "statements/180089013FEC20251231.txt" in names
    readable = opened(issued).read("manifest.txt").decode()
    assert "Audit package of CINTRA" in readable and "by the system" in readable


def test_a_posting_during_the_build_makes_it_start_again_on_the_new_state(books: Books):
    posted_during: list[Any] = []

    def progress(step: str, done: int, total: int) -> None:
        # An accountant posts while the package is half built (the first time only).
        if done == 3 and not posted_during:
            posted_during.append(charges(books))

    issued = audit_package_issue(acting_user=None, lab=books.lab, year=2025, progress=progress)

    assert issued.chain_length == 11 and issued.chain_head == posted_during[0].hash
    archive = opened(issued)
    fec = archive.read("statements/180089013FEC20251231.txt")
    assert fec.count(b"\r\n") == 1 + 22  # the eleventh entry is in it
    assert json.loads(archive.read("manifest.json"))["chain_head"]["sequence"] == 11


def test_books_that_never_stop_moving_give_no_package(books: Books, monkeypatch):
    heads = iter(range(100))
    monkeypatch.setattr(reports.audit_package, "ledger_chain_state", lambda lab: (next(heads), "x"))

    with pytest.raises(StatementError) as refused:
        audit_package_issue(acting_user=None, lab=books.lab, year=2025)

    assert str(refused.value) == PACKAGE_MOVING.format(lab="CINTRA")
    assert not IssuedStatement.objects.exists()
    assert not AuditEvent.objects.filter(action="audit_package.issue").exists()


def test_a_document_changed_in_the_storage_is_kept_and_flagged(books: Books, storage_dir: Path):
    invoice = books.entries[3]
    document = document_attach(acting_user=books.user, entry=invoice, name="inv.pdf", data=SCAN)
    (storage_dir / document.file.name).write_bytes(SCAN + b"% changed\n")

    issued = audit_package_issue(acting_user=None, lab=books.lab, year=2025)

    manifest = json.loads(opened(issued).read("manifest.json"))
    [row] = [row for row in manifest["files"] if row["kind"] == "document"]
    assert row["recorded_sha256"] == document.sha256 != row["sha256"]
    assert f"({document.sha256})" in opened(issued).read("manifest.txt").decode()


def test_a_document_missing_from_the_storage_is_listed(books: Books, storage_dir: Path):
    document = document_attach(
        acting_user=books.user, entry=books.entries[3], name="inv.pdf", data=SCAN
    )
    (storage_dir / document.file.name).unlink()

    issued = audit_package_issue(acting_user=None, lab=books.lab, year=2025)

    manifest = json.loads(opened(issued).read("manifest.json"))
    assert not [row for row in manifest["files"] if row["kind"] == "document"]
    assert manifest["documents_missing"] == [
        {"entry": books.entries[3].number, "original_name": "inv.pdf", "sha256": document.sha256}
    ]
    assert SupportingDocument.objects.count() == 1


def test_a_director_may_not_build_it(books: Books, director_cintra: User):
    with pytest.raises(NotPermittedError):
        audit_package_issue(acting_user=director_cintra, lab=books.lab, year=2025)
    assert not IssuedStatement.objects.exists()


# The statements page and the job ------------------------------------------------------


def test_the_page_asks_a_worker_then_the_zip_downloads_and_checks(
    client: Client, books: Books, auditor: User, immediate_tasks: None
):
    client.force_login(auditor)
    page = client.get(PAGE).content.decode()
    assert 'action="/labs/CINTRA/statements/audit-package/"' in page

    response = client.post(PACKAGE, {"package-year": "2025", "package-language": "fr"})

    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/labs/CINTRA/jobs/{job.pk}/"
    assert (job.kind, job.status, job.parameters) == (
        "audit_package", "done", {"year": 2025, "language": "fr"},
    )  # fmt: skip
    issued = IssuedStatement.objects.get()
    assert job.result_statement == issued
    job_page = client.get(response["Location"]).content.decode()
    download = f"/labs/CINTRA/statements/{issued.pk}/download/"
    assert f'href="{download}"' in job_page and "Download the audit package" in job_page

    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"] == (
        'attachment; filename="CINTRA_audit-package_2025_fr_SGD.zip"'
    )
    data = response.content
    assert hashlib.sha256(data).hexdigest() == issued.sha256 == response["X-Statement-SHA256"]

    html = client.post(CHECK, {"file": SimpleUploadedFile("package.zip", data)}).content.decode()
    assert "Issued by IRL Ledger." in html
    assert "for CINTRA: Audit package, CINTRA_audit-package_2025_fr_SGD.zip" in html
    # The archive's list names it in the reader's language, never by its code.
    french = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<td>Dossier d&#x27;audit</td>" in french
    assert "The ledger has not changed since" in html
    charges(books)
    html = client.post(CHECK, {"file": SimpleUploadedFile("package.zip", data)}).content.decode()
    assert "1 entry was posted after this statement was issued" in html
    tampered = data[:-1] + bytes([data[-1] ^ 1])
    html = client.post(CHECK, {"file": SimpleUploadedFile("p.zip", tampered)}).content.decode()
    assert "Not issued by IRL Ledger." in html


def test_the_page_in_french_asks_for_the_package_in_french(
    client: Client, books: Books, accountant: User, immediate_tasks: None
):
    client.force_login(accountant)
    html = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Dossier d&#x27;audit" in html or "Dossier d'audit" in html
    assert '<option value="fr" selected>' in html


def test_a_director_gets_403_and_another_lab_404(
    client: Client,
    books: Books,
    director_cintra: User,
    director_majulab: User,
    immediate_tasks: None,
):
    ask = {"package-year": "2025", "package-language": "fr"}
    client.force_login(director_cintra)
    assert "audit-package" not in client.get(PAGE).content.decode()
    assert client.post(PACKAGE, ask).status_code == 403
    assert client.get(PACKAGE).status_code == 405
    client.force_login(director_majulab)
    assert client.post(PACKAGE, ask).status_code == 404
    assert not Job.objects.exists() and not IssuedStatement.objects.exists()


def test_a_year_the_lab_does_not_have_is_refused_on_the_form(
    client: Client, books: Books, auditor: User, immediate_tasks: None
):
    client.force_login(auditor)
    response = client.post(PACKAGE, {"package-year": "1999", "package-language": "fr"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Job.objects.exists()


# The command ----------------------------------------------------------------------------


def test_the_command_writes_the_zip_and_archives_it_as_the_system(books: Books, tmp_path: Path):
    out = StringIO()
    call_command("audit_package", "--lab", "CINTRA", "--year", "2025", "--output", str(tmp_path),
                 stdout=out)  # fmt: skip

    issued = IssuedStatement.objects.get()
    path = tmp_path / "CINTRA_audit-package_2025_fr_SGD.zip"
    assert path.read_bytes() == bytes(issued.content)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == issued.sha256
    assert out.getvalue().startswith(f"CINTRA audit package 2025: {path} (")
    assert issued.issued_by is None
    event = AuditEvent.objects.get(action="audit_package.issue")
    assert (event.actor, event.object_id) == (None, str(issued.pk))

    named = tmp_path / "package.zip"
    call_command("audit_package", "--lab", "CINTRA", "--year", "2025", "-o", str(named),
                 "--language", "en", stdout=StringIO())  # fmt: skip
    assert "manifest.json" in zipfile.ZipFile(named).namelist()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--year", "2025"), "--lab is required"),
        (("--lab", "CINTRA"), "--year is required"),
        (("--lab", "NOWHERE", "--year", "2025"), "No lab with code 'NOWHERE'"),
        (("--lab", "CINTRA", "--year", "25"), "--year must be a year YYYY, not '25'"),
        (("--lab", "CINTRA", "--year", "1999"), "CINTRA has no fiscal year 1999"),
        (("--lab", "CINTRA", "--year", "2025", "--language", "de"), "Language must be en or fr"),
        (("--lab", "CINTRA", "--year", "2025", "--as", "director_cintra"), "may not"),
    ],
)
def test_the_command_refuses_bad_input_and_archives_nothing(
    books: Books, director_cintra: User, tmp_path: Path, args: tuple[str, ...], message: str
):
    with pytest.raises(CommandError, match=message):
        call_command("audit_package", *args, "-o", str(tmp_path), stdout=StringIO())
    assert not IssuedStatement.objects.exists()
    assert list(tmp_path.iterdir()) == []


def test_the_manifest_text_lists_what_the_json_lists(books: Books):
    issued = audit_package_issue(acting_user=None, lab=books.lab, year=2025, language="en")
    archive = opened(issued)
    manifest = json.loads(archive.read("manifest.json"))
    readable = archive.read("manifest.txt").decode()
    for row in manifest["files"]:
        assert f"{row['sha256']}  {row['size']:>12}  {row['name']}" in readable
