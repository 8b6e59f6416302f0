"""Writes on institutions, labs, partnerships, funding sources, role grants and user
accounts.

`acting_user=None` is the system itself (a management command such as load_demo);
otherwise only the office head administers labs, roles and people (the People page,
irls/views_people.py): no superuser is needed, and superusers themselves are left to the
administration (Django's user pages stay superuser-only).
"""

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from irls.access import is_office_head
from irls.exceptions import (
    GRANT_EXISTS,
    LAST_OFFICE_HEAD,
    NO_SUCH_GRANT,
    OFFICE_HEAD_ONLY,
    USER_ALREADY_ACTIVE,
    USER_ALREADY_INACTIVE,
    USER_INACTIVE_NO_LINK,
    USER_NO_EMAIL,
    USER_NOT_SELF,
    USER_SUPERUSER,
    USERNAME_TAKEN,
    WHOLE_OFFICE,
    RoleGrantError,
    UserAdminError,
)
from irls.models import FundingSource, Institution, Lab, Partnership, Role, RoleGrant
from ledger.exceptions import NotPermittedError
from ledger.models import LedgerChain
from ledger.services.audit import audit_record


def _require_office_head(user: User | None, action: str) -> None:
    if user is not None and not is_office_head(user):
        action = translation.gettext(action)  # listed in OFFICE_HEAD_ACTIONS for makemessages
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


# The scope of an office-wide grant as its audit events keep it: a fixed word, which the
# audit trail shows in the reader's language (ledger/audit/readable.py).
OFFICE_WIDE_SCOPE = "the whole office"


def _scope(lab: Lab | None) -> str:
    """The scope of a grant as the audit trail keeps it: the lab's code, or
    OFFICE_WIDE_SCOPE."""
    return lab.code if lab else OFFICE_WIDE_SCOPE


def _role(role: str) -> str:
    """A role in words, in the active language (its code if it is not a known role)."""
    return str(Role(role).label) if role in Role.values else role


@transaction.atomic
def role_grant(*, acting_user: User | None, user: User, role: str, lab: Lab | None) -> RoleGrant:
    """Give `user` the role `role` in `lab` (None: office-wide)."""
    _require_office_head(acting_user, "grant roles")
    if RoleGrant.objects.filter(user_id=user.pk, role=role, lab=lab).exists():
        raise RoleGrantError(
            GRANT_EXISTS.format(
                user=user, role=_role(role), scope=lab.code if lab else WHOLE_OFFICE
            )
        )
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
        raise RoleGrantError(
            NO_SUCH_GRANT.format(
                user=user, role=_role(role), scope=lab.code if lab else WHOLE_OFFICE
            )
        )
    if role == Role.OFFICE_HEAD and user.is_active:
        _keep_an_office_head(user)
    audit_record(
        actor=acting_user,
        action="rolegrant.revoke",
        obj=grant,
        lab=lab,
        before={"user": str(user), "role": role, "scope": _scope(lab)},
    )
    grant.delete()


# -- People: user accounts, managed by the office head ------------------------------------


def _keep_an_office_head(user: User) -> None:
    """Refuse to leave the office without an active office head once `user` is no longer
    one (deactivated, or the role revoked). The office heads' rows are locked, so two
    heads taking each other's role at once cannot both succeed."""
    head_ids = RoleGrant.objects.filter(role=Role.OFFICE_HEAD).values("user_id")
    heads = list(User.objects.select_for_update().filter(pk__in=head_ids).order_by("pk"))
    if not any(head.is_active and head.pk != user.pk for head in heads):
        raise UserAdminError(LAST_OFFICE_HEAD % {"user": user.get_username()})


def _not_superuser(user: User) -> None:
    if user.is_superuser:
        raise UserAdminError(USER_SUPERUSER % {"user": user.get_username()})


def _account(user: User) -> dict[str, Any]:
    """What the audit trail keeps of an account: readable fields, no password."""
    return {
        "username": user.get_username(),
        "name": user.get_full_name(),
        "email": user.email,
        "active": user.is_active,
    }


@transaction.atomic
def user_create(
    *, acting_user: User | None, username: str, first_name: str, last_name: str, email: str
) -> User:
    """A new account with no password yet (unusable): its holder sets one through a
    password-reset link (`password_reset_link`). Staff, so that the administration's
    reference pages open to the roles granted later; never a superuser."""
    _require_office_head(acting_user, "create users")
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise UserAdminError(USERNAME_TAKEN % {"username": username})
    user = User(
        username=username,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip(),
        is_staff=True,
        is_superuser=False,
        is_active=True,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    audit_record(actor=acting_user, action="user.create", obj=user, lab=None, after=_account(user))
    return user


@transaction.atomic
def user_deactivate(*, acting_user: User | None, user: User) -> User:
    """Close an account: its holder can no longer log in (an open session ends at the
    next request). The role grants stay, for the record. Never one's own account, never
    the last active office head."""
    _require_office_head(acting_user, "deactivate users")
    if acting_user is not None and user.pk == acting_user.pk:
        raise UserAdminError(str(USER_NOT_SELF))
    if RoleGrant.objects.filter(user_id=user.pk, role=Role.OFFICE_HEAD).exists():
        _keep_an_office_head(user)  # locks the office heads first, in a fixed order
    user = User.objects.select_for_update().get(pk=user.pk)
    _not_superuser(user)
    if not user.is_active:
        raise UserAdminError(USER_ALREADY_INACTIVE % {"user": user.get_username()})
    before = _account(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(
        actor=acting_user,
        action="user.deactivate",
        obj=user,
        lab=None,
        before=before,
        after=_account(user),
    )
    return user


@transaction.atomic
def user_reactivate(*, acting_user: User | None, user: User) -> User:
    """Open a deactivated account again, with the role grants it kept."""
    _require_office_head(acting_user, "reactivate users")
    user = User.objects.select_for_update().get(pk=user.pk)
    _not_superuser(user)
    if user.is_active:
        raise UserAdminError(USER_ALREADY_ACTIVE % {"user": user.get_username()})
    before = _account(user)
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(
        actor=acting_user,
        action="user.reactivate",
        obj=user,
        lab=None,
        before=before,
        after=_account(user),
    )
    return user


def _reset_link(user: User, site_url: str) -> str:
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return site_url.rstrip("/") + path


def _may_have_a_link(user: User) -> None:
    _not_superuser(user)
    if not user.is_active:
        raise UserAdminError(USER_INACTIVE_NO_LINK % {"user": user.get_username()})


@transaction.atomic
def password_reset_link(*, acting_user: User | None, user: User, site_url: str) -> str:
    """A link (under `site_url`, e.g. "https://ledger.example.org") where `user` sets a
    new password. Django's token: it works once, until the password or the last login
    changes, and for PASSWORD_RESET_TIMEOUT seconds at most. Showing it is audited."""
    _require_office_head(acting_user, "show password links")
    _may_have_a_link(user)
    link = _reset_link(user, site_url)
    audit_record(
        actor=acting_user,
        action="user.reset_link.show",
        obj=user,
        lab=None,
        after={"username": user.get_username()},
    )
    return link


@transaction.atomic
def password_reset_link_send(*, acting_user: User | None, user: User, site_url: str) -> str:
    """E-mail `user` a password-reset link (Django's e-mail backend: the console in
    development, SMTP in production); returns the address it went to. Audited."""
    _require_office_head(acting_user, "send password links")
    _may_have_a_link(user)
    if not user.email:
        raise UserAdminError(USER_NO_EMAIL % {"user": user.get_username()})
    link = _reset_link(user, site_url)
    # Recorded first: a failed sending rolls the event back, a sent link is always recorded.
    audit_record(
        actor=acting_user,
        action="user.reset_link.send",
        obj=user,
        lab=None,
        after={"username": user.get_username(), "email": user.email},
    )
    context = {"user": user, "link": link, "sender": acting_user}
    send_mail(
        subject=_("IRL Ledger: set your password"),
        message=render_to_string("irls/people/reset_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
    return user.email
