"""A budget line's thresholds: an alert the first time the line's % consumed (spent and
committed, the budget page's rule) is at or above a threshold, once per crossing.

The story: CINTRA's supplies line holds 10,000.00. Invoices of 7,900.00 (79 %): nothing.
200.00 more (81 %): the 80 % alert, e-mailed to the director and the lab's accountant.
2,000.00 more (101 %): the 100 % alert. Checking again: nothing new. The 2,000.00 invoice
reversed (81 %): the 100 % alert clears; the 200.00 one too (79 %): the 80 % alert
clears; an invoice of 300.00 (82 %): a second crossing of 80 %, told again.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import translation

from alerts.models import Alert, AlertDelivery
from alerts.services import alerts_check
from ledger import services
from ledger.alert_thresholds import alert_thresholds_parse, alert_thresholds_text
from ledger.exceptions import ALERT_THRESHOLDS_INVALID
from ledger.models import AuditEvent, FiscalYear
from tests.alerts.conftest import ON, invoice
from tests.books import budget_line, funding

D = Decimal


def thresholds(line):
    """(threshold, crossing, open) of the line's alerts, in the order raised."""
    return [
        (a.threshold, a.crossing, a.is_open)
        for a in Alert.objects.filter(budget_line=line).order_by("id")
    ]


def test_a_line_is_told_once_at_80_and_once_at_100_then_again_after_it_fell_back(
    accountant, cintra, line, cintra_director, cintra_accountant
):
    invoice(accountant, cintra, "7900.00", line, ref="INV-1")
    check = alerts_check(lab=cintra, on=ON)
    assert check.raised == () and mail.outbox == []

    small = invoice(accountant, cintra, "200.00", line, ref="INV-2")
    check = alerts_check(lab=cintra, on=ON)
    [alert] = check.raised
    assert (alert.kind, alert.threshold, alert.crossing) == ("threshold", 80, 1)
    assert (alert.percent, alert.budget, alert.consumed) == (D("81.0"), D("10000"), D("8100"))
    assert check.emailed == 2
    assert sorted(m.to[0] for m in mail.outbox) == [
        "accounts@cintra.example.org",
        "director@cintra.example.org",
    ]
    body = mail.outbox[0].body
    assert "Budget line OP-SUP (Line OP-SUP, 2025) has passed 80 %" in body
    assert (
        "Consumed: 81.0 %, that is 8,100.00 SGD spent and committed of a budget of 10,000.00 SGD;"
        " 1,900.00 SGD available." in body
    )
    assert f"http://127.0.0.1:8000/labs/CINTRA/budget/2025/lines/{line.pk}/" in body
    assert "http://127.0.0.1:8000/labs/CINTRA/alerts/" in body
    assert mail.outbox[0].subject == "IRL Ledger: 1 new budget alert for CINTRA"

    big = invoice(accountant, cintra, "2000.00", line, ref="INV-3")
    check = alerts_check(lab=cintra, on=ON)
    assert [(a.threshold, a.percent) for a in check.raised] == [(100, D("101.0"))]
    assert len(mail.outbox) == 4

    # Checked again, by the day's command or after another posting: nothing new.
    assert alerts_check(lab=cintra, on=ON).raised == ()
    assert alerts_check(lab=cintra, on=date(2026, 1, 6)).raised == ()
    assert len(mail.outbox) == 4
    assert thresholds(line) == [(80, 1, True), (100, 1, True)]

    services.entry_reverse(acting_user=accountant, entry=big, date=date(2025, 3, 20))
    check = alerts_check(lab=cintra, on=ON)
    assert (check.raised, check.cleared) == ((), 1)  # 81 %: the 100 % threshold re-arms
    services.entry_reverse(acting_user=accountant, entry=small, date=date(2025, 3, 20))
    check = alerts_check(lab=cintra, on=ON)
    assert (check.raised, check.cleared) == ((), 1)  # 79 %: the 80 % one too
    assert thresholds(line) == [(80, 1, False), (100, 1, False)]
    cleared = Alert.objects.get(budget_line=line, threshold=80)
    assert cleared.cleared_percent == D("79.0")

    invoice(accountant, cintra, "300.00", line, ref="INV-4")
    [again] = alerts_check(lab=cintra, on=ON).raised
    assert (again.threshold, again.crossing, again.percent) == (80, 2, D("82.0"))
    assert len(mail.outbox) == 6
    assert thresholds(line) == [(80, 1, False), (100, 1, False), (80, 2, True)]

    # Every alert and every clearing is in the audit trail, with who was told and how.
    sent = AuditEvent.objects.filter(action="budget_alert.sent").order_by("id")
    assert [e.object_id for e in sent] == [
        str(pk) for pk in Alert.objects.order_by("id").values_list("pk", flat=True)
    ]
    assert (sent[0].after or {})["recipients"] == {
        "accountant": "home page",  # the office-wide accountant has no address
        "acct_cintra": "accounts@cintra.example.org",
        "dir_cintra": "director@cintra.example.org",
    }
    assert AuditEvent.objects.filter(action="budget_alert.cleared").count() == 2
    assert AuditEvent.objects.filter(action="budget_alert.emailed").count() == 6
    assert AlertDelivery.objects.filter(emailed_at__isnull=False).count() == 6


def test_open_commitments_count_toward_the_percentage(accountant, cintra, line, cintra_director):
    invoice(accountant, cintra, "5000.00", line, ref="INV-1")
    order = services.commitment_create(
        acting_user=accountant,
        budget_line=line,
        kind="purchase_order",
        reference="PO-1",
        third_party="SUP-01",
        label="Optical table",
        amount=D("3500.00"),
        on=date(2025, 3, 12),
    )
    [alert] = alerts_check(lab=cintra, on=ON).raised
    assert (alert.threshold, alert.percent, alert.consumed) == (80, D("85.0"), D("8500"))

    # Invoicing the order moves it from committed to spent: still 85 %, nothing new.
    invoice(accountant, cintra, "3500.00", line, ref="INV-PO-1", commitment=order)
    assert alerts_check(lab=cintra, on=ON).raised == ()


def test_a_line_passing_both_thresholds_at_once_gets_two_alerts_and_one_item(
    accountant, cintra, line, cintra_director
):
    invoice(accountant, cintra, "10500.00", line)
    check = alerts_check(lab=cintra, on=ON)
    assert sorted(a.threshold or 0 for a in check.raised) == [80, 100]
    [email] = mail.outbox
    assert "has passed 100 %" in email.body and "has passed 80 %" not in email.body
    assert email.subject == "IRL Ledger: 1 new budget alert for CINTRA"


def test_each_line_has_its_own_thresholds(accountant, cintra, line, cintra_director):
    own = budget_line(cintra, "OP-MIS", "2000.00", nature="missions")
    services.budget_line_update(
        acting_user=accountant,
        budget_line=own,
        label_fr=own.label_fr,
        label_en=own.label_en,
        policy=own.policy,
        funder_category=own.funder_category,
        alert_thresholds=" 50 , 90 ",
    )
    own.refresh_from_db()
    assert own.alert_thresholds == "50,90" and own.thresholds == (50, 90)
    event = AuditEvent.objects.filter(action="budget_line.update").latest("id")
    assert (event.before, event.after) == (
        {"alert_thresholds": "80,100"},
        {"alert_thresholds": "50,90"},
    )
    invoice(accountant, cintra, "1100.00", own, ref="INV-1")  # 55 %
    invoice(accountant, cintra, "5500.00", line, ref="INV-2")  # 55 %: under 80
    [alert] = alerts_check(lab=cintra, on=ON).raised
    assert (alert.budget_line_id, alert.threshold) == (own.pk, 50)
    invoice(accountant, cintra, "700.00", own, ref="INV-3")  # 90 %
    assert [a.threshold for a in alerts_check(lab=cintra, on=ON).raised] == [90]

    # No threshold: the line alerts nobody; its open alerts clear.
    services.budget_line_update(
        acting_user=accountant,
        budget_line=own,
        label_fr=own.label_fr,
        label_en=own.label_en,
        policy=own.policy,
        funder_category=own.funder_category,
        alert_thresholds="",
    )
    check = alerts_check(lab=cintra, on=ON)
    assert (check.raised, check.cleared) == ((), 2)


def test_a_budget_line_created_with_thresholds(accountant, cintra):
    line = services.budget_line_create(
        acting_user=accountant,
        lab=cintra,
        fiscal_year=FiscalYear.objects.get(lab=cintra, year=2025),
        funding_source=funding(cintra),
        code="OP-SRV",
        label_fr="Services",
        label_en="Services",
        envelope="operating",
        nature="services",
        allocated=D("1000.00"),
        allocated_on=date(2025, 1, 15),
        alert_thresholds="75",
    )
    assert line.thresholds == (75,)
    event = AuditEvent.objects.get(action="budget_line.create", object_id=str(line.pk))
    assert (event.after or {})["alert_thresholds"] == "75"


@pytest.mark.parametrize(
    "written", ["80,80", "100,80", "0", "1000", "80;100", "80 %", "1,2,3,4,5,6", "eighty", "80,"]
)
def test_thresholds_that_are_not_thresholds_are_refused_naming_the_field(
    accountant, cintra, line, written
):
    with pytest.raises(ValidationError) as refused:
        alert_thresholds_parse(written)
    assert refused.value.messages == [ALERT_THRESHOLDS_INVALID.format(value=written)]
    assert refused.value.messages[0].startswith("Alert thresholds: write at most 5 whole")
    with pytest.raises(ValidationError):
        services.budget_line_update(
            acting_user=accountant,
            budget_line=line,
            label_fr=line.label_fr,
            label_en=line.label_en,
            policy=line.policy,
            funder_category="",
            alert_thresholds=written,
        )
    line.alert_thresholds = written
    with pytest.raises(ValidationError) as invalid:
        line.full_clean()
    assert "alert_thresholds" in invalid.value.message_dict


def test_thresholds_are_written_one_way_and_refused_in_french():
    assert alert_thresholds_text("5, 50, 500") == "5,50,500"
    assert alert_thresholds_parse("") == ()
    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        alert_thresholds_parse("90,80")
    assert refused.value.messages[0].startswith("Seuils d'alerte")
