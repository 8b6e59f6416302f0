"""Budget lines, amendments and commitments, and the budget check made at posting."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from irls.models import FundingSource, Lab
from ledger.alert_thresholds import DEFAULT_ALERT_THRESHOLDS, alert_thresholds_text
from ledger.exceptions import (
    AMOUNT_NOT_POSITIVE,
    AMOUNT_OF_AMENDMENT,
    AMOUNT_OF_BUDGET_LINE,
    AMOUNT_OF_COMMITMENT,
    AMOUNT_OF_RATE,
    AMOUNT_OF_TRANSFER,
    BUDGET_EXCEEDED,
    BUDGET_YEAR_CLOSED,
    COMMITMENT_ACTIONS,
    COMMITMENT_CLOSED,
    COMMITMENT_OTHER_YEAR,
    CROSS_LAB,
    EXCEEDED_BY_COMMITMENT,
    EXCEEDED_BY_CUT,
    TRANSFER_EXCEEDS,
    TRANSFER_SAME_LINE,
    WHAT_FISCAL_YEAR,
    WHAT_FUNDING_SOURCE,
    BudgetError,
    BudgetExceededError,
    CommitmentError,
    CrossLabError,
)
from ledger.fields import round_cents
from ledger.models import BudgetAmendment, BudgetLine, Commitment, ExchangeRate, FiscalYear
from ledger.selectors.books import book_rate, format_amount
from ledger.selectors.budget import budget_availability
from ledger.services.access import require_role
from ledger.services.audit import audit_record
from ledger.signals import budget_lines_changed

ZERO = Decimal("0.00")

NOTIFIED_INCOMPLETE = _(
    "Budget line {code}: an allocation notified in {currency} needs the notified amount"
)
NOTIFIED_MISMATCH = _(
    "Budget line {code}: {amount} {currency} at {rate} is {expected} {book}, not the "
    "{allocated} {book} given as allocated; leave the allocation empty to compute it"
)
ALLOCATION_MISSING = _(
    "Budget line {code}: give the allocation, or the amount notified and its currency"
)
COMMITMENT_CARRIED = _(
    "Commitment {ref} was carried over to {year} as {new}: invoice {new} instead"
)


def _require(user: User | None, lab: Lab, action: str) -> None:
    if user is not None:  # None: the system (load_demo, imports run on the server)
        require_role(user, lab, action)


def budget_line_label(line: BudgetLine) -> str:
    """The line's label in the active language (the English one when it has no French)."""
    if (get_language() or "en").startswith("fr") and line.label_fr:
        return line.label_fr
    return line.label_en


# -- telling other apps (ledger.signals) ------------------------------------------------------

# The attribute of the on-commit callback that holds the ids of the lines it will name.
_TOUCHED = "budget_line_ids"


def budget_lines_touched(line_ids: Iterable[int], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Say that the transaction under way changes what these budget lines hold: once it
    commits, `ledger.signals.budget_lines_changed` is sent with every line touched. One
    callback per transaction whatever the number of calls (a demo load or an import of
    thousands of postings sends one signal); nothing else is done in the transaction. A
    rolled-back savepoint drops its callback; a line of a rolled-back part may still be
    named (a receiver checks a line for nothing, never misses one)."""
    ids = {int(line_id) for line_id in line_ids if line_id is not None}
    if not ids:
        return
    connection = transaction.get_connection(using)
    for _savepoints, callback, _robust in connection.run_on_commit:
        pending = getattr(callback, _TOUCHED, None)
        if pending is not None:
            pending.update(ids)
            return
    transaction.on_commit(_touched_callback(ids), using=using, robust=True)


def _touched_callback(ids: set[int]) -> Callable[[], None]:
    def budget_lines_changed_send() -> None:
        # Sent once: a callback that ran takes no more lines (tests run callbacks that
        # stay listed, django.test's captureOnCommitCallbacks).
        setattr(budget_lines_changed_send, _TOUCHED, None)
        budget_lines_changed.send(sender=BudgetLine, line_ids=frozenset(ids))

    setattr(budget_lines_changed_send, _TOUCHED, ids)
    return budget_lines_changed_send


def budget_lines_hold(line_ids: Iterable[int]) -> None:
    """Lock these budget lines until the transaction ends (in id order, as every writer
    does). Every posting, commitment and amendment locks its lines first, so figures read
    meanwhile hold still, and two holders of the same lines run one after the other (the
    alerts' check, alerts.services). SQLite's IMMEDIATE transactions serialise anyway."""
    ids = sorted({int(line_id) for line_id in line_ids})
    if ids:
        list(
            BudgetLine.objects.select_for_update(of=("self",))
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def _positive(amount: Decimal, what: str) -> Decimal:
    if amount <= 0:
        raise BudgetError(AMOUNT_NOT_POSITIVE.format(what=what))
    return amount


@transaction.atomic
def budget_line_create(
    *,
    acting_user: User | None,
    lab: Lab,
    fiscal_year: FiscalYear,
    funding_source: FundingSource,
    code: str,
    label_fr: str,
    label_en: str,
    envelope: str,
    nature: str,
    allocated: Decimal | None = None,
    allocated_on: date,
    funder_category: str = "",
    policy: str = BudgetLine.Policy.WARN,
    notified_currency: str = "",
    notified_amount: Decimal | None = None,
    notified_rate: Decimal | None = None,
    notified_rate_source: str = ExchangeRate.Source.CHANCELLERY,
    alert_thresholds: str = DEFAULT_ALERT_THRESHOLDS,
) -> BudgetLine:
    """Open a budget line with its original allocation (never changed afterwards), and
    its alert thresholds ("80,100" by default; ledger.alert_thresholds).

    An allocation notified in another currency (the CNRS and the ANR notify in EUR) gives
    `notified_currency` and `notified_amount`; the line keeps them with the rate it is
    booked at (`notified_rate`, book units per notified unit; by default the chancellery
    rate in force on `allocated_on`), and allocated = amount x rate, rounded half-up to
    the cent."""
    _require(acting_user, lab, "manage budgets")
    _refuse_if_year_closed(fiscal_year, lab, code)
    for what, obj in ((WHAT_FISCAL_YEAR, fiscal_year), (WHAT_FUNDING_SOURCE, funding_source)):
        if obj.lab_id != lab.pk:
            raise CrossLabError(
                CROSS_LAB.format(what=what, code=obj, other=obj.lab_id, lab=lab.code)
            )
    notification: dict[str, Any] = {}
    if notified_currency and notified_currency != lab.book_currency:
        notification = _notification(
            code=code,
            book_currency=lab.book_currency,
            currency=notified_currency,
            amount=notified_amount,
            rate=notified_rate,
            source=notified_rate_source,
            on=allocated_on,
        )
        expected = notification["allocated"]
        if allocated is not None and allocated != expected:
            raise BudgetError(
                NOTIFIED_MISMATCH.format(
                    code=code,
                    amount=format_amount(notification["notified_amount"]),
                    currency=notified_currency,
                    rate=notification["notified_rate"],
                    expected=format_amount(expected),
                    allocated=format_amount(allocated),
                    book=lab.book_currency,
                )
            )
        allocated = expected
    if allocated is None:
        raise BudgetError(ALLOCATION_MISSING.format(code=code))
    line = BudgetLine(
        lab=lab,
        fiscal_year=fiscal_year,
        funding_source=funding_source,
        code=code,
        label_fr=label_fr,
        label_en=label_en,
        envelope=envelope,
        nature=nature,
        funder_category=funder_category,
        allocated=allocated,
        allocated_on=allocated_on,
        policy=policy,
        alert_thresholds=alert_thresholds_text(alert_thresholds),
        created_by=acting_user,
        **{k: v for k, v in notification.items() if k != "allocated"},
    )
    line.full_clean()
    line.save()
    audit_record(
        actor=acting_user,
        action="budget_line.create",
        obj=line,
        lab=lab,
        after={
            "code": code,
            "allocated": str(allocated),
            "policy": policy,
            "funding_source": funding_source.code,
            **{k: str(v) for k, v in notification.items() if k != "allocated"},
            **(
                {"alert_thresholds": line.alert_thresholds}
                if line.alert_thresholds != DEFAULT_ALERT_THRESHOLDS
                else {}
            ),
        },
    )
    return line


def budget_line_notified_allocation(
    *, lab: Lab, currency: str, amount: Decimal, rate: Decimal | None, on: date
) -> Decimal:
    """The allocation in book currency of `amount` notified in `currency`: at `rate`, or
    at the chancellery rate in force on `on`, rounded half-up to the cent (a read, for
    forms that show the allocation before the line is created)."""
    notification = _notification(
        code="",
        book_currency=lab.book_currency,
        currency=currency,
        amount=amount,
        rate=rate,
        source=ExchangeRate.Source.CHANCELLERY,
        on=on,
    )
    allocated: Decimal = notification["allocated"]
    return allocated


def _notification(
    *,
    code: str,
    book_currency: str,
    currency: str,
    amount: Decimal | None,
    rate: Decimal | None,
    source: str,
    on: date,
) -> dict[str, Any]:
    """The notified fields of a line and the allocation they make in book currency."""
    if amount is None:
        raise BudgetError(NOTIFIED_INCOMPLETE.format(code=code, currency=currency))
    if amount < 0:
        raise BudgetError(AMOUNT_NOT_POSITIVE.format(what=AMOUNT_OF_BUDGET_LINE.format(code=code)))
    rate_date = on
    if rate is None:
        rate, rate_date = book_rate(
            book_currency=book_currency, currency=currency, on=on, source=source
        )
    elif rate <= 0:
        raise BudgetError(AMOUNT_NOT_POSITIVE.format(what=AMOUNT_OF_RATE.format(code=code)))
    return {
        "notified_currency": currency,
        "notified_amount": amount,
        "notified_rate": rate,
        "notified_rate_date": rate_date,
        "notified_rate_source": source,
        "allocated": round_cents(amount * rate),
    }


@transaction.atomic
def budget_line_update(
    *,
    acting_user: User | None,
    budget_line: BudgetLine,
    label_fr: str,
    label_en: str,
    policy: str,
    funder_category: str,
    alert_thresholds: str | None = None,
) -> BudgetLine:
    """Change a line's labels, overspending policy, funder's category and alert
    thresholds (None: unchanged); its allocation, lab, year and code never change
    (amendments change what it holds). New thresholds are checked once it commits."""
    line = _locked_lines(budget_line)[budget_line.pk]
    _require(acting_user, line.lab, "manage budgets")
    changes = {
        "label_fr": label_fr,
        "label_en": label_en,
        "policy": policy,
        "funder_category": funder_category,
    }
    if alert_thresholds is not None:  # written the one way lines keep it ("80,100")
        changes["alert_thresholds"] = alert_thresholds_text(alert_thresholds)
    before = {name: getattr(line, name) for name in changes if getattr(line, name) != changes[name]}
    if not before:
        return line
    for name, value in changes.items():
        setattr(line, name, value)
    line.full_clean()
    line.save(update_fields=sorted(before))
    if "alert_thresholds" in before:
        budget_lines_touched([line.pk])
    audit_record(
        actor=acting_user,
        action="budget_line.update",
        obj=line,
        lab=line.lab,
        before=before,
        after={name: changes[name] for name in before},
    )
    return line


def _locked_lines(*lines: BudgetLine) -> dict[int, BudgetLine]:
    """The budget lines, locked, for a change of their budget: refused on a line of a
    closed fiscal year (its budget, commitments included, no longer changes)."""
    locked = {
        b.pk: b
        for b in BudgetLine.objects.select_for_update(of=("self",))
        .select_related("lab", "fiscal_year")
        .filter(pk__in=[b.pk for b in lines])
        .order_by("pk")
    }
    for line in locked.values():
        _refuse_if_year_closed(line.fiscal_year, line.lab, line.code)
    return locked


def _refuse_if_year_closed(fiscal_year: FiscalYear, lab: Lab, code: str) -> None:
    if fiscal_year.status == FiscalYear.Status.CLOSED:
        raise BudgetError(BUDGET_YEAR_CLOSED.format(code=code, year=fiscal_year.year, lab=lab.code))


def _amendment(
    user: User | None,
    line: BudgetLine,
    kind: str,
    delta: Decimal,
    on: date,
    justification: str,
    counterpart: BudgetAmendment | None = None,
) -> BudgetAmendment:
    amendment = BudgetAmendment(
        budget_line=line,
        kind=kind,
        delta=delta,
        date=on,
        justification=justification,
        counterpart=counterpart,
        created_by=user,
    )
    amendment.full_clean()
    amendment.save()
    budget_lines_touched([line.pk])
    audit_record(
        actor=user,
        action=f"budget_line.{kind}",
        obj=line,
        lab=line.lab,
        after={"delta": str(delta), "date": on.isoformat(), "justification": justification},
    )
    return amendment


@transaction.atomic
def budget_line_amend(
    *,
    acting_user: User | None,
    budget_line: BudgetLine,
    amount: Decimal,
    on: date,
    justification: str,
) -> BudgetAmendment:
    """Top up (amount > 0) or cut (amount < 0) a line, dated and justified."""
    line = _locked_lines(budget_line)[budget_line.pk]
    _require(acting_user, line.lab, "manage budgets")
    if amount == 0:
        raise BudgetError(
            AMOUNT_NOT_POSITIVE.format(what=AMOUNT_OF_AMENDMENT.format(code=line.code))
        )
    if amount < 0:
        _check_room(
            line, -amount, EXCEEDED_BY_CUT.format(amount=format_amount(-amount)), always=True
        )
    kind = BudgetAmendment.Kind.TOP_UP if amount > 0 else BudgetAmendment.Kind.CUT
    return _amendment(acting_user, line, kind, amount, on, justification)


@transaction.atomic
def budget_transfer(
    *,
    acting_user: User | None,
    source: BudgetLine,
    target: BudgetLine,
    amount: Decimal,
    on: date,
    justification: str,
) -> tuple[BudgetAmendment, BudgetAmendment]:
    """Move available budget from one line to another of the same lab and year."""
    locked = _locked_lines(source, target)
    source, target = locked[source.pk], locked.get(target.pk, target)
    _require(acting_user, source.lab, "manage budgets")
    if (
        source.pk == target.pk
        or source.lab_id != target.lab_id
        or source.fiscal_year_id != target.fiscal_year_id
    ):
        raise BudgetError(str(TRANSFER_SAME_LINE))
    _positive(amount, AMOUNT_OF_TRANSFER.format(code=source.code))
    available = budget_availability(budget_line_ids=[source.pk])[source.pk]
    if amount > available:
        raise BudgetExceededError(
            TRANSFER_EXCEEDS.format(
                code=source.code,
                available=format_amount(available),
                currency=source.lab.book_currency,
            )
        )
    out = _amendment(
        acting_user, source, BudgetAmendment.Kind.TRANSFER_OUT, -amount, on, justification
    )
    into = _amendment(
        acting_user,
        target,
        BudgetAmendment.Kind.TRANSFER_IN,
        amount,
        on,
        justification,
        counterpart=out,
    )
    return out, into


def _check_room(line: BudgetLine, consumption: Decimal, what: str, always: bool = False) -> Decimal:
    """Raise for a 'block' line (or `always`) if `consumption` exceeds what is available;
    return the excess (0 when it fits)."""
    available = budget_availability(budget_line_ids=[line.pk])[line.pk]
    excess = consumption - max(available, ZERO) if consumption > 0 else ZERO
    if consumption > available and (always or line.policy == BudgetLine.Policy.BLOCK):
        raise BudgetExceededError(
            BUDGET_EXCEEDED.format(
                code=line.code,
                label=budget_line_label(line),
                what=what,
                excess=format_amount(consumption - available),
                currency=line.lab.book_currency,
            )
        )
    return max(excess, ZERO)


def _flag_overspending(user: User | None, line: BudgetLine, excess: Decimal, what: str) -> None:
    audit_record(
        actor=user,
        action="budget_line.overspent",
        obj=line,
        lab=line.lab,
        after={"excess": str(excess), "by": what},
    )


@transaction.atomic
def commitment_create(
    *,
    acting_user: User | None,
    budget_line: BudgetLine,
    kind: str,
    reference: str,
    third_party: str,
    label: str,
    amount: Decimal,
    on: date,
) -> Commitment:
    """Reserve `amount` of a budget line for a purchase order, convention or mission order."""
    line = _locked_lines(budget_line)[budget_line.pk]
    _require(acting_user, line.lab, "record commitments")
    _positive(amount, AMOUNT_OF_COMMITMENT.format(ref=reference))
    year = line.fiscal_year
    if not year.start_date <= on <= year.end_date:
        raise CommitmentError(
            COMMITMENT_OTHER_YEAR.format(ref=reference, date=on, year=year.year, code=line.code)
        )
    excess = _check_room(line, amount, EXCEEDED_BY_COMMITMENT.format(ref=reference))
    commitment = Commitment(
        lab=line.lab,
        budget_line=line,
        kind=kind,
        reference=reference,
        third_party=third_party,
        label=label,
        amount=amount,
        date=on,
        created_by=acting_user,
    )
    commitment.full_clean()
    commitment.save()
    budget_lines_touched([line.pk])
    audit_record(
        actor=acting_user,
        action="commitment.create",
        obj=commitment,
        lab=line.lab,
        after={"budget_line": line.code, "amount": str(amount), "date": on.isoformat()},
    )
    if excess > 0:
        _flag_overspending(acting_user, line, excess, f"commitment {reference}")
    return commitment


@dataclass(frozen=True)
class Overspending:
    budget_line: BudgetLine
    excess: Decimal
    entry_ids: tuple[int, ...] = ()  # the entries of the posting that consume the line


@dataclass(frozen=True)
class BudgetEffect:
    """What a posting takes from one budget line: `consumption` (its spending less the
    open commitments it settles) against `available` before it (book currency)."""

    budget_line: BudgetLine
    consumption: Decimal
    available: Decimal
    entry_ids: tuple[int, ...] = ()

    @property
    def excess(self) -> Decimal:
        """How much the posting overspends the line (0 when it fits)."""
        if self.consumption <= 0 or self.consumption <= self.available:
            return ZERO
        return self.consumption - max(self.available, ZERO)

    @property
    def available_after(self) -> Decimal:
        return self.available - self.consumption


def posting_budget_effects(
    lines: Sequence[Mapping[str, Any]], *, lock: bool = False
) -> list[BudgetEffect]:
    """What a posting of `lines` (value dicts with budget_line_id, commitment_id, debit,
    credit and optionally entry_id) takes from each budget line it names, read the way
    the posting reads it. `lock` locks the lines until the transaction commits (the
    posting); without it this is the preview the entry form shows before posting."""
    spent: dict[int, Decimal] = defaultdict(lambda: ZERO)
    by_commitment: dict[int, Decimal] = defaultdict(lambda: ZERO)
    entries: dict[int, set[int]] = defaultdict(set)
    for row in lines:
        if row["budget_line_id"] is not None:
            spent[row["budget_line_id"]] += row["debit"] - row["credit"]
            if row.get("entry_id") is not None:
                entries[row["budget_line_id"]].add(row["entry_id"])
        if row["commitment_id"] is not None:
            by_commitment[row["commitment_id"]] += row["debit"] - row["credit"]
    if not spent:
        return []
    budget_lines = BudgetLine.objects.select_related("lab")
    if lock:
        budget_lines = budget_lines.select_for_update(of=("self",))
    by_id = budget_lines.in_bulk(sorted(spent))
    released: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for commitment in Commitment.objects.filter(id__in=by_commitment):
        invoiced = by_commitment[commitment.pk]
        if invoiced > 0:  # a credit (a reversal, a credit note) is always accepted
            _refuse_if_not_invoiceable(commitment)
        released[commitment.budget_line_id] += max(min(invoiced, commitment.open_amount), ZERO)
    available = budget_availability(budget_line_ids=spent)
    return [
        BudgetEffect(
            by_id[line_id],
            amount - released[line_id],
            available[line_id],
            tuple(sorted(entries[line_id])),
        )
        for line_id, amount in sorted(spent.items())
    ]


def posting_budget_check(lines: Sequence[Mapping[str, Any]], describe: str) -> list[Overspending]:
    """Check what a posting consumes: refuse on 'block' lines it would overspend, return
    the excess on 'warn' lines. `lines` are value dicts with budget_line_id,
    commitment_id, debit and credit. Locks the budget lines until the posting commits,
    and names them to `budget_lines_touched` (every way of posting comes here)."""
    flagged = []
    effects = posting_budget_effects(lines, lock=True)
    budget_lines_touched(effect.budget_line.pk for effect in effects)
    for effect in effects:
        if not effect.excess:
            continue
        line = effect.budget_line
        if line.policy == BudgetLine.Policy.BLOCK:
            raise BudgetExceededError(
                BUDGET_EXCEEDED.format(
                    code=line.code,
                    label=budget_line_label(line),
                    what=describe,
                    excess=format_amount(effect.consumption - effect.available),
                    currency=line.lab.book_currency,
                )
            )
        flagged.append(Overspending(line, effect.excess, effect.entry_ids))
    return flagged


def _refuse_if_not_invoiceable(commitment: Commitment) -> None:
    """A cancelled commitment takes no invoice; a carried-over one sends it to the
    commitment of the next year that holds it now."""
    if commitment.status == Commitment.Status.CANCELLED:
        raise CommitmentError(
            COMMITMENT_CLOSED.format(
                ref=commitment.reference,
                status=str(Commitment.Status.CANCELLED.label).lower(),
                action=COMMITMENT_ACTIONS["invoiced"],
            )
        )
    if commitment.status == Commitment.Status.CARRIED:
        successor = (
            Commitment.objects.filter(carried_from=commitment)
            .select_related("budget_line__fiscal_year")
            .first()
        )
        raise CommitmentError(
            COMMITMENT_CARRIED.format(
                ref=commitment.reference,
                year=successor.budget_line.fiscal_year.year if successor else "?",
                new=successor.reference if successor else "?",
            )
        )
