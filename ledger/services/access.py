"""Role checks that every write service makes before touching the books.

A service names its action in English words (`require_role(user, lab, "post entries")`);
the refusal says it in the active language: every action is listed in ACTIONS so that
makemessages finds it.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.utils import translation
from django.utils.translation import gettext_noop

from irls.access import WRITE_ROLES, has_office_role, has_role
from irls.models import Lab
from ledger.exceptions import NOT_PERMITTED, OFFICE_WIDE_ONLY, NotPermittedError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# What `{user} may not {action}` says a user may not do (translated when refused).
ACTIONS = (
    gettext_noop("amend commitments"),
    gettext_noop("cancel commitments"),
    gettext_noop("carry budgets forward"),
    gettext_noop("carry commitments over"),
    gettext_noop("close fiscal years"),
    gettext_noop("close periods"),
    gettext_noop("create accounts"),
    gettext_noop("create journals"),
    gettext_noop("delete draft entries"),
    gettext_noop("download statements"),
    gettext_noop("import exchange rates"),
    gettext_noop("import spreadsheets"),
    gettext_noop("issue statements"),
    gettext_noop("manage budgets"),
    gettext_noop("open fiscal years"),
    gettext_noop("post entries"),
    gettext_noop("record commitments"),
    gettext_noop("record entries"),
    gettext_noop("reopen fiscal years"),
    gettext_noop("reopen periods"),
    gettext_noop("reverse entries"),
    gettext_noop("set exchange rates"),
    gettext_noop("withdraw imported drafts"),
)


def require_role(user: User, lab: Lab, action: str, roles: Iterable[str] = WRITE_ROLES) -> None:
    """Raise NotPermittedError unless `user` holds one of `roles` for `lab`."""
    if not has_role(user, lab, roles):
        raise NotPermittedError(
            NOT_PERMITTED.format(user=user, action=translation.gettext(action), lab=lab.code)
        )


def require_office_role(
    user: User | None,
    action: str,
    *,
    message: "StrOrPromise" = OFFICE_WIDE_ONLY,
    roles: Iterable[str] = WRITE_ROLES,
) -> None:
    """Raise NotPermittedError unless `user` holds one of `roles` office-wide: the
    office's own records (exchange rates, institutions) concern every lab, so a role in
    some labs is not enough. `user` None is the system itself (load_demo, a management
    command without --as): no role to check. `message` names the rule ({user}, {action})."""
    if user is not None and not has_office_role(user, roles):
        raise NotPermittedError(message.format(user=user, action=translation.gettext(action)))
