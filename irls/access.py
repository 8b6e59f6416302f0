"""Who may see and do what, lab by lab.

Every lookup happens inside the labs a user may see, so "does not exist" and
"not yours" give the same answer (Http404 in views, NotPermittedError in services).
"""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from irls.models import Lab, Role, RoleGrant

READ_ROLES = frozenset({Role.ACCOUNTANT, Role.DIRECTOR, Role.AUDITOR, Role.OFFICE_HEAD})
WRITE_ROLES = frozenset({Role.ACCOUNTANT, Role.OFFICE_HEAD})

UserLike = User | AnonymousUser


def _active_id(user: UserLike | None) -> int | None:
    """The id of an authenticated, active user; None for anyone else."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return int(user.pk)


def labs_for_user(user: UserLike | None, roles: Iterable[str] = READ_ROLES) -> QuerySet[Lab]:
    """The labs in which `user` holds one of `roles` (office-wide grants give every lab)."""
    user_id = _active_id(user)
    if user_id is None:
        return Lab.objects.none()
    grants = RoleGrant.objects.filter(user_id=user_id, role__in=list(roles))
    if grants.filter(lab__isnull=True).exists():
        return Lab.objects.all()
    return Lab.objects.filter(id__in=grants.values("lab_id"))


def has_role(user: UserLike | None, lab: Lab, roles: Iterable[str]) -> bool:
    """True when `user` holds one of `roles` for `lab` or office-wide."""
    user_id = _active_id(user)
    if user_id is None:
        return False
    return RoleGrant.objects.filter(
        Q(lab=lab) | Q(lab__isnull=True), user_id=user_id, role__in=list(roles)
    ).exists()


def has_office_role(user: UserLike | None, roles: Iterable[str]) -> bool:
    """True when `user` holds one of `roles` office-wide (a grant without a lab); the
    office head is office-wide whatever the grant says."""
    user_id = _active_id(user)
    if user_id is None:
        return False
    roles = list(roles)
    office_wide = Q(lab__isnull=True)
    if Role.OFFICE_HEAD in roles:
        office_wide |= Q(role=Role.OFFICE_HEAD)
    return RoleGrant.objects.filter(office_wide, user_id=user_id, role__in=roles).exists()


def is_office_head(user: UserLike | None) -> bool:
    user_id = _active_id(user)
    if user_id is None:
        return False
    return RoleGrant.objects.filter(user_id=user_id, role=Role.OFFICE_HEAD).exists()


def lab_for_user_or_404(user: UserLike | None, code: str, roles: Iterable[str] = READ_ROLES) -> Lab:
    """The lab `code` if `user` may see it; Http404 otherwise, whether it exists or not."""
    try:
        return labs_for_user(user, roles).get(code=code)
    except Lab.DoesNotExist:
        raise Http404("No such lab") from None


def lab_to_act_in_or_404(
    user: UserLike | None, code: str, roles: Iterable[str] = WRITE_ROLES
) -> Lab:
    """The lab `code` for a page's form: Http404 if `user` may not read it,
    PermissionDenied (403) if they read it without one of `roles`."""
    lab = lab_for_user_or_404(user, code)
    if not has_role(user, lab, roles):
        raise PermissionDenied
    return lab


def roles_in(user: UserLike | None, lab: Lab) -> list[str]:
    """The roles `user` holds for `lab` (its own grants and office-wide ones), sorted."""
    user_id = _active_id(user)
    if user_id is None:
        return []
    grants = RoleGrant.objects.filter(Q(lab=lab) | Q(lab__isnull=True), user_id=user_id)
    return sorted(set(grants.values_list("role", flat=True)))
