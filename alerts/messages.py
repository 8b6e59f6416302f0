"""The words of a budget alert, in the active language: a title and a detail, as the
e-mails, the lab's Alerts page and the home page show them, and the page it concerns.

Built from what the alert kept when it was raised (its figures and `facts`), so an alert
reads the same years later, whatever became of the line or the source."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from alerts.models import Alert
from ledger.selectors.books import format_amount
from ledger.selectors.forecast import Status

THRESHOLD_TITLE = _("Budget line {code} ({label}, {year}) has passed {threshold} %")
THRESHOLD_DETAIL = _(
    "Consumed: {percent} %, that is {consumed} {currency} spent and committed of a budget of "
    "{budget} {currency}; {available} {currency} available."
)
RUNS_OUT_TITLE = _("{source} will run out before its end")
OVERSPENT_TITLE = _("{source} is overspent")
UNSPENT_TITLE = _("{source} would remain partly unspent")
OVERSPENT_DETAIL = _(
    "{source} ({name}): {consumed} {currency} spent and committed for a budget of {budget} "
    "{currency}, {excess} {currency} over."
)
UNSPENT_DETAIL = _(
    "{source} ({name}): at the current pace of {pace} {currency} a month, {remaining} "
    "{currency} of its budget of {budget} {currency} would remain unspent at its end on {end}."
)
PROJECTED = _(
    "Projected spending at the end: {projected} {currency} for a budget of {budget} {currency}."
)


@dataclass(frozen=True)
class AlertText:
    title: str
    detail: str
    url: str  # the budget page it concerns (a path: the e-mails put the site's address first)


def _amount(value: Decimal | None) -> str:
    return format_amount(value if value is not None else Decimal(0))


def _percent(value: Decimal | None) -> str:
    return "-" if value is None else number_format(value, 1, force_grouping=True)


def _month(value: date | None) -> str:
    return date_format(value, "F Y") if value is not None else "-"


def _day(value: date | None) -> str:
    return date_format(value, "j F Y") if value is not None else "-"


def _label(facts: dict[str, Any]) -> str:
    french = (get_language() or "en").startswith("fr")
    return str((facts.get("label_fr") if french else None) or facts.get("label_en") or "")


def alert_text(alert: Alert) -> AlertText:
    """The alert in words, in the active language."""
    if alert.kind == Alert.Kind.THRESHOLD:
        return _threshold_text(alert)
    return _forecast_text(alert)


def _threshold_text(alert: Alert) -> AlertText:
    facts = alert.facts
    budget, consumed = alert.budget or Decimal(0), alert.consumed or Decimal(0)
    title = THRESHOLD_TITLE.format(
        code=facts.get("code", ""),
        label=_label(facts),
        year=facts.get("year", ""),
        threshold=alert.threshold,
    )
    detail = THRESHOLD_DETAIL.format(
        percent=_percent(alert.percent),
        consumed=_amount(consumed),
        budget=_amount(budget),
        available=_amount(budget - consumed),
        currency=facts.get("currency", ""),
    )
    where = {"code": facts.get("lab", ""), "year": facts.get("year")}
    url = reverse("ledger:budget_line", kwargs={**where, "line_id": alert.budget_line_id})
    return AlertText(title, detail, url)


def _forecast_text(alert: Alert) -> AlertText:
    facts = alert.facts
    source, name, currency = facts.get("code", ""), facts.get("name", ""), facts.get("currency", "")
    budget, consumed = alert.budget or Decimal(0), alert.consumed or Decimal(0)
    projected = alert.projected or Decimal(0)
    if alert.forecast_status == Status.RUNS_OUT:
        title = RUNS_OUT_TITLE.format(source=source)
        count = alert.months_early or 0
        detail = ngettext(
            "{source} ({name}) will run out in {month}, {count} month before its end on "
            "{end} at the current pace of {pace} {currency} a month.",
            "{source} ({name}) will run out in {month}, {count} months before its end on "
            "{end} at the current pace of {pace} {currency} a month.",
            count,
        ).format(
            source=source,
            name=name,
            month=_month(alert.run_out),
            count=count,
            end=_day(alert.end_date),
            pace=_amount(alert.pace),
            currency=currency,
        )
        detail += " " + PROJECTED.format(
            projected=_amount(projected), budget=_amount(budget), currency=currency
        )
    elif alert.forecast_status == Status.OVERSPENT:
        title = OVERSPENT_TITLE.format(source=source)
        detail = OVERSPENT_DETAIL.format(
            source=source,
            name=name,
            consumed=_amount(consumed),
            budget=_amount(budget),
            excess=_amount(consumed - budget),
            currency=currency,
        )
    else:
        title = UNSPENT_TITLE.format(source=source)
        detail = UNSPENT_DETAIL.format(
            source=source,
            name=name,
            pace=_amount(alert.pace),
            remaining=_amount(budget - projected),
            budget=_amount(budget),
            end=_day(alert.end_date),
            currency=currency,
        )
    lab = facts.get("lab", "")
    if facts.get("whole_life"):
        url = reverse("ledger:budget_source", kwargs={"code": lab, "source": source})
    else:
        url = reverse("ledger:budget", kwargs={"code": lab, "year": facts.get("year")})
    return AlertText(title, detail, url)
