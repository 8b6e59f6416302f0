"""`/healthz`: 200 when the database answers and every migration is applied, 503 otherwise;
open to anyone, never cached, and it says nothing but that."""

import json

import pytest
from django.db import OperationalError, connection
from django.db.migrations.recorder import MigrationRecorder

from config import health

# No background worker runs beside the tests: "not seen" (tests/jobs/ sees one), which
# does not make the server unhealthy.
HEALTHY = {"database": "ok", "migrations": "ok", "worker": "not seen"}


def test_a_migrated_database_that_answers_is_healthy(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == HEALTHY
    assert response["Cache-Control"] == "no-store"
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_a_migration_not_applied_is_unhealthy(client, db, monkeypatch: pytest.MonkeyPatch):
    on_disk = {**health._migrations_on_disk(), ("ledger", "9999_not_yet"): ()}
    monkeypatch.setattr(health, "_migrations_on_disk", lambda: on_disk)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert json.loads(response.content) == {
        "database": "ok",
        "migrations": "unapplied",
        "worker": "not seen",
    }
    assert response["Cache-Control"] == "no-store"


def test_a_database_that_does_not_answer_is_unhealthy_and_not_described(
    client, db, monkeypatch: pytest.MonkeyPatch
):
    def refuse(self: MigrationRecorder) -> None:
        raise OperationalError('connection to server at "db.internal" failed: password')

    monkeypatch.setattr(MigrationRecorder, "applied_migrations", refuse)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert json.loads(response.content) == {
        "database": "unreachable",
        "migrations": "unknown",
        "worker": "unknown",
    }
    assert b"db.internal" not in response.content


def test_a_squashed_migration_counts_as_applied_when_what_it_replaces_is(
    monkeypatch: pytest.MonkeyPatch,
):
    squash = ("ledger", "0001_squashed_0002")
    replaced = (("ledger", "0001_initial"), ("ledger", "0002_more"))
    monkeypatch.setattr(health, "_migrations_on_disk", lambda: {squash: replaced})

    assert health._unapplied(set(replaced)) == []
    assert health._unapplied({squash}) == []
    assert health._unapplied({replaced[0]}) == [squash]


def test_every_migration_of_the_code_is_known(db):
    applied = set(MigrationRecorder(connection).applied_migrations())

    assert health._unapplied(applied) == []
    assert ("ledger", "0001_initial") in health._migrations_on_disk()
