"""A budget line's alert thresholds are set in the admin's budget line page, through
`budget_line_update` (audited), and refused there with the field's own message."""

from ledger.models import AuditEvent
from tests.ledger.test_admin import logged_in
from tests.ledger.test_admin_budget import LINES, line_form


def test_the_accountant_sets_a_lines_thresholds_in_the_admin(client, accountant, cintra, line):
    client = logged_in(client, accountant)
    assert 'name="alert_thresholds"' in client.get(f"{LINES}{line.pk}/change/").content.decode()
    data = line_form(cintra, "OP-SUP", "10000.00", label_en="Line OP-SUP")
    data |= {f"amendments-{k}": v for k, v in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0))}

    refused = client.post(f"{LINES}{line.pk}/change/", data | {"alert_thresholds": "90,50"})
    assert refused.status_code == 200
    assert "Alert thresholds: write at most 5 whole percentages" in refused.content.decode()

    response = client.post(f"{LINES}{line.pk}/change/", data | {"alert_thresholds": "50, 90"})
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.alert_thresholds == "50,90"
    event = AuditEvent.objects.get(action="budget_line.update")
    assert (event.before, event.after) == (
        {"alert_thresholds": "80,100"},
        {"alert_thresholds": "50,90"},
    )
