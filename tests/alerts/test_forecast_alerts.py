"""A funding source flagged by its forecast at the current pace: told once per flag, told
again when the flag changes or, for *runs out*, when the run-out month comes sooner.

The story (the worked example of tests/ledger/test_forecast.py, on a grant): an ANR grant
of 120,000.00 for 2025 has spent 12,000.00 a month from January to June. On 10 July the
pace is 12,000.00: July takes 12,000.00 and the 36,000.00 left last three more months, so
it runs out in October, two months before its end on 31 December: one alert, and none
the next days. An invoice of 30,000.00 in July brings the run-out month to September:
told again. A top-up of 100,000.00 leaves a third of it unspent at the end: the *runs out*
alert clears and *would remain unspent* is told.
"""

from datetime import date
from decimal import Decimal

from django.core import mail

from alerts.models import Alert
from alerts.services import alerts_check
from irls import services as irls_services
from irls.models import Institution
from ledger import services
from ledger.models import FiscalYear
from ledger.selectors.forecast import Status
from tests.alerts.conftest import invoice

D = Decimal
JULY_10 = date(2025, 7, 10)


def forecast_alerts():
    return [
        (a.forecast_status, a.crossing, a.run_out, a.is_open)
        for a in Alert.objects.filter(kind="forecast").order_by("id")
    ]


def test_a_grant_running_out_is_told_once_then_again_when_it_gets_worse(
    accountant, cintra, cintra_director
):
    grant = irls_services.funding_source_create(
        acting_user=None,
        lab=cintra,
        code="ANR-2DPHOT",
        name="ANR 2D photonics",
        funder=Institution.objects.get(code="CNRS"),
        kind="grant",
        start_date=date(2025, 1, 1),
        end_date=date(2025, 12, 31),
        carries_over=True,
    )
    line = services.budget_line_create(
        acting_user=None,
        lab=cintra,
        fiscal_year=FiscalYear.objects.get(lab=cintra, year=2025),
        funding_source=grant,
        code="ANR-OP",
        label_fr="Fonctionnement ANR",
        label_en="ANR operating",
        envelope="operating",
        nature="supplies",
        allocated=D("120000.00"),
        allocated_on=date(2025, 1, 15),
        alert_thresholds="",  # this story is about the forecast
    )
    for month in range(1, 7):
        invoice(accountant, cintra, "12000.00", line, on=date(2025, month, 15), ref=f"M{month}")

    [alert] = alerts_check(lab=cintra, on=JULY_10).raised
    assert (alert.kind, alert.forecast_status, alert.crossing) == ("forecast", Status.RUNS_OUT, 1)
    assert (alert.run_out, alert.months_early, alert.end_date) == (
        date(2025, 10, 1),
        2,
        date(2025, 12, 31),
    )
    assert (alert.pace, alert.projected, alert.budget) == (D("12000"), D("144000"), D("120000"))
    [email] = mail.outbox
    assert email.to == ["director@cintra.example.org"]
    assert (
        "ANR-2DPHOT (ANR 2D photonics) will run out in October 2025, 2 months before its end "
        "on 31 December 2025 at the current pace of 12,000.00 SGD a month." in email.body
    )
    assert "http://127.0.0.1:8000/labs/CINTRA/budget/source/ANR-2DPHOT/" in email.body

    # The next days, and a posting that does not change the month: nothing new.
    assert alerts_check(lab=cintra, on=date(2025, 7, 11)).raised == ()
    invoice(accountant, cintra, "500.00", line, on=date(2025, 7, 2), ref="J1")
    assert alerts_check(lab=cintra, on=date(2025, 7, 12)).raised == ()
    assert len(mail.outbox) == 1

    # Worse: September. The October alert is superseded, September told.
    invoice(accountant, cintra, "30000.00", line, on=date(2025, 7, 5), ref="J2")
    [sooner] = alerts_check(lab=cintra, on=JULY_10).raised
    assert (sooner.forecast_status, sooner.crossing, sooner.run_out) == (
        Status.RUNS_OUT,
        2,
        date(2025, 9, 1),
    )
    assert "will run out in September 2025, 3 months before its end" in mail.outbox[-1].body

    # Topped up: no longer running out, but a third would remain unspent.
    services.budget_line_amend(
        acting_user=accountant,
        budget_line=line,
        amount=D("100000.00"),
        on=date(2025, 7, 8),
        justification="Second ANR instalment",
    )
    check = alerts_check(lab=cintra, on=JULY_10)
    assert [(a.forecast_status, a.crossing) for a in check.raised] == [(Status.UNSPENT, 1)]
    assert check.cleared == 1
    assert forecast_alerts() == [
        (Status.RUNS_OUT, 1, date(2025, 10, 1), False),
        (Status.RUNS_OUT, 2, date(2025, 9, 1), False),
        (Status.UNSPENT, 1, date(2026, 5, 1), True),  # past its end: unspent
    ]
    assert "ANR-2DPHOT would remain partly unspent" in mail.outbox[-1].body
    assert alerts_check(lab=cintra, on=JULY_10).raised == ()
    assert len(mail.outbox) == 3
