"""Errors of lab and role administration (part of the LedgerError hierarchy)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from ledger.exceptions import LedgerError

OFFICE_HEAD_ONLY = _("{user} may not {action}: only the office head may")
GRANT_EXISTS = _("{user} already holds the role {role} in {scope}")
NO_SUCH_GRANT = _("{user} does not hold the role {role} in {scope}")
# The {scope} of an office-wide role.
WHOLE_OFFICE = _("the whole office")
# What OFFICE_HEAD_ONLY says a user may not do (translated when refused).
OFFICE_HEAD_ACTIONS = (
    gettext_noop("register institutions"),
    gettext_noop("create labs"),
    gettext_noop("record partnerships"),
    gettext_noop("record funding sources"),
    gettext_noop("grant roles"),
    gettext_noop("revoke roles"),
    gettext_noop("create users"),
    gettext_noop("deactivate users"),
    gettext_noop("reactivate users"),
    gettext_noop("show password links"),
    gettext_noop("send password links"),
)


class RoleGrantError(LedgerError):
    """A role grant or revocation that cannot be done."""


# -- People (the office head's People page, irls.services.user_*): translated, with named
# placeholders, formatted with `%` where raised.

USERNAME_TAKEN = _("The username %(username)s is already taken: choose another one.")
USER_NOT_SELF = _("You cannot deactivate your own account: ask another office head.")
LAST_OFFICE_HEAD = _(
    "%(user)s is the last active office head: grant the role to someone else first, "
    "so that the office keeps someone who manages people."
)
USER_ALREADY_ACTIVE = _("%(user)s is already active.")
USER_ALREADY_INACTIVE = _("%(user)s is already deactivated.")
USER_INACTIVE_NO_LINK = _(
    "%(user)s is deactivated: reactivate the account before sending a password link."
)
USER_NO_EMAIL = _("%(user)s has no e-mail address: show the link and pass it on instead.")
USER_SUPERUSER = _(
    "%(user)s is a superuser: superusers are managed in the administration, not here."
)


class UserAdminError(LedgerError):
    """A change to a user account that the office head may not make."""
