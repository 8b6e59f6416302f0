"""`manage.py budget_alerts`: the daily check, every active lab or one; a bad lab or day
ends with a one-line error and a non-zero exit; what it raises is audited as the
system's."""

import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command

from alerts.models import Alert
from ledger.models import AuditEvent
from tests.alerts.conftest import invoice


def run(*args: str) -> str:
    out = StringIO()
    call_command("budget_alerts", *args, stdout=out)
    return out.getvalue()


def test_the_daily_command_checks_each_lab_once(accountant, cintra, majulab, line, cintra_director):
    invoice(accountant, cintra, "8500.00", line)

    out = run("--today", "2026-01-05")

    assert out == (
        "CINTRA: 1 new alert; 1 e-mail sent, 1 told on the home page only (no e-mail "
        "address)\nMAJULAB: 0 new alerts\n"
    )
    [alert] = Alert.objects.all()
    assert str(alert.as_of) == "2026-01-05"
    event = AuditEvent.objects.get(action="budget_alert.sent")
    assert event.actor is None and event.lab == cintra and event.object_id == str(alert.pk)
    assert run("--lab", "CINTRA", "--today", "2026-01-06") == "CINTRA: 0 new alerts\n"
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--lab", "NOPE"), "No lab with code 'NOPE'"),
        (("--today", "05/01/2026"), "--today must be YYYY-MM-DD, got '05/01/2026'"),
    ],
)
def test_bad_input_is_refused_in_one_line(db, args, message):
    with pytest.raises(CommandError) as refused:
        run(*args)
    assert str(refused.value) == message


def test_a_bad_lab_exits_non_zero_with_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "budget_alerts", "--lab", "NOPE", "--today", "bad"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        env={"IRL_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "CommandError: --today must be YYYY-MM-DD, got 'bad'"
    ]
