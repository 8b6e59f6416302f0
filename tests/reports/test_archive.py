"""Issuing statements into the archive, and checking a file in hand against it."""

import hashlib
import io

import openpyxl
import pytest
from pypdf import PdfReader

from irls.models import Lab
from ledger.exceptions import NotPermittedError
from ledger.models import AuditEvent, LedgerChain
from reports import services
from reports.exceptions import StatementError
from reports.fec import fec_build
from reports.models import IssuedStatement
from reports.selectors import statement_check
from reports.services import statement_issue
from tests.reports.conftest import Books, post

NBSP = "\u00a0"


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_issuing_archives_the_file_with_its_proof(books: Books):
    issued = statement_issue(acting_user=books.user, lab=books.lab, kind="trial-balance", year=2025)
    content = bytes(issued.content)
    assert content.startswith(b"%PDF")
    assert issued.format == "pdf"
    assert issued.file_name == "CINTRA_trial-balance_2025_en_SGD.pdf"
    assert issued.sha256 == hashlib.sha256(content).hexdigest()
    assert issued.size == len(content)
    assert issued.issued_by == books.user
    chain = LedgerChain.objects.get(lab=books.lab)
    assert (issued.chain_length, issued.chain_head) == (10, chain.head_hash)
    assert issued.chain_head == books.entries[-1].hash
    assert issued.parameters == {
        "kind": "trial-balance", "lab": "CINTRA", "year": "2025", "date_from": "2025-01-01",
        "date_to": "2025-12-31", "language": "en", "currency": "SGD", "format": "pdf",
    }  # fmt: skip
    event = AuditEvent.objects.get(action="statement.issue")
    assert (event.lab, event.actor, event.object_id) == (books.lab, books.user, str(issued.pk))
    assert event.after is not None and event.after["sha256"] == issued.sha256
    text = pdf_text(content)
    assert "Trial balance 2025" in text
    assert "64,715.03" in text


def test_the_pdf_in_french_and_eur_prints_french_figures(books: Books):
    issued = statement_issue(
        acting_user=books.user, lab=books.lab, kind="trial-balance", year=2025,
        language="fr", currency="EUR",
    )  # fmt: skip
    assert issued.file_name == "CINTRA_trial-balance_2025_fr_EUR.pdf"
    text = pdf_text(bytes(issued.content))
    assert "Balance générale 2025" in text
    assert f"45{NBSP}014,28" in text or "45 014,28" in text
    assert "Écart d'arrondi de conversion (EUR)" in text
    assert "1,4300" in text  # the rate of March, in the annex


def test_the_xlsx_carries_the_same_figures(books: Books):
    issued = statement_issue(
        acting_user=books.user, lab=books.lab, kind="partner", year=2025, partner="THALES",
        format="xlsx",
    )  # fmt: skip
    assert issued.file_name == "CINTRA_partner_2025_THALES_en_SGD.xlsx"
    assert issued.parameters["partner"] == "THALES"
    book = openpyxl.load_workbook(io.BytesIO(bytes(issued.content)))
    values = [cell for row in book.active.iter_rows(values_only=True) for cell in row]
    assert "Balance left (contributions less expenditure)" in values
    assert 26300 in values or 26300.0 in values


def test_the_fec_is_archived_under_its_standard_name(books: Books):
    issued = statement_issue(acting_user=None, lab=books.lab, kind="fec", year=2025)
    assert (issued.format, issued.file_name) == ("txt", "180089013FEC20251231.txt")
    assert bytes(issued.content) == fec_build(books.lab, 2025)
    assert issued.issued_by is None
    assert "language" not in issued.parameters


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"kind": "fec", "format": "pdf"}, "Format 'pdf' is not available for the fec statement"),
        ({"kind": "journal", "format": "txt"}, "Format 'txt' is not available for the journal"),
        ({"kind": "fec", "currency": "EUR"}, "The FEC is kept in the book currency (SGD)"),
        ({"kind": "fec", "date_to": "2025-06-30"}, "The fec statement covers a whole fiscal year"),
        ({"kind": "balance"}, "Unknown statement 'balance'"),
    ],
)
def test_bad_requests_archive_nothing(books: Books, options, message):
    from datetime import date

    if "date_to" in options:
        options["date_to"] = date.fromisoformat(options["date_to"])
    with pytest.raises(StatementError) as error:
        statement_issue(acting_user=books.user, lab=books.lab, year=2025, **options)
    assert str(error.value).startswith(message)
    assert not IssuedStatement.objects.exists()


def test_only_readers_of_the_lab_issue_its_statements(books: Books, director_majulab, auditor):
    with pytest.raises(NotPermittedError):
        statement_issue(acting_user=director_majulab, lab=books.lab, kind="journal", year=2025)
    issued = statement_issue(acting_user=auditor, lab=books.lab, kind="journal", year=2025)
    assert issued.issued_by == auditor


def test_check_says_issued_then_that_the_ledger_changed(books: Books):
    issued = statement_issue(acting_user=books.user, lab=books.lab, kind="fec", year=2025)
    data = bytes(issued.content)
    check = statement_check(data=data)
    assert check.found and check.issued == issued
    assert (check.entries_since, check.ledger_changed, check.altered) == (0, False, False)
    assert check.message.endswith("The ledger has not changed since.")
    post(books.user, books.lab, "BQS", books.entries[-1].date, "Charges", "B-7",
         [("627", "1.00", "0", {}), ("512", "0", "1.00", {})])  # fmt: skip
    check = statement_check(data=data)
    assert check.found
    assert (check.entries_since, check.ledger_changed) == (1, True)
    assert check.message.endswith("The ledger has changed since: 1 entries posted.")
    assert not statement_check(data=data + b" ").found
    assert not statement_check(data=data, labs=Lab.objects.exclude(pk=books.lab.pk)).found


def test_check_sees_a_rewritten_chain(books: Books):
    issued = statement_issue(acting_user=books.user, lab=books.lab, kind="fec", year=2025)
    # A record whose chain head the books no longer pass through (as after tampering).
    forged = IssuedStatement.objects.create(
        lab=books.lab, kind="fec", format="txt", parameters={}, file_name="x.txt",
        sha256=hashlib.sha256(b"other").hexdigest(), size=5, content=b"other",
        chain_length=issued.chain_length, chain_head="0" * 64,
    )  # fmt: skip
    check = statement_check(data=b"other")
    assert check.issued == forged
    assert check.altered and check.ledger_changed
    assert "ALTERED" in check.message


def test_a_statement_built_while_entries_are_posted_is_built_again(books: Books, monkeypatch):
    states = iter([(10, "a"), (11, "b"), (11, "b"), (11, "b")])
    monkeypatch.setattr(services, "_chain_state", lambda lab: next(states))
    issued = statement_issue(acting_user=books.user, lab=books.lab, kind="fec", year=2025)
    assert (issued.chain_length, issued.chain_head) == (11, "b")
    moving = iter(range(100))
    monkeypatch.setattr(services, "_chain_state", lambda lab: (next(moving), ""))
    with pytest.raises(StatementError, match="kept changing while the statement was built"):
        statement_issue(acting_user=books.user, lab=books.lab, kind="fec", year=2025)
