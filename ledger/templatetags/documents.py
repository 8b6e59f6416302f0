"""What the supporting documents' partial needs from the settings."""

from django import template
from django.template.defaultfilters import filesizeformat

from ledger.services.documents import document_max_bytes

register = template.Library()


@register.simple_tag
def document_limit() -> str:
    """The size limit of a supporting document, in the reader's language (10.0 MB)."""
    return str(filesizeformat(document_max_bytes()))
