"""Writes on the third parties' file: create, change, deactivate, reactivate.

Third parties are office-wide records (one file for every lab), kept by the accountants
(office-wide or of any lab, since every lab books suppliers) and the office head;
directors and auditors never write. `acting_user=None` is the system itself (load_demo,
a management command without --as). Every write is one transaction with one audit event
without a lab (the office's records, as institutions and exchange rates). Bank details
are not copied into the trail, which auditors read: an event says which bank field
changed and keeps the last four characters of the new value, enough to recognise an
account without handing it out.
"""

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from irls.models import Institution
from ledger.exceptions import NotPermittedError
from ledger.models import JournalLine
from ledger.services.audit import audit_record
from parties.exceptions import (
    ALREADY_ACTIVE,
    ALREADY_INACTIVE,
    CODE_IN_USE,
    CODE_TAKEN,
    CODE_TAKEN_CASE,
    UNKNOWN_FIELD,
    USES_LINES,
    USES_OTHER,
    WRITERS_ONLY,
    ThirdPartyInvalidError,
    ThirdPartyRecordError,
)
from parties.models import ThirdParty
from parties.selectors import third_party_access, third_party_in_use
from parties.validation import BANK_FIELDS, TEXT_FIELDS, check_fields

# The fields a third party is written with, beside its code.
FIELDS = (*TEXT_FIELDS, "payment_terms_days", "institution")
HIDDEN = "…"


def require_third_party_writer(user: User | None, action: str) -> None:
    """Raise NotPermittedError unless `user` (None: the system) keeps the third parties'
    file: an accountant (office-wide or of any lab) or the office head."""
    if user is not None and not third_party_access(user).writes:
        raise NotPermittedError(WRITERS_ONLY.format(user=user, action=translation.gettext(action)))


def _today() -> date:
    return timezone.localdate()


def _checked(values: Mapping[str, Any]) -> dict[str, Any]:
    """The values as stored; ThirdPartyInvalidError naming every field in error."""
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise ThirdPartyRecordError(UNKNOWN_FIELD.format(field=", ".join(unknown)))
    checked = check_fields(values, today=_today())
    if not checked.ok:
        raise ThirdPartyInvalidError(checked.problems)
    return checked.values


def _code_free(code: str, *, other_than: int | None = None) -> None:
    """Refuse a code taken, also when it differs only by case (two files for SUP-A and
    sup-a would split one supplier's lines)."""
    taken = ThirdParty.objects.filter(code__iexact=code)
    if other_than is not None:
        taken = taken.exclude(pk=other_than)
    existing = taken.values_list("code", flat=True).first()
    if existing == code:
        raise ThirdPartyRecordError(CODE_TAKEN.format(code=code))
    if existing is not None:
        raise ThirdPartyRecordError(CODE_TAKEN_CASE.format(code=code, existing=existing))


def audit_value(name: str, value: Any) -> Any:
    """A field's value as the audit trail keeps it: bank details cut to their last four
    characters, an institution by its code."""
    if value is None or value == "":
        return ""
    if name in BANK_FIELDS:
        text = str(value)
        return HIDDEN + text[-4:] if len(text) > 4 else HIDDEN
    if isinstance(value, Institution):
        return value.code
    return value


def _snapshot(third_party: ThirdParty, names: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {name: audit_value(name, getattr(third_party, name)) for name in names}


@transaction.atomic
def third_party_create(
    *,
    acting_user: User | None,
    code: str,
    name: str,
    kind: str,
    country: str = "",
    uen: str = "",
    siret: str = "",
    currency: str = "SGD",
    payment_terms_days: int = 30,
    email: str = "",
    address: str = "",
    institution: Institution | None = None,
    bank_name: str = "",
    bank_account_holder: str = "",
    bank_account_number: str = "",
    bank_swift: str = "",
    bank_iban: str = "",
) -> ThirdParty:
    """Add a third party to the office's file."""
    require_third_party_writer(acting_user, "create third parties")
    values = _checked(
        {
            "code": code,
            "name": name,
            "kind": kind,
            "country": country,
            "uen": uen,
            "siret": siret,
            "currency": currency,
            "payment_terms_days": payment_terms_days,
            "email": email,
            "address": address,
            "institution": institution,
            "bank_name": bank_name,
            "bank_account_holder": bank_account_holder,
            "bank_account_number": bank_account_number,
            "bank_swift": bank_swift,
            "bank_iban": bank_iban,
        }
    )
    _code_free(values["code"])
    third_party = ThirdParty(**values)
    third_party.full_clean()
    try:
        with transaction.atomic():
            third_party.save()
    except IntegrityError:
        # Created at the same moment by someone else (the unique index decided).
        raise ThirdPartyRecordError(CODE_TAKEN.format(code=values["code"])) from None
    after = {k: v for k, v in _snapshot(third_party, list(FIELDS)).items() if v != ""}
    audit_record(
        actor=acting_user,
        action="third_party.create",
        obj=third_party,
        lab=None,
        after={**after, "is_active": True},
    )
    return third_party


def _uses_text(labels: list[str]) -> str:
    words = [
        str(USES_LINES if label == JournalLine._meta.label else USES_OTHER) for label in labels
    ]
    return ", ".join(dict.fromkeys(words))


@transaction.atomic
def third_party_update(
    *, acting_user: User | None, third_party: ThirdParty, **changes: Any
) -> ThirdParty:
    """Change the fields given in `changes` (those of third_party_create). The code of a
    third party that records already name (journal lines, letterings) never changes:
    a posted line keeps its code, and its hash reads it."""
    require_third_party_writer(acting_user, "change third parties")
    third_party = ThirdParty.objects.select_for_update().get(pk=third_party.pk)
    values = _checked(changes)
    changed = [
        name for name in FIELDS if name in values and values[name] != getattr(third_party, name)
    ]
    if "code" in changed:
        uses = third_party_in_use(third_party)
        if uses:
            raise ThirdPartyRecordError(
                CODE_IN_USE.format(code=third_party.code, uses=_uses_text(uses))
            )
        _code_free(values["code"], other_than=third_party.pk)
    if not changed:
        return third_party
    before = _snapshot(third_party, changed)
    for name in changed:
        setattr(third_party, name, values[name])
    third_party.full_clean()
    third_party.save()
    audit_record(
        actor=acting_user,
        action="third_party.update",
        obj=third_party,
        lab=None,
        before=before,
        after=_snapshot(third_party, changed),
    )
    return third_party


def _set_active(
    acting_user: User | None, third_party: ThirdParty, active: bool, action: str
) -> ThirdParty:
    third_party = ThirdParty.objects.select_for_update().get(pk=third_party.pk)
    if third_party.is_active == active:
        template = ALREADY_ACTIVE if active else ALREADY_INACTIVE
        raise ThirdPartyRecordError(template.format(code=third_party.code))
    third_party.is_active = active
    third_party.save(update_fields=["is_active", "updated_at"])
    audit_record(
        actor=acting_user,
        action=action,
        obj=third_party,
        lab=None,
        before={"is_active": not active},
        after={"is_active": active},
    )
    return third_party


@transaction.atomic
def third_party_deactivate(*, acting_user: User | None, third_party: ThirdParty) -> ThirdParty:
    """Take a third party out of use: it stays on the lines and statements that name it."""
    require_third_party_writer(acting_user, "deactivate third parties")
    return _set_active(acting_user, third_party, False, "third_party.deactivate")


@transaction.atomic
def third_party_reactivate(*, acting_user: User | None, third_party: ThirdParty) -> ThirdParty:
    """Bring a deactivated third party back into use."""
    require_third_party_writer(acting_user, "reactivate third parties")
    return _set_active(acting_user, third_party, True, "third_party.reactivate")
