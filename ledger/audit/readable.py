"""The audit trail in words: what was done, to which object (with a link to its page),
and what changed, field by field, in the reader's language.

An event keeps `before` and `after` as JSON objects (see ledger.services.audit). Events
written by bulk postings before that was fixed hold a JSON *string* that encodes the
object: `decoded` reads both alike. Nothing here writes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from irls.exceptions import WHOLE_OFFICE
from irls.models import Role
from irls.services import OFFICE_WIDE_SCOPE
from ledger.models import AuditEvent
from ledger.selectors.audit import AuditScope, budget_line_years

NOTHING = "—"

# Object names the models write in English (their __str__, stored as the event's object
# when it was written), worded again in the reader's language: a draft entry
# ("draft #8 2026-06-03", JournalEntry.__str__) and a role grant ("accountant accountant
# (office-wide)", RoleGrant.__str__). Any other name is shown as stored.
DRAFT_NAME = _("draft #{id} of {date}")
GRANT_NAME = _("{user}: {role}, {scope}")
_STORED_DRAFT = re.compile(r"draft #(?P<id>\d+) (?P<date>\d{4}-\d{2}-\d{2})")
_STORED_GRANT = re.compile(r"(?P<user>\S+) (?P<role>[a-z_]+) (?P<scope>\(office-wide\)|\S+)")

ACTION_WORDS: dict[str, Promise] = {
    "account.create": _("Account created"),
    "journal.create": _("Journal created"),
    "entry.create": _("Draft entry recorded"),
    "entry.update": _("Draft entry changed"),
    "entry.delete": _("Draft entry deleted"),
    "entry.post": _("Entry posted"),
    "entry.reverse": _("Entry reversed"),
    "fiscal_year.open": _("Fiscal year opened"),
    "fiscal_year.close": _("Fiscal year closed"),
    "fiscal_year.reopen": _("Fiscal year reopened"),
    "period.close": _("Month closed"),
    "period.reopen": _("Month reopened"),
    "exchange_rate.set": _("Exchange rate set"),
    "budget_line.create": _("Budget line created"),
    "budget_line.update": _("Budget line changed"),
    "budget_line.overspent": _("Budget line overspent"),
    "budget_line.top_up": _("Budget line topped up"),
    "budget_line.cut": _("Budget line cut"),
    "budget_line.transfer_in": _("Transfer into a budget line"),
    "budget_line.transfer_out": _("Transfer out of a budget line"),
    "budget_line.carry_in": _("Budget carried in from the previous year"),
    "budget_line.carry_out": _("Budget carried out to the next year"),
    "budget.carry_forward": _("Budgets carried forward"),
    "budget_alert.sent": _("Budget alert raised and sent"),
    "budget_alert.cleared": _("Budget alert cleared"),
    "budget_alert.emailed": _("Budget alerts e-mailed"),
    "budget_alert.email_failed": _("Budget alerts e-mail refused"),
    "alert_preference.set": _("Language of alert e-mails chosen"),
    "commitment.create": _("Commitment created"),
    "commitment.amend": _("Commitment amended"),
    "commitment.cancel": _("Commitment cancelled"),
    "commitment.carry_over": _("Commitment carried over"),
    "import.accounts": _("Chart of accounts imported"),
    "import.rates": _("Exchange rates imported"),
    "import.budget": _("Budget lines imported"),
    "import.journal": _("Journal entries imported"),
    "import.withdraw": _("Imported drafts withdrawn"),
    "statement.issue": _("Statement issued"),
    "statement.download": _("Statement downloaded"),
    "audit_package.issue": _("Audit package issued"),
    "document.attach": _("Supporting document attached"),
    "document.remove": _("Supporting document removed"),
    "document.download": _("Supporting document downloaded"),
    "institution.create": _("Institution created"),
    "lab.create": _("Lab created"),
    "partnership.create": _("Partnership created"),
    "fundingsource.create": _("Funding source created"),
    "rolegrant.create": _("Role granted"),
    "rolegrant.revoke": _("Role revoked"),
    "third_party.create": _("Third party created"),
    "third_party.update": _("Third party changed"),
    "third_party.deactivate": _("Third party deactivated"),
    "third_party.reactivate": _("Third party reactivated"),
    "import.third_parties": _("Third parties imported"),
    "backup.make": _("Backup made"),
    "backup.restore": _("Backup restored"),
    "bank_account.create": _("Bank account created"),
    "bank_account.update": _("Bank account changed"),
    "bank_statement.import": _("Bank statement imported"),
    "bank_match.create": _("Bank lines matched"),
    "bank_match.delete": _("Bank match undone"),
    "lettering.letter": _("Lines lettered"),
    "lettering.add": _("Lines added to a lettering"),
    "lettering.confirm": _("Proposed letterings confirmed"),
    "lettering.unletter": _("Lettering undone"),
    "user.create": _("User created"),
    "user.deactivate": _("User deactivated"),
    "user.reactivate": _("User reactivated"),
    "user.reset_link.send": _("Password reset link sent"),
    "user.reset_link.show": _("Password reset link shown"),
    "job.enqueue": _("Background task requested"),
    "job.retry": _("Background task retried"),
    "ledger.bulk_load": _("Benchmark ledger loaded in bulk"),
    "api_token.create": _("API token created"),
    "api_token.revoke": _("API token revoked"),
}

# What the events keep that is no field of their object's model (or means something
# else there): by key, and by (action, key) where one action gives a key its own sense.
KEY_WORDS: dict[str, Promise] = {
    "lines": _("Lines"),
    "reason": _("Reason"),
    "delta": _("Change in allocation"),
    "justification": _("Justification"),
    "excess": _("Excess"),
    "by": _("Caused by"),
    "reversed_by": _("Reversed by"),
    "to": _("Carried to"),
    "open": _("Open amount"),
    "to_year": _("To year"),
    "carried": _("Carried"),
    "lapsed": _("Lapsed"),
    "ended": _("Funding ended"),
    "nothing": _("Nothing to carry"),
    "closing_entry": _("Closing entry"),
    "opening_entry": _("Opening entry"),
    "budget_carry_overs": _("Budgets carried over"),
    "chain_head": _("Hash-chain head"),
    "scope": _("Scope"),
    "recipients": _("Told"),
    "address": _("E-mail address"),
}
ACTION_KEY_WORDS: dict[tuple[str, str], Promise] = {
    ("entry.reverse", "date"): _("Reversal date"),
    ("commitment.carry_over", "year"): _("To year"),
    ("commitment.carry_over", "amount"): _("Amount carried"),
    ("commitment.amend", "date"): _("Amendment date"),
    ("import.withdraw", "lines"): _("Lines deleted"),
    ("import.withdraw", "debit"): _("Total debit deleted"),
}
AMOUNT_KEYS = frozenset({"delta", "excess", "open", "amount", "allocated", "notified_amount"})


@dataclass(frozen=True)
class LineRow:
    """One line of an entry as an event keeps it."""

    account: str
    label: str
    debit: str
    credit: str


@dataclass(frozen=True)
class Shown:
    """One side of a change: text, or an entry's lines; `absent` when that side does
    not hold the field."""

    text: str = ""
    lines: tuple[LineRow, ...] | None = None
    absent: bool = False

    def as_text(self) -> str:
        if self.absent:
            return NOTHING
        if self.lines is None:
            return self.text
        return "; ".join(_line_text(line) for line in self.lines) or NOTHING


@dataclass(frozen=True)
class Change:
    """One field of an event: its name in words, before and after."""

    field: str
    before: Shown
    after: Shown


@dataclass(frozen=True)
class ReadableEvent:
    """An event as the trail shows it."""

    event: AuditEvent
    action: str
    object_text: str
    url: str
    has_before: bool
    has_after: bool
    changes: list[Change] = field(default_factory=list)


def decoded(value: Any) -> Any:
    """An event's `before` or `after` as the JSON object it holds; a string that parses
    as a JSON object (double-encoded by the bulk writer before it was fixed) is that
    object; anything else as it is."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        if isinstance(parsed, dict):
            return parsed
    return value


def action_words(action: str) -> str:
    """The action in the reader's language; its code when it has no words yet."""
    words = ACTION_WORDS.get(action)
    return str(words) if words is not None else action


@cache
def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _model_field(model: type[models.Model] | None, key: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    try:
        found = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    return found if isinstance(found, models.Field) else None


def field_words(object_type: str, action: str, key: str) -> str:
    """A key of an event's before/after in words: the model's verbose name where the
    object's model has that field, else the trail's own words, else the key."""
    words = ACTION_KEY_WORDS.get((action, key))
    if words is None:
        model_field = _model_field(_model(object_type), key)
        if model_field is not None and key not in KEY_WORDS:
            return capfirst(str(model_field.verbose_name)) or key
        words = KEY_WORDS.get(key)
    return capfirst(str(words)) if words is not None else capfirst(key.replace("_", " "))


def object_words(object_type: str, object_repr: str) -> str:
    """The object in words: its kind (the model's verbose name) and how it is called."""
    model = _model(object_type)
    kind = capfirst(str(model._meta.verbose_name)) if model is not None else object_type
    return " ".join(part for part in (kind, object_name(object_type, object_repr)) if part)


def object_name(object_type: str, object_repr: str) -> str:
    """How the object is called, in the reader's language where its model named it in
    English (a draft entry, a role grant); as stored otherwise."""
    if object_type == "ledger.JournalEntry":
        draft = _STORED_DRAFT.fullmatch(object_repr)
        if draft is not None:
            return DRAFT_NAME.format(id=draft["id"], date=draft["date"])
    elif object_type == "irls.RoleGrant":
        grant = _STORED_GRANT.fullmatch(object_repr)
        if grant is not None and grant["role"] in Role.values:
            scope = grant["scope"]
            return GRANT_NAME.format(
                user=grant["user"],
                role=Role(grant["role"]).label,
                scope=WHOLE_OFFICE if scope == "(office-wide)" else scope,
            )
    return object_repr


def _amount(value: Any) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return number_format(number, decimal_pos=2, force_grouping=True)


def _line_amount(value: Any) -> str:
    try:
        if Decimal(str(value)) == 0:
            return ""
    except (InvalidOperation, ValueError):
        return str(value)
    return _amount(value)


def _line_text(line: LineRow) -> str:
    sides = [
        f"{gettext('Debit')} {line.debit}" if line.debit else "",
        f"{gettext('Credit')} {line.credit}" if line.credit else "",
    ]
    return " · ".join(part for part in (line.account, line.label, *sides) if part)


def _lines(value: Any) -> tuple[LineRow, ...] | None:
    if not isinstance(value, list) or not all(
        isinstance(line, list) and len(line) == 4 for line in value
    ):
        return None
    return tuple(
        LineRow(str(account), str(label), _line_amount(debit), _line_amount(credit))
        for account, label, debit, credit in value
    )


def _text(model_field: models.Field[Any, Any] | None, key: str, value: Any) -> str:
    if value is None or value == "":
        return NOTHING
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(None, '', v)}" for k, v in value.items()) or NOTHING
    if isinstance(value, list):
        return ", ".join(_text(None, "", v) for v in value) or NOTHING
    if model_field is not None and model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if key in AMOUNT_KEYS or isinstance(model_field, models.DecimalField):
        return _amount(value)
    return str(value)


def _shown(object_type: str, key: str, value: Any) -> Shown:
    if key == "lines":
        lines = _lines(value)
        if lines is not None:
            return Shown(lines=lines)
    if key == "scope" and value == OFFICE_WIDE_SCOPE:
        # A role grant's scope, kept in English when office-wide (irls.services._scope).
        return Shown(text=str(WHOLE_OFFICE))
    return Shown(text=_text(_model_field(_model(object_type), key), key, value))


def _ordered(object_type: str, keys: Iterable[str]) -> list[str]:
    """The keys in a stable order (PostgreSQL's jsonb keeps none): the fields in the
    order of the object's model, then the trail's own words in their order, then the
    rest alphabetically."""
    model = _model(object_type)
    fields = [f.name for f in model._meta.get_fields()] if model is not None else []
    own = list(KEY_WORDS)

    def rank(key: str) -> tuple[int, int, str]:
        if key in fields and key not in KEY_WORDS:
            return (0, fields.index(key), key)
        if key in KEY_WORDS:
            return (1, own.index(key), key)
        return (2, 0, key)

    return sorted(keys, key=rank)


def event_changes(object_type: str, action: str, before: Any, after: Any) -> list[Change]:
    """The fields of an event in words, before and after: every field of a creation
    (after only) or deletion (before only); only the fields that changed otherwise."""
    before, after = decoded(before), decoded(after)
    old = before if isinstance(before, Mapping) else {}
    new = after if isinstance(after, Mapping) else {}
    changes = []
    for key in _ordered(object_type, {*old, *new}):
        if key in old and key in new and old[key] == new[key]:
            continue
        changes.append(
            Change(
                field_words(object_type, action, key),
                _shown(object_type, key, old[key]) if key in old else Shown(absent=True),
                _shown(object_type, key, new[key]) if key in new else Shown(absent=True),
            )
        )
    for value, is_before in ((before, True), (after, False)):
        if value is not None and not isinstance(value, Mapping):
            # Not an object (no service writes that): shown as stored rather than hidden.
            shown, absent = Shown(text=_text(None, "", value)), Shown(absent=True)
            changes.append(Change("", *((shown, absent) if is_before else (absent, shown))))
    return changes


def changes_text(object_type: str, action: str, before: Any, after: Any) -> str:
    """The changes of an event as text, one field a line (for the XLSX export)."""
    rows = []
    has_before, has_after = decoded(before) is not None, decoded(after) is not None
    for change in event_changes(object_type, action, before, after):
        if has_before and has_after:
            value = f"{change.before.as_text()} → {change.after.as_text()}"
        else:
            value = (change.after if has_after else change.before).as_text()
        rows.append(f"{change.field}: {value}" if change.field else value)
    return "\n".join(rows)


ADMIN_PAGES = {
    "ledger.ImportBatch": "admin:ledger_importbatch_change",
}
LAB_PAGES = {"ledger.JournalEntry": ("ledger:entry", "entry_id")}
CLOSING_PAGES = frozenset({"ledger.FiscalYear", "ledger.Period"})


def _url(event: AuditEvent, scope: AuditScope, line_years: dict[int, tuple[int, int]]) -> str:
    """The page of the event's object, inside the labs the reader may see; "" if none."""
    lab = event.lab
    if lab is None or lab.pk not in scope.lab_ids or event.action.endswith(".delete"):
        return ""
    if not event.object_id.isdigit():
        return ""
    object_id = int(event.object_id)
    try:
        if event.object_type in ADMIN_PAGES:
            return reverse(ADMIN_PAGES[event.object_type], args=[object_id])
        if event.object_type in LAB_PAGES:
            name, key = LAB_PAGES[event.object_type]
            return reverse(name, kwargs={"code": lab.code, key: object_id})
        if event.object_type in CLOSING_PAGES:
            return reverse("ledger:closing", kwargs={"code": lab.code})
        if event.object_type == "ledger.BudgetLine" and object_id in line_years:
            line_lab, year = line_years[object_id]
            if line_lab != lab.pk:
                return ""
            return reverse(
                "ledger:budget_line", kwargs={"code": lab.code, "year": year, "line_id": object_id}
            )
    except NoReverseMatch:
        return ""
    return ""


def readable_events(events: Iterable[AuditEvent], scope: AuditScope) -> list[ReadableEvent]:
    """The events (a page of the trail) in words, with links to their objects' pages."""
    events = list(events)
    line_ids = [
        int(e.object_id)
        for e in events
        if e.object_type == "ledger.BudgetLine" and e.object_id.isdigit()
    ]
    line_years = budget_line_years(line_ids)
    readable = []
    for event in events:
        before, after = decoded(event.before), decoded(event.after)
        readable.append(
            ReadableEvent(
                event=event,
                action=action_words(event.action),
                object_text=object_words(event.object_type, event.object_repr),
                url=_url(event, scope, line_years),
                has_before=before is not None,
                has_after=after is not None,
                changes=event_changes(event.object_type, event.action, before, after),
            )
        )
    return readable
