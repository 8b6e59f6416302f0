"""Role checks that every write service makes before touching the books."""

from collections.abc import Iterable

from django.contrib.auth.models import User

from irls.access import WRITE_ROLES, has_role
from irls.models import Lab
from ledger.exceptions import NOT_PERMITTED, NotPermittedError


def require_role(user: User, lab: Lab, action: str, roles: Iterable[str] = WRITE_ROLES) -> None:
    """Raise NotPermittedError unless `user` holds one of `roles` for `lab`."""
    if not has_role(user, lab, roles):
        raise NotPermittedError(NOT_PERMITTED.format(user=user, action=action, lab=lab.code))
