"""A lab's Imports pages (issue 12, item 1): the list of its import batches, one batch with
the entries it created, and withdrawing a batch imported as drafts.

The accountant imports a sheet of three entries as drafts, finds the batch and its
entries, withdraws it with a reason (the drafts deleted, the batch kept and marked, the
audit trail told) and imports the same file again. A batch with a posted entry is never
withdrawn; readers get 403, another lab's people 404, and nothing is deleted then.
"""

from html import unescape
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from irls.models import Lab
from ledger import services
from ledger.exceptions import ImportWithdrawError
from ledger.imports.problems import FILE_ALREADY_IMPORTED
from ledger.models import AuditEvent, ImportBatch, JournalEntry, JournalLine
from ledger.services.import_batches import import_batch_delete_drafts
from ledger.services.imports import import_file
from tests.imports.sheets import JOURNAL_HEADER, csv_bytes, line
from tests.web.html import table_rows

LIST = "/labs/CINTRA/imports/"
SHEET = csv_bytes(
    [
        JOURNAL_HEADER,
        line("E1", "6064", "10.00", None, date="2025-03-14", label="Pipettes"),
        line("E1", "401", None, "10.00", date="2025-03-14", label="Pipettes"),
        line("E2", "6064", "20.00", None, date="2025-03-15", label="Gloves"),
        line("E2", "401", None, "20.00", date="2025-03-15", label="Gloves"),
        line("E3", "6064", "30.00", None, date="2025-03-16", label="Beakers"),
        line("E3", "401", None, "30.00", date="2025-03-16", label="Beakers"),
    ]
)
BAD_SHEET = csv_bytes([JOURNAL_HEADER, line("E1", "9999", "10.00", None)])


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def imported(user: User, lab: Lab, data: bytes = SHEET, name: str = "march.csv") -> ImportBatch:
    outcome = import_file(
        acting_user=user, lab=lab, kind="journal", file_name=name, data=data, post=False
    )
    assert outcome.batch is not None, outcome.problems
    return outcome.batch


def batch_url(batch: ImportBatch) -> str:
    assert batch.lab is not None
    return f"/labs/{batch.lab.code}/imports/{batch.pk}/"


def withdraw(client: Client, batch: ImportBatch, **form: Any) -> Any:
    data = {"reason": "Wrong month: the sheet is February's", "confirm": "1", **form}
    return client.post(batch_url(batch) + "delete/", data, HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def batch(accountant: User, cintra: Lab) -> ImportBatch:
    return imported(accountant, cintra)


# The list ---------------------------------------------------------------------------------


def test_the_list_shows_the_labs_batches_newest_first_in_both_languages(accountant, cintra, batch):
    refused = import_file(
        acting_user=accountant, lab=cintra, kind="journal", file_name="bad.csv", data=BAD_SHEET
    )
    assert refused.batch is None
    client = logged_in(accountant)

    html = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    rows = table_rows(html, "import-batches")
    assert rows[0][1][:6] == ["File", "Kind", "sha256", "Rows", "Created", "Status"]
    assert [cells[0] for _, cells in rows[1:]] == ["bad.csv", "march.csv"]
    assert rows[2][1][1:6] == ["Journal entries", batch.sha256[:12], "6", "3", "3 drafts"]
    assert rows[1][1][5] == "Refused"
    assert "When (Singapore time)" in html
    assert f'href="/labs/CINTRA/imports/{batch.pk}/"' in html

    french = client.get(LIST, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    rows = table_rows(french, "import-batches")
    assert rows[0][1][:3] == ["Fichier", "Type", "sha256"]
    assert [cells[5] for _, cells in rows[1:]] == ["Refusé", "3 brouillons"]
    assert "Chaque tableur apporté dans les livres de ce laboratoire" in french


def test_the_list_links_the_upload_page_with_the_lab_chosen(accountant, cintra, batch):
    accountant.is_staff = True
    accountant.save(update_fields=["is_staff"])
    client = logged_in(accountant)

    html = client.get(LIST).content.decode()

    assert 'href="/admin/ledger/importbatch/import/?lab=CINTRA"' in html
    assert 'href="/admin/ledger/importbatch/template/journal/"' in html
    form = client.get("/admin/ledger/importbatch/import/?lab=CINTRA").context["form"]
    assert form["lab"].value() == cintra.pk


def test_another_labs_people_get_404_and_never_see_the_batch(
    director_majulab, majulab, accountant, cintra, batch
):
    other = logged_in(director_majulab)
    assert other.get(LIST).status_code == 404
    assert other.get(batch_url(batch)).status_code == 404
    # The batch under the other lab's address: not found either.
    assert logged_in(accountant).get(f"/labs/MAJULAB/imports/{batch.pk}/").status_code == 404
    assert "march.csv" not in other.get("/labs/MAJULAB/imports/").content.decode()


# The batch page -----------------------------------------------------------------------------


def test_the_batch_page_lists_its_entries_linked_to_their_pages(accountant, cintra, batch):
    html = logged_in(accountant).get(batch_url(batch), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert batch.sha256 in html and "imported as drafts" in html
    entries = JournalEntry.objects.filter(import_batch=batch).order_by("date")
    rows = table_rows(html, "batch-entries")
    assert rows[0][1] == [
        "Date",
        "Number",
        "Journal",
        "Piece ref.",
        "Label",
        "Debit (SGD)",
        "Status",
    ]
    assert [cells[1:] for _, cells in rows[1:]] == [
        [f"Draft #{entries[0].pk}", "ACH", "INV-E1", "Pipettes", "10.00", "Draft"],
        [f"Draft #{entries[1].pk}", "ACH", "INV-E2", "Gloves", "20.00", "Draft"],
        [f"Draft #{entries[2].pk}", "ACH", "INV-E3", "Beakers", "30.00", "Draft"],
    ]
    for entry in entries:
        assert f'href="/labs/CINTRA/entries/{entry.pk}/"' in html
    assert "Withdraw this import" in html

    french = logged_in(accountant).get(batch_url(batch), HTTP_ACCEPT_LANGUAGE="fr")
    text = unescape(french.content.decode())
    assert "Écritures créées" in text and "Retirer cet import" in text
    assert "Débit (SGD)" in text


def test_a_large_batch_is_shown_page_by_page_with_few_queries(
    accountant, cintra, django_assert_max_num_queries
):
    rows = [JOURNAL_HEADER]
    for n in range(1, 121):
        rows += [
            line(f"E{n}", "6064", f"{n}.00", None, label=f"Item {n}"),
            line(f"E{n}", "401", None, f"{n}.00", label=f"Item {n}"),
        ]
    big = imported(accountant, cintra, csv_bytes(rows), "big.csv")
    client = logged_in(accountant)

    with django_assert_max_num_queries(20):
        html = client.get(batch_url(big)).content.decode()

    assert len(table_rows(html, "batch-entries")) == 1 + 50
    assert "Page 1 of 3" in html
    facts = unescape(html.split('class="facts batch-figures"')[1].split("</dl>")[0])
    assert "120" in facts and "240" in facts and "7,260.00" in facts  # entries, lines, debit
    last = client.get(batch_url(big) + "?page=3").content.decode()
    assert len(table_rows(last, "batch-entries")) == 1 + 20


def test_a_refused_file_shows_why(accountant, cintra):
    import_file(
        acting_user=accountant, lab=cintra, kind="journal", file_name="bad.csv", data=BAD_SHEET
    )
    refused = ImportBatch.objects.get(result="refused")

    html = unescape(logged_in(accountant).get(batch_url(refused)).content.decode())

    assert "Why it was refused (nothing was written)" in html
    assert "9999" in html
    assert "Withdraw this import" not in html


# Withdrawing --------------------------------------------------------------------------------


def test_withdrawing_deletes_the_drafts_keeps_the_batch_and_is_audited(accountant, cintra, batch):
    client = logged_in(accountant)

    response = withdraw(client, batch)

    assert response.status_code == 302 and response["Location"] == batch_url(batch)
    assert not JournalEntry.objects.filter(import_batch=batch).exists()
    assert not JournalLine.objects.filter(lab=cintra).exists()
    batch.refresh_from_db()
    assert batch.result == ImportBatch.Result.WITHDRAWN
    assert (batch.withdrawn_by, batch.withdrawn_entries) == (accountant, 3)
    assert batch.withdrawn_reason == "Wrong month: the sheet is February's"
    [event] = AuditEvent.objects.filter(action="import.withdraw")
    assert event.after is not None
    assert (event.actor, event.lab, event.object_id) == (accountant, cintra, str(batch.pk))
    assert event.after["sha256"] == batch.sha256
    assert event.after["withdrawn_entries"] == 3
    assert event.after["lines"] == 6 and event.after["debit"] == "60.00"

    page = client.get(batch_url(batch), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "march.csv is withdrawn: 3 draft entries deleted." in unescape(page)
    assert "Withdrawn by accountant on" in page and "Wrong month" in unescape(page)
    listed = client.get(LIST, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert table_rows(listed, "import-batches")[1][1][5] == "Retiré"


def test_the_same_file_imports_again_once_withdrawn(accountant, cintra, batch):
    again = import_file(
        acting_user=accountant, lab=cintra, kind="journal", file_name="march.csv", data=SHEET
    )
    assert again.batch is None
    expected = str(FILE_ALREADY_IMPORTED).split("{")[0]
    assert any(expected in problem.message for problem in again.problems)

    withdraw(logged_in(accountant), batch)
    second = imported(accountant, cintra)

    assert second.pk != batch.pk and second.sha256 == batch.sha256
    assert JournalEntry.objects.filter(import_batch=second).count() == 3
    assert ImportBatch.objects.filter(sha256=batch.sha256, result="withdrawn").count() == 1


def test_a_batch_with_a_posted_entry_is_never_withdrawn(accountant, cintra, batch):
    first = JournalEntry.objects.filter(import_batch=batch).order_by("date").first()
    assert first is not None
    posted = services.entry_post(acting_user=accountant, entry=first)
    client = logged_in(accountant)
    entries_before = list(JournalEntry.objects.values_list("id", "status"))

    response = withdraw(client, batch)

    assert response.status_code == 302
    page = unescape(client.get(batch_url(batch), HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert (
        f"Batch {batch.pk} (march.csv) cannot be withdrawn: 1 of its entries are posted "
        f"({posted.number}). Posted entries are never deleted: reverse them instead"
    ) in page
    assert list(JournalEntry.objects.values_list("id", "status")) == entries_before
    batch.refresh_from_db()
    assert batch.result == ImportBatch.Result.IMPORTED
    assert not AuditEvent.objects.filter(action="import.withdraw").exists()
    assert "the import can no longer be withdrawn" in page


def test_the_refusal_is_said_in_french(accountant, cintra, batch):
    first = JournalEntry.objects.filter(import_batch=batch).order_by("date").first()
    assert first is not None
    services.entry_post(acting_user=accountant, entry=first)
    client = logged_in(accountant)

    client.post(
        batch_url(batch) + "delete/",
        {"reason": "Mauvais mois", "confirm": "1"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    page = unescape(client.get(batch_url(batch), HTTP_ACCEPT_LANGUAGE="fr").content.decode())

    assert f"Le lot {batch.pk} (march.csv) ne peut pas être retiré" in page
    assert "contre-passez-la" in page


@pytest.mark.parametrize("form", [{}, {"confirm": "1", "reason": " "}, {"reason": "Wrong file"}])
def test_a_withdrawal_without_reason_or_confirmation_is_refused(accountant, cintra, batch, form):
    client = logged_in(accountant)

    response = client.post(batch_url(batch) + "delete/", form, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert JournalEntry.objects.filter(import_batch=batch).count() == 3
    html = unescape(response.content.decode())
    assert (
        "Say why the import is withdrawn" in html
        or "Tick the box to confirm that the drafts are deleted." in html
    )


def test_readers_get_403_and_another_labs_people_404_nothing_deleted(
    director_cintra, auditor, director_majulab, majulab, cintra, batch
):
    for reader in (director_cintra, auditor):
        assert withdraw(logged_in(reader), batch).status_code == 403
        page = logged_in(reader).get(batch_url(batch)).content.decode()
        assert 'name="reason"' not in page
    assert withdraw(logged_in(director_majulab), batch).status_code == 404
    assert JournalEntry.objects.filter(import_batch=batch).count() == 3
    assert logged_in(auditor).get(batch_url(batch) + "delete/").status_code == 405
    assert not AuditEvent.objects.filter(action="import.withdraw").exists()


def test_the_service_refuses_other_batches_and_a_second_withdrawal(accountant, cintra, batch):
    chart = import_file(
        acting_user=accountant,
        lab=cintra,
        kind="accounts",
        file_name="chart.csv",
        data=b"code,name_fr,name_en\n6068,Autres,Other\n",
    ).batch
    assert chart is not None
    with pytest.raises(ImportWithdrawError, match="not a file of journal entries"):
        import_batch_delete_drafts(acting_user=accountant, batch=chart, reason="No")
    with pytest.raises(ImportWithdrawError, match="Say why"):
        import_batch_delete_drafts(acting_user=accountant, batch=batch, reason="  ")

    assert import_batch_delete_drafts(acting_user=accountant, batch=batch, reason="Twice") == 3
    with pytest.raises(ImportWithdrawError, match="was already withdrawn"):
        import_batch_delete_drafts(acting_user=accountant, batch=batch, reason="Twice")
