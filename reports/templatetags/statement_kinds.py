"""`{{ issued.kind|statement_kind }}`: a statement's kind in the reader's language."""

from django import template
from django.utils.translation import gettext_lazy as _

from banking.statement import KIND as BANK_RECONCILIATION
from reports.audit_package import KIND as AUDIT_PACKAGE
from reports.forms import KIND_CHOICES

register = template.Library()

# The statements archived beside the statements page's kinds: the audit package, and the
# bank reconciliation of a month (issued from the bank pages, banking/statement.py).
LABELS = {
    **dict(KIND_CHOICES),
    AUDIT_PACKAGE: _("Audit package"),
    BANK_RECONCILIATION: _("Bank reconciliation"),
}


@register.filter
def statement_kind(kind: str) -> str:
    """The label of the statements page's list for `kind` (the code itself if unknown)."""
    return str(LABELS.get(kind, kind))
