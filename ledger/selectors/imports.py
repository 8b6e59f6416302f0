"""Reads of a lab's Imports pages: its import batches, and one batch with the entries it
created, page by page.

Every count and total is computed by the database, for the batches or entries of the
page shown only: a batch of 100,000 lines never loads its entries, and the list of
batches never loads the entries of any.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum

from irls.models import Lab
from ledger.models import ImportBatch, JournalEntry, JournalLine

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class BatchState:
    """Where the entries of a batch stand now: how many are drafts, how many posted."""

    drafts: int = 0
    posted: int = 0

    @property
    def entries(self) -> int:
        return self.drafts + self.posted


@dataclass(frozen=True)
class BatchSummary:
    """A batch's entries in figures: drafts, posted, lines, total debit, unbalanced
    drafts, and the first and last dates."""

    state: BatchState
    lines: int
    debit: Decimal
    unbalanced_drafts: int
    first_date: date | None
    last_date: date | None


def lab_import_batches(*, lab: Lab) -> QuerySet[ImportBatch]:
    """The lab's import batches, newest first (imported, refused and withdrawn alike)."""
    return (
        ImportBatch.objects.filter(lab=lab)
        .select_related("created_by", "withdrawn_by")
        .order_by("-created_at", "-id")
    )


def import_batch_in_lab(*, lab: Lab, batch_id: int) -> ImportBatch | None:
    """The batch `batch_id` if it belongs to `lab`; None otherwise (another lab's answers
    as one that does not exist)."""
    return (
        ImportBatch.objects.filter(lab=lab, pk=batch_id)
        .select_related("lab", "created_by", "withdrawn_by")
        .first()
    )


def batch_states(batch_ids: Iterable[int]) -> dict[int, BatchState]:
    """Drafts and posted entries of each batch, counted by the database in one query."""
    ids = list(batch_ids)
    counts: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    rows = (
        JournalEntry.objects.filter(import_batch_id__in=ids)
        .values("import_batch_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts[row["import_batch_id"]][row["status"]] = row["n"]
    return {
        pk: BatchState(
            drafts=found.get(JournalEntry.Status.DRAFT, 0),
            posted=found.get(JournalEntry.Status.POSTED, 0),
        )
        for pk, found in counts.items()
    }


def unbalanced_draft_ids(entries: QuerySet[JournalEntry]) -> QuerySet[JournalLine, Any]:
    """The ids (`entry_id`) of the drafts among `entries` whose lines do not balance, as a
    subquery the database runs (debit and credit summed per entry in SQL)."""
    return (
        JournalLine.objects.filter(entry__in=entries.filter(status=JournalEntry.Status.DRAFT))
        .values("entry_id")
        .annotate(debit_total=Sum("debit"), credit_total=Sum("credit"))
        .filter(~Q(debit_total=F("credit_total")))
        .values("entry_id")
    )


def batch_summary(batch: ImportBatch) -> BatchSummary:
    """The figures of a batch's entries as they stand now (four aggregate queries)."""
    entries = JournalEntry.objects.filter(import_batch=batch)
    state = batch_states([batch.pk])[batch.pk]
    dates = entries.aggregate(first=Min("date"), last=Max("date"))
    totals = JournalLine.objects.filter(entry__import_batch=batch).aggregate(
        lines=Count("id"), debit=Sum("debit")
    )
    unbalanced = JournalEntry.objects.filter(id__in=unbalanced_draft_ids(entries)).count()
    return BatchSummary(
        state=state,
        lines=totals["lines"],
        debit=totals["debit"] or ZERO,
        unbalanced_drafts=unbalanced,
        first_date=dates["first"],
        last_date=dates["last"],
    )


def batch_entries(batch: ImportBatch) -> QuerySet[JournalEntry]:
    """The entries `batch` created (still there), in date order, for a paginator."""
    return (
        JournalEntry.objects.filter(import_batch=batch)
        .select_related("journal")
        .order_by("date", "id")
    )


def entry_debit_totals(entry_ids: Iterable[int]) -> dict[int, tuple[Decimal, Decimal]]:
    """(total debit, total credit) of each entry, summed by the database in one query."""
    rows = (
        JournalLine.objects.filter(entry_id__in=list(entry_ids))
        .values("entry_id")
        .annotate(debit_total=Sum("debit"), credit_total=Sum("credit"))
        .order_by()
        .values_list("entry_id", "debit_total", "credit_total")
    )
    return {pk: (debit or ZERO, credit or ZERO) for pk, debit, credit in rows}
