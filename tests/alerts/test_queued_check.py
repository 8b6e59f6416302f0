"""The check after a change of the budgets: every way of posting, committing or amending
names the lines it touched (ledger.services.budget.budget_lines_touched), the ledger
sends `budget_lines_changed` once its transaction commits, once per transaction, and
the alerts app queues its check as a task (alerts.receivers, alerts.tasks)."""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from alerts.models import Alert
from ledger import services
from ledger.models import Commitment
from ledger.services.imports import import_file
from ledger.signals import budget_lines_changed
from tests.alerts.conftest import invoice
from tests.books import budget_line
from tests.imports.sheets import JOURNAL_HEADER, csv_bytes
from tests.imports.sheets import line as sheet_line

D = Decimal
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def signals() -> Iterator[list[frozenset[int]]]:
    """The `line_ids` of every budget_lines_changed sent."""
    sent: list[frozenset[int]] = []

    def receiver(sender, line_ids, **kwargs):
        sent.append(line_ids)

    budget_lines_changed.connect(receiver, dispatch_uid="test-alerts-signals")
    yield sent
    budget_lines_changed.disconnect(dispatch_uid="test-alerts-signals")


def test_every_change_of_a_lines_budget_is_signalled_once_committed(
    accountant, cintra, line, signals, django_capture_on_commit_callbacks
):
    other = budget_line(cintra, "OP-MIS", "3000.00", nature="missions")
    changes = {
        "posting": lambda: invoice(accountant, cintra, "100.00", line),
        "commitment": lambda: services.commitment_create(
            acting_user=accountant,
            budget_line=other,
            kind="purchase_order",
            reference="PO-1",
            third_party="SUP-01",
            label="Tickets",
            amount=D("400.00"),
            on=date(2025, 3, 1),
        ),
        "amendment": lambda: services.budget_line_amend(
            acting_user=accountant,
            budget_line=line,
            amount=D("50.00"),
            on=date(2025, 3, 2),
            justification="Top-up",
        ),
        "transfer": lambda: services.budget_transfer(
            acting_user=accountant,
            source=line,
            target=other,
            amount=D("20.00"),
            on=date(2025, 3, 2),
            justification="Move",
        ),
    }
    expected = {
        "posting": {line.pk},
        "commitment": {other.pk},
        "amendment": {line.pk},
        "transfer": {line.pk, other.pk},
    }
    for name, change in changes.items():
        with django_capture_on_commit_callbacks(execute=True):
            change()
        assert signals.pop() == expected[name], name
        assert signals == [], name

    commitment = Commitment.objects.get(reference="PO-1")
    with django_capture_on_commit_callbacks(execute=True):
        services.commitment_amend(
            acting_user=accountant,
            commitment=commitment,
            delta=D("10.00"),
            date=date(2025, 3, 3),
            justification="More tickets",
        )
    assert signals.pop() == {other.pk}
    with django_capture_on_commit_callbacks(execute=True):
        services.commitment_cancel(acting_user=accountant, commitment=commitment, reason="Trip off")
    assert signals.pop() == {other.pk}
    with django_capture_on_commit_callbacks(execute=True):
        posted = invoice(accountant, cintra, "30.00", line, ref="INV-R")
    signals.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.entry_reverse(acting_user=accountant, entry=posted, date=date(2025, 3, 20))
    assert signals.pop() == {line.pk}
    # A sheet imported and posted at once (the bulk posting).
    sheet = csv_bytes(
        [
            JOURNAL_HEADER,
            sheet_line("S1", "6063", "12.00", None, budget_line="OP-SUP", third_party="SUP-01"),
            sheet_line("S1", "401", None, "12.00", third_party="SUP-01"),
            sheet_line("S2", "6063", "8.00", None, budget_line="OP-MIS", third_party="SUP-01"),
            sheet_line("S2", "401", None, "8.00", third_party="SUP-01"),
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        outcome = import_file(
            acting_user=accountant,
            lab=cintra,
            kind="journal",
            file_name="march.csv",
            data=sheet,
            post=True,
        )
    assert outcome.ok, outcome.problems
    assert signals == [frozenset({line.pk, other.pk})]


def test_many_changes_in_one_transaction_send_one_signal(
    accountant, cintra, line, signals, django_capture_on_commit_callbacks
):
    other = budget_line(cintra, "OP-MIS", "3000.00", nature="missions")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for n in range(5):
            invoice(accountant, cintra, "10.00", line, ref=f"INV-{n}")
        invoice(accountant, cintra, "10.00", other, ref="INV-M")
    named = [getattr(c, "budget_line_ids", None) for c in callbacks]
    assert [ids for ids in named if ids is not None] == [{line.pk, other.pk}]
    for callback in callbacks:
        callback()
    assert signals == [frozenset({line.pk, other.pk})]


def test_a_posting_queues_the_check_as_a_task(
    accountant, cintra, line, django_capture_on_commit_callbacks
):
    with override_settings(TASKS=DATABASE), django_capture_on_commit_callbacks(execute=True):
        invoice(accountant, cintra, "8500.00", line)
    [task] = DBTaskResult.objects.all()
    assert task.task_path == "alerts.tasks.budget_alerts_check"
    assert task.args_kwargs["kwargs"] == {"line_ids": [line.pk]}
    assert not Alert.objects.exists()  # a worker does it


def test_with_the_immediate_backend_the_posting_tells_at_once(
    accountant, cintra, line, cintra_director, django_capture_on_commit_callbacks
):
    with override_settings(TASKS=IMMEDIATE), django_capture_on_commit_callbacks(execute=True):
        invoice(accountant, cintra, "8500.00", line)
    [alert] = Alert.objects.all()
    assert (alert.budget_line, alert.threshold, alert.crossing) == (line, 80, 1)
    assert [m.to for m in mail.outbox] == [["director@cintra.example.org"]]
    with override_settings(TASKS=IMMEDIATE), django_capture_on_commit_callbacks(execute=True):
        invoice(accountant, cintra, "100.00", line, ref="INV-2")
    assert Alert.objects.count() == 1 and len(mail.outbox) == 1


def test_a_failure_to_queue_does_not_undo_the_posting(
    accountant, cintra, line, django_capture_on_commit_callbacks, caplog
):
    # The task is declared (and checked against the backend) where its module is first
    # imported: import it under the real settings, so that only the queueing fails.
    import alerts.tasks  # noqa: F401

    broken = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["other"]}}
    with override_settings(TASKS=broken), django_capture_on_commit_callbacks(execute=True):
        entry = invoice(accountant, cintra, "8500.00", line)
    assert entry.status == "posted"
    assert "could not queue the budget alerts' check" in caplog.text
