"""Fiscal years: open the next one, check and close one, reopen a closed one.

Closing a year (DOMAIN.md, "The year boundary") posts, through the same posting
rulebook and database guards as every entry (numbered, hashed, audited):

1. the **closing entry** (journal OD, dated the year's last day): every income and
   expense account (classes 6 and 7) brought to zero against the year's result, 120
   (profit) or 129 (loss);
2. the **opening entry** of the next year (journal AN, dated its first day), carrying
   every balance-sheet account (classes 1 to 5), per third party where lines name one.

Both post only what is left to carry: closing a reopened year again posts a
complementary closing entry for what changed, and a complementary opening entry for the
difference, never an edit; so the opening balances of a year always equal the closing
balances of the one before (the database checks it when the year is marked closed).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from irls.models import Lab, Role
from ledger.exceptions import (
    YEAR_ALREADY,
    YEAR_NOT_READY,
    YEAR_REOPEN_LATER_CLOSED,
    YEAR_REOPEN_REASON,
    YEAR_STATES,
    YearStateError,
)
from ledger.models import (
    Account,
    BudgetLine,
    Commitment,
    FiscalYear,
    ImportBatch,
    Journal,
    JournalEntry,
    LedgerChain,
    Period,
)
from ledger.selectors import ledger_verify
from ledger.selectors.books import _cents_sum
from ledger.selectors.years import (
    closing_balances,
    next_fiscal_year,
    opening_balances,
    previous_fiscal_year,
    result_balances,
    year_lines,
)
from ledger.services.access import require_role
from ledger.services.audit import audit_record
from ledger.services.entries import LineInput, entry_create_draft, entry_post
from ledger.services.guarded import db_guarded
from ledger.services.setup import fiscal_year_open

PROFIT_ACCOUNT = "120"
LOSS_ACCOUNT = "129"
SHOWN = 10  # how many drafts, months or commitments a checklist item names

__all__ = [
    "ChecklistItem",
    "YearChecklist",
    "fiscal_year_checklist",
    "fiscal_year_close",
    "fiscal_year_open",
    "fiscal_year_reopen",
]


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    ok: bool
    message: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class YearChecklist:
    """What must hold before a year closes, each item checked and explained."""

    fiscal_year: FiscalYear
    items: tuple[ChecklistItem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return all(item.ok for item in self.items)

    @property
    def failing(self) -> list[ChecklistItem]:
        return [item for item in self.items if not item.ok]


def _amount(value: Decimal) -> str:
    """An amount as the reader's language writes it (1,234.56 / 1 234,56)."""
    return number_format(value, decimal_pos=2, force_grouping=True)


def _named(values: list[str], total: int) -> tuple[str, ...]:
    more = [_("and %(count)d more") % {"count": total - len(values)}] if total > len(values) else []
    return tuple(values + more)


def _months_item(fiscal_year: FiscalYear) -> ChecklistItem:
    open_months = [
        f"{start:%Y-%m}"
        for start in Period.objects.filter(
            fiscal_year=fiscal_year, status=Period.Status.OPEN
        ).values_list("start_date", flat=True)
    ]
    if open_months:
        return ChecklistItem(
            "months",
            False,
            _("%(count)d month(s) still open: close every month of the year first")
            % {"count": len(open_months)},
            tuple(open_months),
        )
    return ChecklistItem("months", True, _("Every month of the year is closed"))


def _drafts_item(fiscal_year: FiscalYear) -> ChecklistItem:
    # The lab, status and dates lead both databases to the (lab, status, date) index:
    # drafts are few (SQLite's statistics cannot tell that from the fiscal year alone).
    drafts = JournalEntry.objects.filter(
        lab_id=fiscal_year.lab_id,
        status=JournalEntry.Status.DRAFT,
        date__gte=fiscal_year.start_date,
        date__lte=fiscal_year.end_date,
        fiscal_year=fiscal_year,
    ).select_related("journal")
    total = drafts.count()
    if total:
        named = [
            _("%(journal)s draft #%(id)s of %(date)s: %(label)s")
            % {
                "journal": d.journal.code,
                "id": d.pk,
                "date": f"{d.date:%Y-%m-%d}",
                "label": d.label,
            }
            for d in drafts.order_by("date", "id")[:SHOWN]
        ]
        return ChecklistItem(
            "drafts",
            False,
            ngettext(
                "%(count)d draft entry left: post or delete it",
                "%(count)d draft entries left: post or delete them",
                total,
            )
            % {"count": total},
            _named(named, total),
        )
    return ChecklistItem("drafts", True, _("No draft entry is left in the year"))


def _balanced_item(fiscal_year: FiscalYear) -> ChecklistItem:
    # The database refuses an unbalanced posting; this says so to the accountant, from
    # the year's totals (one aggregate over the covering index).
    totals = year_lines(fiscal_year).aggregate(
        debit=_cents_sum("debit"), credit=_cents_sum("credit")
    )
    if totals["debit"] != totals["credit"]:
        return ChecklistItem(
            "balanced",
            False,
            _("The year's lines total %(debit)s debit and %(credit)s credit")
            % {"debit": _amount(totals["debit"]), "credit": _amount(totals["credit"])},
        )
    return ChecklistItem(
        "balanced",
        True,
        _("Every entry balances: %(amount)s debit = credit") % {"amount": _amount(totals["debit"])},
    )


def _chain_item(lab: Lab) -> ChecklistItem:
    result = ledger_verify(lab=lab)
    if not result.ok:
        return ChecklistItem(
            "chain",
            False,
            _("The hash chain does not verify at %(entry)s: %(reason)s")
            % {"entry": result.first_bad, "reason": result.reason},
        )
    return ChecklistItem(
        "chain",
        True,
        _("The hash chain verifies: %(count)d entries, head %(head)s")
        % {"count": result.entries, "head": result.head_hash[:16]},
    )


def _imports_item(fiscal_year: FiscalYear) -> ChecklistItem:
    batches = list(
        ImportBatch.objects.filter(
            entries__fiscal_year=fiscal_year, entries__status=JournalEntry.Status.DRAFT
        )
        .distinct()
        .values_list("file_name", flat=True)
    )
    if batches:
        return ChecklistItem(
            "imports",
            False,
            _("Imported files still hold draft entries: post or delete them"),
            _named(batches[:SHOWN], len(batches)),
        )
    return ChecklistItem("imports", True, _("Every imported file of the year is posted"))


def _commitments_item(fiscal_year: FiscalYear) -> ChecklistItem:
    pending = Commitment.objects.filter(
        budget_line__fiscal_year=fiscal_year,
        status__in=[Commitment.Status.OPEN, Commitment.Status.PARTLY_SETTLED],
    ).order_by("reference")
    total = pending.count()
    if total:
        named = [
            _("%(reference)s (%(code)s): %(amount)s open")
            % {
                "reference": c.reference,
                "code": c.budget_line.code,
                "amount": _amount(c.open_amount),
            }
            for c in pending.select_related("budget_line")[:SHOWN]
        ]
        return ChecklistItem(
            "commitments",
            False,
            _(
                "%(count)d open commitment(s): carry each over to %(next)d or cancel it "
                "with a reason"
            )
            % {"count": total, "next": fiscal_year.year + 1},
            _named(named, total),
        )
    return ChecklistItem(
        "commitments", True, _("Every open commitment is carried over or cancelled")
    )


def _previous_item(fiscal_year: FiscalYear) -> ChecklistItem:
    previous = previous_fiscal_year(fiscal_year)
    if previous is not None and previous.status != FiscalYear.Status.CLOSED:
        return ChecklistItem(
            "previous",
            False,
            _("%(year)d is open: years close in order, close it first") % {"year": previous.year},
        )
    return ChecklistItem("previous", True, _("The year before is closed (or there is none)"))


def _budgets_item(fiscal_year: FiscalYear) -> ChecklistItem:
    """The unspent allocations of multi-year funding are carried to the next year's line
    of the same code: each such line must exist there (the closing refuses otherwise)."""
    from ledger.selectors.budget import budget_availability

    following = next_fiscal_year(fiscal_year)
    lines = list(
        BudgetLine.objects.filter(
            fiscal_year=fiscal_year, funding_source__carries_over=True
        ).select_related("funding_source")
    )
    available = budget_availability(budget_line_ids=[line.pk for line in lines])
    year_after = date(fiscal_year.year + 1, 1, 1)
    carrying = sorted(
        line.code
        for line in lines
        if available[line.pk] > 0
        and (line.funding_source.end_date is None or line.funding_source.end_date >= year_after)
    )
    held = set(
        BudgetLine.objects.filter(fiscal_year=following).values_list("code", flat=True)
        if following is not None
        else []
    )
    missing = [code for code in carrying if code not in held]
    if missing:
        return ChecklistItem(
            "budgets",
            False,
            _(
                "The unspent allocation of multi-year funding goes to %(next)d: create its "
                "lines there (same code)"
            )
            % {"next": fiscal_year.year + 1},
            tuple(missing),
        )
    return ChecklistItem(
        "budgets",
        True,
        _("Multi-year funding has its lines in %(next)d (or nothing to carry)")
        % {"next": fiscal_year.year + 1},
    )


def _setup_item(fiscal_year: FiscalYear) -> ChecklistItem:
    lab_id = fiscal_year.lab_id
    missing = [
        _("account %(code)s") % {"code": code}
        for code in (PROFIT_ACCOUNT, LOSS_ACCOUNT)
        if not Account.objects.filter(lab_id=lab_id, code=code).exists()
    ]
    for kind, name in ((Journal.Kind.OPENING, "AN"), (Journal.Kind.MISC, "OD")):
        if not Journal.objects.filter(lab_id=lab_id, kind=kind).exists():
            missing.append(
                _("a journal of kind %(kind)s (%(code)s)")
                % {"kind": Journal.Kind(kind).label, "code": name}
            )
    if missing:
        return ChecklistItem(
            "setup",
            False,
            _("The closing entries need %(missing)s: add them to the chart")
            % {"missing": ", ".join(missing)},
        )
    return ChecklistItem(
        "setup", True, _("Result accounts 120/129, journals OD and AN are in place")
    )


def fiscal_year_checklist(fiscal_year: FiscalYear) -> YearChecklist:
    """What must hold before `fiscal_year` closes, each item checked and explained."""
    return YearChecklist(
        fiscal_year,
        (
            _previous_item(fiscal_year),
            _months_item(fiscal_year),
            _drafts_item(fiscal_year),
            _imports_item(fiscal_year),
            _commitments_item(fiscal_year),
            _budgets_item(fiscal_year),
            _balanced_item(fiscal_year),
            _chain_item(fiscal_year.lab),
            _setup_item(fiscal_year),
        ),
    )


def _line(account: Account, balance: Decimal, label: str, third_party: str = "") -> LineInput:
    """The line that brings `balance` (debit positive) to zero, or carries it when
    `balance` is given negated."""
    if balance > 0:
        return LineInput(account=account, credit=balance, label=label, third_party=third_party)
    return LineInput(account=account, debit=-balance, label=label, third_party=third_party)


def _post_year_end(
    *,
    acting_user: User,
    lab: Lab,
    journal_kind: str,
    fiscal_year: FiscalYear,
    on: date,
    label: str,
    lines: list[LineInput],
    year_end: str,
) -> JournalEntry:
    journal = Journal.objects.filter(lab=lab, kind=journal_kind).order_by("code").first()
    assert journal is not None  # the checklist's "setup" item
    draft = entry_create_draft(
        acting_user=acting_user,
        lab=lab,
        journal=journal,
        date=on,
        label=label,
        lines=lines,
        year_end=year_end,
    )
    return entry_post(acting_user=acting_user, entry=draft)


def _closing_entry(acting_user: User, fiscal_year: FiscalYear) -> JournalEntry | None:
    """Close classes 6 and 7 into the result: what is left of them after any earlier
    closing entry (none, unless the year was reopened and changed)."""
    balances = result_balances(fiscal_year)
    if not balances:
        return None
    accounts = Account.objects.in_bulk(balances.keys())
    label = f"Closing of {fiscal_year.year}: income and expenses into the result"
    lines = [
        _line(accounts[pk], balance, label)
        for pk, balance in sorted(balances.items(), key=lambda kv: accounts[kv[0]].code)
    ]
    lines += _result_lines(fiscal_year, balances)
    return _post_year_end(
        acting_user=acting_user,
        lab=fiscal_year.lab,
        journal_kind=Journal.Kind.MISC,
        fiscal_year=fiscal_year,
        on=fiscal_year.end_date,
        label=label,
        lines=lines,
        year_end=JournalEntry.YearEnd.CLOSING,
    )


def _result_lines(fiscal_year: FiscalYear, left: dict[int, Decimal]) -> list[LineInput]:
    """The year's whole result on 120 (profit) or 129 (loss), less what earlier closing
    entries put there: a complement that turns a profit into a loss moves it across.
    `left`: what classes 6 and 7 still hold (debit positive). Closing entries touch only
    classes 6-7 and 120/129 and balance, so what they took out of classes 6-7 is what
    they booked on 120/129: the whole result is what is left plus what was booked."""
    booked = {PROFIT_ACCOUNT: Decimal("0.00"), LOSS_ACCOUNT: Decimal("0.00")}
    for code, balance in (
        year_lines(fiscal_year)
        .filter(
            entry__year_end=JournalEntry.YearEnd.CLOSING,
            account__code__in=[PROFIT_ACCOUNT, LOSS_ACCOUNT],
        )
        .values("account__code")
        .annotate(balance=_cents_sum(F("credit") - F("debit")))
        .values_list("account__code", "balance")
    ):
        booked[code] = balance
    result = -sum(left.values(), Decimal("0.00")) + sum(booked.values(), Decimal("0.00"))
    target = {PROFIT_ACCOUNT: max(result, Decimal(0)), LOSS_ACCOUNT: min(result, Decimal(0))}
    lines = []
    for code, amount in target.items():
        change = amount - booked[code]  # credit positive
        if change:
            account = Account.objects.get(lab_id=fiscal_year.lab_id, code=code)
            lines.append(_line(account, change, f"Result of {fiscal_year.year}"))
    return lines


def _opening_entry(
    acting_user: User, fiscal_year: FiscalYear, next_year: FiscalYear
) -> JournalEntry | None:
    """Carry classes 1 to 5 into the next year: what differs between this year's
    closing balances and the opening balances already posted there (all of them, the
    first time)."""
    closing = closing_balances(fiscal_year)
    opening = opening_balances(next_year)
    zero = Decimal("0.00")
    wanted = {
        key: closing.get(key, zero) - opening.get(key, zero)
        for key in closing.keys() | opening.keys()
    }
    wanted = {key: amount for key, amount in wanted.items() if amount}
    if not wanted:
        return None
    accounts = Account.objects.in_bulk({key[0] for key in wanted})
    complement = bool(opening)
    label = (
        f"Opening balances of {next_year.year} (complement after reopening {fiscal_year.year})"
        if complement
        else f"Opening balances of {next_year.year}, carried from {fiscal_year.year}"
    )
    lines = [
        _line(accounts[pk], -amount, label, party)
        for (pk, party), amount in sorted(
            wanted.items(), key=lambda kv: (accounts[kv[0][0]].code, kv[0][1])
        )
    ]
    return _post_year_end(
        acting_user=acting_user,
        lab=fiscal_year.lab,
        journal_kind=Journal.Kind.OPENING,
        fiscal_year=next_year,
        on=next_year.start_date,
        label=label,
        lines=lines,
        year_end=JournalEntry.YearEnd.OPENING,
    )


def _carry_budgets(acting_user: User, fiscal_year: FiscalYear) -> list[str]:
    """The unspent allocations of multi-year funding carried to the next year's lines
    (ledger.services.commitments), as the audit event lists them."""
    try:
        from ledger.services.commitments import budget_carry_forward
    except ImportError:  # pragma: no cover - until multi-year budgets exist
        return []
    return [str(a) for a in budget_carry_forward(acting_user=acting_user, fiscal_year=fiscal_year)]


def fiscal_year_close(*, acting_user: User, fiscal_year: FiscalYear) -> FiscalYear:
    """Close a year whose checklist passes: post the closing entry and the next year's
    opening entry (opening the next year if needed), carry the budgets of multi-year
    funding, and mark the year closed. All or nothing."""
    require_role(acting_user, fiscal_year.lab, "close fiscal years")
    with db_guarded(), transaction.atomic():
        year = FiscalYear.objects.select_for_update().select_related("lab").get(pk=fiscal_year.pk)
        if year.status == FiscalYear.Status.CLOSED:
            raise YearStateError(
                YEAR_ALREADY.format(year=year.year, lab=year.lab.code, status=YEAR_STATES["closed"])
            )
        checklist = fiscal_year_checklist(year)
        if not checklist.ok:
            raise YearStateError(
                YEAR_NOT_READY.format(
                    year=year.year,
                    lab=year.lab.code,
                    items="; ".join(item.message for item in checklist.failing),
                )
            )
        next_year = next_fiscal_year(year) or fiscal_year_open(
            acting_user=acting_user, lab=year.lab, year=year.year + 1
        )
        closing = _closing_entry(acting_user, year)
        opening = _opening_entry(acting_user, year, next_year)
        carried = _carry_budgets(acting_user, year)
        year.status = FiscalYear.Status.CLOSED
        year.status_changed_at = timezone.now()
        year.status_changed_by = acting_user
        year.save(update_fields=["status", "status_changed_at", "status_changed_by"])
        chain = LedgerChain.objects.filter(lab=year.lab).first()
        audit_record(
            actor=acting_user,
            action="fiscal_year.close",
            obj=year,
            lab=year.lab,
            before={"status": "open"},
            after={
                "status": "closed",
                "closing_entry": closing.number if closing else None,
                "opening_entry": opening.number if opening else None,
                "budget_carry_overs": carried,
                "chain_head": chain.head_hash if chain else "",
            },
        )
        return year


def fiscal_year_reopen(*, acting_user: User, fiscal_year: FiscalYear, reason: str) -> FiscalYear:
    """Reopen a closed year (office head only, with a written reason). Its months stay
    closed until reopened one by one; closing it again carries what changed."""
    require_role(acting_user, fiscal_year.lab, "reopen fiscal years", roles=[Role.OFFICE_HEAD])
    if not reason.strip():
        raise YearStateError(str(YEAR_REOPEN_REASON))
    with db_guarded(), transaction.atomic():
        year = FiscalYear.objects.select_for_update().select_related("lab").get(pk=fiscal_year.pk)
        if year.status != FiscalYear.Status.CLOSED:
            raise YearStateError(
                YEAR_ALREADY.format(year=year.year, lab=year.lab.code, status=YEAR_STATES["open"])
            )
        later = next_fiscal_year(year)
        if later is not None and later.status == FiscalYear.Status.CLOSED:
            raise YearStateError(
                YEAR_REOPEN_LATER_CLOSED.format(year=year.year, later=later.year, lab=year.lab.code)
            )
        year.status = FiscalYear.Status.OPEN
        year.status_changed_at = timezone.now()
        year.status_changed_by = acting_user
        year.save(update_fields=["status", "status_changed_at", "status_changed_by"])
        audit_record(
            actor=acting_user,
            action="fiscal_year.reopen",
            obj=year,
            lab=year.lab,
            before={"status": "closed"},
            after={"status": "open", "reason": reason.strip()},
        )
        return year
