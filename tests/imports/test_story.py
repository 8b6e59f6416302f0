"""The accountant's story of issue 4, told through the admin: template, ten entries with
two mistakes, a preview naming exactly those two, the fix, the import, the entries
posted and numbered, and the same file refused the second time."""

import io
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from irls.models import Lab
from ledger.imports.problems import when_text
from ledger.models import ImportBatch, JournalEntry
from ledger.selectors import ledger_verify
from tests.books import close_months

BATCHES = "/admin/ledger/importbatch/"


def fill(template: bytes, entries: list[dict[str, Any]]) -> bytes:
    """Ten entries typed into the template, over its example row."""
    workbook = openpyxl.load_workbook(io.BytesIO(template))
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    sheet.delete_rows(2, 2)  # the example entry
    for entry in entries:
        for account, debit, credit in entry["lines"]:
            values = {
                "entry": entry["key"],
                "date": entry["date"],
                "journal": "ACH",
                "account": account,
                "label": f"Invoice {entry['key']}",
                "debit": debit,
                "credit": credit,
                "piece_ref": f"F-{entry['key']}",
                "budget_line": "OP-SUP" if account == "6063" else None,
            }
            sheet.append([values.get(name) for name in header])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def ten_entries(unbalanced_credit: float, closed_date: date) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for n in range(1, 11):
        amount = 100.0 + n
        entries.append(
            {
                "key": f"A-{n:02d}",
                "date": date(2025, 3, n),
                "lines": [("6063" if n % 2 else "6064", amount, None), ("401", None, amount)],
            }
        )
    entries[4]["lines"][1] = ("401", None, unbalanced_credit)  # a typing mistake
    entries[7]["date"] = closed_date  # dated in a closed month
    return entries


def preview(client: Client, lab: Lab, name: str, data: bytes) -> Any:
    return client.post(
        BATCHES + "import/",
        {"kind": "journal", "lab": lab.pk, "post": "on", "file": SimpleUploadedFile(name, data)},
    )


def test_the_accountant_imports_ten_entries(
    client: Client, books: Lab, cintra_accountant: User, settings: Any, tmp_path: Path
) -> None:
    settings.IMPORT_UPLOAD_DIR = tmp_path
    close_months(books, 2, user=cintra_accountant)  # February closed, January open
    client.force_login(cintra_accountant)
    template = client.get(BATCHES + "template/journal/").content

    first_try = fill(template, ten_entries(unbalanced_credit=150.0, closed_date=date(2025, 2, 27)))
    response = preview(client, books, "march-invoices.xlsx", first_try)

    assert [p.message for p in response.context["outcome"].problems] == [
        "Entry A-05 (rows 10-11) does not balance: debit 105.00, credit 150.00",
        "Row 16: 2025-02-27 read as 27 February 2025, in 2025-02 which is closed",
    ]
    assert not JournalEntry.objects.exists()

    fixed = fill(template, ten_entries(unbalanced_credit=105.0, closed_date=date(2025, 3, 8)))
    response = preview(client, books, "march-invoices.xlsx", fixed)
    outcome = response.context["outcome"]
    assert outcome.ok and dict(outcome.preview().summary)["Entries"] == "10"
    confirmed = client.post(
        BATCHES + "import/confirm/",
        {"sha256": outcome.sha256},
    )
    assert confirmed.status_code == 302

    entries = JournalEntry.objects.order_by("date", "id")
    assert [e.number for e in entries] == [f"ACH-2025-{n:06d}" for n in range(1, 11)]
    assert [e.source_key for e in entries] == [f"A-{n:02d}" for n in range(1, 11)]
    assert {e.status for e in entries} == {"posted"}
    assert ledger_verify(lab=books).ok
    batch = ImportBatch.objects.get()
    assert (batch.rows, batch.created, batch.posted, batch.created_by) == (
        20,
        10,
        True,
        cintra_accountant,
    )

    again = preview(client, books, "march-invoices.xlsx", fixed)
    when = when_text(batch.created_at)
    assert [p.message for p in again.context["outcome"].problems] == [
        f"This file was already imported into CINTRA on {when} by cintra_accountant "
        f"(march-invoices.xlsx, batch {batch.pk})"
    ]
    assert JournalEntry.objects.count() == 10
