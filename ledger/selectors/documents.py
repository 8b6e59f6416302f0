"""Supporting documents as the pages read them: an entry's list, one document inside a lab,
and a fiscal year's (the audit package)."""

from django.db.models import QuerySet

from irls.models import Lab
from ledger.models import FiscalYear, JournalEntry, SupportingDocument


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


def year_documents(fiscal_year: FiscalYear) -> QuerySet[SupportingDocument]:
    """The documents of the posted entries of `fiscal_year`, in the chain's order."""
    return (
        SupportingDocument.objects.filter(
            lab_id=fiscal_year.lab_id,
            entry__fiscal_year=fiscal_year,
            entry__status=JournalEntry.Status.POSTED,
        )
        .select_related("entry")
        .order_by("entry__chain_index", "uploaded_at", "id")
    )
