"""Role checks of banking's services, with the actions named for translation."""

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.utils.translation import gettext_noop

from irls.access import WRITE_ROLES
from irls.models import Lab
from ledger.services.access import require_role

# What `{user} may not {action}` says (translated when refused).
ACTIONS = (
    gettext_noop("manage bank accounts"),
    gettext_noop("import bank statements"),
    gettext_noop("reconcile bank accounts"),
)


def require(user: User | None, lab: Lab, action: str, roles: Iterable[str] = WRITE_ROLES) -> None:
    """NotPermittedError unless `user` holds one of `roles` in `lab`; None is the system
    (the demo, a management command without --as): nothing to check."""
    if user is not None:
        require_role(user, lab, action, roles)
