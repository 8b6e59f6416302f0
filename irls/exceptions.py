"""Errors of lab and role administration (part of the LedgerError hierarchy)."""

from ledger.exceptions import LedgerError

OFFICE_HEAD_ONLY = "{user} may not {action}: only the office head may"
GRANT_EXISTS = "{user} already holds the role {role} in {scope}"
NO_SUCH_GRANT = "{user} does not hold the role {role} in {scope}"


class RoleGrantError(LedgerError):
    """A role grant or revocation that cannot be done."""
