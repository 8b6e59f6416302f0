"""Random bookkeeping against the invariants of ARCHITECTURE.md.

A hypothesis state machine records drafts (mostly balanced), posts them one by one or
in batches, reverses posted entries, tries to change posted ones, closes and reopens
months, over two labs, and keeps a model of what the books must hold. After every step
it checks, for each lab: the trial balance sums to zero and matches the model account
by account, numbers run 1..N per journal and year, every posted entry is exactly as it
was when posted, and the hash chain verifies.

The labs are built once; each example runs in a savepoint rolled back at its end, so
every example starts from empty books. On PostgreSQL the deferred guards (balance) are
fired after every step, as a commit would fire them.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import connection, transaction
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from irls import services as irls_services
from irls.models import Lab, Role
from ledger import services
from ledger.exceptions import (
    EntryFrozenError,
    NotPermittedError,
    PeriodClosedError,
    PeriodStateError,
    ReversalError,
    UnbalancedEntryError,
)
from ledger.models import Account, Journal, JournalEntry, JournalLine, Period
from ledger.selectors import lab_totals, ledger_verify, trial_balance
from tests.books import CHART, JOURNALS, lab_with_books

YEAR = 2025
YEAR_START, YEAR_END = date(YEAR, 1, 1), date(YEAR, 12, 31)
SPRING = date(YEAR, 3, 1)  # the trial balance is taken from here: Jan-Feb make the opening
LAB_CODES = ("PROPA", "PROPB")
ACCOUNT_CODES = [code for code, _, _ in CHART]
JOURNAL_CODES = [code for code, _, _, _ in JOURNALS]
ZERO = Decimal("0.00")

# Two amount scales: everyday cents, and sums large enough to break floating point.
cents = st.one_of(st.integers(1, 99_999), st.integers(1, 10**11))
# Dates and months crowd into the first quarter now and then, so that postings meet
# closed months often enough.
entry_dates = st.one_of(st.dates(YEAR_START, date(YEAR, 3, 31)), st.dates(YEAR_START, YEAR_END))
months = st.one_of(st.integers(1, 3), st.integers(1, 12))
labs = st.integers(0, len(LAB_CODES) - 1)

Line = tuple[str, Decimal, Decimal]  # account code, debit, credit


def _amount(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


@st.composite
def entry_lines(draw: st.DrawFn) -> tuple[list[Line], bool]:
    """Lines whose debits equal their credits, or (one time in eight) do not."""
    debits = draw(st.lists(cents, min_size=1, max_size=3))
    total = sum(debits)
    parts = draw(st.integers(1, min(3, total)))
    cuts: list[int] = []
    if parts > 1:
        cuts = sorted(
            draw(st.sets(st.integers(1, total - 1), min_size=parts - 1, max_size=parts - 1))
        )
    credits = [high - low for low, high in zip([0, *cuts], [*cuts, total], strict=True)]
    balanced = draw(st.integers(0, 7)) > 0
    if not balanced:
        credits[draw(st.integers(0, len(credits) - 1))] += draw(st.integers(1, 10**6))
    accounts = st.sampled_from(ACCOUNT_CODES)
    lines = [(draw(accounts), _amount(d), ZERO) for d in debits]
    lines += [(draw(accounts), ZERO, _amount(c)) for c in credits]
    return draw(st.permutations(lines)), balanced


@dataclass(frozen=True)
class Books:
    """What every example starts from: two labs with empty books, and two persons."""

    accountant: User
    office_head: User
    labs: list[Lab]
    accounts: dict[tuple[int, str], Account]
    journals: dict[tuple[int, str], Journal]
    periods: dict[tuple[int, int], Period]


def books_build() -> Books:
    user_model = get_user_model()
    accountant = user_model.objects.create_user(username="prop_accountant")
    office_head = user_model.objects.create_user(username="prop_office_head")
    irls_services.role_grant(acting_user=None, user=accountant, role=Role.ACCOUNTANT, lab=None)
    irls_services.role_grant(acting_user=None, user=office_head, role=Role.OFFICE_HEAD, lab=None)
    labs = [lab_with_books(code, YEAR) for code in LAB_CODES]
    index = {lab.pk: i for i, lab in enumerate(labs)}
    return Books(
        accountant,
        office_head,
        labs,
        accounts={(index[a.lab_id], a.code): a for a in Account.objects.filter(lab__in=labs)},
        journals={(index[j.lab_id], j.code): j for j in Journal.objects.filter(lab__in=labs)},
        periods={(index[p.lab_id], p.month): p for p in Period.objects.filter(lab__in=labs)},
    )


@dataclass
class DraftModel:
    lab: int
    journal: str
    date: date
    lines: list[Line]
    balanced: bool


@dataclass
class PostedModel:
    lab: int
    date: date
    snapshot: dict[str, Any]
    reversal_of: int | None = None
    reversed_by: int | None = None


ENTRY_COLUMNS = (
    "id",
    "lab_id",
    "status",
    "number",
    "seq",
    "journal__code",
    "date",
    "label",
    "posted_at",
    "reversal_of_id",
    "chain_index",
    "prev_hash",
    "hash",
)
LINE_COLUMNS = ("entry_id", "id", "account__code", "label", "debit", "credit", "entry_date")


def _entries(
    entry_columns: tuple[str, ...] = ENTRY_COLUMNS,
    line_columns: tuple[str, ...] = LINE_COLUMNS,
    **filters: Any,
) -> dict[int, dict[str, Any]]:
    """Entries as stored, with their lines (`line_columns` after the entry's id), by id."""
    entries = {
        row["id"]: row | {"lines": []}
        for row in JournalEntry.objects.filter(**filters).values(*entry_columns)
    }
    for line in (
        JournalLine.objects.filter(entry_id__in=list(entries))
        .order_by("entry_id", "id")
        .values_list(*line_columns)
    ):
        entries[line[0]]["lines"].append(line[1:])
    return entries


class LedgerMachine(RuleBasedStateMachine):
    books: ClassVar[Books]  # built by the test, outside the examples' savepoints

    def __init__(self) -> None:
        super().__init__()
        self._example = transaction.atomic()
        self._example.__enter__()
        self.closed: set[tuple[int, int]] = set()
        self.drafts: dict[int, DraftModel] = {}
        self.posted: dict[int, PostedModel] = {}
        self.last_seq: Counter[tuple[int, str]] = Counter()
        self.head: dict[int, str] = dict.fromkeys(range(len(LAB_CODES)), "")
        self.balances: defaultdict[tuple[int, str], Decimal] = defaultdict(Decimal)
        self.debit: defaultdict[int, Decimal] = defaultdict(Decimal)
        self.spring_debit: defaultdict[int, Decimal] = defaultdict(Decimal)

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._example.__exit__(None, None, None)

    # --- the model's expectations -----------------------------------------------------

    def _refusals(self, draft: DraftModel) -> tuple[type[Exception], ...]:
        """The errors posting `draft` may raise; empty when it must post. An unbalanced
        draft in a closed month may be refused for either reason."""
        refusals: list[type[Exception]] = []
        if not draft.balanced:
            refusals.append(UnbalancedEntryError)
        if (draft.lab, draft.date.month) in self.closed:
            refusals.append(PeriodClosedError)
        return tuple(refusals)

    def _record_posted(self, entry_id: int, reversal_of: int | None = None) -> None:
        """Check a fresh posting against the model, then remember its snapshot."""
        snapshot = _entries(pk=entry_id)[entry_id]
        draft = self.drafts.pop(entry_id)
        key = (draft.lab, draft.journal)
        self.last_seq[key] += 1
        assert snapshot["status"] == JournalEntry.Status.POSTED
        assert snapshot["seq"] == self.last_seq[key]
        assert snapshot["number"] == f"{draft.journal}-{YEAR}-{self.last_seq[key]:06d}"
        assert snapshot["prev_hash"] == self.head[draft.lab]
        assert snapshot["reversal_of_id"] == reversal_of
        assert [(code, d, c) for _, code, _, d, c, _ in snapshot["lines"]] == draft.lines
        assert all(line[-1] == draft.date for line in snapshot["lines"])
        self.head[draft.lab] = snapshot["hash"]
        for code, debit, credit in draft.lines:
            self.balances[(draft.lab, code)] += debit - credit
            self.debit[draft.lab] += debit
            if draft.date >= SPRING:
                self.spring_debit[draft.lab] += debit
        self.posted[entry_id] = PostedModel(draft.lab, draft.date, snapshot, reversal_of)

    def _assert_still_drafts(self, entry_ids: list[int]) -> None:
        """A refused posting leaves its drafts exactly as drafts: no number, no hash."""
        rows = JournalEntry.objects.filter(pk__in=entry_ids).values_list(
            "status", "number", "hash", "chain_index"
        )
        assert list(rows) == [(JournalEntry.Status.DRAFT, None, "", None)] * len(entry_ids)
        assert not JournalLine.objects.filter(
            entry_id__in=entry_ids, entry_date__isnull=False
        ).exists()

    def _reversible(self) -> list[int]:
        return sorted(
            i for i, p in self.posted.items() if p.reversal_of is None and p.reversed_by is None
        )

    def _not_reversible(self) -> list[int]:
        return sorted(
            i for i, p in self.posted.items() if p.reversal_of is not None or p.reversed_by
        )

    # --- rules ----------------------------------------------------------------------

    @rule(lab=labs, journal=st.sampled_from(JOURNAL_CODES), on=entry_dates, spec=entry_lines())
    def create_draft(self, lab: int, journal: str, on: date, spec: tuple[list[Line], bool]) -> None:
        lines, balanced = spec
        entry = services.entry_create_draft(
            acting_user=self.books.accountant,
            lab=self.books.labs[lab],
            journal=self.books.journals[(lab, journal)],
            date=on,
            label=f"{'Balanced' if balanced else 'Unbalanced'} entry of {on}",
            lines=[
                services.LineInput(account=self.books.accounts[(lab, code)], debit=d, credit=c)
                for code, d, c in lines
            ],
        )
        assert entry.number is None
        self.drafts[entry.pk] = DraftModel(lab, journal, on, lines, balanced)

    def _unbalanced(self) -> list[int]:
        return sorted(i for i, d in self.drafts.items() if not d.balanced)

    @precondition(lambda self: self._unbalanced())
    @rule(data=st.data())
    def delete_draft(self, data: st.DataObject) -> None:
        """The accountant throws a wrong draft away."""
        entry_id = data.draw(st.sampled_from(self._unbalanced()), label="draft")
        services.entry_delete_draft(
            acting_user=self.books.accountant, entry=JournalEntry.objects.get(pk=entry_id)
        )
        del self.drafts[entry_id]

    @precondition(lambda self: self.drafts)
    @rule(data=st.data())
    def post(self, data: st.DataObject) -> None:
        entry_id = data.draw(st.sampled_from(sorted(self.drafts)), label="draft")
        entry = JournalEntry.objects.get(pk=entry_id)
        refusals = self._refusals(self.drafts[entry_id])
        event("post: " + (" or ".join(e.__name__ for e in refusals) or "posted"))
        if refusals:
            with pytest.raises(refusals):
                services.entry_post(acting_user=self.books.accountant, entry=entry)
            self._assert_still_drafts([entry_id])
        else:
            services.entry_post(acting_user=self.books.accountant, entry=entry)
            self._record_posted(entry_id)

    @precondition(lambda self: len(self.drafts) >= 2)
    @rule(data=st.data())
    def post_batch(self, data: st.DataObject) -> None:
        """All or none: one refused draft keeps the whole batch in draft."""
        entry_ids = data.draw(
            st.lists(st.sampled_from(sorted(self.drafts)), min_size=2, max_size=4, unique=True),
            label="drafts",
        )
        entries = list(JournalEntry.objects.filter(pk__in=entry_ids))
        refusals = tuple({e for i in entry_ids for e in self._refusals(self.drafts[i])})
        event("post_batch: " + (" or ".join(sorted(e.__name__ for e in refusals)) or "posted"))
        if refusals:
            with pytest.raises(refusals):
                services.entries_post(acting_user=self.books.accountant, entries=entries)
            self._assert_still_drafts(entry_ids)
        else:
            services.entries_post(acting_user=self.books.accountant, entries=entries)
            # Numbers and the chain follow date order, then creation order.
            for entry_id in sorted(entry_ids, key=lambda i: (self.drafts[i].date, i)):
                self._record_posted(entry_id)

    @precondition(lambda self: self._reversible())
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        original_id = data.draw(st.sampled_from(self._reversible()), label="entry")
        original = self.posted[original_id]
        on = data.draw(st.dates(original.date, YEAR_END), label="reversal date")
        entry = JournalEntry.objects.get(pk=original_id)
        closed = (original.lab, on.month) in self.closed
        event("reverse: " + ("PeriodClosedError" if closed else "posted"))
        if closed:
            entries_before = JournalEntry.objects.count()
            with pytest.raises(PeriodClosedError):
                services.entry_reverse(acting_user=self.books.accountant, entry=entry, date=on)
            assert JournalEntry.objects.count() == entries_before
            return
        reversal = services.entry_reverse(acting_user=self.books.accountant, entry=entry, date=on)
        mirrored = [(code, c, d) for _, code, _, d, c, _ in original.snapshot["lines"]]
        journal = original.snapshot["journal__code"]
        self.drafts[reversal.pk] = DraftModel(original.lab, journal, on, mirrored, True)
        self._record_posted(reversal.pk, reversal_of=original_id)
        original.reversed_by = reversal.pk

    @precondition(lambda self: self.posted)
    @rule(data=st.data(), action=st.sampled_from(["update", "delete", "reverse"]))
    def change_posted_refused(self, data: st.DataObject, action: str) -> None:
        """A posted entry is neither edited nor deleted, a reversal is not reversed, nor
        an entry reversed twice (the snapshot check then proves that nothing moved)."""
        candidates = self._not_reversible() if action == "reverse" else sorted(self.posted)
        if not candidates:
            return
        entry_id = data.draw(st.sampled_from(candidates), label="entry")
        entry = JournalEntry.objects.get(pk=entry_id)
        user = self.books.accountant
        if action == "update":
            with pytest.raises(EntryFrozenError):
                services.entry_update_draft(acting_user=user, entry=entry, label="Edited")
        elif action == "delete":
            with pytest.raises(EntryFrozenError):
                services.entry_delete_draft(acting_user=user, entry=entry)
        else:
            with pytest.raises(ReversalError):
                services.entry_reverse(acting_user=user, entry=entry, date=entry.date)

    @precondition(lambda self: self.drafts or self.posted)
    @rule(data=st.data(), twice=st.booleans())
    def close_or_reopen_month(self, data: st.DataObject, twice: bool) -> None:
        """Close an open month, or have the office head reopen a closed one with a reason;
        `twice` repeats the change (refused) and, for a reopening, lets the accountant try
        first (refused too). Half of the time the month is one that holds a draft.

        Months close in order: closing a month while an earlier one is open is refused,
        so the open months before it are closed first, in order; a month holding a draft
        refuses to close, and the months after it stay open."""
        busy = sorted({(d.lab, d.date.month) for d in self.drafts.values()})
        any_month = st.tuples(labs, months)
        lab, month = data.draw(
            st.one_of(st.sampled_from(busy), any_month) if busy else any_month, label="month"
        )
        period = self.books.periods[(lab, month)]
        if (lab, month) in self.closed:
            if twice:
                with pytest.raises(NotPermittedError):
                    services.period_reopen(
                        acting_user=self.books.accountant, period=period, reason="Fix"
                    )
            services.period_reopen(acting_user=self.books.office_head, period=period, reason="Fix")
            self.closed.remove((lab, month))
            if twice:
                with pytest.raises(PeriodStateError):
                    services.period_reopen(
                        acting_user=self.books.office_head, period=period, reason="Fix"
                    )
            return
        earlier = [m for m in range(1, month) if (lab, m) not in self.closed]
        if earlier:
            with pytest.raises(PeriodStateError, match="months close in order"):
                services.period_close(acting_user=self.books.accountant, period=period)
        for m in [*earlier, month]:
            if any(d.lab == lab and d.date.month == m for d in self.drafts.values()):
                event("close: refused, the month holds drafts")
                with pytest.raises(PeriodStateError, match="while it holds drafts"):
                    services.period_close(
                        acting_user=self.books.accountant, period=self.books.periods[(lab, m)]
                    )
                return
            services.period_close(
                acting_user=self.books.accountant, period=self.books.periods[(lab, m)]
            )
            self.closed.add((lab, m))
        if twice:
            with pytest.raises(PeriodStateError):
                services.period_close(acting_user=self.books.accountant, period=period)

    # --- invariants, checked after every step ----------------------------------------

    @invariant()
    def books_hold(self) -> None:
        if connection.vendor == "postgresql":
            # Fire the deferred guards now, as a commit would, then defer them again.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED")
        entries = _entries(lab__in=self.books.labs)
        drafts = {i for i, e in entries.items() if e["status"] == JournalEntry.Status.DRAFT}
        assert drafts == set(self.drafts)
        posted = {i: e for i, e in entries.items() if e["status"] == JournalEntry.Status.POSTED}
        assert set(posted) == set(self.posted)
        for entry_id, model in self.posted.items():
            assert posted[entry_id] == model.snapshot, f"posted entry {entry_id} changed"
        for i, lab in enumerate(self.books.labs):
            self._assert_numbering(i, [e for e in posted.values() if e["lab_id"] == lab.pk])
            self._assert_balanced(i)
            result = ledger_verify(lab=lab)
            assert result.ok, f"{result.first_bad}: {result.reason}"
            assert result.entries == sum(1 for p in self.posted.values() if p.lab == i)
            assert result.head_hash == self.head[i]

    def _assert_numbering(self, i: int, posted: list[dict[str, Any]]) -> None:
        seqs: defaultdict[str, list[int]] = defaultdict(list)
        for entry in posted:
            seqs[entry["journal__code"]].append(entry["seq"])
        expected = {j: n for (lab, j), n in self.last_seq.items() if lab == i and n}
        assert {j: sorted(s) for j, s in seqs.items()} == {
            j: list(range(1, n + 1)) for j, n in expected.items()
        }

    def _assert_balanced(self, i: int) -> None:
        debit, credit = lab_totals(lab=self.books.labs[i])
        assert debit == credit == self.debit[i]
        rows = trial_balance(lab=self.books.labs[i], date_from=SPRING, date_to=YEAR_END)
        assert sum(r.opening for r in rows) == 0
        assert sum(r.debit for r in rows) == sum(r.credit for r in rows) == self.spring_debit[i]
        assert {r.account_code: r.closing for r in rows if r.closing} == {
            code: balance for (lab, code), balance in self.balances.items() if lab == i and balance
        }


@pytest.mark.django_db
def test_random_bookkeeping_keeps_the_invariants() -> None:
    class Machine(LedgerMachine):
        books = books_build()

    # A PostgreSQL round trip costs several in-process SQLite calls: fewer examples there
    # keep the module within the CI budget; each step still fires the PostgreSQL guards.
    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=20 if connection.vendor == "postgresql" else 30,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
