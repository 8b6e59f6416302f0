"""Once per crossing, held by the database too: a second alert for the same crossing,
or a second open alert for the same threshold or flag, is refused even by raw SQL; and
an e-mail the mail server refuses is recorded as such, the alert still raised once."""

from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test import override_settings

from alerts.models import Alert, AlertDelivery
from alerts.services import alerts_check
from ledger.models import AuditEvent
from tests.alerts.conftest import ON, invoice

COLUMNS = (
    "lab_id, kind, budget_line_id, funding_source_id, threshold, crossing, as_of, facts, "
    "created_at, forecast_status, cleared_status"
)


def copy_sql(alert_id: int, crossing: str = "crossing", cleared: str = "cleared_at") -> str:
    chosen = COLUMNS.replace("crossing", crossing)
    return (
        f"INSERT INTO alerts_alert ({COLUMNS}, cleared_at) SELECT {chosen}, {cleared} "
        f"FROM alerts_alert WHERE id = {alert_id}"
    )


def refused(sql: str) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    except IntegrityError:
        return True
    return False


def test_raw_sql_cannot_record_a_crossing_twice(accountant, cintra, line):
    invoice(accountant, cintra, "8500.00", line)
    [alert] = alerts_check(lab=cintra, on=ON).raised

    # The same crossing again; another crossing while the first is still open.
    assert refused(copy_sql(alert.pk))
    assert refused(copy_sql(alert.pk, crossing="crossing + 1"))
    # Once the first one is cleared, its next crossing is what a check would write.
    Alert.objects.filter(pk=alert.pk).update(cleared_at=alert.created_at)
    assert refused(copy_sql(alert.pk, cleared="NULL"))  # crossing 1 again
    assert not refused(copy_sql(alert.pk, crossing="crossing + 1", cleared="NULL"))
    assert Alert.objects.count() == 2


def test_an_email_the_server_refuses_is_recorded_and_not_retried(
    accountant, cintra, line, cintra_director
):
    invoice(accountant, cintra, "8500.00", line)
    with override_settings(EMAIL_BACKEND="tests.alerts.conftest.RefusingBackend"):
        check = alerts_check(lab=cintra, on=ON)
    assert (len(check.raised), check.emailed, check.failed) == (1, 0, 1)
    delivery = AlertDelivery.objects.get(user=cintra_director)
    assert delivery.emailed_at is None and "mailbox unavailable" in delivery.error
    event = AuditEvent.objects.get(action="budget_alert.email_failed")
    assert (event.after or {})["address"] == "director@cintra.example.org"
    assert alerts_check(lab=cintra, on=ON).raised == () and mail.outbox == []


def test_an_alert_names_what_its_kind_says(accountant, cintra, line):
    invoice(accountant, cintra, "8500.00", line)
    [alert] = alerts_check(lab=cintra, on=ON).raised
    # A forecast alert naming a budget line and no funding source.
    sql = copy_sql(alert.pk, crossing="crossing + 7").replace(
        "SELECT lab_id, kind,", "SELECT lab_id, 'forecast',"
    )
    assert refused(sql)
