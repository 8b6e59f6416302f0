"""`{{ issued.kind|statement_kind }}`: a statement's kind in the reader's language."""

from django import template
from django.utils.translation import gettext_lazy as _

from reports.audit_package import KIND as AUDIT_PACKAGE
from reports.forms import KIND_CHOICES

register = template.Library()

LABELS = {**dict(KIND_CHOICES), AUDIT_PACKAGE: _("Audit package")}


@register.filter
def statement_kind(kind: str) -> str:
    """The label of the statements page's list for `kind` (the code itself if unknown)."""
    return str(LABELS.get(kind, kind))
