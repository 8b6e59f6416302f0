"""Budget alerts: a budget line passing one of its thresholds, a funding source flagged by
its forecast; recorded once per crossing, e-mailed to the lab's directors and accountants,
shown on their home page and on the lab's Alerts page, kept for the auditors.

**Once per crossing.**

- A threshold T of a budget line (its `alert_thresholds`, "80,100" by default) is
  *passed* when the line's % consumed is at or above T: `consumed_percent`, (spent + open
  commitments) / budget of the book-currency figures, the budget page's own rule. The
  first check that sees it passed raises an alert (crossing 1), which stays open while
  the line stays at or above T. A check that sees the line back under T (a top-up, a
  reversal, a cancelled order) clears the alert: the threshold re-arms, and the next check
  that sees it passed again raises crossing 2. A line passing two thresholds at once
  raises one alert for each. A line without a budget (zero) has no percentage: no
  threshold alert (its funding source's forecast says *overspent*).
- A funding source whose forecast (ledger.selectors.forecast) is flagged *overspent*,
  *runs out* before its end or *would remain unspent* raises one alert for that flag,
  open while the flag lasts; it is cleared when the forecast says something else, and
  the flag coming back raises a new alert. For *runs out*, a run-out month earlier than
  the one last told clears the open alert and raises a new one (the situation got
  worse); a later month is good news and is not told. So the daily check does not repeat
  itself, and a worsening is told.
- Only what a check sees counts: a line that dips under a threshold and comes back
  between two checks raises nothing new.

Only the lines of open fiscal years are checked (a closed year's budget no longer moves).

**Exactly once, also under concurrency.** A check locks the budget lines it reads
(`budget_lines_hold`: the checked lines and every line of the funding sources it
forecasts) for its transaction. Postings, commitments and amendments lock their lines
first too, so the figures read hold still, and two checks of the same lines (two
postings that cross a threshold together, each queueing a check once committed) run one
after the other: the second sees the first one's alert. The unique constraints of
`Alert` (one alert per crossing number, one open alert per threshold or flag) refuse
whatever would get past, raw SQL included.

**Who is told** (alerts.selectors.alert_recipients): the lab's directors and its
accountants (granted for the lab, or office-wide), each once per check: one e-mail listing
the check's new alerts, in the language they chose for alert e-mails (English by
default), sent once the alerts are committed; every alert records, per person, the
address used and when it went (or why it failed), or that the person has no address and
sees it on the home page only. Auditors and the office head read the alerts (Alerts page,
audit trail) but receive no e-mail.

Every write is audited: `budget_alert.sent` per alert (who is told, how),
`budget_alert.cleared`, `budget_alert.emailed` / `budget_alert.email_failed` per e-mail.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_noop, ngettext

from alerts.exceptions import LANGUAGE_UNKNOWN, AlertError
from alerts.messages import alert_text
from alerts.models import Alert, AlertDelivery, AlertPreference
from alerts.selectors import Recipient, alert_recipients
from irls.models import FundingSource, Lab, Role
from ledger.alert_thresholds import alert_thresholds_parse
from ledger.models import BudgetLine, FiscalYear
from ledger.selectors.budget import BudgetFigures, budget_execution, consumed_percent
from ledger.selectors.forecast import SourceForecast, Status, funding_source_forecast
from ledger.services.access import require_role
from ledger.services.audit import audit_record
from ledger.services.budget import budget_lines_hold

logger = logging.getLogger("alerts")

# What `{user} may not {action}` says (translated when refused; ledger.services.access).
ACTIONS = (gettext_noop("check budget alerts"),)
HOME_ONLY = "home page"  # how the audit trail says that a person had no e-mail address


@dataclass(frozen=True)
class AlertCheck:
    """What one check of a lab did."""

    lab: Lab
    on: date
    raised: tuple[Alert, ...]
    cleared: int
    emailed: int  # e-mails sent (one per person told by e-mail)
    failed: int  # e-mails the backend refused
    home_only: int  # people told on their home page only (no e-mail address)


@dataclass(frozen=True)
class _Line:
    """A budget line watched for its thresholds."""

    id: int
    code: str
    label_fr: str
    label_en: str
    alert_thresholds: str
    fiscal_year_id: int
    funding_source_id: int

    @property
    def thresholds(self) -> tuple[int, ...]:
        return alert_thresholds_parse(self.alert_thresholds)


def alerts_check(
    *,
    lab: Lab,
    on: date,
    acting_user: User | None = None,
    budget_line_ids: Iterable[int] | None = None,
) -> AlertCheck:
    """Check `lab`'s budget lines against their thresholds and its funding sources'
    forecasts as of `on`; raise the new alerts, clear those that are over, and e-mail
    each person told (see the module's rules). `budget_line_ids`: only those lines and
    the forecasts of their funding sources (a posting's check); every line of the lab's
    open years and every funding source otherwise (the daily check). `acting_user` None
    is the system (the daily command, the task); a person needs a writing role.

    Call it outside a transaction: the e-mails go once the alerts are committed."""
    if acting_user is not None:
        require_role(acting_user, lab, "check budget alerts")
    with transaction.atomic():
        raised, cleared = _check(lab, on, acting_user, budget_line_ids)
        told = _record_deliveries(lab, on, raised, acting_user) if raised else []
    emailed, failed = _email(lab, on, raised, told, acting_user)
    home_only = sum(1 for _recipient, email, _language in told if not email)
    return AlertCheck(lab, on, tuple(raised), cleared, emailed, failed, home_only)


# -- the check ---------------------------------------------------------------------------------


def _check(
    lab: Lab, on: date, actor: User | None, line_ids: Iterable[int] | None
) -> tuple[list[Alert], int]:
    lines_found = BudgetLine.objects.filter(lab=lab, fiscal_year__status=FiscalYear.Status.OPEN)
    sources = FundingSource.objects.filter(lab=lab)
    if line_ids is not None:
        lines_found = lines_found.filter(id__in=list(line_ids))
        sources = sources.filter(id__in=lines_found.values("funding_source_id"))
    else:
        sources = sources.filter(budget_lines__isnull=False).distinct()
    lines = [
        _Line(*row)
        for row in lines_found.order_by("id").values_list(
            "id",
            "code",
            "label_fr",
            "label_en",
            "alert_thresholds",
            "fiscal_year_id",
            "funding_source_id",
        )
    ]
    watched_sources = list(sources.order_by("code"))
    # Locked before any figure is read: see the module's docstring.
    held = set(
        BudgetLine.objects.filter(funding_source__in=watched_sources).values_list("id", flat=True)
    )
    budget_lines_hold(held | {line.id for line in lines})
    raised, cleared = _thresholds_check(lab, on, lines, actor)
    more, more_cleared = _forecasts_check(lab, on, watched_sources, actor)
    return raised + more, cleared + more_cleared


def _figures(lab: Lab, on: date, lines: list[_Line]) -> dict[int, BudgetFigures]:
    """Each line's figures in book currency, the budget page's (`budget_execution`)."""
    by_year: dict[int, list[int]] = defaultdict(list)
    for line in lines:
        by_year[line.fiscal_year_id].append(line.id)
    figures: dict[int, BudgetFigures] = {}
    for fiscal_year in FiscalYear.objects.filter(id__in=by_year):
        execution = budget_execution(
            lab=lab, fiscal_year=fiscal_year, on=on, line_ids=by_year[fiscal_year.pk], eur=False
        )
        figures.update({row.id: row.book for row in execution.lines})
    return figures


def _thresholds_check(
    lab: Lab, on: date, lines: list[_Line], actor: User | None
) -> tuple[list[Alert], int]:
    if not lines:
        return [], 0
    ids = [line.id for line in lines]
    figures = _figures(lab, on, lines)
    year_ids = {line.fiscal_year_id for line in lines}
    years = dict(FiscalYear.objects.filter(id__in=year_ids).values_list("id", "year"))
    codes = dict(FundingSource.objects.filter(lab=lab).values_list("id", "code"))
    threshold_alerts = Alert.objects.filter(kind=Alert.Kind.THRESHOLD, budget_line_id__in=ids)
    opened = {
        (alert.budget_line_id, alert.threshold): alert
        for alert in threshold_alerts.filter(cleared_at__isnull=True).select_related("lab")
    }
    last = {
        (row["budget_line_id"], row["threshold"]): row["last"]
        for row in threshold_alerts.values("budget_line_id", "threshold")
        .annotate(last=Max("crossing"))
        .order_by()
    }
    raised: list[Alert] = []
    cleared = 0
    for line in lines:
        book = figures.get(line.id, BudgetFigures())
        percent = consumed_percent(book)
        for threshold in line.thresholds:
            passed = percent is not None and percent >= threshold
            current = opened.pop((line.id, threshold), None)
            if passed and current is None:
                alert = Alert(
                    lab=lab,
                    kind=Alert.Kind.THRESHOLD,
                    budget_line_id=line.id,
                    threshold=threshold,
                    crossing=last.get((line.id, threshold), 0) + 1,
                    as_of=on,
                    percent=percent,
                    budget=book.budget,
                    consumed=book.consumed,
                    facts={
                        "lab": lab.code,
                        "code": line.code,
                        "label_fr": line.label_fr,
                        "label_en": line.label_en,
                        "year": years[line.fiscal_year_id],
                        "source": codes.get(line.funding_source_id, ""),
                        "currency": lab.book_currency,
                    },
                )
                raised.append(_save(alert))
            elif not passed and current is not None:
                _clear(current, actor, percent=percent)
                cleared += 1
    # Open alerts of thresholds a line no longer has (its thresholds were changed).
    for alert in opened.values():
        book = figures.get(alert.budget_line_id or 0, BudgetFigures())
        _clear(alert, actor, percent=consumed_percent(book))
        cleared += 1
    return raised, cleared


def _forecasts_check(
    lab: Lab, on: date, sources: list[FundingSource], actor: User | None
) -> tuple[list[Alert], int]:
    if not sources:
        return [], 0
    forecast_alerts = Alert.objects.filter(kind=Alert.Kind.FORECAST, funding_source__in=sources)
    opened: dict[int, list[Alert]] = defaultdict(list)
    for alert in forecast_alerts.filter(cleared_at__isnull=True).select_related("lab"):
        opened[alert.funding_source_id or 0].append(alert)
    last = {
        (row["funding_source_id"], row["forecast_status"]): row["last"]
        for row in forecast_alerts.values("funding_source_id", "forecast_status")
        .annotate(last=Max("crossing"))
        .order_by()
    }
    raised: list[Alert] = []
    cleared = 0
    for source in sources:
        found = funding_source_forecast(source, on=on)
        status = found.forecast.status if found is not None else ""
        current = None
        for alert in opened[source.pk]:
            if alert.forecast_status == status:
                current = alert
            else:
                _clear(alert, actor, status=status)
                cleared += 1
        if found is None or status not in Status.FLAGGED:
            continue
        run_out = found.forecast.run_out
        if (
            current is not None
            and status == Status.RUNS_OUT
            and run_out is not None
            and current.run_out is not None
            and run_out < current.run_out
        ):
            _clear(current, actor, status=status)  # sooner than told: told again
            cleared += 1
            current = None
        if current is None:
            crossing = last.get((source.pk, status), 0) + 1
            raised.append(_save(_forecast_alert(lab, on, source, found, crossing)))
    return raised, cleared


def _forecast_alert(
    lab: Lab, on: date, source: FundingSource, found: SourceForecast, crossing: int
) -> Alert:
    forecast = found.forecast
    return Alert(
        lab=lab,
        kind=Alert.Kind.FORECAST,
        funding_source=source,
        crossing=crossing,
        as_of=on,
        percent=consumed_percent(found.execution),
        budget=forecast.budget,
        consumed=forecast.spent + forecast.committed,
        forecast_status=forecast.status,
        run_out=forecast.run_out,
        months_early=forecast.months_early,
        end_date=forecast.end,
        pace=forecast.pace,
        projected=forecast.projected,
        facts={
            "lab": lab.code,
            "code": source.code,
            "name": source.name,
            "currency": lab.book_currency,
            "whole_life": found.whole_life,
            "year": forecast.start.year,
        },
    )


def _save(alert: Alert) -> Alert:
    alert.full_clean()
    alert.save()
    return alert


def _clear(
    alert: Alert, actor: User | None, *, percent: Decimal | None = None, status: str = ""
) -> None:
    """The situation of `alert` is over: the threshold re-arms, the flag may come back."""
    alert.cleared_at = timezone.now()
    alert.cleared_percent = percent
    alert.cleared_status = status
    alert.save(update_fields=["cleared_at", "cleared_percent", "cleared_status"])
    audit_record(
        actor=actor,
        action="budget_alert.cleared",
        obj=alert,
        lab=alert.lab,
        before={"cleared_at": None},
        after={
            "cleared_at": alert.cleared_at.isoformat(),
            **({"cleared_percent": str(percent)} if percent is not None else {}),
            **({"cleared_status": status} if status else {}),
        },
    )


# -- who is told ------------------------------------------------------------------------------


def _record_deliveries(
    lab: Lab, on: date, raised: list[Alert], actor: User | None
) -> list[tuple[Recipient, str, str]]:
    """Record who is told of the new alerts and how; (recipient, address, language) each."""
    recipients = alert_recipients(lab=lab)
    chosen = dict(
        AlertPreference.objects.filter(user__in=[r.user for r in recipients]).values_list(
            "user_id", "language"
        )
    )
    told = [
        (r, r.user.email.strip(), chosen.get(r.user.pk) or settings.LANGUAGE_CODE)
        for r in recipients
    ]
    AlertDelivery.objects.bulk_create(
        AlertDelivery(
            alert=alert,
            user=recipient.user,
            role=recipient.role,
            channel=AlertDelivery.Channel.EMAIL if email else AlertDelivery.Channel.HOME,
            email=email,
            language=language,
        )
        for alert in raised
        for recipient, email, language in told
    )
    for alert in raised:
        audit_record(
            actor=actor,
            action="budget_alert.sent",
            obj=alert,
            lab=lab,
            after={
                "kind": alert.kind,
                "on": on.isoformat(),
                "crossing": alert.crossing,
                **_figures_kept(alert),
                "recipients": {
                    recipient.user.get_username(): email or HOME_ONLY
                    for recipient, email, _language in told
                },
            },
        )
    return told


def _figures_kept(alert: Alert) -> dict[str, Any]:
    if alert.kind == Alert.Kind.THRESHOLD:
        return {
            "budget_line": alert.facts.get("code", ""),
            "threshold": alert.threshold,
            "percent": str(alert.percent),
        }
    return {
        "funding_source": alert.facts.get("code", ""),
        "forecast_status": alert.forecast_status,
        **({"run_out": alert.run_out.isoformat()} if alert.run_out else {}),
    }


# -- e-mails ----------------------------------------------------------------------------------


def _email(
    lab: Lab,
    on: date,
    raised: list[Alert],
    told: list[tuple[Recipient, str, str]],
    actor: User | None,
) -> tuple[int, int]:
    """One e-mail per person with an address, listing the new alerts; each outcome kept
    on the deliveries and in the audit trail. Returns (sent, failed)."""
    sent = failed = 0
    if not raised:
        return sent, failed
    connection = get_connection()
    for recipient, email, language in told:
        if not email:
            continue
        with translation.override(language):
            subject, body = alert_email(lab=lab, on=on, recipient=recipient, alerts=raised)
        try:
            EmailMessage(
                subject, body, settings.DEFAULT_FROM_EMAIL, [email], connection=connection
            ).send()
        except OSError as error:  # smtplib's errors, a refused connection
            logger.warning("alert e-mail to %s refused: %s", email, error)
            _email_outcome(lab, recipient.user, email, raised, actor, error=str(error))
            failed += 1
        else:
            _email_outcome(lab, recipient.user, email, raised, actor, language=language)
            sent += 1
    return sent, failed


@transaction.atomic
def _email_outcome(
    lab: Lab,
    user: User,
    email: str,
    alerts: list[Alert],
    actor: User | None,
    *,
    language: str = "",
    error: str = "",
) -> None:
    deliveries = AlertDelivery.objects.filter(alert__in=alerts, user=user)
    if error:
        deliveries.update(error=error[:300])
    else:
        deliveries.update(emailed_at=timezone.now())
    audit_record(
        actor=actor,
        action="budget_alert.email_failed" if error else "budget_alert.emailed",
        obj=user,
        lab=lab,
        after={
            "address": email,
            "alerts": [str(alert) for alert in alerts],
            **({"error": error[:300]} if error else {"language": language}),
        },
    )


def site_url(path: str) -> str:
    """`path` under the site's address (settings.SITE_URL), for links in e-mails."""
    return str(settings.SITE_URL).rstrip("/") + path


def alert_email(
    *, lab: Lab, on: date, recipient: Recipient, alerts: list[Alert]
) -> tuple[str, str]:
    """The subject and text of the e-mail telling `recipient` of `alerts`, in the active
    language. A line passing several thresholds at once is told once, at the highest."""
    alerts = _told_in_email(alerts)
    count = len(alerts)
    subject = ngettext(
        "IRL Ledger: {count} new budget alert for {lab}",
        "IRL Ledger: {count} new budget alerts for {lab}",
        count,
    ).format(count=count, lab=lab.code)
    items = []
    for alert in alerts:
        text = alert_text(alert)
        items.append({"title": text.title, "detail": text.detail, "url": site_url(text.url)})
    role = Role(recipient.role).label if recipient.role in Role.values else recipient.role
    body = render_to_string(
        "alerts/email.txt",
        {
            "user": recipient.user,
            "lab": lab,
            "day": date_format(on, "j F Y"),
            "count": count,
            "items": items,
            "role": str(role).lower(),
            "alerts_url": site_url(reverse("alerts:list", kwargs={"code": lab.code})),
        },
    )
    return subject, body


def _told_in_email(alerts: list[Alert]) -> list[Alert]:
    highest: dict[int, int] = {}
    for alert in alerts:
        if alert.kind == Alert.Kind.THRESHOLD and alert.budget_line_id is not None:
            line = alert.budget_line_id
            highest[line] = max(highest.get(line, 0), alert.threshold or 0)
    return [
        alert
        for alert in alerts
        if alert.kind != Alert.Kind.THRESHOLD
        or alert.threshold == highest.get(alert.budget_line_id or 0)
    ]


# -- preferences ------------------------------------------------------------------------------


@transaction.atomic
def alert_language_set(*, acting_user: User, language: str) -> AlertPreference:
    """The language `acting_user`'s alert e-mails are written in (one of LANGUAGES)."""
    if language not in dict(settings.LANGUAGES):
        raise AlertError(LANGUAGE_UNKNOWN.format(language=language[:20]))
    preference, created = AlertPreference.objects.select_for_update().get_or_create(
        user=acting_user, defaults={"language": language}
    )
    before = None if created else {"language": preference.language}
    if not created:
        if preference.language == language:
            return preference
        preference.language = language
        preference.full_clean()
        preference.save(update_fields=["language"])
    audit_record(
        actor=acting_user,
        action="alert_preference.set",
        obj=preference,
        lab=None,
        before=before,
        after={"language": language},
    )
    return preference
