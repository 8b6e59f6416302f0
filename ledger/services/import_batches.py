"""Withdrawing an import: the draft entries a journal file brought in are deleted, the
batch stays as the auditors' trace.

A batch of journal entries imported as drafts is withdrawn whole, and only while none of
its entries is posted (posted entries are reversed, never deleted). The batch record
is kept, marked withdrawn (who, when, why, how many drafts were deleted): an auditor
sees that the file was imported, then withdrawn. The "same file imported once" rule
counts only batches still imported (`import_batch_file_once` holds on result
"imported"), so the same file can be imported again once it is withdrawn.
"""

from collections.abc import Sequence
from datetime import date

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledger.exceptions import EntryFrozenError, ImportWithdrawError
from ledger.models import ImportBatch, JournalEntry, JournalLine, SupportingDocument
from ledger.services.access import require_role
from ledger.services.audit import audit_record
from ledger.services.guarded import db_guarded

SHOWN = 5  # entries named in a refusal; the rest are counted

NOT_JOURNAL_DRAFTS = _(
    "Batch {batch} ({file}) is not a file of journal entries imported as drafts: "
    "only such a batch is withdrawn"
)
ALREADY_WITHDRAWN = _("Batch {batch} ({file}) was already withdrawn on {when}")
HAS_POSTED = _(
    "Batch {batch} ({file}) cannot be withdrawn: {count} of its entries are posted "
    "({entries}). Posted entries are never deleted: reverse them instead"
)
HAS_DOCUMENTS = _(
    "Batch {batch} ({file}) cannot be withdrawn: {count} of its drafts hold supporting "
    "documents ({entries}). Remove the documents first"
)
REASON_MISSING = _("Say why the batch is withdrawn: the reason is kept in the audit trail")
MORE = _("and {count} more")


def _named(refs: list[str], total: int) -> str:
    shown = ", ".join(refs[:SHOWN])
    if total > SHOWN:
        shown += " " + str(MORE).format(count=total - SHOWN)
    return shown


def _entry_refs(entries: Sequence[tuple[int, str | None, date]]) -> list[str]:
    return [number or f"#{pk} {on}" for pk, number, on in entries]


def import_batch_delete_drafts(*, acting_user: User, batch: ImportBatch, reason: str) -> int:
    """Delete every draft entry of `batch` (journal entries imported as drafts) and mark
    the batch withdrawn, with `reason`; the number of entries deleted is returned.

    Refused, with nothing changed, when a posted entry belongs to the batch (its numbers
    are named), when a draft holds supporting documents, or when the batch is not a
    journal import of drafts. The entries are locked first, so a posting running at the
    same moment either finishes before (and the withdrawal is refused) or waits.
    """
    assert batch.lab is not None  # a journal batch always has its lab
    require_role(acting_user, batch.lab, "withdraw imported drafts")
    reason = reason.strip()
    if not reason:
        raise ImportWithdrawError(str(REASON_MISSING))
    with db_guarded(), transaction.atomic():
        batch = (
            ImportBatch.objects.select_for_update(of=("self",))
            .select_related("lab")
            .get(pk=batch.pk)
        )
        _check_withdrawable(batch)
        entries = JournalEntry.objects.filter(import_batch=batch)
        locked = list(
            entries.select_for_update()
            .order_by("date", "id")
            .values_list("id", "number", "date", "status")
        )
        posted = [(pk, n, on) for pk, n, on, status in locked if status != "draft"]
        if posted:
            raise EntryFrozenError(
                HAS_POSTED.format(
                    batch=batch.pk,
                    file=batch.file_name,
                    count=len(posted),
                    entries=_named(_entry_refs(posted), len(posted)),
                )
            )
        _check_no_documents(batch)
        totals = JournalLine.objects.filter(entry__import_batch=batch).aggregate(
            lines=Count("id"), debit=Sum("debit")
        )
        _delete_drafts(batch)
        before = {"result": batch.result, "withdrawn_entries": 0}
        batch.result = ImportBatch.Result.WITHDRAWN
        batch.withdrawn_at = timezone.now()
        batch.withdrawn_by = acting_user
        batch.withdrawn_reason = reason
        batch.withdrawn_entries = len(locked)
        batch.save(
            update_fields=[
                "result",
                "withdrawn_at",
                "withdrawn_by",
                "withdrawn_reason",
                "withdrawn_entries",
            ]
        )
        audit_record(
            actor=acting_user,
            action="import.withdraw",
            obj=batch,
            lab=batch.lab,
            before=before,
            after={
                "file_name": batch.file_name,
                "sha256": batch.sha256,
                "result": batch.result,
                "withdrawn_entries": len(locked),
                "lines": totals["lines"],
                "debit": str(totals["debit"] or "0.00"),
                "withdrawn_reason": reason,
            },
        )
    return len(locked)


def _delete_drafts(batch: ImportBatch) -> None:
    """Delete the batch's lines, then its entries, in two statements. Django's deletion
    collector would load every entry and look for what refers to each, block by block
    (10,000 drafts: 27 s on SQLite); nothing can: the entries are drafts (only posted
    entries are reversed), their documents were checked under lock, and the database's
    foreign keys and guards still refuse anything else."""
    lines, entries = JournalLine._meta.db_table, JournalEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {lines} WHERE entry_id IN"  # noqa: S608 (table names, not input)
            f" (SELECT id FROM {entries} WHERE import_batch_id = %s AND status = %s)",
            [batch.pk, JournalEntry.Status.DRAFT],
        )
        cursor.execute(
            f"DELETE FROM {entries} WHERE import_batch_id = %s AND status = %s",  # noqa: S608
            [batch.pk, JournalEntry.Status.DRAFT],
        )


def _check_withdrawable(batch: ImportBatch) -> None:
    if batch.result == ImportBatch.Result.WITHDRAWN:
        assert batch.withdrawn_at is not None
        raise ImportWithdrawError(
            ALREADY_WITHDRAWN.format(
                batch=batch.pk,
                file=batch.file_name,
                when=timezone.localtime(batch.withdrawn_at).date().isoformat(),
            )
        )
    if (
        batch.kind != ImportBatch.Kind.JOURNAL
        or batch.result != ImportBatch.Result.IMPORTED
        or batch.posted
    ):
        raise ImportWithdrawError(NOT_JOURNAL_DRAFTS.format(batch=batch.pk, file=batch.file_name))


def _check_no_documents(batch: ImportBatch) -> None:
    holding = list(
        JournalEntry.objects.filter(
            id__in=SupportingDocument.objects.filter(entry__import_batch=batch).values("entry_id")
        )
        .order_by("date", "id")
        .values_list("id", "number", "date")
    )
    if holding:
        raise ImportWithdrawError(
            HAS_DOCUMENTS.format(
                batch=batch.pk,
                file=batch.file_name,
                count=len(holding),
                entries=_named(_entry_refs(holding), len(holding)),
            )
        )
