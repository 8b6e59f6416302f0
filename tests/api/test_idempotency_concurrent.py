"""An idempotent POST sent several times at once (a client retrying while its first
request still runs): one entry is created, and every answer is the first one's."""

import json
import threading
from typing import Any

import pytest
from django.db import connections
from django.test import Client

from api.services import token_create
from ledger.models import AuditEvent, JournalEntry
from tests.api.test_entries import ENTRY
from tests.books import lab_with_books

SENDERS = 4


@pytest.mark.django_db(transaction=True)
def test_the_same_key_sent_at_once_creates_one_entry(django_user_model: Any):
    from irls import services as irls_services
    from irls.models import Role

    lab_with_books("CINTRA")
    user = django_user_model.objects.create_user(username="retrying", password="x")
    irls_services.role_grant(acting_user=None, user=user, role=Role.ACCOUNTANT, lab=None)
    _token, secret = token_create(acting_user=user, name="retries", days=1)
    barrier = threading.Barrier(SENDERS)
    answers: list[tuple[int, Any]] = []
    lock = threading.Lock()

    def send() -> None:
        try:
            barrier.wait(timeout=30)
            answer = Client().post(
                "/api/v1/labs/CINTRA/entries",
                json.dumps(ENTRY),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {secret}",
                HTTP_IDEMPOTENCY_KEY="the-same-key",
            )
            with lock:
                answers.append((answer.status_code, answer.json()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == SENDERS
    assert {status for status, _body in answers} == {201}, answers
    assert len({body["id"] for _status, body in answers}) == 1
    assert JournalEntry.objects.count() == 1
    assert AuditEvent.objects.filter(action="entry.create").count() == 1
