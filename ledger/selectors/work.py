"""The accountant's work queue, lab by lab: drafts to post, months to close, refused
imports, budget lines overspent or over 90 % consumed, and the latest postings.

Every figure comes from the database, aggregated there: a few queries for all the labs
(drafts, unbalanced drafts, months), and a few for each lab (refused imports, its budget
through `budget_execution`, which reads the monthly spending totals and never the
ledger lines, and its last postings through the hash chain's index). No query reads all
of a lab's lines, so the page stays fast with a million of them.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, Min, OuterRef
from django.utils import timezone

from irls.models import Lab
from ledger.models import FiscalYear, ImportBatch, JournalEntry, Period
from ledger.selectors.budget import BudgetLineRow, budget_execution
from ledger.selectors.imports import entry_debit_totals, unbalanced_draft_ids

ZERO = Decimal("0.00")
RECENT_POSTINGS = 10
REFUSED_SHOWN = 5
REFUSED_DAYS = 30  # a refusal older than this has been dealt with, or never will be


@dataclass(frozen=True)
class Drafts:
    """The lab's drafts: how many, the oldest one's date, how many do not balance."""

    count: int = 0
    oldest: date | None = None
    unbalanced: int = 0


@dataclass(frozen=True)
class MonthToClose:
    """The earliest open month before the current one, and how many such months."""

    start: date
    year: int
    open_months: int


@dataclass(frozen=True)
class Posting:
    """One of the latest posted entries, with its total debit (book currency)."""

    entry: JournalEntry
    debit: Decimal


@dataclass(frozen=True)
class LabQueue:
    """What waits for the accountant in one lab."""

    lab: Lab
    drafts: Drafts
    month_to_close: MonthToClose | None
    refused: tuple[ImportBatch, ...]
    refused_more: bool
    budget_year: int | None
    watched_lines: tuple[BudgetLineRow, ...]
    recent: tuple[Posting, ...] = field(default=())

    @property
    def overspent(self) -> int:
        return sum(1 for row in self.watched_lines if row.book.overspent)

    @property
    def to_do(self) -> int:
        """The number of items that ask for work (the latest postings ask for none)."""
        return (
            (1 if self.drafts.count else 0)
            + (1 if self.month_to_close else 0)
            + len(self.refused)
            + len(self.watched_lines)
        )


def _drafts(lab_ids: list[int]) -> dict[int, Drafts]:
    drafts = JournalEntry.objects.filter(lab_id__in=lab_ids, status=JournalEntry.Status.DRAFT)
    counted = {
        row["lab_id"]: (row["count"], row["oldest"])
        for row in drafts.values("lab_id")
        .annotate(count=Count("id"), oldest=Min("date"))
        .order_by()
    }
    unbalanced = dict(
        JournalEntry.objects.filter(
            id__in=unbalanced_draft_ids(JournalEntry.objects.filter(lab_id__in=lab_ids))
        )
        .values("lab_id")
        .annotate(count=Count("id"))
        .order_by()
        .values_list("lab_id", "count")
    )
    return {
        lab_id: Drafts(count, oldest, unbalanced.get(lab_id, 0))
        for lab_id, (count, oldest) in counted.items()
    }


def _months_to_close(lab_ids: list[int], today: date) -> dict[int, MonthToClose]:
    """Per lab, the earliest open month of an open year that ended before this month."""
    rows = (
        Period.objects.filter(
            lab_id__in=lab_ids,
            status=Period.Status.OPEN,
            fiscal_year__status=FiscalYear.Status.OPEN,
            end_date__lt=today.replace(day=1),
        )
        .values("lab_id")
        .annotate(first=Min("start_date"), count=Count("id"))
        .order_by()
    )
    return {
        row["lab_id"]: MonthToClose(row["first"], row["first"].year, row["count"]) for row in rows
    }


def _refused(lab: Lab, today: date) -> list[ImportBatch]:
    """The lab's refused imports of the last REFUSED_DAYS days that no file of the same
    name and kind imported since has replaced (one more than shown: "and more")."""
    since = timezone.make_aware(datetime.combine(today - timedelta(days=REFUSED_DAYS), time.min))
    replaced = ImportBatch.objects.filter(
        lab_id=OuterRef("lab_id"),
        kind=OuterRef("kind"),
        file_name=OuterRef("file_name"),
        result=ImportBatch.Result.IMPORTED,
        created_at__gt=OuterRef("created_at"),
    )
    return list(
        ImportBatch.objects.filter(
            lab=lab, result=ImportBatch.Result.REFUSED, created_at__gte=since
        )
        .exclude(Exists(replaced))
        .select_related("created_by")
        .order_by("-created_at", "-id")[: REFUSED_SHOWN + 1]
    )


def _budget_year(years: list[FiscalYear], today: date) -> FiscalYear | None:
    """The fiscal year under way (the latest one begun), as the lab's first page picks it."""
    begun = [fy for fy in years if fy.start_date <= today]
    if begun:
        return begun[-1]
    return years[0] if years else None


def _watched_lines(lab: Lab, fiscal_year: FiscalYear | None, today: date) -> list[BudgetLineRow]:
    """The lines overspent or over 90 % consumed (the budget page's own flags), the
    overspent first, then the most consumed."""
    if fiscal_year is None:
        return []
    # The card shows book-currency figures only: no conversion to EUR.
    execution = budget_execution(lab=lab, fiscal_year=fiscal_year, on=today, eur=False)
    flagged = [row for row in execution.lines if row.book.overspent or row.book.watch]
    return sorted(
        flagged, key=lambda row: (not row.book.overspent, -(row.book.percent or 0), row.code)
    )


def _recent(lab: Lab) -> list[JournalEntry]:
    """The lab's last postings, latest first: the hash chain orders them (its index)."""
    return list(
        JournalEntry.objects.filter(lab=lab, chain_index__isnull=False)
        .select_related("journal")
        .order_by("-chain_index")[:RECENT_POSTINGS]
    )


def work_queue(*, labs: Sequence[Lab], today: date) -> list[LabQueue]:
    """The work queue of each of `labs` (in the order given), as of `today`."""
    lab_ids = [lab.pk for lab in labs]
    drafts = _drafts(lab_ids)
    months = _months_to_close(lab_ids, today)
    years: dict[int, list[FiscalYear]] = {pk: [] for pk in lab_ids}
    for fiscal_year in FiscalYear.objects.filter(lab_id__in=lab_ids).order_by("start_date"):
        years[fiscal_year.lab_id].append(fiscal_year)
    recent = {lab.pk: _recent(lab) for lab in labs}
    debits = entry_debit_totals(entry.pk for entries in recent.values() for entry in entries)
    queues = []
    for lab in labs:
        budget_year = _budget_year(years[lab.pk], today)
        refused = _refused(lab, today)
        queues.append(
            LabQueue(
                lab=lab,
                drafts=drafts.get(lab.pk, Drafts()),
                month_to_close=months.get(lab.pk),
                refused=tuple(refused[:REFUSED_SHOWN]),
                refused_more=len(refused) > REFUSED_SHOWN,
                budget_year=budget_year.year if budget_year else None,
                watched_lines=tuple(_watched_lines(lab, budget_year, today)),
                recent=tuple(
                    Posting(entry, debits.get(entry.pk, (ZERO, ZERO))[0])
                    for entry in recent[lab.pk]
                ),
            )
        )
    return queues
