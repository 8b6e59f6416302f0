"""Closing and reopening monthly periods.

A month closes once its work is done: no draft left in it, every earlier month of its
fiscal year closed (months close in order), its fiscal year still open. Reopening is the
office head's, with a written reason kept in the audit trail; a month of a closed year
is reopened only after the year.
"""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from irls.models import Role
from ledger.exceptions import (
    PERIOD_ALREADY,
    PERIOD_DRAFTS_MORE,
    PERIOD_EARLIER_OPEN,
    PERIOD_HAS_DRAFTS,
    PERIOD_REOPEN_YEAR_CLOSED,
    PERIOD_STATES,
    PERIOD_YEAR_CLOSED,
    REOPEN_REASON_MISSING,
    REOPENED_PERIOD,
    PeriodStateError,
)
from ledger.models import FiscalYear, JournalEntry, Period
from ledger.services.access import require_role
from ledger.services.audit import audit_record
from ledger.services.entries import entry_ref

# A refusal names this many drafts, then says how many more there are.
DRAFTS_NAMED = 10


def _name(period: Period) -> str:
    return f"{period.start_date:%Y-%m}"


def _locked(period: Period) -> Period:
    return (
        Period.objects.select_for_update(of=("self",))
        .select_related("lab", "fiscal_year")
        .get(pk=period.pk)
    )


def _refuse_if_already(period: Period, status: str) -> None:
    if period.status == status:
        raise PeriodStateError(
            PERIOD_ALREADY.format(
                period=_name(period), lab=period.lab.code, status=PERIOD_STATES[status]
            )
        )


def _drafts_named(drafts: list[JournalEntry], count: int) -> str:
    named = [f"{entry_ref(entry)} «{entry.label}»" for entry in drafts[:DRAFTS_NAMED]]
    if count > DRAFTS_NAMED:
        named.append(PERIOD_DRAFTS_MORE.format(count=count - DRAFTS_NAMED))
    return "; ".join(named)


def _refuse_if_drafts(period: Period) -> None:
    drafts = JournalEntry.objects.filter(
        lab=period.lab,
        status=JournalEntry.Status.DRAFT,
        date__gte=period.start_date,
        date__lte=period.end_date,
    )
    first = list(drafts.select_related("journal").order_by("date", "id")[: DRAFTS_NAMED + 1])
    if not first:
        return
    count = len(first) if len(first) <= DRAFTS_NAMED else drafts.count()
    raise PeriodStateError(
        PERIOD_HAS_DRAFTS.format(
            period=_name(period),
            lab=period.lab.code,
            count=count,
            drafts=_drafts_named(first, count),
        )
    )


def _refuse_if_earlier_open(period: Period) -> None:
    earlier = list(
        Period.objects.filter(
            fiscal_year_id=period.fiscal_year_id,
            month__lt=period.month,
            status=Period.Status.OPEN,
        ).order_by("start_date")
    )
    if earlier:
        raise PeriodStateError(
            PERIOD_EARLIER_OPEN.format(
                period=_name(period),
                lab=period.lab.code,
                year=period.fiscal_year.year,
                open=", ".join(_name(p) for p in earlier),
                first=_name(earlier[0]),
            )
        )


def _set_status(
    *,
    acting_user: User | None,
    period: Period,
    status: str,
    action: str,
    reason: str = "",
) -> Period:
    before = {"status": period.status}
    period.status = status
    period.status_changed_at = timezone.now()
    period.status_changed_by = acting_user
    period.save(update_fields=["status", "status_changed_at", "status_changed_by"])
    after = {"status": status, "reason": reason} if reason else {"status": status}
    audit_record(
        actor=acting_user, action=action, obj=period, lab=period.lab, before=before, after=after
    )
    return period


@transaction.atomic
def period_close(*, acting_user: User | None, period: Period) -> Period:
    """Close a month: nothing may be posted into it until the office head reopens it.

    Refused while the month holds drafts (named), while an earlier month of its fiscal
    year is open, and in a closed fiscal year. `acting_user=None` is the system (the
    close_period command run on the server)."""
    if acting_user is not None:
        require_role(acting_user, period.lab, "close periods")
    period = _locked(period)
    if period.fiscal_year.status == FiscalYear.Status.CLOSED:
        raise PeriodStateError(
            PERIOD_YEAR_CLOSED.format(
                period=_name(period), lab=period.lab.code, year=period.fiscal_year.year
            )
        )
    _refuse_if_already(period, Period.Status.CLOSED)
    _refuse_if_earlier_open(period)
    _refuse_if_drafts(period)
    return _set_status(
        acting_user=acting_user, period=period, status=Period.Status.CLOSED, action="period.close"
    )


@transaction.atomic
def period_reopen(*, acting_user: User | None, period: Period, reason: str) -> Period:
    """Reopen a closed month (office head only), saying why; the reason is audited.

    Refused in a closed fiscal year (reopen the year first). `acting_user=None` is the
    system (the reopen_period command run on the server)."""
    if acting_user is not None:
        require_role(acting_user, period.lab, "reopen periods", roles=[Role.OFFICE_HEAD])
    reason = (reason or "").strip()
    period = _locked(period)
    if not reason:
        raise PeriodStateError(
            REOPEN_REASON_MISSING.format(
                what=REOPENED_PERIOD.format(period=_name(period), lab=period.lab.code)
            )
        )
    if period.fiscal_year.status == FiscalYear.Status.CLOSED:
        raise PeriodStateError(
            PERIOD_REOPEN_YEAR_CLOSED.format(
                period=_name(period), lab=period.lab.code, year=period.fiscal_year.year
            )
        )
    _refuse_if_already(period, Period.Status.OPEN)
    return _set_status(
        acting_user=acting_user,
        period=period,
        status=Period.Status.OPEN,
        action="period.reopen",
        reason=reason,
    )
