"""Role checks that every write service makes before touching the books."""

from collections.abc import Iterable

from django.contrib.auth.models import User

from irls.access import WRITE_ROLES, has_office_role, has_role
from irls.models import Lab
from ledger.exceptions import NOT_PERMITTED, OFFICE_WIDE_ONLY, NotPermittedError


def require_role(user: User, lab: Lab, action: str, roles: Iterable[str] = WRITE_ROLES) -> None:
    """Raise NotPermittedError unless `user` holds one of `roles` for `lab`."""
    if not has_role(user, lab, roles):
        raise NotPermittedError(NOT_PERMITTED.format(user=user, action=action, lab=lab.code))


def require_office_role(
    user: User | None,
    action: str,
    *,
    message: str = OFFICE_WIDE_ONLY,
    roles: Iterable[str] = WRITE_ROLES,
) -> None:
    """Raise NotPermittedError unless `user` holds one of `roles` office-wide: the
    office's own records (exchange rates, institutions) concern every lab, so a role in
    some labs is not enough. `user` None is the system itself (load_demo, a management
    command without --as): no role to check. `message` names the rule ({user}, {action})."""
    if user is not None and not has_office_role(user, roles):
        raise NotPermittedError(message.format(user=user, action=action))
