"""The API's entries: listed, read, written through the services, behind the walls."""

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from api.models import ApiToken
from api.services import token_create
from irls.models import Lab
from ledger.models import AuditEvent, JournalEntry
from reports.builders.common import month_rates, statement_options
from reports.builders.trial_balance import trial_balance_figures
from tests.books import draft, posted

pytestmark = pytest.mark.django_db


def bearer(user: User) -> dict[str, Any]:
    _token, secret = token_create(acting_user=user, name="script", days=30)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def call(
    client: Client, method: str, url: str, headers: dict[str, Any], body: Any = None, **extra: str
) -> Any:
    send = getattr(client, method.lower())
    data = json.dumps(body) if body is not None else None
    kwargs: dict[str, Any] = {**headers, **extra}
    if data is not None:
        return send(url, data=data, content_type="application/json", **kwargs)
    return send(url, **kwargs)


ENTRY: dict[str, Any] = {
    "journal": "ACH",
    "date": "2025-03-14",
    "label": "Lab supplies",
    "piece_ref": "INV-77",
    "lines": [
        {"account": "6064", "debit": "120.50", "label": "Pipettes"},
        {"account": "401", "credit": "120.50", "label": "Pipettes"},
    ],
}


def test_create_post_and_reverse_an_entry_with_a_token(cintra: Lab, accountant: User):
    client, auth = Client(), bearer(accountant)
    created = call(client, "POST", "/api/v1/labs/CINTRA/entries", auth, ENTRY)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["number"] is None
    assert [line["debit"] for line in body["lines"]] == ["120.50", "0.00"]
    entry_id = body["id"]

    done = call(client, "POST", f"/api/v1/labs/CINTRA/entries/{entry_id}/post", auth)
    assert done.status_code == 200, done.content
    assert done.json()["number"] == "ACH-2025-000001"
    assert done.json()["hash"]

    reversed_ = call(
        client,
        "POST",
        f"/api/v1/labs/CINTRA/entries/{entry_id}/reverse",
        auth,
        {"date": "2025-03-20", "reason": "Wrong supplier"},
    )
    assert reversed_.status_code == 201, reversed_.content
    assert reversed_.json()["reversal_of"] == entry_id
    # Audited with the token's user as author.
    actions = list(
        AuditEvent.objects.filter(actor=accountant, lab=cintra).values_list("action", flat=True)
    )
    assert {"entry.create", "entry.post"} <= set(actions)


def test_the_list_pages_by_cursor_and_filters(cintra: Lab, accountant: User):
    for n in range(5):
        posted(accountant, cintra, amount=f"{10 + n}.00", on=date(2025, 3, 1 + n))
    draft(accountant, cintra, [("6064", "5.00", "0"), ("401", "0", "5.00")])
    client, auth = Client(), bearer(accountant)
    seen, cursor = [], None
    while True:
        url = "/api/v1/labs/CINTRA/entries?limit=2&status=posted"
        if cursor:
            url += f"&cursor={cursor}"
        page = call(client, "GET", url, auth).json()
        seen += [item["number"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"ACH-2025-00000{n}" for n in (5, 4, 3, 2, 1)]
    dated = call(
        client, "GET", "/api/v1/labs/CINTRA/entries?date_from=2025-03-02&date_to=2025-03-03", auth
    ).json()
    assert [i["date"] for i in dated["items"]] == ["2025-03-03", "2025-03-02"]
    unknown = call(client, "GET", "/api/v1/labs/CINTRA/entries?journal=NOPE", auth)
    assert unknown.status_code == 400 and unknown.json()["field"] == "journal"
    bad = call(client, "GET", "/api/v1/labs/CINTRA/entries?cursor=garbage", auth)
    assert bad.status_code == 400 and bad.json()["field"] == "cursor"


def test_another_labs_entries_answer_404_and_readers_cannot_write(
    cintra: Lab, majulab: Lab, director_cintra: User, accountant: User
):
    entry = posted(accountant, majulab)
    client, auth = Client(), bearer(director_cintra)
    assert call(client, "GET", "/api/v1/labs/MAJULAB/entries", auth).status_code == 404
    assert call(client, "GET", f"/api/v1/labs/MAJULAB/entries/{entry.pk}", auth).status_code == 404
    # Its id under the director's own lab: not found either.
    assert call(client, "GET", f"/api/v1/labs/CINTRA/entries/{entry.pk}", auth).status_code == 404
    refused = call(client, "POST", "/api/v1/labs/CINTRA/entries", auth, ENTRY)
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert JournalEntry.objects.filter(lab=cintra).count() == 0


def test_an_idempotent_retry_creates_nothing(cintra: Lab, accountant: User):
    client, auth = Client(), bearer(accountant)
    key = {"HTTP_IDEMPOTENCY_KEY": "run-2025-03-14-1"}
    first = call(client, "POST", "/api/v1/labs/CINTRA/entries", auth, ENTRY, **key)
    again = call(client, "POST", "/api/v1/labs/CINTRA/entries", auth, ENTRY, **key)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json() == again.json()
    assert JournalEntry.objects.filter(lab=cintra).count() == 1
    entry_id = first.json()["id"]
    post_key = {"HTTP_IDEMPOTENCY_KEY": "post-1"}
    url = f"/api/v1/labs/CINTRA/entries/{entry_id}/post"
    assert call(client, "POST", url, auth, **post_key).status_code == 200
    retry = call(client, "POST", url, auth, **post_key)
    assert retry.status_code == 200 and retry.json()["number"] == "ACH-2025-000001"
    assert AuditEvent.objects.filter(action="entry.post").count() == 1
    other = dict(ENTRY, label="Another")
    reused = call(client, "POST", "/api/v1/labs/CINTRA/entries", auth, other, **key)
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"


def test_invalid_entries_name_their_fields_and_write_nothing(cintra: Lab, accountant: User):
    client, auth = Client(), bearer(accountant)
    wrong = dict(
        ENTRY,
        lines=[
            {"account": "9999", "debit": "10.00"},
            {"account": "401", "debit": "5.00", "credit": "5.00"},
        ],
    )
    answer = call(client, "POST", "/api/v1/labs/CINTRA/entries", auth, wrong)
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["errors"]}
    assert {"lines.0.account", "lines.1.debit"} <= fields
    assert "9999" in answer.json()["errors"][0]["message"]
    french = call(
        client, "POST", "/api/v1/labs/CINTRA/entries", auth, wrong, HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert french.json()["message"] == "L'écriture n'est pas valable : voyez les champs nommés."
    debit = [e for e in french.json()["errors"] if e["field"] == "lines.1.debit"]
    assert debit[0]["message"].startswith("Saisissez soit un débit, soit un crédit")
    typed = call(client, "POST", "/api/v1/labs/CINTRA/entries", auth, {"journal": "ACH"})
    assert typed.status_code == 422
    assert {e["field"] for e in typed.json()["errors"]} >= {"date", "label", "lines"}
    not_json = client.post(
        "/api/v1/labs/CINTRA/entries", data="{", content_type="application/json", **auth
    )
    assert not_json.status_code in (400, 422)
    assert JournalEntry.objects.count() == 0


def test_balances_equal_the_trial_balance(cintra: Lab, accountant: User):
    posted(accountant, cintra, amount="100.00")
    posted(accountant, cintra, amount="0.10", on=date(2025, 4, 2))
    client, auth = Client(), bearer(accountant)
    answer = call(client, "GET", "/api/v1/labs/CINTRA/balances?year=2025", auth).json()
    options = statement_options(lab=cintra, year=2025, across_years=True)
    expected = {
        a.code: (f.opening, f.debit, f.credit, f.closing)
        for a, f in trial_balance_figures(options, month_rates(options))
    }
    got = {
        row["account"]: tuple(Decimal(row[k]) for k in ("opening", "debit", "credit", "closing"))
        for row in answer["accounts"]
    }
    assert got == expected
    assert got["401"][3] == Decimal("-100.10")


def test_tokens_expire_and_are_revoked(cintra: Lab, accountant: User):
    client, auth = Client(), bearer(accountant)
    assert call(client, "GET", "/api/v1/labs", auth).status_code == 200
    token = ApiToken.objects.get(user=accountant)
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=token.created_at)
    gone = call(client, "GET", "/api/v1/labs", auth)
    assert gone.status_code == 401 and gone.json()["code"] == "unauthenticated"
    assert call(client, "GET", "/api/v1/labs", {}).status_code == 401


def test_a_round_trip_gives_the_services_trial_balance(cintra: Lab, majulab: Lab, accountant: User):
    """The same entries created, changed, posted and reversed through the API in one lab
    and through the services in the other give the same trial balance."""
    from ledger import services
    from tests.books import account, journal

    client, auth = Client(), bearer(accountant)
    amounts = ["120.50", "0.01", "9999.99"]
    for n, amount in enumerate(amounts):
        entry: dict[str, Any] = dict(
            ENTRY,
            date=f"2025-03-{10 + n}",
            lines=[
                {"account": "6064", "debit": amount},
                {"account": "401", "credit": amount},
            ],
        )
        created = call(client, "POST", "/api/v1/labs/CINTRA/entries", auth, entry).json()
        if n == 0:  # changed before posting: a draft's lines are replaced whole
            entry["lines"][0]["debit"] = entry["lines"][1]["credit"] = "121.50"
            changed = call(
                client, "PUT", f"/api/v1/labs/CINTRA/entries/{created['id']}", auth, entry
            )
            assert changed.status_code == 200, changed.content
        call(client, "POST", f"/api/v1/labs/CINTRA/entries/{created['id']}/post", auth)
        if n == 1:
            call(
                client,
                "POST",
                f"/api/v1/labs/CINTRA/entries/{created['id']}/reverse",
                auth,
                {"date": "2025-03-31", "reason": "Duplicate"},
            )
    throwaway = call(client, "POST", "/api/v1/labs/CINTRA/entries", auth, ENTRY).json()
    deleted = call(client, "DELETE", f"/api/v1/labs/CINTRA/entries/{throwaway['id']}", auth)
    assert deleted.status_code == 204

    for n, amount in enumerate(["121.50", "0.01", "9999.99"]):
        draft_entry = services.entry_create_draft(
            acting_user=accountant,
            lab=majulab,
            journal=journal(majulab, "ACH"),
            date=date(2025, 3, 10 + n),
            label=ENTRY["label"],
            lines=[
                services.LineInput(account=account(majulab, "6064"), debit=Decimal(amount)),
                services.LineInput(account=account(majulab, "401"), credit=Decimal(amount)),
            ],
        )
        done = services.entry_post(acting_user=accountant, entry=draft_entry)
        if n == 1:
            services.entry_reverse(
                acting_user=accountant, entry=done, date=date(2025, 3, 31), reason="Duplicate"
            )

    def balances(code: str) -> Any:
        answer = call(client, "GET", f"/api/v1/labs/{code}/balances?year=2025", auth).json()
        return [(r["account"], r["debit"], r["credit"], r["closing"]) for r in answer["accounts"]]

    assert balances("CINTRA") == balances("MAJULAB")
    assert balances("CINTRA") == [
        ("401", "0.01", "10121.50", "-10121.49"),
        ("6064", "10121.50", "0.01", "10121.49"),
    ]
