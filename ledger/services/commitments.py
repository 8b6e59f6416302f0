"""Commitments across the year (report des engagements) and budgets over several years.

At year end each open commitment is either carried over to the matching budget line of
the next year or cancelled with a reason (`commitments_to_review` lists what is left);
commitments are amended up or down, dated and justified; the unspent allocation of a
funding source that carries over (multi-year grants and contracts) moves to the next
year's line (`budget_carry_forward`), while a recurrent CNRS allocation lapses.

Rules chosen here:
- a carried-over commitment keeps its reference followed by "/<year it is carried to>"
  ("PO-2025-014/2026"; carried again, "PO-2025-014/2027"): unique in the lab, and the
  link to the original stays visible. The old commitment is marked `carried_over`, its
  open amount released from its year; the new one holds that open amount.
- carrying a commitment never refuses for lack of room on the next year's line (the order
  is signed already): an excess is flagged as overspending, as on a 'warn' line.
- a commitment's `amount` is kept current by `commitment_amend` (signed amount plus its
  amendments); `CommitmentAmendment` rows are the history and never change.
- `budget_carry_forward` moves what is available on each line (allocated + amendments -
  spent - open commitments) when it is positive: running it again finds nothing left to
  carry, and after a reopened year changed, it carries only the difference.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ledger.exceptions import (
    AMOUNT_NOT_POSITIVE,
    AMOUNT_OF_COMMITMENT,
    AMOUNT_OF_COMMITMENT_CHANGE,
    COMMITMENT_ACTIONS,
    COMMITMENT_CLOSED,
    EXCEEDED_BY_RAISE,
    BudgetError,
    CommitmentError,
)
from ledger.models import BudgetAmendment, BudgetLine, Commitment, CommitmentAmendment, FiscalYear
from ledger.selectors.books import format_amount
from ledger.selectors.budget import (
    OPEN_STATUSES,
    budget_availability,
    commitments_to_review,
    matching_budget_line,
)
from ledger.services.audit import audit_record
from ledger.services.budget import (
    ZERO,
    _amendment,
    _check_room,
    _flag_overspending,
    _locked_lines,
    _require,
    budget_lines_touched,
)

__all__ = [
    "CarryForward",
    "budget_carry_forward",
    "budget_carry_forward_plan",
    "commitment_amend",
    "commitment_cancel",
    "commitment_carry_over",
    "commitments_to_review",
    "matching_budget_line",
]

# Carrying a commitment over.
NO_NEXT_YEAR = _(
    "Commitment {ref}: {lab} has no fiscal year {year} to carry it to; open {year} first"
)
NEXT_YEAR_CLOSED = _("Commitment {ref}: the fiscal year {year} of {lab} is closed")
NO_MATCHING_LINE = _(
    "Commitment {ref}: budget line {code} has no counterpart in {year}: create budget line "
    "{code} in {year}, or choose the {year} line that takes the commitment"
)
NOT_NEXT_YEAR_LINE = _(
    "Commitment {ref} of {year} goes to a budget line of {lab} in {next}; "
    "{code} is a line of {other}"
)
CARRIED_DATE = _("Commitment {ref}: the carried commitment is dated {date}, outside {year}")
REFERENCE_TAKEN = _(
    "Commitment {ref} cannot be carried over as {new}: {lab} already has a commitment "
    "with that reference"
)
# Cancelling and amending.
REASON_MISSING = _("Say why commitment {ref} is cancelled: the reason is kept in the audit trail")
JUSTIFICATION_MISSING = _(
    "Say why commitment {ref} is amended: the justification is kept in the audit trail"
)
AMEND_BELOW_INVOICED = _(
    "Commitment {ref} cannot go down to {amount} {currency}: {invoiced} {currency} is "
    "already invoiced"
)
AMEND_TO_NOTHING = _(
    "Commitment {ref} cannot go down to {amount} {currency}: cancel it instead, with a reason"
)
AMEND_DATE = _(
    "The amendment of commitment {ref} is dated {date}: it falls between the commitment's "
    "date {start} and the end of its fiscal year {end}"
)
# Carrying budgets forward.
FORWARD_NO_NEXT_YEAR = _(
    "{lab} has no fiscal year {year} to carry the unspent {previous} allocations to; "
    "open {year} first"
)
FORWARD_MISSING_LINES = _(
    "The unspent {year} allocation of {codes} is carried to {next}, which has no such "
    "budget line: create {next} budget lines with these codes (same funding source) first"
)
FORWARD_OTHER_SOURCE = _(
    "Budget line {code} of {next} belongs to funding source {other}, not {source}: the "
    "unspent {year} allocation stays with its funding source; give the {next} line "
    "another code or the same funding source"
)
CARRY_OUT_JUSTIFICATION = _("Unspent {year} allocation carried to {code} {next}")
CARRY_IN_JUSTIFICATION = _("Unspent {year} allocation carried from {code} {year}")


# -- commitments --------------------------------------------------------------------------


def _locked_commitment(commitment: Commitment) -> Commitment:
    """The commitment locked, after its budget line (the order every writer locks in)."""
    _locked_lines(commitment.budget_line)
    return (
        Commitment.objects.select_for_update(of=("self",))
        .select_related("lab", "budget_line__fiscal_year", "budget_line__lab")
        .get(pk=commitment.pk)
    )


def _refuse_unless(commitment: Commitment, statuses: tuple[str, ...], action: str) -> None:
    if commitment.status not in statuses:
        raise CommitmentError(
            COMMITMENT_CLOSED.format(
                ref=commitment.reference,
                status=commitment.get_status_display().lower(),
                action=COMMITMENT_ACTIONS[action],
            )
        )


def carried_reference(commitment: Commitment, year: int) -> str:
    """The reference of `commitment` carried into `year`: its original reference followed
    by "/<year>" (a carried commitment's own "/<year>" suffix is replaced)."""
    base = commitment.reference
    if commitment.carried_from_id is not None:
        own = f"/{commitment.budget_line.fiscal_year.year}"
        if base.endswith(own):
            base = base[: -len(own)]
    suffix = f"/{year}"
    max_length = Commitment._meta.get_field("reference").max_length or 60
    return base[: max_length - len(suffix)] + suffix


def _next_year_line(
    commitment: Commitment, next_year: FiscalYear, chosen: BudgetLine | None
) -> BudgetLine:
    line = commitment.budget_line
    if chosen is None:
        target = matching_budget_line(line, next_year)
        if target is None:
            raise CommitmentError(
                NO_MATCHING_LINE.format(
                    ref=commitment.reference, code=line.code, year=next_year.year
                )
            )
        return target
    target = BudgetLine.objects.select_related("lab", "fiscal_year").get(pk=chosen.pk)
    if target.lab_id != line.lab_id or target.fiscal_year_id != next_year.pk:
        raise CommitmentError(
            NOT_NEXT_YEAR_LINE.format(
                ref=commitment.reference,
                year=line.fiscal_year.year,
                lab=line.lab.code,
                next=next_year.year,
                code=target.code,
                other=f"{target.lab.code} {target.fiscal_year.year}",
            )
        )
    return target


def _following_year(commitment: Commitment) -> FiscalYear:
    year = commitment.budget_line.fiscal_year
    following = FiscalYear.objects.filter(lab_id=year.lab_id, year=year.year + 1).first()
    if following is None:
        raise CommitmentError(
            NO_NEXT_YEAR.format(
                ref=commitment.reference, lab=commitment.lab.code, year=year.year + 1
            )
        )
    if following.status == FiscalYear.Status.CLOSED:
        raise CommitmentError(
            NEXT_YEAR_CLOSED.format(
                ref=commitment.reference, year=following.year, lab=commitment.lab.code
            )
        )
    return following


@transaction.atomic
def commitment_carry_over(
    *,
    acting_user: User | None,
    commitment: Commitment,
    to_budget_line: BudgetLine | None = None,
    on: date | None = None,
) -> Commitment:
    """Carry the open amount of an open or partly settled commitment of year N to year
    N+1: a new commitment on the matching line of N+1 (same code, or `to_budget_line`,
    a line of the same lab in N+1 chosen by the accountant), dated `on` (the first day of
    N+1 by default), pointing back to the old one, which is marked carried over and no
    longer holds its year's budget. Returns the new commitment."""
    old = _locked_commitment(commitment)
    _require(acting_user, old.lab, "carry commitments over")
    _refuse_unless(old, OPEN_STATUSES, "carried over")
    next_year = _following_year(old)
    target = _next_year_line(old, next_year, to_budget_line)
    target = _locked_lines(target)[target.pk]
    on = on or next_year.start_date
    if not next_year.start_date <= on <= next_year.end_date:
        raise CommitmentError(CARRIED_DATE.format(ref=old.reference, date=on, year=next_year.year))
    reference = carried_reference(old, next_year.year)
    if Commitment.objects.filter(lab_id=old.lab_id, reference=reference).exists():
        raise CommitmentError(
            REFERENCE_TAKEN.format(ref=old.reference, new=reference, lab=old.lab.code)
        )
    amount = old.open_amount
    if amount <= 0:  # only an open commitment with something left reaches here
        raise BudgetError(
            AMOUNT_NOT_POSITIVE.format(what=AMOUNT_OF_COMMITMENT.format(ref=old.reference))
        )
    available = budget_availability(budget_line_ids=[target.pk])[target.pk]
    carried = Commitment(
        lab=old.lab,
        budget_line=target,
        kind=old.kind,
        reference=reference,
        third_party=old.third_party,
        label=old.label,
        amount=amount,
        date=on,
        carried_from=old,
        created_by=acting_user,
    )
    carried.full_clean()
    carried.save()
    before = {"status": old.status, "open": str(amount), "budget_line": old.budget_line.code}
    old.status = Commitment.Status.CARRIED
    old.save(update_fields=["status"])
    budget_lines_touched([old.budget_line_id, target.pk])
    audit_record(
        actor=acting_user,
        action="commitment.carry_over",
        obj=old,
        lab=old.lab,
        before=before,
        after={
            "status": Commitment.Status.CARRIED,
            "to": reference,
            "budget_line": target.code,
            "year": next_year.year,
            "amount": str(amount),
        },
    )
    audit_record(
        actor=acting_user,
        action="commitment.create",
        obj=carried,
        lab=old.lab,
        after={
            "budget_line": target.code,
            "amount": str(amount),
            "date": on.isoformat(),
            "carried_from": old.reference,
        },
    )
    if amount > available:
        _flag_overspending(
            acting_user, target, amount - max(available, ZERO), f"commitment {reference}"
        )
    return carried


@transaction.atomic
def commitment_cancel(
    *, acting_user: User | None, commitment: Commitment, reason: str
) -> Commitment:
    """Cancel what is left open of a commitment, with a reason (what was invoiced stays
    spent); its open amount no longer holds the budget line."""
    commitment = _locked_commitment(commitment)
    _require(acting_user, commitment.lab, "cancel commitments")
    _refuse_unless(commitment, OPEN_STATUSES, "cancelled")
    reason = reason.strip()
    if not reason:
        raise CommitmentError(REASON_MISSING.format(ref=commitment.reference))
    before = {"status": commitment.status, "open": str(commitment.open_amount)}
    commitment.status = Commitment.Status.CANCELLED
    commitment.cancelled_reason = reason
    commitment.full_clean()
    commitment.save(update_fields=["status", "cancelled_reason"])
    budget_lines_touched([commitment.budget_line_id])
    audit_record(
        actor=acting_user,
        action="commitment.cancel",
        obj=commitment,
        lab=commitment.lab,
        before=before,
        after={"status": "cancelled", "reason": reason},
    )
    return commitment


def _status_for(amount: Decimal, settled: Decimal) -> str:
    """The status the settling trigger would give (ledger/db_guards.py)."""
    if settled >= amount:
        return Commitment.Status.SETTLED
    if settled > 0:
        return Commitment.Status.PARTLY_SETTLED
    return Commitment.Status.OPEN


@transaction.atomic
def commitment_amend(
    *,
    acting_user: User | None,
    commitment: Commitment,
    delta: Decimal,
    date: date,
    justification: str,
) -> CommitmentAmendment:
    """Raise (delta > 0) or lower (delta < 0) a commitment's amount, dated and justified;
    never below what is already invoiced. A raise is checked against the budget line
    like a new commitment ('block' refuses, 'warn' flags); a settled commitment raised
    opens again."""
    commitment = _locked_commitment(commitment)
    _require(acting_user, commitment.lab, "amend commitments")
    _refuse_unless(commitment, (*OPEN_STATUSES, Commitment.Status.SETTLED), "amended")
    ref = commitment.reference
    line = commitment.budget_line
    currency = commitment.lab.book_currency
    justification = justification.strip()
    if not justification:
        raise CommitmentError(JUSTIFICATION_MISSING.format(ref=ref))
    if delta == 0:
        raise BudgetError(
            AMOUNT_NOT_POSITIVE.format(what=AMOUNT_OF_COMMITMENT_CHANGE.format(ref=ref))
        )
    year = line.fiscal_year
    if not commitment.date <= date <= year.end_date:
        raise CommitmentError(
            AMEND_DATE.format(ref=ref, date=date, start=commitment.date, end=year.end_date)
        )
    amount = commitment.amount + delta
    if amount < commitment.settled:
        raise CommitmentError(
            AMEND_BELOW_INVOICED.format(
                ref=ref,
                amount=format_amount(amount),
                invoiced=format_amount(commitment.settled),
                currency=currency,
            )
        )
    if amount <= 0:
        raise CommitmentError(
            AMEND_TO_NOTHING.format(ref=ref, amount=format_amount(amount), currency=currency)
        )
    # What the raise adds to what the commitment holds open on the line.
    consumption = max(amount - commitment.settled, ZERO) - commitment.open_amount
    excess = (
        _check_room(line, consumption, EXCEEDED_BY_RAISE.format(ref=ref)) if delta > 0 else ZERO
    )
    amendment = CommitmentAmendment(
        commitment=commitment,
        delta=delta,
        date=date,
        justification=justification,
        created_by=acting_user,
    )
    amendment.full_clean()
    amendment.save()
    before = {"amount": str(commitment.amount), "status": commitment.status}
    commitment.amount = amount
    commitment.status = _status_for(amount, commitment.settled)
    commitment.full_clean()
    commitment.save(update_fields=["amount", "status"])
    budget_lines_touched([line.pk])
    audit_record(
        actor=acting_user,
        action="commitment.amend",
        obj=commitment,
        lab=commitment.lab,
        before=before,
        after={
            "amount": str(amount),
            "status": commitment.status,
            "delta": str(delta),
            "date": date.isoformat(),
            "justification": justification,
        },
    )
    if excess > 0:
        _flag_overspending(acting_user, line, excess, f"raising commitment {ref}")
    return amendment


# -- budgets carried forward --------------------------------------------------------------


@dataclass(frozen=True)
class CarryForward:
    """What closing `year` does with one budget line's unspent allocation."""

    budget_line: BudgetLine
    available: Decimal
    outcome: str  # "carried", "lapsed" (the source does not carry over), "ended", "nothing"
    target: BudgetLine | None = None


CARRIED, LAPSED, ENDED, NOTHING = "carried", "lapsed", "ended", "nothing"


def budget_carry_forward_plan(fiscal_year: FiscalYear) -> list[CarryForward]:
    """What `budget_carry_forward` would do with each line of `fiscal_year` (for the
    closing checklist): carry its positive available amount to the same code in the next
    year, or let it lapse (a CNRS allocation), or nothing (a funding source that ended
    before the next year, or nothing left). Raises when the next year or a line is missing."""
    lab = fiscal_year.lab
    following = FiscalYear.objects.filter(lab=lab, year=fiscal_year.year + 1).first()
    if following is None:
        raise BudgetError(
            FORWARD_NO_NEXT_YEAR.format(
                lab=lab.code, year=fiscal_year.year + 1, previous=fiscal_year.year
            )
        )
    lines = list(
        BudgetLine.objects.filter(fiscal_year=fiscal_year)
        .select_related("funding_source", "lab", "fiscal_year")
        .order_by("code")
    )
    available = budget_availability(budget_line_ids=[line.pk for line in lines])
    targets = {
        line.code: line
        for line in BudgetLine.objects.filter(fiscal_year=following).select_related(
            "funding_source", "lab", "fiscal_year"
        )
    }
    plan: list[CarryForward] = []
    missing: list[str] = []
    for line in lines:
        source = line.funding_source
        left = available[line.pk]
        if not source.carries_over:
            plan.append(CarryForward(line, left, LAPSED))
        elif source.end_date is not None and source.end_date < following.start_date:
            plan.append(CarryForward(line, left, ENDED))
        elif left <= 0:
            plan.append(CarryForward(line, left, NOTHING))
        elif line.code not in targets:
            missing.append(line.code)
        else:
            target = targets[line.code]
            if target.funding_source_id != source.pk:
                raise BudgetError(
                    FORWARD_OTHER_SOURCE.format(
                        code=target.code,
                        next=following.year,
                        other=target.funding_source.code,
                        source=source.code,
                        year=fiscal_year.year,
                    )
                )
            plan.append(CarryForward(line, left, CARRIED, target))
    if missing:
        raise BudgetError(
            FORWARD_MISSING_LINES.format(
                year=fiscal_year.year, codes=", ".join(missing), next=following.year
            )
        )
    return plan


@transaction.atomic
def budget_carry_forward(
    *, acting_user: User | None, fiscal_year: FiscalYear
) -> list[BudgetAmendment]:
    """At closing, move the unspent allocation of each line of `fiscal_year` whose funding
    source carries over (and has not ended before the next year) to the same code in the
    next year: a carry-out on the line (dated the year's last day) and a carry-in on the
    next year's line (dated its first day), linked like a transfer. Lines of a source
    that lapses keep their balance, which lapses with the year; the audit event lists
    them. Returns the amendments made, carry-out then carry-in, line by line. Running it
    again carries nothing more (nothing is left available)."""
    _require(acting_user, fiscal_year.lab, "carry budgets forward")
    lines = list(BudgetLine.objects.filter(fiscal_year=fiscal_year).order_by("pk"))
    following = FiscalYear.objects.filter(
        lab_id=fiscal_year.lab_id, year=fiscal_year.year + 1
    ).first()
    if following is not None:
        lines += list(BudgetLine.objects.filter(fiscal_year=following).order_by("pk"))
    _locked_lines(*lines)
    plan = budget_carry_forward_plan(fiscal_year)
    assert following is not None  # the plan refuses a missing next year
    made: list[BudgetAmendment] = []
    for step in plan:
        if step.outcome != CARRIED or step.target is None:
            continue
        line, target = step.budget_line, step.target
        out = _amendment(
            acting_user,
            line,
            BudgetAmendment.Kind.CARRY_OUT,
            -step.available,
            fiscal_year.end_date,
            CARRY_OUT_JUSTIFICATION.format(
                year=fiscal_year.year, code=target.code, next=following.year
            ),
        )
        into = _amendment(
            acting_user,
            target,
            BudgetAmendment.Kind.CARRY_IN,
            step.available,
            following.start_date,
            CARRY_IN_JUSTIFICATION.format(year=fiscal_year.year, code=line.code),
            counterpart=out,
        )
        made += [out, into]
    audit_record(
        actor=acting_user,
        action="budget.carry_forward",
        obj=fiscal_year,
        lab=fiscal_year.lab,
        after={
            "to_year": following.year,
            **{
                outcome: {
                    step.budget_line.code: str(step.available)
                    for step in plan
                    if step.outcome == outcome
                }
                for outcome in (CARRIED, LAPSED, ENDED, NOTHING)
            },
        },
    )
    return made
