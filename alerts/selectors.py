"""Reads of budget alerts: who is told of a lab's alerts, a person's latest alerts (the
home page), a lab's alerts with who was told and how (the Alerts page), and the
language a person's alert e-mails are written in."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Prefetch, Q

from alerts.messages import AlertText, alert_text
from alerts.models import Alert, AlertDelivery, AlertPreference
from irls.access import UserLike, labs_for_user
from irls.models import Lab, Role, RoleGrant

# Who is told of a lab's alerts: its directors and the accountants of the lab, those
# granted for this lab and the office-wide ones. Auditors and the office head read the
# alerts (Alerts page, home page, audit trail) but receive no e-mail.
ALERTED_ROLES = (Role.DIRECTOR, Role.ACCOUNTANT)
LATEST = 20


@dataclass(frozen=True)
class Recipient:
    user: User
    role: str  # Role: director or accountant (a director who is also an accountant: director)


def alert_recipients(*, lab: Lab) -> list[Recipient]:
    """The active people told of `lab`'s alerts, by username: the lab's directors and
    accountants (granted for the lab) and the office-wide accountants."""
    grants = (
        RoleGrant.objects.filter(
            Q(lab=lab, role__in=ALERTED_ROLES) | Q(lab__isnull=True, role=Role.ACCOUNTANT),
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__username", "role")
    )
    found: dict[int, Recipient] = {}
    for grant in grants:
        known = found.get(grant.user_id)
        if known is None or grant.role == Role.DIRECTOR:
            found[grant.user_id] = Recipient(grant.user, grant.role)
    return sorted(found.values(), key=lambda r: r.user.get_username())


def alert_language(user: User) -> str:
    """The language of `user`'s alert e-mails: their choice, else the site's (English)."""
    chosen = AlertPreference.objects.filter(user_id=user.pk).values_list("language", flat=True)
    return next(iter(chosen), None) or settings.LANGUAGE_CODE


@dataclass(frozen=True)
class AlertNotice:
    """One alert as a person's home page shows it: the alert (`alert.lab`, `.kind`,
    `.created_at`, `.as_of`, `.is_open`, figures), its words in the active language
    (`title`, `detail`), the budget page it concerns (`url`, a path) and whether this
    person was among those told (`told_me`)."""

    alert: Alert
    lab_code: str
    title: str
    detail: str
    url: str
    is_open: bool
    told_me: bool


def alerts_for_user(
    user: UserLike,
    *,
    lab: Lab | None = None,
    since: datetime | None = None,
    limit: int = LATEST,
) -> list[AlertNotice]:
    """The latest alerts (newest first, at most `limit`) of the labs `user` may read (of
    `lab` only when given; raised at or after `since` when given), each an `AlertNotice`
    worded in the active language. Two queries."""
    found = Alert.objects.filter(lab__in=labs_for_user(user))
    if lab is not None:
        found = found.filter(lab=lab)
    if since is not None:
        found = found.filter(created_at__gte=since)
    alerts = list(found.select_related("lab").order_by("-created_at", "-id")[: max(limit, 0)])
    told = (
        set(
            AlertDelivery.objects.filter(
                alert__in=[a.pk for a in alerts], user_id=user.pk
            ).values_list("alert_id", flat=True)
        )
        if alerts and user.pk is not None
        else set()
    )
    notices = []
    for alert in alerts:
        text = alert_text(alert)
        notices.append(
            AlertNotice(
                alert=alert,
                lab_code=alert.lab.code,
                title=text.title,
                detail=text.detail,
                url=text.url,
                is_open=alert.is_open,
                told_me=alert.pk in told,
            )
        )
    return notices


@dataclass(frozen=True)
class AlertRow:
    """One alert of the lab's Alerts page: the alert, its words, who was told and how."""

    alert: Alert
    text: AlertText
    deliveries: tuple[AlertDelivery, ...]


def lab_alerts(*, lab: Lab, limit: int = 200) -> list[AlertRow]:
    """The lab's alerts, newest first (at most `limit`), with their deliveries. Two
    queries."""
    deliveries = AlertDelivery.objects.select_related("user").order_by("user__username")
    alerts = (
        Alert.objects.filter(lab=lab)
        .prefetch_related(Prefetch("deliveries", queryset=deliveries))
        .order_by("-created_at", "-id")[:limit]
    )
    return [AlertRow(a, alert_text(a), tuple(a.deliveries.all())) for a in alerts]
