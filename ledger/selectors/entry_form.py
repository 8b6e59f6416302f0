"""What the entry form and the entry page read: the lab's choices, its rates, an entry
with its lines, links and history. Scoped to one lab; a few queries whatever the books'
size (nothing here reads the ledger's lines but the entry's own)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import get_language

from irls.access import READ_ROLES, has_office_role, labs_for_user
from irls.models import Lab
from ledger import rules
from ledger.models import (
    Account,
    AuditEvent,
    BudgetLine,
    Commitment,
    ExchangeRate,
    FiscalYear,
    Journal,
    JournalEntry,
    JournalLine,
)
from ledger.selectors.budget import OPEN_STATUSES, budget_availability
from parties.models import ThirdParty

ZERO = Decimal("0.00")


def third_parties_offered(user: Any) -> dict[str, str]:
    """The active third parties (code -> name) a user may name on a line: every one for
    office-wide roles; for a user of some labs only, not those already named by lines of
    labs they may not see (which suppliers another lab buys from is that lab's own)."""
    offered = ThirdParty.objects.filter(is_active=True)
    if not has_office_role(user, READ_ROLES):
        elsewhere = JournalLine.objects.filter(third_party=OuterRef("code")).exclude(
            lab__in=labs_for_user(user)
        )
        offered = offered.exclude(Exists(elsewhere))
    return dict(offered.order_by("code").values_list("code", "name"))


def reads_french() -> bool:
    """True when the reader's language is French."""
    return (get_language() or "en").startswith("fr")


def account_name(account: Account) -> str:
    """The account's name in the reader's language."""
    return account.name_fr if reads_french() else account.name_en


def lab_accounts(lab: Lab) -> QuerySet[Account]:
    """The lab's active accounts, by code."""
    return Account.objects.filter(lab=lab, is_active=True).order_by("code")


def lab_journals(lab: Lab) -> QuerySet[Journal]:
    """The journals an accountant records in by hand (not the year-end openings)."""
    return Journal.objects.filter(lab=lab).order_by("code")


def open_budget_lines(lab: Lab) -> QuerySet[BudgetLine]:
    """The budget lines of the lab's open fiscal years."""
    return (
        BudgetLine.objects.filter(lab=lab, fiscal_year__status=FiscalYear.Status.OPEN)
        .select_related("fiscal_year")
        .order_by("fiscal_year__year", "code")
    )


def open_commitments(lab: Lab) -> QuerySet[Commitment]:
    """The lab's commitments an invoice may still settle."""
    return (
        Commitment.objects.filter(
            lab=lab,
            status__in=OPEN_STATUSES,
            budget_line__fiscal_year__status=FiscalYear.Status.OPEN,
        )
        .select_related("budget_line")
        .order_by("reference")
    )


def currencies(lab: Lab) -> list[str]:
    """The book currency first, then every currency with a chancellery rate (and EUR)."""
    held = set(
        ExchangeRate.objects.filter(source=ExchangeRate.Source.CHANCELLERY)
        .values_list("currency", flat=True)
        .distinct()
    )
    held.add("EUR")
    held.discard(lab.book_currency)
    return [lab.book_currency, *sorted(held)]


def form_data(lab: Lab, budget_lines: list[dict[str, Any]]) -> dict[str, Any]:
    """What the form's script needs to convert, total and warn while the accountant
    types: accounts (for the budget-line rule), chancellery rates per EUR by date,
    budget lines (values of `open_budget_lines`: id, code, policy, fiscal_year__year)
    with their available amount and policy."""
    available = budget_availability(budget_line_ids=open_budget_lines(lab).values("id"))
    rates: dict[str, list[tuple[str, str]]] = {}
    for currency, valid_from, units in (
        ExchangeRate.objects.filter(source=ExchangeRate.Source.CHANCELLERY)
        .order_by("currency", "valid_from")
        .values_list("currency", "valid_from", "units_per_eur")
    ):
        rates.setdefault(currency, []).append((valid_from.isoformat(), str(units)))
    return {
        "book_currency": lab.book_currency,
        "accounts": {
            code: needs
            for code, needs in lab_accounts(lab).values_list("code", "needs_budget_line")
        },
        "rates": rates,
        "budget_lines": {
            str(line["id"]): {
                "available": str(available.get(line["id"], ZERO)),
                "policy": line["policy"],
                "code": line["code"],
                "year": line["fiscal_year__year"],
            }
            for line in budget_lines
        },
    }


@dataclass(frozen=True)
class EntryLineRow:
    line: JournalLine
    account_name: str


@dataclass(frozen=True)
class EntryDetail:
    """An entry as its page shows it."""

    entry: JournalEntry
    lines: list[EntryLineRow]
    debit: Decimal
    credit: Decimal
    reversed_by: JournalEntry | None
    history: list[AuditEvent]

    @property
    def difference(self) -> Decimal:
        return self.debit - self.credit

    @property
    def balanced(self) -> bool:
        return self.debit == self.credit and len(self.lines) >= 2


def entry_in_lab_or_none(lab: Lab, entry_id: int) -> JournalEntry | None:
    """The entry `entry_id` if it is one of `lab`'s (None otherwise: the view's 404)."""
    return (
        JournalEntry.objects.filter(lab=lab, pk=entry_id)
        .select_related(
            "lab",
            "journal",
            "fiscal_year",
            "created_by",
            "posted_by",
            "reversal_of",
            "import_batch",
        )
        .first()
    )


def entry_detail(entry: JournalEntry) -> EntryDetail:
    """The entry's lines (in order, with account, budget line and commitment), totals,
    the entry that reversed it, and its audit events oldest first."""
    lines = list(
        entry.lines.select_related("account", "budget_line__fiscal_year", "commitment").order_by(
            "id"
        )
    )
    debit = sum((line.debit for line in lines), ZERO)
    credit = sum((line.credit for line in lines), ZERO)
    reversed_by = JournalEntry.objects.filter(reversal_of=entry).first()
    history = list(
        AuditEvent.objects.filter(object_type="ledger.JournalEntry", object_id=str(entry.pk))
        .select_related("actor", "lab")
        .order_by("at", "id")
    )
    return EntryDetail(
        entry=entry,
        lines=[EntryLineRow(line, account_name(line.account)) for line in lines],
        debit=debit,
        credit=credit,
        reversed_by=reversed_by,
        history=history,
    )


def default_reversal_date(lab: Lab, entry: JournalEntry, today: date) -> date | None:
    """Today when its month is open for posting and not before the entry; else None
    (the accountant picks the day)."""
    if today < entry.date:
        return None
    books = rules.books_read(lab)
    if rules.month_state(books, books.year_of(today), today) != rules.OPEN:
        return None
    return today
