"""Writes on institutions, labs, partnerships, funding sources and role grants.

`acting_user=None` is the system itself (a management command such as load_demo);
otherwise only the office head administers labs and roles.
"""

from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from irls.access import is_office_head
from irls.exceptions import GRANT_EXISTS, NO_SUCH_GRANT, OFFICE_HEAD_ONLY, RoleGrantError
from irls.models import FundingSource, Institution, Lab, Partnership, RoleGrant
from ledger.exceptions import NotPermittedError
from ledger.models import LedgerChain
from ledger.services.audit import audit_record


def _require_office_head(user: User | None, action: str) -> None:
    if user is not None and not is_office_head(user):
        raise NotPermittedError(OFFICE_HEAD_ONLY.format(user=user, action=action))


def _created(actor: User | None, obj: Any, lab: Lab | None, **after: Any) -> Any:
    obj.full_clean()
    obj.save()
    audit_record(
        actor=actor,
        action=f"{obj._meta.model_name}.create",
        obj=obj,
        lab=lab,
        after={k: str(v) for k, v in after.items()},
    )
    return obj


@transaction.atomic
def institution_create(
    *, acting_user: User | None, code: str, name: str, kind: str, country: str
) -> Institution:
    """Register a partner or funding institution."""
    _require_office_head(acting_user, "register institutions")
    return _created(
        acting_user,
        Institution(code=code, name=name, kind=kind, country=country),
        None,
        code=code,
        name=name,
    )


@transaction.atomic
def lab_create(
    *,
    acting_user: User | None,
    code: str,
    name: str,
    unit_number: str,
    field: str,
    start_date: date,
    fec_identifier: str,
    book_currency: str = "SGD",
) -> Lab:
    """Open the books of a lab (its hash chain starts empty)."""
    _require_office_head(acting_user, "create labs")
    lab = Lab(
        code=code,
        name=name,
        unit_number=unit_number,
        field=field,
        start_date=start_date,
        fec_identifier=fec_identifier,
        book_currency=book_currency,
    )
    _created(acting_user, lab, None, code=code, name=name)
    lab.refresh_from_db()
    LedgerChain.objects.create(lab=lab)
    return lab


@transaction.atomic
def partnership_create(
    *,
    acting_user: User | None,
    lab: Lab,
    institution: Institution,
    role: str,
    start_date: date,
) -> Partnership:
    """Record that `institution` is a partner of `lab`."""
    _require_office_head(acting_user, "record partnerships")
    return _created(
        acting_user,
        Partnership(lab=lab, institution=institution, role=role, start_date=start_date),
        lab,
        institution=institution.code,
        role=role,
    )


@transaction.atomic
def funding_source_create(
    *,
    acting_user: User | None,
    lab: Lab,
    code: str,
    name: str,
    funder: Institution,
    kind: str,
    start_date: date,
    reference: str = "",
    currency: str = "SGD",
    end_date: date | None = None,
    carries_over: bool | None = None,
) -> FundingSource:
    """Record a funding source (origine de crédit) of the lab; `carries_over` None: by
    kind (grants and contracts carry their unspent allocation over, the rest lapses)."""
    _require_office_head(acting_user, "record funding sources")
    if carries_over is None:
        carries_over = FundingSource.carries_over_by_default(kind)
    source = FundingSource(
        lab=lab,
        code=code,
        name=name,
        funder=funder,
        kind=kind,
        reference=reference,
        currency=currency,
        start_date=start_date,
        end_date=end_date,
        carries_over=carries_over,
    )
    return _created(
        acting_user,
        source,
        lab,
        code=code,
        kind=kind,
        funder=funder.code,
        carries_over=carries_over,
    )


def _scope(lab: Lab | None) -> str:
    return lab.code if lab else "the whole office"


@transaction.atomic
def role_grant(*, acting_user: User | None, user: User, role: str, lab: Lab | None) -> RoleGrant:
    """Give `user` the role `role` in `lab` (None: office-wide)."""
    _require_office_head(acting_user, "grant roles")
    if RoleGrant.objects.filter(user_id=user.pk, role=role, lab=lab).exists():
        raise RoleGrantError(GRANT_EXISTS.format(user=user, role=role, scope=_scope(lab)))
    grant = RoleGrant(
        user_id=user.pk, role=role, lab=lab, granted_by_id=getattr(acting_user, "pk", None)
    )
    return _created(acting_user, grant, lab, user=user, role=role, scope=_scope(lab))


@transaction.atomic
def role_revoke(*, acting_user: User | None, user: User, role: str, lab: Lab | None) -> None:
    """Take the role `role` in `lab` (None: office-wide) away from `user`."""
    _require_office_head(acting_user, "revoke roles")
    grant = RoleGrant.objects.filter(user_id=user.pk, role=role, lab=lab).first()
    if grant is None:
        raise RoleGrantError(NO_SUCH_GRANT.format(user=user, role=role, scope=_scope(lab)))
    audit_record(
        actor=acting_user,
        action="rolegrant.revoke",
        obj=grant,
        lab=lab,
        before={"user": str(user), "role": role, "scope": _scope(lab)},
    )
    grant.delete()
