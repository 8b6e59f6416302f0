"""Spreadsheet imports through the API: a preview writes nothing and names each problem
by row and column; its id imports exactly the bytes previewed, once; another lab's or a
reader's attempt is refused."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from irls.models import Lab
from ledger.models import ImportBatch, JournalEntry
from tests.api.test_entries import bearer
from tests.imports.sheets import JOURNAL_HEADER, csv_bytes, line, xlsx

pytestmark = pytest.mark.django_db

GOOD = [
    JOURNAL_HEADER,
    line("E1", "6064", "120.50", None, piece_ref="INV-1"),
    line("E1", "401", None, "120.50", piece_ref="INV-1"),
    line("E2", "6064", "30.00", None, date="2025-03-20"),
    line("E2", "401", None, "30.00", date="2025-03-20"),
]


def _preview(client: Client, auth: dict[str, Any], code: str, data: bytes, name: str) -> Any:
    return client.post(
        f"/api/v1/labs/{code}/imports",
        {"kind": "journal", "post": "true", "file": SimpleUploadedFile(name, data)},
        **auth,
    )


def test_preview_then_confirm_imports_the_file_once(cintra: Lab, accountant: User):
    client, auth = Client(), bearer(accountant)
    preview = _preview(client, auth, "CINTRA", xlsx(GOOD), "march.xlsx")
    assert preview.status_code == 200, preview.content
    body = preview.json()
    assert body["rows"] == 4 and body["post"] is True
    assert JournalEntry.objects.count() == 0 and ImportBatch.objects.count() == 0
    done = client.post(body["confirm"], **auth)
    assert done.status_code == 201, done.content
    batch = done.json()
    assert batch["rows"] == 4 and batch["posted"] is True and batch["sha256"] == body["sha256"]
    assert JournalEntry.objects.filter(status="posted").count() == 2
    assert client.post(body["confirm"], **auth).status_code == 404  # used once
    listed = client.get("/api/v1/labs/CINTRA/imports", **auth).json()
    assert [b["id"] for b in listed] == [batch["id"]]
    entries = client.get(f"/api/v1/labs/CINTRA/entries?batch={batch['id']}", **auth).json()
    assert len(entries["items"]) == 2


def test_a_refused_file_names_its_rows_and_writes_nothing(cintra: Lab, accountant: User):
    client, auth = Client(), bearer(accountant)
    bad = [JOURNAL_HEADER, line("E1", "9999", "10.00", None), line("E1", "401", None, "9.00")]
    refused = _preview(client, auth, "CINTRA", csv_bytes(bad), "bad.csv")
    assert refused.status_code == 422
    answer = refused.json()
    assert answer["code"] == "file_refused"
    assert any(e["field"].startswith("row 2") and "9999" in e["message"] for e in answer["errors"])
    assert JournalEntry.objects.count() == 0 and ImportBatch.objects.count() == 0
    not_a_sheet = _preview(client, auth, "CINTRA", b"%PDF-1.7 not a sheet", "x.xlsx")
    assert not_a_sheet.status_code == 422
    assert ImportBatch.objects.count() == 0


def test_a_preview_is_its_labs_and_its_authors(
    cintra: Lab, majulab: Lab, accountant: User, office_head: User, director_cintra: User
):
    client, auth = Client(), bearer(accountant)
    preview = _preview(client, auth, "CINTRA", csv_bytes(GOOD), "march.csv").json()
    other_lab = preview["confirm"].replace("/CINTRA/", "/MAJULAB/")
    assert client.post(other_lab, **auth).status_code == 404
    assert client.post(preview["confirm"], **bearer(office_head)).status_code == 404
    reader = _preview(Client(), bearer(director_cintra), "CINTRA", csv_bytes(GOOD), "m.csv")
    assert reader.status_code == 403
    assert JournalEntry.objects.count() == 0
    assert client.post(preview["confirm"], **auth).status_code == 201
