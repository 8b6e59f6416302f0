"""What the year boundary reads: balances to close and carry, and whether the opening
balances of a year equal the closing balances of the one before (invariant 11).

Balances are grouped by account and, on balance-sheet accounts (classes 1 to 5), by
third party: the opening entries carry the third-party detail. Every figure is summed
by the database, in cents.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Case, CharField, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from irls.models import Lab
from ledger.models import Account, FiscalYear, Journal, JournalEntry, JournalLine
from ledger.selectors.books import _cents_sum

Key = tuple[int, str]  # (account id, third party)

# Opening entries (à-nouveaux): those the year-end closing writes, and any entry of the
# opening journal AN (the balances a lab brought into its first year).
OPENING = Q(journal__kind=Journal.Kind.OPENING) | Q(year_end=JournalEntry.YearEnd.OPENING)


def carried_opening_entries(labs: Iterable[Lab] | QuerySet[Lab]) -> QuerySet[JournalEntry]:
    """The posted opening entries of every fiscal year of the labs but each lab's first:
    they restate, per third party, balances whose lines are already in the books (the
    first year's opening entries bring in balances from before the books began).

    The items of a third-party account are its posted lines less these entries' lines: an
    invoice of December paid in January is lettered with its payment, and is what the
    ageing, the third-party ledger, the lettering pages and the third parties' pages show,
    across the year boundary (one rule for parties and reports/builders). A query, to be
    used as a subquery (`entry_id__in=...values("id")`)."""
    first = FiscalYear.objects.filter(lab=OuterRef("lab")).order_by("start_date").values("id")[:1]
    return JournalEntry.objects.filter(
        OPENING, lab__in=labs, status=JournalEntry.Status.POSTED
    ).exclude(fiscal_year_id=Subquery(first))


def carried_openings(lab: Lab, on: date | None = None) -> list[int]:
    """The ids of the lab's carried opening entries (`carried_opening_entries`), up to
    `on` when given."""
    entries = carried_opening_entries([lab])
    if on is not None:
        entries = entries.filter(date__lte=on)
    return list(entries.values_list("id", flat=True))


@dataclass(frozen=True)
class OpeningDifference:
    """An account (and third party) whose opening balance differs from the closing one."""

    account_code: str
    third_party: str
    closing: Decimal  # balance at the end of the earlier year (debit positive)
    opening: Decimal  # opening balance carried into the later year

    def __str__(self) -> str:
        who = f" ({self.third_party})" if self.third_party else ""
        return f"{self.account_code}{who}: closing {self.closing}, opening {self.opening}"


def _grouped(lines: QuerySet[JournalLine]) -> dict[Key, Decimal]:
    """Balance (debit - credit) per account and, on classes 1 to 5, third party."""
    party = Case(
        When(account__code__lt="6", then=Coalesce(F("third_party"), Value(""))),
        default=Value(""),
        output_field=CharField(),
    )
    rows = (
        lines.annotate(party=party)
        .values("account_id", "party")
        .annotate(balance=_cents_sum(F("debit") - F("credit")))
        .order_by()
    )
    return {(r["account_id"], r["party"]): r["balance"] for r in rows if r["balance"]}


def year_lines(fiscal_year: FiscalYear) -> QuerySet[JournalLine]:
    """The posted lines of a fiscal year (a line is dated once its entry is posted)."""
    return JournalLine.objects.filter(
        lab_id=fiscal_year.lab_id,
        entry_date__gte=fiscal_year.start_date,
        entry_date__lte=fiscal_year.end_date,
    )


def result_balances(fiscal_year: FiscalYear) -> dict[int, Decimal]:
    """Per income or expense account (classes 6 and 7): its balance in the year, after
    any closing entry already posted (so only what is left to close)."""
    # By account alone (no third party on these classes): the covering index answers.
    rows = (
        year_lines(fiscal_year)
        .filter(Q(account__code__startswith="6") | Q(account__code__startswith="7"))
        .values("account_id")
        .annotate(balance=_cents_sum(F("debit") - F("credit")))
        .order_by()
    )
    return {r["account_id"]: r["balance"] for r in rows if r["balance"]}


def closing_balances(fiscal_year: FiscalYear) -> dict[Key, Decimal]:
    """Per balance-sheet account (classes 1 to 5) and third party: the year's closing
    balance."""
    return _grouped(year_lines(fiscal_year).filter(account__code__lt="6"))


def opening_balances(fiscal_year: FiscalYear) -> dict[Key, Decimal]:
    """Per account and third party: the opening balances posted into the year (its
    opening journal's entries)."""
    return _grouped(
        JournalLine.objects.filter(
            entry__fiscal_year=fiscal_year,
            entry__status=JournalEntry.Status.POSTED,
            entry__journal__kind=Journal.Kind.OPENING,
        )
    )


def opening_differences(earlier: FiscalYear, later: FiscalYear) -> list[OpeningDifference]:
    """Where `later`'s opening balances differ from `earlier`'s closing balances (an
    income or expense account left unclosed counts as a difference)."""
    closing = _grouped(year_lines(earlier))
    opening = opening_balances(later)
    keys = sorted(k for k in closing.keys() | opening.keys() if closing.get(k) != opening.get(k))
    if not keys:
        return []
    codes = dict(Account.objects.filter(id__in={k[0] for k in keys}).values_list("id", "code"))
    zero = Decimal("0.00")
    return sorted(
        (
            OpeningDifference(codes[account], party, closing.get(key, zero), opening.get(key, zero))
            for key in keys
            for account, party in [key]
        ),
        key=lambda d: (d.account_code, d.third_party),
    )


def next_fiscal_year(fiscal_year: FiscalYear) -> FiscalYear | None:
    return FiscalYear.objects.filter(lab_id=fiscal_year.lab_id, year=fiscal_year.year + 1).first()


def previous_fiscal_year(fiscal_year: FiscalYear) -> FiscalYear | None:
    return FiscalYear.objects.filter(lab_id=fiscal_year.lab_id, year=fiscal_year.year - 1).first()


@dataclass(frozen=True)
class YearHead:
    """Where a fiscal year ends in the lab's hash chain: its posted entry placed last."""

    year: int
    number: str
    chain_index: int
    hash: str


def year_heads(lab_id: int) -> list[YearHead]:
    """For each fiscal year of the lab holding posted entries, its last chain entry."""
    heads = []
    for fiscal_year in FiscalYear.objects.filter(lab_id=lab_id).order_by("year"):
        last = (
            JournalEntry.objects.filter(fiscal_year=fiscal_year, status=JournalEntry.Status.POSTED)
            .order_by("-chain_index")
            .values_list("number", "chain_index", "hash")
            .first()
        )
        if last is not None:
            number, chain_index, hash_ = last
            heads.append(YearHead(fiscal_year.year, number or "", chain_index or 0, hash_))
    return heads
