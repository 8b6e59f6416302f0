"""Exactly one alert, and one e-mail per person, when two postings cross a threshold
together: each posting, once committed, runs its check (the immediate task backend, as
a request would with TASKS_BACKEND=immediate), on its own connection, at the same time.
The checks lock the lines they read (ledger.services.budget.budget_lines_hold), so the
second one waits for the first and finds the alert raised.

Committed for real (transaction=True): the threads see each other's writes."""

import logging
import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import override_settings

from alerts import services as alerts_services
from alerts.models import Alert, AlertDelivery
from alerts.services import alerts_check
from ledger import services
from tests.alerts.conftest import ON, invoice
from tests.books import account, journal

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
TIMEOUT = 60

pytestmark = pytest.mark.django_db(transaction=True)


def together(*work: Callable[[], Any]) -> list[Any]:
    """Run each of `work` in its own thread (its own connection), started together;
    their results, or the first error raised."""
    barrier = threading.Barrier(len(work))
    results: list[Any] = [None] * len(work)

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=TIMEOUT)
            results[n] = work[n]()
        except BaseException as error:
            results[n] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT)
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        raise errors[0]
    return results


def slow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each check dawdles after reading the figures, so that concurrent checks overlap
    (without the lines' lock, each would raise the alert)."""
    read = alerts_services._figures

    def figures_then_wait(*args: Any) -> Any:
        found = read(*args)
        time.sleep(0.3)
        return found

    monkeypatch.setattr(alerts_services, "_figures", figures_then_wait)


@pytest.mark.postgres_only
def test_two_postings_crossing_80_together_raise_one_alert_and_one_email_each(
    accountant, cintra, line, cintra_director, cintra_accountant, caplog, monkeypatch
):
    slow(monkeypatch)
    invoice(accountant, cintra, "7900.00", line, ref="INV-0")  # 79 %
    drafts = [
        services.entry_create_draft(
            acting_user=accountant,
            lab=cintra,
            journal=journal(cintra, "ACH"),
            date=date(2025, 3, 11),
            label=f"Invoice {n}",
            piece_ref=f"INV-{n}",
            lines=[
                services.LineInput(
                    account=account(cintra, "6063"),
                    debit=200,  # type: ignore[arg-type]
                    budget_line=line,
                    third_party="SUP-01",
                ),
                services.LineInput(
                    account=account(cintra, "401"),
                    credit=200,  # type: ignore[arg-type]
                    third_party="SUP-01",
                ),
            ],
        )
        for n in (1, 2)
    ]
    mail.outbox = []

    # Each alone takes the line to 81 %, both to 83 %: each check sees 80 % passed.
    with override_settings(TASKS=IMMEDIATE):
        together(
            *(lambda d=d: services.entry_post(acting_user=accountant, entry=d) for d in drafts)
        )

    [alert] = Alert.objects.all()
    assert (alert.threshold, alert.crossing) == (80, 1)
    assert alert.percent in (81, 83)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "accounts@cintra.example.org",
        "director@cintra.example.org",
    ]
    assert AlertDelivery.objects.filter(emailed_at__isnull=False).count() == 2
    # Neither check failed (a duplicate would have been refused by a unique constraint).
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_two_checks_at_once_raise_one_alert_and_one_email_each(
    accountant, cintra, line, cintra_director, cintra_accountant, monkeypatch
):
    invoice(accountant, cintra, "8500.00", line)
    mail.outbox = []

    slow(monkeypatch)
    checks = together(*(lambda: alerts_check(lab=cintra, on=ON) for _ in range(3)))

    assert sorted(len(check.raised) for check in checks) == [0, 0, 1]
    assert Alert.objects.count() == 1
    assert len(mail.outbox) == 2
