"""The API's walls for the methods the access matrix does not send (PUT and DELETE), and
with tokens rather than sessions: every persona against a draft of each lab. Only the
writers of the draft's lab change or delete it; another lab's people get 404, the lab's
readers 403; and a reader's token, sent to every write of the API, writes nothing."""

import json
from typing import Any

import pytest
from django.test import Client

from api.services import token_create
from ledger.models import AuditEvent, JournalEntry
from tests.books import draft
from tests.security.matrix import PERSONAS
from tests.security.test_access_matrix import _users
from tests.security.world import World, entries_state, rows_count

#                anon inact acct own other dir  dir-o audit aud aud-o head
PUT_DRAFT = "401 401 200 200 404 403 404 403 403 404 200"
DELETE_DRAFT = "401 401 204 204 404 403 404 403 403 404 204"


def _entry_body(code: str) -> dict[str, Any]:
    return {
        "journal": "ACH",
        "date": "2025-03-14",
        "label": f"{code} changed through the API",
        "lines": [
            {"account": "6064", "debit": "10.00"},
            {"account": "401", "credit": "10.00", "third_party": f"SUP-{code[:3]}"},
        ],
    }


def _token_headers(user: Any) -> dict[str, Any]:
    if user is None:
        return {}
    if not user.is_active:
        return {"HTTP_AUTHORIZATION": "Bearer irl_not-a-token"}
    _token, secret = token_create(acting_user=user, name="walls", days=1)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.mark.parametrize("side", ["A", "B"])
def test_put_and_delete_of_a_draft_for_every_persona(world: World, side: str):
    lab = world.labs[side].lab
    users = _users(world, side)
    tag = lab.code[:3].upper()
    got_put, got_delete = [], []
    for column in PERSONAS:
        user = users[column]
        headers = _token_headers(user)
        entry = draft(world.users["accountant"], lab, [("6064", "5.00", "0"), ("401", "0", "5.00")])
        JournalEntry.objects.filter(pk=entry.pk).update(label=f"{tag} draft")
        url = f"/api/v1/labs/{lab.code}/entries/{entry.pk}"
        body = json.dumps(_entry_body(lab.code))
        put = Client().put(url, body, content_type="application/json", **headers)
        got_put.append(str(put.status_code))
        if put.status_code != 200:
            assert JournalEntry.objects.get(pk=entry.pk).label == f"{tag} draft", column
        got_delete.append(str(Client().delete(url, **headers).status_code))
    assert " ".join(got_put) == PUT_DRAFT
    assert " ".join(got_delete) == DELETE_DRAFT


def test_a_readers_token_writes_nothing_anywhere(world: World):
    """A director's and an auditor's tokens, sent to every write of the API with a valid
    body, for their own lab and the other: nothing changes in the books."""
    readers = [world.users["director_a"], world.users["auditor_a"], world.users["auditor"]]
    entry = world.a["journalentry"]
    writes = [
        ("post", "/api/v1/labs/{code}/entries", _entry_body("CINTRA")),
        ("put", "/api/v1/labs/{code}/entries/{entry}", _entry_body("CINTRA")),
        ("delete", "/api/v1/labs/{code}/entries/{entry}", None),
        ("post", "/api/v1/labs/{code}/entries/{entry}/post", None),
        (
            "post",
            "/api/v1/labs/{code}/entries/{entry}/reverse",
            {"date": "2025-12-31", "reason": "x"},
        ),
    ]
    before, rows_before = entries_state(), rows_count()
    events_before = AuditEvent.objects.count()
    for user in readers:
        headers = _token_headers(user)
        for code in ("CINTRA", "MAJULAB"):
            for method, address, body in writes:
                url = address.format(code=code, entry=entry.pk)
                send = getattr(Client(), method)
                data = json.dumps(body) if body is not None else ""
                answer = send(url, data, content_type="application/json", **headers)
                assert answer.status_code in (403, 404), (user.username, method, url)
    assert entries_state() == before
    # Only the tokens made for the walk were written (and their creation audited).
    rows_after = rows_count()
    assert rows_after.pop("api.ApiToken") == rows_before.pop("api.ApiToken") + len(readers)
    assert rows_after.pop("ledger.AuditEvent") == rows_before.pop("ledger.AuditEvent") + len(
        readers
    )
    assert rows_after == rows_before
    assert set(
        AuditEvent.objects.order_by("id")[events_before:].values_list("action", flat=True)
    ) == {"api_token.create"}
