"""The audit trail: one event per action on the books."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone

from irls.models import Lab
from ledger.models import AuditEvent
from ledger.services.rows import copy_rows, execute_in_blocks


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


_COLUMNS = (
    "at",
    "actor_id",
    "action",
    "lab_id",
    "object_type",
    "object_id",
    "object_repr",
    "after",
)
_INSERT = (
    "INSERT INTO ledger_auditevent (at, actor_id, action, lab_id, object_type, object_id,"
    " object_repr, before, after) VALUES "
)
# From this many events PostgreSQL gets them by COPY (ledger.services.rows); fewer go as
# one INSERT, which Django's query log (and the tests counting queries) sees.
COPY_FROM = 1_000
_VALUES = "(%s, %s, %s, %s, %s, %s, %s, NULL, %s)"
# As json.dumps(after, cls=DjangoJSONEncoder), without a new encoder for every event.
audit_json = DjangoJSONEncoder().encode
_VALUES_PG = "(%s, %s, %s, %s, %s, %s, %s, NULL, %s::jsonb)"


def audit_records_many(
    *,
    actor: User | None,
    action: str,
    events: Sequence[tuple[int | None, models.Model, dict[str, Any]]],
) -> None:
    """Append one event per (lab id, object, after) with multi-row INSERTs: a posting
    of 50,000 entries records 50,000 events without building 50,000 models."""
    if not events:
        return
    audit_rows_insert(
        actor=actor,
        action=action,
        object_type=events[0][1]._meta.label,
        rows=[(lab_id, str(obj.pk), str(obj), after) for lab_id, obj, after in events],
    )


def audit_rows_insert(
    *,
    actor: User | None,
    action: str,
    object_type: str,
    rows: Sequence[tuple[int | None, str, str, dict[str, Any] | str]],
    at: datetime | None = None,
) -> None:
    """Append one event per (lab id, object id, object text, after), all of one action
    on one type of object, without building the objects; `after` is a dict or its
    `audit_json` text (encoded beforehand, by a bulk posting's hashing thread)."""
    stamp = connection.ops.adapt_datetimefield_value(at or timezone.now())
    actor_id = actor.pk if actor is not None else None
    events = [
        (
            stamp,
            actor_id,
            action,
            lab_id,
            object_type,
            object_id,
            text[:200],
            _json_object(after),
        )
        for lab_id, object_id, text, after in rows
    ]
    if connection.vendor == "postgresql" and len(events) >= COPY_FROM:
        copy_rows("ledger_auditevent", _COLUMNS, events)
    else:
        execute_in_blocks(
            _INSERT, _VALUES_PG if connection.vendor == "postgresql" else _VALUES, events
        )


def _json_object(after: dict[str, Any] | str) -> str:
    """`after` as the text of a JSON object: a dict is encoded; a text is taken as the
    `audit_json` encoding it already is (encoding it again stored a JSON string holding
    the object, which the JSONField of every other path never does)."""
    if isinstance(after, str):
        if not after.startswith("{"):
            raise ValueError(f"An audit event's after is a JSON object, not {after[:40]!r}")
        return after
    return audit_json(after)


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
