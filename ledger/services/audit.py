"""The audit trail: one event per action on the books."""

from typing import Any

from django.contrib.auth.models import User
from django.db import models

from irls.models import Lab
from ledger.models import AuditEvent


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    lab: Lab | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event; `actor` None means the system (a management command)."""
    event = audit_event_build(
        actor=actor, action=action, obj=obj, lab=lab, before=before, after=after
    )
    event.save()
    return event


def audit_event_build(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    lab: Lab | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """An unsaved event, for services that write many at once with bulk_create."""
    return AuditEvent(
        actor_id=actor.pk if actor is not None else None,
        action=action,
        lab=lab,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        before=before,
        after=after,
    )
