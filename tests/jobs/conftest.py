"""Background work in tests: the immediate backend (each task runs inside the request or
service call that queues it) and low thresholds, unless a test starts a real worker
(test_worker.py), which runs on the database backend."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Statements of more than two posted lines, files of more than three rows: to a worker.
LOW_THRESHOLDS = {"JOBS_STATEMENT_LINES": 2, "JOBS_IMPORT_ROWS": 3}


@pytest.fixture
def immediate() -> Iterator[None]:
    with override_settings(TASKS=IMMEDIATE, **LOW_THRESHOLDS):
        yield


@pytest.fixture
def queued() -> Iterator[None]:
    """Tasks wait in the database queue (no worker runs them)."""
    with override_settings(TASKS=DATABASE, **LOW_THRESHOLDS):
        yield


def staff(user: User) -> User:
    """The admin (the import page) lets in staff users only, as the demo's are."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def location(response: Any) -> str:
    return str(response["Location"])
