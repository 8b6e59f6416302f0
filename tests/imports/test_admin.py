"""The admin's import page: upload -> preview (problems by row and column, escaped) ->
confirm (the previewed bytes, kept on the server); templates; the batches for auditors."""

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from irls.models import Lab
from ledger.imports.columns import JOURNAL
from ledger.models import ImportBatch, JournalEntry
from ledger.services.imports import import_file
from tests.imports.sheets import JOURNAL_HEADER, csv_bytes, line, xlsx

IMPORT = "/admin/ledger/importbatch/import/"
CONFIRM = "/admin/ledger/importbatch/import/confirm/"
BATCHES = "/admin/ledger/importbatch/"
GOOD = [line("E1", "6064", "10.00", None), line("E1", "401", None, "10.00")]


@pytest.fixture(autouse=True)
def uploads_in_tmp(settings: Any, tmp_path: Path) -> Path:
    settings.IMPORT_UPLOAD_DIR = tmp_path / "uploads"
    return settings.IMPORT_UPLOAD_DIR


def logged_in(client: Client, user: User) -> Client:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    return client


def upload(client: Client, lab: Lab, name: str, data: bytes, post: bool = True) -> Any:
    form = {"kind": "journal", "lab": lab.pk, "file": SimpleUploadedFile(name, data)}
    if post:
        form["post"] = "on"
    return client.post(IMPORT, form)


def confirm(client: Client, response: Any, **forged: Any) -> Any:
    """The confirmation form of a preview: only the sha256 (plus whatever is forged)."""
    return client.post(CONFIRM, {"sha256": response.context["outcome"].sha256, **forged})


def test_preview_then_confirm_imports_the_previewed_bytes(
    client: Client, books: Lab, cintra_accountant: User, uploads_in_tmp: Path
) -> None:
    client = logged_in(client, cintra_accountant)
    response = upload(client, books, "march.xlsx", xlsx([JOURNAL_HEADER, *GOOD]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "No problem found" in html and "E1 (rows 2-3): ACH 2025-03-14 Supplies" in html
    assert "Import and post" in html
    assert not JournalEntry.objects.exists() and not ImportBatch.objects.exists()
    assert len(list(uploads_in_tmp.iterdir())) == 2  # the bytes, and what was asked

    # What the form says is not trusted: the preview's kind, lab, name and choice hold.
    done = confirm(client, response, kind="accounts", post="0", file_name="other.xlsx")

    batch = ImportBatch.objects.get()
    assert done.status_code == 302 and done["Location"] == f"{BATCHES}{batch.pk}/change/"
    assert JournalEntry.objects.get().number == "ACH-2025-000001"
    assert (batch.kind, batch.file_name, batch.posted) == ("journal", "march.xlsx", True)
    assert list(uploads_in_tmp.iterdir()) == []
    assert confirm(client, response).status_code == 302  # the bytes are gone: upload again
    assert ImportBatch.objects.count() == 1


def test_problems_are_listed_by_row_and_column_and_escaped(
    client: Client, books: Lab, cintra_accountant: User, uploads_in_tmp: Path
) -> None:
    client = logged_in(client, cintra_accountant)
    rows = [
        line("E1", "<b>6064</b>", "abc", None),
        line("E1", "401", None, "10.00", label="<script>alert('x')</script>"),
    ]
    response = upload(client, books, "bad.csv", csv_bytes([JOURNAL_HEADER, *rows]))

    html = response.content.decode()
    assert "<b>6064</b>" not in html and "&lt;b&gt;6064&lt;/b&gt;" in html
    assert "<script>alert" not in html
    problems = [(p.row, p.column, p.message) for p in response.context["outcome"].problems]
    assert problems == [
        (2, "account", "Row 2: account <b>6064</b> does not exist in CINTRA's chart"),
        (2, "debit", "Row 2, column debit: 'abc' is not an amount"),
    ]
    assert "2 problems: nothing was imported" in html
    assert 'name="confirm"' not in html
    assert list(uploads_in_tmp.iterdir()) == []  # a file with problems is not kept
    assert not ImportBatch.objects.exists()


def test_a_forged_confirmation_imports_nothing(
    client: Client, books: Lab, cintra_accountant: User
) -> None:
    client = logged_in(client, cintra_accountant)
    forged = {"sha256": "0" * 64, "kind": "journal", "lab": books.pk, "post": "1"}
    assert client.post(CONFIRM, forged).status_code == 302
    assert client.post(CONFIRM, {**forged, "sha256": "../../etc/passwd"}).status_code == 404
    assert not ImportBatch.objects.exists()


def test_only_accountants_and_the_office_head_import(
    client: Client, books: Lab, director_cintra: User, auditor: User
) -> None:
    for user in (director_cintra, auditor):
        client = logged_in(client, user)
        assert client.get(IMPORT).status_code == 403
        assert upload(client, books, "x.csv", csv_bytes([JOURNAL_HEADER, *GOOD])).status_code == 403
        assert "Import a spreadsheet" not in client.get(BATCHES).content.decode()
    assert not ImportBatch.objects.exists()


def test_auditors_and_directors_list_the_batches_of_their_labs(
    client: Client,
    books: Lab,
    majulab: Lab,
    accountant: User,
    auditor: User,
    director_majulab: User,
) -> None:
    data = csv_bytes([JOURNAL_HEADER, *GOOD])
    outcome = import_file(
        acting_user=accountant, lab=books, kind="journal", file_name="cintra.csv", data=data
    )
    assert outcome.ok
    client = logged_in(client, auditor)
    listing = client.get(BATCHES).content.decode()
    assert "cintra.csv" in listing and outcome.sha256[:16] in listing
    assert client.get(f"{BATCHES}{outcome.batch.pk}/change/").status_code == 200  # type: ignore[union-attr]
    client = logged_in(client, director_majulab)
    assert "cintra.csv" not in client.get(BATCHES).content.decode()
    assert client.get(f"{BATCHES}{outcome.batch.pk}/change/").status_code == 404  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", ["accounts", "rates", "budget", "journal"])
def test_each_kind_has_a_template_with_its_columns_explained(
    client: Client, books: Lab, cintra_accountant: User, kind: str
) -> None:
    client = logged_in(client, cintra_accountant)
    response = client.get(f"{BATCHES}template/{kind}/")
    assert response.status_code == 200
    assert f"irl-ledger-{kind}-template.xlsx" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    first, about = workbook.worksheets
    header = [cell.value for cell in first[1]]
    # The header and an example row; the journal's example is a balanced entry of two rows.
    assert len(list(first.iter_rows())) == (3 if kind == "journal" else 2)
    assert [row[0] for row in about.iter_rows(min_row=2, values_only=True)] == header
    assert all(row[3] for row in about.iter_rows(min_row=2, values_only=True))
    if kind == "journal":
        assert header == [column.name for column in JOURNAL]
