"""Errors of the budget alerts, rooted at LedgerError like every refusal of the books."""

from django.utils.translation import gettext_lazy as _

from ledger.exceptions import LedgerError

LANGUAGE_UNKNOWN = _('Alert e-mails are written in English or French, not "{language}"')


class AlertError(LedgerError):
    """A request about budget alerts is refused."""
