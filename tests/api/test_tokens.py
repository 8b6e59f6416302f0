"""Personal API tokens: created on their page (shown once, stored hashed), revoked by
their owner or the office head, expired, rate-limited; the session as the other way in,
with its CSRF check on writes."""

import hashlib
import html
import io
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from api.models import ApiToken
from api.services import token_create
from irls.models import Lab
from ledger.models import AuditEvent, JournalEntry
from tests.api.test_entries import ENTRY
from tests.books import posted

pytestmark = pytest.mark.django_db


def _secret_on(page: str) -> str:
    found = re.search(r'id="new-token"[^>]*value="(irl_[^"]+)"', page)
    assert found, "the new token is shown on the page"
    return html.unescape(found.group(1))


def test_a_token_is_shown_once_and_stored_hashed(cintra: Lab, accountant: User):
    client = Client()
    client.force_login(accountant)
    created = client.post("/account/api-tokens/new/", {"name": "Monthly export", "days": "90"})
    assert created.status_code == 201
    assert created["Cache-Control"] == "no-store"
    secret = _secret_on(created.content.decode())
    token = ApiToken.objects.get(user=accountant)
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert (token.expires_at - token.created_at).days == 90
    again = client.get("/account/api-tokens/").content.decode()
    assert secret not in again and token.prefix in again
    event = AuditEvent.objects.get(action="api_token.create")
    assert event.actor == accountant and secret not in json.dumps(event.after)
    used = Client().get("/api/v1/labs", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert used.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_revoked_by_its_owner_or_the_office_head_only(
    cintra: Lab, accountant: User, director_cintra: User, office_head: User
):
    token, secret = token_create(acting_user=accountant, name="Payroll sync", days=30)
    director = Client()
    director.force_login(director_cintra)
    assert director.post(f"/account/api-tokens/{token.pk}/revoke/").status_code == 404
    assert "Payroll sync" not in director.get("/account/api-tokens/").content.decode()
    head = Client()
    head.force_login(office_head)
    assert "Payroll sync" in head.get("/account/api-tokens/").content.decode()
    assert head.post(f"/account/api-tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_by == office_head
    assert AuditEvent.objects.filter(action="api_token.revoke", actor=office_head).count() == 1
    gone = Client().get("/api/v1/labs", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert gone.status_code == 401
    assert gone["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_token_or_a_closed_account_is_refused(cintra: Lab, accountant: User):
    token, secret = token_create(acting_user=accountant, name="script", days=1)
    auth: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert Client().get("/api/v1/labs", **auth).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get("/api/v1/labs", **auth).status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() + timedelta(days=1))
    accountant.is_active = False
    accountant.save()
    assert Client().get("/api/v1/labs", **auth).status_code == 401


def test_each_token_has_its_rate_limit(cintra: Lab, accountant: User, settings):
    settings.API_RATE_LIMIT = 3
    _token, secret = token_create(acting_user=accountant, name="busy", days=1)
    _other, other_secret = token_create(acting_user=accountant, name="calm", days=1)
    client = Client()
    codes = [
        client.get("/api/v1/labs", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    refused = client.get("/api/v1/labs", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert refused.json()["code"] == "throttled" and int(refused["Retry-After"]) >= 1
    assert (
        client.get("/api/v1/labs", HTTP_AUTHORIZATION=f"Bearer {other_secret}").status_code == 200
    )


def test_the_session_writes_only_with_its_csrf_token(cintra: Lab, accountant: User):
    client = Client(enforce_csrf_checks=True)
    client.force_login(accountant)
    assert client.get("/api/v1/labs/CINTRA/entries").status_code == 200
    body = json.dumps(ENTRY)
    refused = client.post("/api/v1/labs/CINTRA/entries", body, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    assert JournalEntry.objects.count() == 0
    page = client.get("/account/api-tokens/")
    csrf = page.cookies["csrftoken"].value
    done = client.post(
        "/api/v1/labs/CINTRA/entries", body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert done.status_code == 201


def test_a_statement_requested_and_downloaded(cintra: Lab, accountant: User):
    posted(accountant, cintra, amount="250.00")
    _token, secret = token_create(acting_user=accountant, name="auditor script", days=1)
    auth: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    client = Client()
    asked = client.post(
        "/api/v1/labs/CINTRA/statements",
        json.dumps({"kind": "trial-balance", "year": 2025, "format": "xlsx", "language": "fr"}),
        content_type="application/json",
        **auth,
    )
    assert asked.status_code == 201, asked.content
    record = asked.json()
    assert record["file_name"].endswith(".xlsx")
    file = client.get(record["download"], **auth)
    assert file.status_code == 200
    assert file["Cache-Control"] == "no-store"
    data = b"".join(file.streaming_content) if file.streaming else file.content  # type: ignore[attr-defined]
    assert hashlib.sha256(data).hexdigest() == record["sha256"] == file["X-Statement-SHA256"]
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert any("Balance" in c for c in cells)
    listed = client.get("/api/v1/labs/CINTRA/statements", **auth).json()
    assert [s["id"] for s in listed] == [record["id"]]
    wrong = client.post(
        "/api/v1/labs/CINTRA/statements",
        json.dumps({"kind": "partner", "year": 2025}),
        content_type="application/json",
        **auth,
    )
    assert wrong.status_code == 422 and wrong.json()["field"] == "partner"
