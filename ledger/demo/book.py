"""Write one lab's plan through the services: a year's budget lines, then its steps in
date order (entries, orders signed, budgets amended, closed orders released), and at the
year end what becomes of the orders still open.

Entries are posted in batches, in date order. An entry that settles an order goes
through `entry_create_draft` and `entries_post` (the path that ties an invoice to its
commitment); the others, most of the demo, through `entries_create_posted`, the bulk
path of posted imports (same rules, numbering, hashing and audit, a fraction of the
time)."""

from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.contrib.auth.models import User
from djmoney.money import Money

from irls.models import FundingSource, Lab
from ledger import rules, services
from ledger.demo.budget import PlannedAmendment, PlannedCommitment, PlannedRelease
from ledger.demo.data import DemoDataError
from ledger.demo.plan import ZERO, PlannedEntry, PlannedLine
from ledger.demo.scenario import LabPlan, Step
from ledger.fields import round_cents
from ledger.models import (
    Account,
    BudgetLine,
    Commitment,
    ExchangeRate,
    FiscalYear,
    Journal,
    JournalEntry,
)
from ledger.selectors import budget_availability
from ledger.selectors.books import BookRates
from ledger.selectors.budget import OPEN_STATUSES, commitments_to_review
from ledger.services.entries_bulk import RATE_PLACES, EntryDraft, LineDraft
from ledger.services.entries_bulk_post import entries_create_posted
from parties.models import ThirdParty

OPEN_AT_YEAR_END = (
    "{lab}: order {ref} is still open at the end of {year}: give it a year_end "
    "(carry_over or cancel) in purchase_orders.csv"
)
NOTHING_OPEN = "{lab}: order {ref} has a year_end instruction but is not open at the end of {year}"

BudgetKey = tuple[int, str]  # (fiscal year, budget line code)


@dataclass
class LabBooks:
    """One lab being booked: what the plan's codes refer to, and the drafts to post."""

    lab: Lab
    user: User
    created: Counter[str]
    accounts: dict[str, Account]
    journals: dict[str, Journal]
    rates: BookRates
    fiscal_years: dict[int, FiscalYear] = field(default_factory=dict)
    budget_lines: dict[BudgetKey, BudgetLine] = field(default_factory=dict)
    # By the plan's reference: an order carried over is the commitment it was carried to.
    commitments: dict[str, Commitment] = field(default_factory=dict)
    booked: dict[str, int] = field(default_factory=dict)  # entry ids by the plan's keys
    waiting: list[PlannedEntry] = field(default_factory=list)
    # What each budget line, and each open order, had left when the waiting drafts
    # started (None until a draft needs it), less what the drafts take of it.
    room: dict[BudgetKey, Decimal] | None = None
    open_orders: dict[str, Decimal] = field(default_factory=dict)
    # The third parties' payment terms (days), by code: the due dates of invoice lines.
    terms: dict[str, int] = field(default_factory=dict)

    @classmethod
    def start(cls, *, lab: Lab, user: User, created: Counter[str]) -> "LabBooks":
        return cls(
            lab=lab,
            user=user,
            created=created,
            accounts={a.code: a for a in Account.objects.filter(lab=lab)},
            journals={j.code: j for j in Journal.objects.filter(lab=lab)},
            rates=BookRates(book_currency=lab.book_currency),
            terms=dict(ThirdParty.objects.values_list("code", "payment_terms_days")),
        )

    def post(self) -> None:
        """Post the waiting entries so that each journal's numbers follow its dates: in
        segments, the entries that settle no order written posted at once, then those
        that do drafted and posted together."""
        for segment in _segments(self.waiting):
            plain = [entry for entry in segment if not _settles_an_order(entry)]
            settling = [entry for entry in segment if _settles_an_order(entry)]
            if plain:
                ids = entries_create_posted(
                    acting_user=self.user,
                    lab=self.lab,
                    entries=[self._posted_at_once(entry) for entry in plain],
                )
                self.booked.update(zip((entry.key for entry in plain), ids, strict=True))
            if settling:
                drafts = [self.drafted(entry) for entry in settling]
                services.entries_post(acting_user=self.user, entries=drafts)
            self.created["posted entries"] += len(segment)
        self.waiting.clear()
        self.room = None

    def drafted(self, planned: PlannedEntry) -> JournalEntry:
        entry = services.entry_create_draft(
            acting_user=self.user,
            lab=self.lab,
            journal=self.journals[planned.journal],
            date=planned.date,
            label=planned.label,
            piece_ref=planned.piece_ref,
            piece_date=planned.piece_date,
            lines=[self.line_input(line, planned.date.year) for line in planned.lines],
        )
        self.booked[planned.key] = entry.pk
        return entry

    def _posted_at_once(self, planned: PlannedEntry) -> EntryDraft:
        """The entry as the bulk path takes it: amounts in cents, each conversion with
        its rate, date and source (as `entry_create_draft` records them)."""
        year = planned.date.year
        lines = []
        for line in planned.lines:
            book = line.debit or line.credit
            fx: dict[str, object] = {}
            if line.currency and line.amount is not None:
                if line.bank_rate:
                    rate = (book / line.amount).quantize(RATE_PLACES)
                    rate_date, source = planned.date, ExchangeRate.Source.BANK
                else:
                    rate, rate_date = self.rates.rate(line.currency, planned.date)
                    source = ExchangeRate.Source.CHANCELLERY
                    assert round_cents(line.amount * rate) == book  # the plan's conversion
                fx = {
                    "currency": line.currency,
                    "amount_currency": line.amount,
                    "fx_rate": rate,
                    "fx_rate_date": rate_date,
                    "fx_rate_source": source,
                }
            budget_line = self.budget_lines[(year, line.budget_line)] if line.budget_line else None
            account = self.accounts[line.account]
            due = (
                rules.due_date(
                    self.journals[planned.journal].kind,
                    account.needs_third_party,
                    planned.piece_date or planned.date,
                    self.terms[line.third_party],
                )
                if line.third_party
                else None
            )
            lines.append(
                LineDraft(
                    account_id=account.pk,
                    debit=int(line.debit * 100),
                    credit=int(line.credit * 100),
                    label=line.label[:200],
                    third_party=line.third_party,
                    due_date=due,
                    budget_line_id=budget_line.pk if budget_line else None,
                    **fx,  # type: ignore[arg-type]
                )
            )
        return EntryDraft(
            journal_id=self.journals[planned.journal].pk,
            fiscal_year_id=self.fiscal_years[year].pk,
            date=planned.date,
            label=planned.label,
            piece_ref=planned.piece_ref,
            piece_date=planned.piece_date,
            lines=lines,
        )

    def may_overspend(self, planned: PlannedEntry) -> bool:
        """Whether `planned`, after the waiting drafts, takes a budget line past what is
        available (what it invoices on an open order is already reserved)."""
        if not any(line.budget_line for line in planned.lines):
            return False
        room = self.room if self.room is not None else self._measure_room()
        over = False
        for line in planned.lines:
            if not line.budget_line:
                continue
            key = (planned.date.year, line.budget_line)
            consumed = line.debit - line.credit
            if line.commitment:
                released = max(min(consumed, self.open_orders.get(line.commitment, ZERO)), ZERO)
                self.open_orders[line.commitment] = (
                    self.open_orders.get(line.commitment, ZERO) - released
                )
                consumed -= released
            room[key] -= consumed
            over |= consumed > 0 and room[key] < 0
        return over

    def _measure_room(self) -> dict[BudgetKey, Decimal]:
        keys = {line.pk: key for key, line in self.budget_lines.items()}
        available = budget_availability(budget_line_ids=keys)
        self.room = {keys[pk]: amount for pk, amount in available.items()}
        references = {commitment.pk: ref for ref, commitment in self.commitments.items()}
        self.open_orders = {
            references[pk]: amount - settled
            for pk, amount, settled in Commitment.objects.filter(
                pk__in=references, status__in=OPEN_STATUSES
            ).values_list("pk", "amount", "settled")
        }
        return self.room

    def line_input(self, line: PlannedLine, year: int) -> services.LineInput:
        tagged = services.LineInput(
            account=self.accounts[line.account],
            label=line.label,
            third_party=line.third_party,
            budget_line=self.budget_lines[(year, line.budget_line)] if line.budget_line else None,
            commitment=self.commitments[line.commitment] if line.commitment else None,
        )
        if line.currency and not line.bank_rate:
            # Given without book amount, the service converts at the stored chancellery
            # rate and records the rate, its date and its source on the line.
            return replace(
                tagged,
                amount_currency=Money(line.amount, line.currency),
                side="debit" if line.debit else "credit",
            )
        foreign = Money(line.amount, line.currency) if line.currency else None
        return replace(tagged, debit=line.debit, credit=line.credit, amount_currency=foreign)


def budget_open(books: LabBooks, plan: LabPlan, fiscal_year: FiscalYear) -> None:
    """The budget lines of `fiscal_year`, allocated as notified (in EUR: at the
    chancellery rate of the day of the notification)."""
    books.fiscal_years[fiscal_year.year] = fiscal_year
    sources = {s.code: s for s in FundingSource.objects.filter(lab=books.lab)}
    for row in plan.budget_lines_of(fiscal_year.year):
        notified = bool(row.currency) and row.currency != books.lab.book_currency
        books.budget_lines[(fiscal_year.year, row.code)] = services.budget_line_create(
            acting_user=books.user,
            lab=books.lab,
            fiscal_year=fiscal_year,
            funding_source=sources[row.funding],
            code=row.code,
            label_fr=row.label_fr,
            label_en=row.label_en,
            envelope=row.envelope,
            nature=row.nature,
            allocated=None if notified else row.allocated,
            notified_currency=row.currency if notified else "",
            notified_amount=row.allocated if notified else None,
            allocated_on=row.allocated_on,
            funder_category=row.funder_category,
            policy=row.policy,
        )
        books.created["budget lines"] += 1


def steps_book(books: LabBooks, steps: list[Step]) -> None:
    """Write steps in date order. Entries are drafted and posted in batches; a reversal,
    an order, an amendment or a release first posts everything before it, so numbers
    follow the dates within each journal and every budget check sees the spending to
    date. An entry that may overspend a budget line is posted alone, so that the
    overspending flag names it."""
    for step in steps:
        if isinstance(step, PlannedEntry) and not step.reverses:
            _draft(books, step)
        else:
            books.post()
            _book_step(books, step)
    books.post()


def orders_review(books: LabBooks, plan: LabPlan, fiscal_year: FiscalYear) -> None:
    """Before `fiscal_year` closes, each order still open is carried over to the same
    budget line of the next year or cancelled with its reason (purchase_orders.csv)."""
    references = {commitment.pk: ref for ref, commitment in books.commitments.items()}
    reviewed = set()
    for commitment in commitments_to_review(fiscal_year):
        ref = references.get(commitment.pk, commitment.reference)
        order = plan.year_end.get(ref)
        if order is None:
            raise DemoDataError(
                OPEN_AT_YEAR_END.format(lab=books.lab.code, ref=ref, year=fiscal_year.year)
            )
        if order.carry_over:
            books.commitments[ref] = services.commitment_carry_over(
                acting_user=books.user, commitment=commitment
            )
            books.created["commitments carried over"] += 1
        else:
            services.commitment_cancel(
                acting_user=books.user, commitment=commitment, reason=order.reason
            )
            books.created["commitments cancelled"] += 1
        reviewed.add(ref)
    signed = {ref for ref, c in books.commitments.items() if c.date.year == fiscal_year.year}
    for ref in sorted((set(plan.year_end) & signed) - reviewed):
        raise DemoDataError(NOTHING_OPEN.format(lab=books.lab.code, ref=ref, year=fiscal_year.year))


def _settles_an_order(planned: PlannedEntry) -> bool:
    return any(line.commitment for line in planned.lines)


def _segments(waiting: list[PlannedEntry]) -> list[list[PlannedEntry]]:
    """`waiting` (in date order) cut where an entry that settles no order follows, in
    its journal, one that does: within a segment the first kind is posted first, so a
    journal's numbers still follow its dates."""
    segments: list[list[PlannedEntry]] = [[]]
    settling_journals: set[str] = set()
    for entry in waiting:
        if _settles_an_order(entry):
            settling_journals.add(entry.journal)
        elif entry.journal in settling_journals:
            segments.append([])
            settling_journals = set()
        segments[-1].append(entry)
    return [segment for segment in segments if segment]


def _draft(books: LabBooks, planned: PlannedEntry) -> None:
    """Queue `planned` for posting (alone if it may overspend a budget line, so that the
    overspending flag names it), or leave it a draft."""
    if planned.draft:
        books.drafted(planned)
        books.created["draft entries"] += 1
        return
    alone = books.may_overspend(planned)
    if alone:
        books.post()
    books.waiting.append(planned)
    if alone:
        books.post()


def _book_step(books: LabBooks, step: Step) -> None:
    """What is not a plain entry: a reversal, an order signed, a budget amended, or what a
    closed order did not use released."""
    user = books.user
    if isinstance(step, PlannedEntry):
        books.booked[step.key] = services.entry_reverse(
            acting_user=user,
            entry=JournalEntry.objects.get(pk=books.booked[step.reverses]),
            date=step.date,
            reason=step.label,
        ).pk
        books.created["posted entries"] += 1
    elif isinstance(step, PlannedCommitment):
        books.commitments[step.reference] = services.commitment_create(
            acting_user=user,
            budget_line=books.budget_lines[(step.date.year, step.budget_line)],
            kind=step.kind,
            reference=step.reference,
            third_party=step.third_party,
            label=step.label,
            amount=step.amount,
            on=step.date,
        )
        books.created["commitments"] += 1
    elif isinstance(step, PlannedAmendment):
        _amend(books, step)
        books.created["budget amendments"] += 1
    elif isinstance(step, PlannedRelease):
        services.commitment_cancel(
            acting_user=user, commitment=books.commitments[step.reference], reason=step.reason
        )
        books.created["mission orders closed"] += 1
    books.room = None


def _amend(books: LabBooks, step: PlannedAmendment) -> None:
    year = step.date.year
    target = books.budget_lines[(year, step.budget_line)]
    if step.from_line:
        services.budget_transfer(
            acting_user=books.user,
            source=books.budget_lines[(year, step.from_line)],
            target=target,
            amount=step.amount,
            on=step.date,
            justification=step.justification,
        )
    else:
        services.budget_line_amend(
            acting_user=books.user,
            budget_line=target,
            amount=step.amount,
            on=step.date,
            justification=step.justification,
        )
