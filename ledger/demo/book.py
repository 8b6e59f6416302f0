"""Write one lab's plan through the services: its budget lines, then its year in date
order (entries, orders signed, budgets amended, closed orders released)."""

from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.contrib.auth.models import User
from djmoney.money import Money

from irls.models import FundingSource, Lab
from ledger import services
from ledger.demo.budget import PlannedAmendment, PlannedCommitment, PlannedRelease
from ledger.demo.plan import ZERO, PlannedEntry, PlannedLine
from ledger.demo.scenario import LabPlan, Step
from ledger.models import Account, BudgetLine, Commitment, FiscalYear, Journal, JournalEntry
from ledger.selectors import budget_availability
from ledger.selectors.budget import OPEN_STATUSES


@dataclass
class _Books:
    """One lab being booked: what the plan's codes refer to, and the drafts to post."""

    lab: Lab
    user: User
    created: Counter[str]
    accounts: dict[str, Account]
    journals: dict[str, Journal]
    budget_lines: dict[str, BudgetLine]
    commitments: dict[str, Commitment] = field(default_factory=dict)
    booked: dict[str, JournalEntry] = field(default_factory=dict)
    waiting: list[JournalEntry] = field(default_factory=list)
    # What each budget line, and each open order, had left when the waiting drafts
    # started (None until a draft needs it), less what the drafts take of it.
    room: dict[str, Decimal] | None = None
    open_orders: dict[str, Decimal] = field(default_factory=dict)

    def post(self) -> None:
        """Post the waiting drafts, in date order, all at once."""
        if self.waiting:
            services.entries_post(acting_user=self.user, entries=self.waiting)
            self.created["posted entries"] += len(self.waiting)
            self.waiting.clear()
        self.room = None

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
            consumed = line.debit - line.credit
            if line.commitment:
                released = max(min(consumed, self.open_orders.get(line.commitment, ZERO)), ZERO)
                self.open_orders[line.commitment] = (
                    self.open_orders.get(line.commitment, ZERO) - released
                )
                consumed -= released
            room[line.budget_line] -= consumed
            over |= consumed > 0 and room[line.budget_line] < 0
        return over

    def _measure_room(self) -> dict[str, Decimal]:
        codes = {line.pk: code for code, line in self.budget_lines.items()}
        available = budget_availability(budget_line_ids=codes)
        self.room = {codes[pk]: amount for pk, amount in available.items()}
        self.open_orders = {
            ref: amount - settled
            for ref, amount, settled in Commitment.objects.filter(
                lab=self.lab, status__in=OPEN_STATUSES
            ).values_list("reference", "amount", "settled")
        }
        return self.room

    def line_input(self, line: PlannedLine) -> services.LineInput:
        tagged = services.LineInput(
            account=self.accounts[line.account],
            label=line.label,
            third_party=line.third_party,
            budget_line=self.budget_lines[line.budget_line] if line.budget_line else None,
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


def lab_book(*, lab: Lab, plan: LabPlan, user: User, created: Counter[str]) -> None:
    """Open the lab's budget lines, then write its year in date order. Entries are drafted
    and posted in batches; a reversal, an order, an amendment or a release first posts
    everything before it, so numbers follow the dates within each journal and every
    budget check sees the spending to date. An entry that may overspend a budget line is
    posted alone, so that the overspending flag names it."""
    books = _Books(
        lab=lab,
        user=user,
        created=created,
        accounts={a.code: a for a in Account.objects.filter(lab=lab)},
        journals={j.code: j for j in Journal.objects.filter(lab=lab)},
        budget_lines=_budget_lines(lab, plan, user, created),
    )
    for step in plan.steps:
        if isinstance(step, PlannedEntry) and not step.reverses:
            _draft(books, step)
        else:
            books.post()
            _book_step(books, step)
    books.post()


def _budget_lines(
    lab: Lab, plan: LabPlan, user: User, created: Counter[str]
) -> dict[str, BudgetLine]:
    fiscal_year = FiscalYear.objects.get(lab=lab, year=plan.year)
    sources = {s.code: s for s in FundingSource.objects.filter(lab=lab)}
    lines = {}
    for row in plan.budget_lines:
        lines[row.code] = services.budget_line_create(
            acting_user=user,
            lab=lab,
            fiscal_year=fiscal_year,
            funding_source=sources[row.funding],
            code=row.code,
            label_fr=row.label_fr,
            label_en=row.label_en,
            envelope=row.envelope,
            nature=row.nature,
            allocated=row.allocated,
            allocated_on=row.allocated_on,
            funder_category=row.funder_category,
            policy=row.policy,
        )
        created["budget lines"] += 1
    return lines


def _draft(books: _Books, planned: PlannedEntry) -> None:
    alone = not planned.draft and books.may_overspend(planned)
    if alone:
        books.post()
    entry = services.entry_create_draft(
        acting_user=books.user,
        lab=books.lab,
        journal=books.journals[planned.journal],
        date=planned.date,
        label=planned.label,
        piece_ref=planned.piece_ref,
        piece_date=planned.piece_date,
        lines=[books.line_input(line) for line in planned.lines],
    )
    books.booked[planned.key] = entry
    if planned.draft:
        books.created["draft entries"] += 1
    else:
        books.waiting.append(entry)
    if alone:
        books.post()


def _book_step(books: _Books, step: Step) -> None:
    """What is not a plain entry: a reversal, an order signed, a budget amended, or what a
    closed order did not use released."""
    user = books.user
    if isinstance(step, PlannedEntry):
        original = JournalEntry.objects.get(pk=books.booked[step.reverses].pk)
        books.booked[step.key] = services.entry_reverse(
            acting_user=user,
            entry=original,
            date=step.date,
            label=f"Reversal of {original.number}: {step.label}",
        )
        books.created["posted entries"] += 1
    elif isinstance(step, PlannedCommitment):
        books.commitments[step.reference] = services.commitment_create(
            acting_user=user,
            budget_line=books.budget_lines[step.budget_line],
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


def _amend(books: _Books, step: PlannedAmendment) -> None:
    target = books.budget_lines[step.budget_line]
    if step.from_line:
        services.budget_transfer(
            acting_user=books.user,
            source=books.budget_lines[step.from_line],
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
