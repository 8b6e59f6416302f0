"""The audit trail: one event per action on the books."""

import json
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone

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


_INSERT = (
    "INSERT INTO ledger_auditevent (at, actor_id, action, lab_id, object_type, object_id,"
    " object_repr, before, after) VALUES (%s, %s, %s, %s, %s, %s, %s, NULL, %s)"
)
_INSERT_PG = _INSERT.replace("NULL, %s)", "NULL, %s::jsonb)")


def audit_records_many(
    *,
    actor: User | None,
    action: str,
    events: Sequence[tuple[int | None, models.Model, dict[str, Any]]],
) -> None:
    """Append one event per (lab id, object, after) with a single executemany: a posting
    of 50,000 imported entries records 50,000 events without building 50,000 models."""
    if not events:
        return
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    sql = _INSERT_PG if connection.vendor == "postgresql" else _INSERT
    actor_id = actor.pk if actor is not None else None
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                (
                    now,
                    actor_id,
                    action,
                    lab_id,
                    obj._meta.label,
                    str(obj.pk),
                    str(obj)[:200],
                    json.dumps(after, cls=DjangoJSONEncoder),
                )
                for lab_id, obj, after in events
            ],
        )


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
