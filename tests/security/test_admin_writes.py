"""Writes through the admin, tried by those who may not: directors and auditors (no write
anywhere: forms, inlines, actions, deletions), people of the other lab, and a user who
writes in one lab and only reads another."""

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import User
from django.test import Client

from irls import services as irls_services
from irls.admin_base import LabScopedAdmin, LabScopedInline
from irls.models import Role
from ledger.models import JournalEntry
from tests.books import account, journal
from tests.security.world import World, entries_state, rows_count

READERS = ("director_a", "auditor")
# (list, action, object of lab A) for every admin action.
ACTIONS = [
    ("/admin/ledger/journalentry/", "post_entries", "draft"),
    ("/admin/ledger/journalentry/", "reverse_entries", "journalentry"),
    ("/admin/ledger/period/", "close_periods", "period"),
    ("/admin/ledger/period/", "reopen_periods", "period"),
    ("/admin/ledger/budgetline/", "amend_line", "budgetline"),
    ("/admin/ledger/budgetline/", "transfer_from_line", "budgetline"),
    ("/admin/ledger/commitment/", "cancel_commitments", "commitment"),
    ("/admin/irls/rolegrant/", "revoke_grants", "rolegrant"),
]


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_admin_is_scoped_by_lab_and_none_edits_in_its_list():
    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, UserAdmin | GroupAdmin):
            continue  # Django's own: model permissions, which no role holds
        assert isinstance(model_admin, LabScopedAdmin), model
        assert not model_admin.list_editable, model
        for inline in model_admin.inlines:
            assert issubclass(inline, LabScopedInline) or model is JournalEntry, inline


def _entry_change(world: World) -> dict[str, Any]:
    """The change form of lab A's draft, with a changed label and line."""
    lab, entry = world.a.lab, world.a["draft"]
    lines = list(entry.lines.order_by("id"))
    data: dict[str, Any] = {
        "journal": journal(lab, "ACH").pk,
        "date": "2025-03-14",
        "label": "Changed by a reader",
        "piece_ref": "X",
        "piece_date": "2025-03-14",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": str(len(lines)),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for index, line in enumerate(lines):
        prefix = f"lines-{index}-"
        data |= {
            prefix + "id": line.pk,
            prefix + "entry": entry.pk,
            prefix + "account": account(lab, "6064").pk,
            prefix + "label": "changed",
            prefix + "debit": "999.00" if line.debit else "0",
            prefix + "credit": "999.00" if line.credit else "0",
            prefix + "amount_currency_0": "",
            prefix + "amount_currency_1": "SGD",
            prefix + "third_party": "",
        }
    return data


@pytest.mark.parametrize("who", READERS)
def test_readers_write_nothing_through_the_admin(world: World, who):
    client = logged_in(world.users[who])
    draft = world.a["draft"]
    before, entries = rows_count(), entries_state()

    # Their lab's objects show read-only: no inline inputs, no actions offered.
    page = client.get(f"/admin/ledger/journalentry/{draft.pk}/change/").content.decode()
    assert 'name="lines-0-debit"' not in page and 'name="_save"' not in page
    for url in {url for url, _action, _obj in ACTIONS}:
        assert 'name="action"' not in client.get(url).content.decode(), url
    # Writing anyway is refused.
    change = client.post(f"/admin/ledger/journalentry/{draft.pk}/change/", _entry_change(world))
    delete = client.post(f"/admin/ledger/journalentry/{draft.pk}/delete/", {"post": "yes"})
    amend = client.post(
        f"/admin/ledger/budgetline/{world.a['budgetline'].pk}/amend/",
        {"kind": "top_up", "amount": "100.00", "date": "2025-04-01", "justification": "x"},
    )
    assert (change.status_code, delete.status_code, amend.status_code) == (403, 403, 403)
    for url, action, name in ACTIONS:
        data = {
            "action": action,
            helpers.ACTION_CHECKBOX_NAME: [world.a[name].pk],
            "apply": "1",
            "reason": "x",
        }
        assert client.post(url, data).status_code in {200, 302}, (url, action)
    imports = client.get("/admin/ledger/importbatch/import/")
    assert imports.status_code == 403

    assert rows_count() == before
    assert entries_state() == entries


def test_an_accountant_of_the_other_lab_writes_nothing_there(world: World):
    client = logged_in(world.users["accountant_b"])
    draft = world.a["draft"]
    before, entries = rows_count(), entries_state()

    assert (
        client.post(
            f"/admin/ledger/journalentry/{draft.pk}/change/", _entry_change(world)
        ).status_code
        == 404
    )
    assert (
        client.post(f"/admin/ledger/journalentry/{draft.pk}/delete/", {"post": "yes"}).status_code
        == 404
    )
    for url, action, name in ACTIONS:
        data = {"action": action, helpers.ACTION_CHECKBOX_NAME: [world.a[name].pk]}
        assert client.post(url, data).status_code in {200, 302}, (url, action)
    confirm = client.post(
        "/admin/ledger/importbatch/import/confirm/",
        {"lab": world.a.lab.pk, "kind": "accounts", "sha256": "0" * 64},
    )
    assert confirm.status_code in {302, 404}  # no such preview of theirs: nothing imported

    assert rows_count() == before
    assert entries_state() == entries


def test_who_writes_in_one_lab_and_reads_another_writes_only_in_the_first(world: World):
    """An accountant of CINTRA who is also the director of MAJULAB sees MAJULAB's draft
    in the lists, but posting it, changing it or deleting it is refused."""
    user = world.users["accountant_a"]
    irls_services.role_grant(acting_user=None, user=user, role=Role.DIRECTOR, lab=world.b.lab)
    client = logged_in(user)
    theirs, mine = world.b["draft"], world.a["draft"]
    before, entries = rows_count(), entries_state()

    client.post(
        "/admin/ledger/journalentry/",
        {"action": "post_entries", helpers.ACTION_CHECKBOX_NAME: [theirs.pk]},
    )
    delete = client.post(f"/admin/ledger/journalentry/{theirs.pk}/delete/", {"post": "yes"})
    amend = client.post(
        f"/admin/ledger/budgetline/{world.b['budgetline'].pk}/amend/",
        {"kind": "top_up", "amount": "100.00", "date": "2025-04-01", "justification": "x"},
    )

    assert (delete.status_code, amend.status_code) == (403, 403)
    assert rows_count() == before and entries_state() == entries
    # In their own lab they do write.
    client.post(
        "/admin/ledger/journalentry/",
        {"action": "post_entries", helpers.ACTION_CHECKBOX_NAME: [mine.pk]},
    )
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == ("posted", "draft")
