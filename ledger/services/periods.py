"""Closing and reopening monthly periods."""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from irls.models import Role
from ledger.exceptions import PERIOD_ALREADY, PeriodStateError
from ledger.models import Period
from ledger.services.access import require_role
from ledger.services.audit import audit_record


def _set_status(*, acting_user: User | None, period: Period, status: str, action: str) -> Period:
    period = Period.objects.select_for_update(of=("self",)).select_related("lab").get(pk=period.pk)
    if period.status == status:
        raise PeriodStateError(
            PERIOD_ALREADY.format(
                period=f"{period.start_date:%Y-%m}", lab=period.lab.code, status=status
            )
        )
    before = {"status": period.status}
    period.status = status
    period.status_changed_at = timezone.now()
    period.status_changed_by = acting_user
    period.save(update_fields=["status", "status_changed_at", "status_changed_by"])
    audit_record(
        actor=acting_user,
        action=action,
        obj=period,
        lab=period.lab,
        before=before,
        after={"status": status},
    )
    return period


@transaction.atomic
def period_close(*, acting_user: User | None, period: Period) -> Period:
    """Close a month: nothing may be posted into it until the office head reopens it.

    `acting_user=None` is the system (the close_period command run on the server)."""
    if acting_user is not None:
        require_role(acting_user, period.lab, "close periods")
    return _set_status(
        acting_user=acting_user, period=period, status=Period.Status.CLOSED, action="period.close"
    )


@transaction.atomic
def period_reopen(*, acting_user: User, period: Period) -> Period:
    """Reopen a closed month (office head only)."""
    require_role(acting_user, period.lab, "reopen periods", roles=[Role.OFFICE_HEAD])
    return _set_status(
        acting_user=acting_user, period=period, status=Period.Status.OPEN, action="period.reopen"
    )
