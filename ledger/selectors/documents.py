"""Supporting documents as the pages read them: an entry's list, one document inside a lab."""

from django.db.models import QuerySet

from irls.models import Lab
from ledger.models import JournalEntry, SupportingDocument


def entry_documents(entry: JournalEntry) -> QuerySet[SupportingDocument]:
    """The documents of `entry`, oldest first, with who uploaded them."""
    return (
        SupportingDocument.objects.filter(entry=entry)
        .select_related("uploaded_by")
        .order_by("uploaded_at", "id")
    )


def document_in_lab_or_none(lab: Lab, entry_id: int, document_id: int) -> SupportingDocument | None:
    """The document `document_id` of the entry `entry_id`, if both are `lab`'s (None
    otherwise: the view's 404, the same for "missing" and "another lab's")."""
    return (
        SupportingDocument.objects.filter(
            pk=document_id, entry_id=entry_id, lab=lab, entry__lab=lab
        )
        .select_related("lab", "entry", "entry__journal")
        .first()
    )
