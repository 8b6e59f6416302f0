"""The Entries list of a lab: its entries newest first, filtered, 50 a page, with the
totals of the whole filtered list.

Everything is computed by the database. A page is read by keyset (date, id) from the
index on (lab, status, date), one query a status, merged: the two statuses never need a
sort of the whole lab. The page's entries get their line sums and third parties from
one GROUP BY on their lines. The totals of the filtered list are a COUNT of the entries
and a SUM of their lines (of the lab's lines alone when nothing is filtered; of the
lines' own dates when only the month or status is); a first page that holds the whole
list takes its totals from its rows. The posted entries' part of the totals is kept in
Django's cache with the head of the lab's hash chain: paging and coming back cost
nothing, and after new postings only the entries posted since are read (posted entries
are frozen and only ever added at the end of the chain); the drafts' part is always
computed. Filters on lines
(account, third party, budget line, an amount searched) keep the entries that have such
a line; an amount is searched through the lines' (debit + credit) index.
"""

import hashlib
import heapq
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from irls.models import Lab
from ledger.fields import CENT, CentsField
from ledger.models import Account, JournalEntry, JournalLine

PER_PAGE = 50
# Third parties shown on a row; the others are counted ("+3").
THIRD_PARTIES_SHOWN = 3
STATUSES = (JournalEntry.Status.POSTED, JournalEntry.Status.DRAFT)
ZERO = Decimal("0.00")
TOTALS_KEPT_S = 7 * 24 * 3600  # how long a filter's posted totals stay in the cache

# What a typed amount may hold: digits, one decimal mark, grouping spaces or marks.
_AMOUNT_TEXT = re.compile(r"[+-]?[0-9][0-9 \u00a0\u202f\u2009'’.,]*")
_GROUPING = str.maketrans("", "", " \u00a0\u202f\u2009'’")
_CURSOR = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})\.([0-9]{1,18})")
_MAX_CENTS = 10**15  # far above any amount; keeps a typed number inside a BIGINT


@dataclass(frozen=True)
class EntryFilters:
    """What the list is narrowed to; an empty value filters nothing. Objects are ids of
    the lab's own journals, accounts, batches and budget lines (the view checks them)."""

    journal_id: int | None = None
    month: date | None = None  # the first day of the month
    status: str = ""
    account_id: int | None = None
    third_party: str = ""
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    import_batch_id: int | None = None
    budget_line_id: int | None = None
    search: str = ""
    language: str = "en"  # how a searched amount is read ("1,000": one thousand, or 1,00)
    date_from: date | None = None  # entries dated on or after (the API's filters)
    date_to: date | None = None  # entries dated on or before


@dataclass(frozen=True, order=True)
class Cursor:
    """A place in the list: the entry of that date and id (the list runs newest first)."""

    date: date
    id: int

    def __str__(self) -> str:
        return f"{self.date.isoformat()}.{self.id}"

    @classmethod
    def parse(cls, text: str) -> "Cursor | None":
        """The cursor written by `str()`; None for anything else."""
        match = _CURSOR.fullmatch(text or "")
        if match is None:
            return None
        try:
            return cls(date.fromisoformat(match.group(1)), int(match.group(2)))
        except ValueError:
            return None


@dataclass(frozen=True)
class EntryRef:
    id: int
    number: str | None


@dataclass(frozen=True)
class EntryRow:
    """One row of the list: the entry, its lines' totals and third parties."""

    id: int
    date: date
    number: str | None
    status: str
    year_end: str
    journal_code: str
    piece_ref: str
    label: str
    debit: Decimal
    credit: Decimal
    line_count: int
    third_parties: tuple[str, ...]
    more_third_parties: int
    reversal_of: EntryRef | None
    reversed_by: EntryRef | None
    import_batch_id: int | None

    @property
    def is_draft(self) -> bool:
        return self.status == JournalEntry.Status.DRAFT

    @property
    def difference(self) -> Decimal:
        """Debit minus credit: zero for a balanced entry."""
        return self.debit - self.credit

    @property
    def is_unbalanced(self) -> bool:
        """A draft that could not be posted as it is: its lines do not balance, or it
        has fewer than two lines."""
        return self.is_draft and (self.difference != 0 or self.line_count < 2)


@dataclass(frozen=True)
class EntryTotals:
    """The whole filtered list (every page): entries and the sums of their lines."""

    entries: int
    debit: Decimal
    credit: Decimal

    @property
    def difference(self) -> Decimal:
        return self.debit - self.credit

    def __add__(self, other: "EntryTotals") -> "EntryTotals":
        return EntryTotals(
            self.entries + other.entries, self.debit + other.debit, self.credit + other.credit
        )


@dataclass(frozen=True)
class EntryPage:
    """One page of the list, the totals of the whole filtered list, and where the
    pages before and after it start (None at either end)."""

    rows: tuple[EntryRow, ...]
    totals: EntryTotals
    older: Cursor | None  # the next page (older entries) starts after this one
    newer: Cursor | None  # the previous page (newer entries) ends before this one


# Reading what the user typed ---------------------------------------------------------


def amount_typed(text: str, language: str = "en") -> Decimal | None:
    """The amount in `text` as French or English writes it ("1 000,50", "1,000.50",
    "1000.5", "1.000,50"); None when it is not an amount of at most two decimals. A
    lone mark followed by three digits ("1,000", "1.000") groups thousands in the
    language that does not use it as its decimal mark."""
    written = (text or "").strip()
    if not _AMOUNT_TEXT.fullmatch(written):
        return None
    plain = written.translate(_GROUPING)
    commas, points = plain.count(","), plain.count(".")
    decimal_mark = "," if language.startswith("fr") else "."
    if commas and points:
        decimal_mark = "," if plain.rfind(",") > plain.rfind(".") else "."
    elif commas + points == 1:
        mark = "," if commas else "."
        if mark != decimal_mark and len(plain) - plain.rfind(mark) - 1 != 3:
            decimal_mark = mark  # "12,5" in English, "12.5" in French: a decimal
    grouping = "." if decimal_mark == "," else ","
    if plain.count(decimal_mark) > 1:
        return None
    plain = plain.replace(grouping, "").replace(decimal_mark, ".")
    try:
        number = Decimal(plain)
    except InvalidOperation:
        return None
    if not number.is_finite() or number != number.quantize(CENT) or abs(number) * 100 >= _MAX_CENTS:
        return None
    return abs(number).quantize(CENT)


# The filtered entries ------------------------------------------------------------------


def _lines(lab: Lab) -> QuerySet[JournalLine]:
    return JournalLine.objects.filter(lab=lab).order_by()


def _entry_total() -> Any:
    """An entry's total debit, as a correlated subquery (0 without lines)."""
    total = (
        JournalLine.objects.filter(entry_id=OuterRef("pk"))
        .order_by()
        .values("entry_id")
        .annotate(total=Sum("debit"))
        .values("total")
    )
    return Coalesce(Subquery(total), Value(0, output_field=CentsField()), output_field=CentsField())


def _search(lab: Lab, text: str, language: str) -> Q:
    """Entries whose number, piece reference or label holds `text`, or with a line of
    the amount `text` reads as. An amount written with a decimal mark or grouping
    ("1 000,50", "2,256.60") is searched as an amount only; bare digits ("4711") may be
    an amount or part of a number or reference, and are searched as both."""
    words = Q(number__icontains=text) | Q(piece_ref__icontains=text) | Q(label__icontains=text)
    typed = amount_typed(text, language)
    if typed is None or typed <= 0:
        return words
    # A line holds its amount on one side, the other is zero (a CHECK constraint):
    # debit + credit is the amount, one expression an index can hold.
    amount = ExpressionWrapper(F("debit") + F("credit"), output_field=CentsField())
    with_amount = Q(pk__in=_lines(lab).alias(amount=amount).filter(amount=typed).values("entry_id"))
    return with_amount | words if text.isdigit() else with_amount


class Rare(Func):
    """A condition the planner should take as rare. SQLite's statistics (ANALYZE) count
    the NULLs of a column as one value, so an index on a mostly-NULL column (an entry's
    import batch, its reversal) looks useless and the whole table is scanned instead;
    `likelihood()` tells it the truth. Other databases get the condition as it is."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, condition: Q) -> None:
        super().__init__(condition)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        return super().as_sql(compiler, connection, template="(%(expressions)s)", **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "likelihood(%(expressions)s, 0.0001)"
        return super().as_sql(compiler, connection, template=template, **extra)


def _with_line(lab: Lab, condition: Q, correlated: bool) -> Q:
    """Entries that have a line meeting `condition`: a correlated EXISTS for a page read
    in date order (it stops at the first lines that match), an IN list for counts and
    sums (the matching lines are read once)."""
    lines = _lines(lab).filter(condition)
    if correlated:
        return Q(Exists(lines.filter(entry_id=OuterRef("pk"))))
    return Q(pk__in=lines.values("entry_id"))


def filtered_entries(
    lab: Lab, filters: EntryFilters, *, correlated: bool = False
) -> QuerySet[JournalEntry]:
    """The lab's entries the filters keep (unordered). `correlated`: filters on lines
    as EXISTS (for a page read in order) rather than IN (for counting)."""
    entries = JournalEntry.objects.filter(lab=lab).order_by()
    if filters.journal_id:
        entries = entries.filter(journal_id=filters.journal_id)
    if filters.month:
        start, end = _month_bounds(filters.month)
        entries = entries.filter(date__gte=start, date__lt=end)
    if filters.date_from:
        entries = entries.filter(date__gte=filters.date_from)
    if filters.date_to:
        entries = entries.filter(date__lte=filters.date_to)
    if filters.status:
        entries = entries.filter(status=filters.status)
    if filters.import_batch_id:
        entries = entries.filter(Rare(Q(import_batch_id=filters.import_batch_id)))
    line_conditions = [
        Q(account_id=filters.account_id) if filters.account_id else None,
        Q(budget_line_id=filters.budget_line_id) if filters.budget_line_id else None,
        (
            Q(third_party__code__iexact=filters.third_party)
            | Q(third_party__name__icontains=filters.third_party)
            if filters.third_party
            else None
        ),
    ]
    for condition in line_conditions:
        if condition is not None:
            entries = entries.filter(_with_line(lab, condition, correlated))
    if filters.search:
        entries = entries.filter(_search(lab, filters.search, filters.language))
    if filters.amount_min is not None or filters.amount_max is not None:
        entries = entries.annotate(total_debit=_entry_total())
        if filters.amount_min is not None:
            entries = entries.filter(total_debit__gte=filters.amount_min)
        if filters.amount_max is not None:
            entries = entries.filter(total_debit__lte=filters.amount_max)
    return entries


def _month_bounds(month: date) -> tuple[date, date]:
    start = month.replace(day=1)
    return start, date(start.year + start.month // 12, start.month % 12 + 1, 1)


def _sums(lines: QuerySet[JournalLine]) -> tuple[Decimal, Decimal]:
    sums = lines.aggregate(debit=Sum("debit"), credit=Sum("credit"))
    return sums["debit"] or ZERO, sums["credit"] or ZERO


def _line_sums(lab: Lab, filters: EntryFilters) -> tuple[Decimal, Decimal]:
    """The sums of the lines of the entries the filters keep. Posted lines carry their
    entry's date (`entry_date`, NULL on drafts): when only the month or the status is
    filtered (or nothing), the posted part is read from the lines' (lab, account, date,
    debit, credit) index alone, its debits only (a posted entry balances: its credits
    are its debits, which the database enforces), and only the drafts are joined to
    their entries."""
    lines = _lines(lab)
    # The drafts are few: each is asked whether it has a matching line (EXISTS), rather
    # than every matching line of the lab read to find them (IN).
    drafts_only = filters.status == JournalEntry.Status.DRAFT
    if filters != EntryFilters(
        month=filters.month, status=filters.status, language=filters.language
    ):
        kept = filtered_entries(lab, filters, correlated=drafts_only)
        return _sums(lines.filter(entry_id__in=kept.values("pk")))
    debit, credit = ZERO, ZERO
    if filters.status != JournalEntry.Status.DRAFT:
        # Every account of the lab, named: PostgreSQL then reads a month from the index
        # account by account (it has no skip scan; SQLite does it unasked).
        accounts = Account.objects.filter(lab=lab).order_by().values("pk")
        posted = lines.filter(account_id__in=accounts, entry_date__isnull=False)
        if filters.month:
            start, end = _month_bounds(filters.month)
            posted = posted.filter(entry_date__gte=start, entry_date__lt=end)
        debit = credit = posted.aggregate(debit=Sum("debit"))["debit"] or ZERO
    if filters.status != JournalEntry.Status.POSTED:
        drafts = filtered_entries(
            lab, replace(filters, status=JournalEntry.Status.DRAFT), correlated=True
        )
        more = _sums(lines.filter(entry_id__in=drafts.values("pk")))
        debit, credit = debit + more[0], credit + more[1]
    return debit, credit


def _computed_totals(lab: Lab, filters: EntryFilters) -> EntryTotals:
    """A COUNT and one or two SUMs, all in the database."""
    drafts_only = filters.status == JournalEntry.Status.DRAFT
    count = filtered_entries(lab, filters, correlated=drafts_only).count()
    debit, credit = _line_sums(lab, filters)
    return EntryTotals(count, debit, credit)


def _chain_head(lab: Lab) -> tuple[int, str]:
    """The place and hash of the lab's last posted entry; (0, "") before any posting."""
    head = (
        JournalEntry.objects.filter(lab=lab, chain_index__isnull=False)
        .order_by("-chain_index")
        .values_list("chain_index", "hash")
        .first()
    )
    return (head[0] or 0, head[1]) if head else (0, "")


def _posted_since(lab: Lab, filters: EntryFilters, after: int, upto: int) -> EntryTotals:
    """The totals of the posted entries the filters keep among the chain's places
    `after` (excluded) to `upto`: read from the (lab, chain place) index, each entry
    asked for its matching lines."""
    entries = filtered_entries(lab, filters, correlated=True).filter(
        chain_index__gt=after, chain_index__lte=upto
    )
    debit, credit = _sums(_lines(lab).filter(entry_id__in=entries.values("pk")))
    return EntryTotals(entries.count(), debit, credit)


def _posted_totals(lab: Lab, filters: EntryFilters) -> EntryTotals:
    """The totals of the posted entries the filters keep, kept in Django's cache with
    the head of the lab's hash chain they were computed at. The database keeps every
    posted entry frozen and takes a new one only at the end of the chain (invariants 3
    and 8), whatever wrote it, and a filter keeps an entry or not by what the entry and
    its lines hold: the totals at a later head are those kept plus those of the entries
    posted since (read by their place in the chain), once the entry at the kept head is
    found with the kept hash. A total is kept only when the head did not move while it
    was computed."""
    length, head = _chain_head(lab)
    wanted = hashlib.sha256(repr(filters).encode()).hexdigest()
    key = f"irl-ledger:entry-totals:{lab.pk}:{wanted}"
    kept = cache.get(key)
    totals: EntryTotals | None = None
    if kept is not None:
        kept_length, kept_head, *figures = kept
        if (kept_length, kept_head) == (length, head):
            return EntryTotals(*figures)
        same_chain = kept_length == 0 or (
            kept_length < length
            and JournalEntry.objects.filter(
                lab=lab, chain_index=kept_length, hash=kept_head
            ).exists()
        )
        if same_chain:
            since = _posted_since(lab, filters, kept_length, length)
            totals = EntryTotals(*figures) + since
    if totals is None:
        totals = _computed_totals(lab, filters)
        if _chain_head(lab) != (length, head):
            return totals  # a posting came in meanwhile: counted, but not kept
    cache.set(key, (length, head, totals.entries, totals.debit, totals.credit), TOTALS_KEPT_S)
    return totals


def entry_totals(lab: Lab, filters: EntryFilters) -> EntryTotals:
    """The number of entries the filters keep and the sums of their lines: the posted
    entries' from the cache while nothing new is posted (`_posted_totals`), the drafts'
    always computed (they change, and are few)."""
    if filters.status == JournalEntry.Status.DRAFT:
        return _computed_totals(lab, filters)
    posted = _posted_totals(lab, replace(filters, status=JournalEntry.Status.POSTED))
    if filters.status == JournalEntry.Status.POSTED:
        return posted
    return posted + _computed_totals(lab, replace(filters, status=JournalEntry.Status.DRAFT))


# One page ------------------------------------------------------------------------------


def _page_ids(
    lab: Lab, filters: EntryFilters, older: Cursor | None, newer: Cursor | None, size: int
) -> list[Cursor]:
    """The (date, id) of up to `size` entries after `older` (or before `newer`), newest
    first: one query a status on the (lab, status, date) index, merged."""
    statuses = [filters.status] if filters.status else list(STATUSES)
    backwards = newer is not None and older is None
    found: list[list[Cursor]] = []
    for status in statuses:
        entries = filtered_entries(lab, replace(filters, status=status), correlated=True)
        if backwards:
            assert newer is not None
            entries = entries.filter(
                Q(date__gt=newer.date) | Q(date=newer.date, id__gt=newer.id)
            ).order_by("date", "id")
        else:
            if older is not None:
                entries = entries.filter(
                    Q(date__lt=older.date) | Q(date=older.date, id__lt=older.id)
                )
            entries = entries.order_by("-date", "-id")
        found.append([Cursor(d, i) for d, i in entries.values_list("date", "id")[:size]])
    if backwards:
        merged = list(heapq.merge(*found))[:size]
        return merged[::-1]
    return list(heapq.merge(*found, reverse=True))[:size]


ENTRY_FIELDS = (
    "id",
    "date",
    "number",
    "status",
    "year_end",
    "piece_ref",
    "label",
    "import_batch_id",
    "journal__code",
    "reversal_of_id",
    "reversal_of__number",
)


def entry_rows(ids: list[int]) -> list[EntryRow]:
    """The rows of the entries `ids`, in that order: three queries whatever their lines,
    read as plain values (no model instances)."""
    if not ids:
        return []
    entries = {
        values["id"]: values
        for values in JournalEntry.objects.filter(pk__in=ids).order_by().values(*ENTRY_FIELDS)
    }
    reversed_by = {
        original: EntryRef(pk, number)
        for pk, number, original in JournalEntry.objects.filter(Rare(Q(reversal_of_id__in=ids)))
        .order_by()
        .values_list("pk", "number", "reversal_of_id")
    }
    # One row per entry and third party: the sums and counts add up per entry.
    groups = (
        JournalLine.objects.filter(entry_id__in=ids)
        .order_by()
        .values("entry_id", "third_party")
        .annotate(debit=Sum("debit"), credit=Sum("credit"), lines=Count("id"))
        .order_by("entry_id", "third_party")
    )
    sums: dict[int, list[Any]] = {i: [ZERO, ZERO, 0, []] for i in ids}
    for group in groups:
        item = sums[group["entry_id"]]
        item[0] += group["debit"]
        item[1] += group["credit"]
        item[2] += group["lines"]
        if group["third_party"]:
            item[3].append(group["third_party"])
    return [_row(entries[i], reversed_by.get(i), *sums[i]) for i in ids if i in entries]


def _row(
    entry: dict[str, Any],
    reversed_by: EntryRef | None,
    debit: Decimal,
    credit: Decimal,
    lines: int,
    parties: list[str],
) -> EntryRow:
    reversal_of = entry["reversal_of_id"]
    return EntryRow(
        id=entry["id"],
        date=entry["date"],
        number=entry["number"],
        status=entry["status"],
        year_end=entry["year_end"],
        journal_code=entry["journal__code"],
        piece_ref=entry["piece_ref"],
        label=entry["label"],
        debit=debit,
        credit=credit,
        line_count=lines,
        third_parties=tuple(parties[:THIRD_PARTIES_SHOWN]),
        more_third_parties=max(0, len(parties) - THIRD_PARTIES_SHOWN),
        reversal_of=EntryRef(reversal_of, entry["reversal_of__number"]) if reversal_of else None,
        reversed_by=reversed_by,
        import_batch_id=entry["import_batch_id"],
    )


def entry_list_page(
    *,
    lab: Lab,
    filters: EntryFilters,
    older: Cursor | None = None,
    newer: Cursor | None = None,
    per_page: int = PER_PAGE,
) -> EntryPage:
    """A page of the lab's filtered entries, newest first: the first page, the one
    after `older` (older entries) or the one before `newer` (newer entries), with the
    totals of the whole filtered list (read from the page itself when it holds it all)."""
    cursors = _page_ids(lab, filters, older, newer, per_page + 1)
    backwards = newer is not None and older is None
    if backwards:
        more_newer = len(cursors) > per_page
        page = cursors[-per_page:] if more_newer else cursors
        if not more_newer and len(page) < per_page:
            # Back at the top: the first page, whole.
            return entry_list_page(lab=lab, filters=filters, per_page=per_page)
        more_older = True
    else:
        page = cursors[:per_page]
        more_older = len(cursors) > per_page
        more_newer = older is not None
    rows = tuple(entry_rows([c.id for c in page]))
    if older is None and newer is None and not more_older:
        # The first page holds the whole list: its rows' sums are the totals.
        totals = EntryTotals(
            len(rows), sum((r.debit for r in rows), ZERO), sum((r.credit for r in rows), ZERO)
        )
    else:
        totals = entry_totals(lab, filters)
    return EntryPage(
        rows=rows,
        totals=totals,
        older=page[-1] if page and more_older else None,
        newer=page[0] if page and more_newer else None,
    )


def entry_rows_after(
    lab: Lab, filters: EntryFilters, older: Cursor | None, size: int
) -> tuple[list[EntryRow], Cursor | None]:
    """Up to `size` rows after `older` (newest first) and the cursor of the next page
    (None on the last): the API's cursor pagination, by the list's own keyset."""
    cursors = _page_ids(lab, filters, older, None, size + 1)
    page = cursors[:size]
    following = page[-1] if len(cursors) > size else None
    return entry_rows([c.id for c in page]), following


def entry_rows_all(lab: Lab, filters: EntryFilters, chunk: int = 2000) -> Iterator[EntryRow]:
    """Every row of the filtered list, newest first, read `chunk` entries at a time
    (for the export: memory stays that of one chunk)."""
    older: Cursor | None = None
    while True:
        cursors = _page_ids(lab, filters, older, None, chunk)
        yield from entry_rows([c.id for c in cursors])
        if len(cursors) < chunk:
            return
        older = cursors[-1]
