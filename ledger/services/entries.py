"""Journal entries: drafts, posting, reversal.

Every function is atomic, takes the acting user, checks their role in the entry's lab
and records audit events. The database guards (db_guards.py) check the invariants
again underneath, so a bug here cannot break the books.
"""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal, TypeVar, cast

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money

from irls.models import Lab
from ledger import rules
from ledger.exceptions import (
    ALREADY_REVERSED,
    COMMITMENT_OTHER_LINE,
    CROSS_LAB,
    DRAFT_REF,
    LINE_FOREIGN_NO_SIDE,
    LINE_FOREIGN_NOT_POSITIVE,
    LINE_NEGATIVE,
    LINE_ONE_SIDE,
    LINE_SHAPE,
    NOT_DRAFT,
    NOT_POSTED,
    POSTING_MANY,
    POSTING_ONE,
    REVERSAL_BEFORE,
    REVERSAL_NO_MATCHING_LINE,
    REVERSAL_OF_REVERSAL,
    REVERSAL_OF_YEAR_END,
    THIRD_PARTY_INACTIVE,
    THIRD_PARTY_UNKNOWN,
    WHAT_ACCOUNT,
    WHAT_BUDGET_LINE,
    WHAT_COMMITMENT,
    WHAT_JOURNAL,
    YEAR_NOT_OPEN,
    BudgetError,
    CommitmentError,
    CrossLabError,
    EntryFrozenError,
    InvalidLineError,
    NoPeriodError,
    ReversalError,
    ThirdPartyError,
)
from ledger.fields import round_cents
from ledger.hashing import ENTRY_FIELDS, LINE_FIELDS, chain_hash
from ledger.models import (
    Account,
    BudgetLine,
    Commitment,
    ExchangeRate,
    FiscalYear,
    Journal,
    JournalEntry,
    JournalLine,
    LedgerChain,
    LedgerSequence,
)
from ledger.selectors import book_rate
from ledger.selectors.books import format_amount
from ledger.services.access import require_role
from ledger.services.audit import audit_record, audit_records_many
from ledger.services.budget import Overspending, posting_budget_check
from ledger.services.guarded import db_guarded
from parties.models import ThirdParty

ZERO = Decimal("0.00")
# The reversal's label, in the language of whoever reverses (it is stored as written).
REVERSAL_LABEL = _("Reversal of {number}: {why}")
ROUNDING_ACCOUNT_MISSING = _(
    "Entry {ref} needs a conversion rounding line of {amount} {currency} on account {code}, "
    "which {lab} does not have: add it to the chart of accounts"
)
SMALL_BATCH = 20  # below this, joining lab, journal and year costs less than three queries

_Locked = TypeVar("_Locked", LedgerChain, LedgerSequence)
_K = TypeVar("_K")


@dataclass(frozen=True)
class LineInput:
    """One line to write. Give `debit` or `credit` in book currency; or give only
    `amount_currency` and `side` to convert at the stored chancellery rate of the date."""

    account: Account
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    label: str = ""
    amount_currency: Money | None = None
    side: Literal["debit", "credit"] | None = None
    third_party: str | None = ""  # the third party's code
    due_date: date | None = None  # by default from the third party's payment terms
    budget_line: BudgetLine | None = None
    commitment: Commitment | None = None


def entry_ref(entry: JournalEntry) -> str:
    """How an accountant names an entry: its number, or its journal and draft id."""
    if entry.number:
        return entry.number
    return DRAFT_REF.format(journal=entry.journal.code, id=entry.pk, date=f"{entry.date:%Y-%m-%d}")


def _fiscal_year_for(lab: Lab, on: date, ref: str) -> FiscalYear:
    fiscal_year = FiscalYear.objects.filter(lab=lab, start_date__lte=on, end_date__gte=on).first()
    if fiscal_year is None:
        raise NoPeriodError(YEAR_NOT_OPEN.format(ref=ref, date=on, lab=lab.code, year=on.year))
    return fiscal_year


def _same_lab(entry: JournalEntry, what: str | Promise, obj: Any, code: str) -> None:
    if obj is not None and obj.lab_id != entry.lab_id:
        raise CrossLabError(
            CROSS_LAB.format(what=what, code=code, other=obj.lab.code, lab=entry.lab.code)
        )


def _in_year(commitment: Commitment, fiscal_year_id: int) -> Commitment:
    """The commitment that holds a purchase order in the entry's year: an order of an
    earlier year carried over is invoiced on the commitment it was carried to."""
    seen = 0
    while commitment.budget_line.fiscal_year_id != fiscal_year_id and seen < 50:
        successor = (
            Commitment.objects.filter(carried_from=commitment)
            .select_related("budget_line", "lab")
            .first()
        )
        if successor is None:
            break
        commitment, seen = successor, seen + 1
    return commitment


def _budget_tags(entry: JournalEntry, line: LineInput) -> dict[str, Any]:
    _same_lab(entry, WHAT_ACCOUNT, line.account, line.account.code)
    budget_line, commitment = line.budget_line, line.commitment
    _same_lab(entry, WHAT_BUDGET_LINE, budget_line, getattr(budget_line, "code", ""))
    _same_lab(entry, WHAT_COMMITMENT, commitment, getattr(commitment, "reference", ""))
    if commitment is not None and commitment.budget_line.fiscal_year_id != entry.fiscal_year_id:
        carried = _in_year(commitment, entry.fiscal_year_id)
        if carried is not commitment:
            if budget_line is not None and budget_line.pk == commitment.budget_line_id:
                budget_line = carried.budget_line
            commitment = carried
    if commitment is not None:
        if budget_line is None:
            budget_line = commitment.budget_line
        elif commitment.budget_line_id != budget_line.pk:
            raise CommitmentError(
                COMMITMENT_OTHER_LINE.format(
                    ref=commitment.reference,
                    code=commitment.budget_line.code,
                    other=budget_line.code,
                )
            )
    return {"budget_line": budget_line, "commitment": commitment}


def _third_parties(entry: JournalEntry, lines: Sequence[LineInput]) -> dict[str, int]:
    """The payment terms of the third parties the lines name, by code; an unknown code,
    or a deactivated third party on a new line (rules.third_party_usable), is refused by
    name."""
    codes = {line.third_party for line in lines if line.third_party}
    found = ThirdParty.objects.filter(code__in=codes).values_list(
        "code", "payment_terms_days", "is_active"
    )
    terms = {code: days for code, days, _active in found}
    for code in sorted(codes - terms.keys()):
        raise ThirdPartyError(THIRD_PARTY_UNKNOWN.format(code=code))
    reversal = entry.reversal_of_id is not None
    for code, _days, active in sorted(found):
        if not rules.third_party_usable(active, entry.year_end, reversal):
            raise ThirdPartyError(THIRD_PARTY_INACTIVE.format(code=code))
    return terms


def _due_date(entry: JournalEntry, line: LineInput, terms: dict[str, int]) -> date | None:
    if line.due_date is not None or not line.third_party:
        return line.due_date
    return rules.due_date(
        entry.journal.kind,
        line.account.needs_third_party,
        entry.piece_date or entry.date,
        terms[line.third_party],
    )


def _build_line(entry: JournalEntry, n: int, line: LineInput, terms: dict[str, int]) -> JournalLine:
    tags = _budget_tags(entry, line)
    debit, credit = round_cents(Decimal(line.debit)), round_cents(Decimal(line.credit))
    fx: dict[str, Any] = {}
    if line.amount_currency is not None:
        foreign = line.amount_currency.amount
        if foreign <= 0:
            raise InvalidLineError(LINE_SHAPE.format(n=n, problem=LINE_FOREIGN_NOT_POSITIVE))
        if debit == ZERO and credit == ZERO:
            if line.side not in ("debit", "credit"):
                raise InvalidLineError(LINE_SHAPE.format(n=n, problem=LINE_FOREIGN_NO_SIDE))
            rate, rate_date = book_rate(
                book_currency=entry.lab.book_currency,
                currency=str(line.amount_currency.currency),
                on=entry.date,
            )
            amount = round_cents(foreign * rate)
            debit, credit = (amount, ZERO) if line.side == "debit" else (ZERO, amount)
            fx = {
                "fx_rate": rate,
                "fx_rate_date": rate_date,
                "fx_rate_source": ExchangeRate.Source.CHANCELLERY,
            }
        else:
            # Book amount given: the rate is the one actually obtained (bank rate).
            fx = {
                "fx_rate": ((debit or credit) / foreign).quantize(Decimal("0.00000001")),
                "fx_rate_date": entry.date,
                "fx_rate_source": ExchangeRate.Source.BANK,
            }
    if debit < 0 or credit < 0:
        raise InvalidLineError(LINE_SHAPE.format(n=n, problem=LINE_NEGATIVE))
    if (debit > 0) == (credit > 0):
        raise InvalidLineError(LINE_SHAPE.format(n=n, problem=LINE_ONE_SIDE))
    return JournalLine(
        entry=entry,
        lab_id=entry.lab_id,
        account=line.account,
        label=line.label[:200],
        debit=debit,
        credit=credit,
        amount_currency=line.amount_currency,  # type: ignore[misc]  # djmoney has no stubs
        third_party_id=line.third_party or None,
        due_date=_due_date(entry, line, terms),
        **tags,
        **fx,
    )


@dataclass(frozen=True, slots=True)
class _Converted:
    """A built line as the rounding rule reads it (cents)."""

    debit: int
    credit: int
    converted: bool
    currency: str
    amount_currency: Decimal | None
    budget_line_id: int | None


def _rounding_line(entry: JournalEntry, built: list[JournalLine]) -> JournalLine | None:
    """The conversion-rounding line the entry needs (the rule of the journal import:
    ledger.rules.conversion_rounding), on 666 or 766, carrying the budget line of the
    largest converted line when the account needs one; None when it needs none."""
    lines = [
        _Converted(
            int(line.debit * 100),
            int(line.credit * 100),
            line.fx_rate_source == ExchangeRate.Source.CHANCELLERY,
            str(line.amount_currency.currency) if line.amount_currency is not None else "",
            line.amount_currency.amount if line.amount_currency is not None else None,
            line.budget_line_id,
        )
        for line in built
    ]
    difference = rules.conversion_rounding(lines)
    if not difference:
        return None
    code = rules.rounding_account_code(difference)
    account = Account.objects.filter(lab_id=entry.lab_id, code=code).first()
    if account is None:
        raise InvalidLineError(
            ROUNDING_ACCOUNT_MISSING.format(
                ref=entry_ref(entry),
                amount=format_amount(abs(Decimal(difference)) / 100),
                currency=entry.lab.book_currency,
                code=code,
                lab=entry.lab.code,
            )
        )
    source = rules.rounding_budget_source(lines)
    cents = Decimal(abs(difference)) / 100
    return JournalLine(
        entry=entry,
        lab_id=entry.lab_id,
        account=account,
        label=str(rules.ROUNDING_LABEL),
        debit=cents if difference < 0 else ZERO,
        credit=cents if difference > 0 else ZERO,
        budget_line_id=source.budget_line_id if source is not None else None,
    )


def _write_lines(
    entry: JournalEntry, lines: Sequence[LineInput], round_conversion: bool = False
) -> list[JournalLine]:
    terms = _third_parties(entry, lines)
    built = [_build_line(entry, n, line, terms) for n, line in enumerate(lines, start=1)]
    if round_conversion:
        rounding = _rounding_line(entry, built)
        if rounding is not None:
            built.append(rounding)
    return JournalLine.objects.bulk_create(built)


def _snapshot(entry: JournalEntry, lines: Sequence[JournalLine] | None = None) -> dict[str, Any]:
    """What the audit trail keeps of a draft; `lines` when just written (saves a read)."""
    if lines is None:
        lines = list(entry.lines.select_related("account").order_by("id"))
    return {
        "journal": entry.journal.code,
        "date": entry.date.isoformat(),
        "label": entry.label,
        "piece_ref": entry.piece_ref,
        "piece_date": entry.piece_date.isoformat() if entry.piece_date else None,
        "lines": [[ln.account.code, ln.label, str(ln.debit), str(ln.credit)] for ln in lines],
    }


def _validate_draft_fields(entry: JournalEntry) -> None:
    # Field checks (lengths, dates) only: the unique constraints concern posted entries
    # (numbers, chain) and the database holds them; checking them here cost five queries.
    entry.full_clean(
        exclude=["created_by", "fiscal_year", "reversal_of"],
        validate_unique=False,
        validate_constraints=False,
    )


def entry_create_draft(
    *,
    acting_user: User,
    lab: Lab,
    journal: Journal,
    date: date,
    label: str,
    lines: Sequence[LineInput],
    piece_ref: str = "",
    piece_date: date | None = None,
    reversal_of: JournalEntry | None = None,
    year_end: str = "",
    round_conversion: bool = False,
) -> JournalEntry:
    """Record a draft entry (no number; may change freely until posted). `year_end` is
    for the closing and opening entries that `fiscal_year_close` writes. With
    `round_conversion`, lines converted at the chancellery rate that balance in their
    currency but not in book currency get the conversion-rounding line (as the journal
    import adds it)."""
    require_role(acting_user, lab, "record entries")
    with db_guarded(), transaction.atomic():
        if journal.lab_id != lab.pk:
            raise CrossLabError(
                CROSS_LAB.format(
                    what=WHAT_JOURNAL, code=journal.code, other=journal.lab.code, lab=lab.code
                )
            )
        entry = JournalEntry(
            lab=lab,
            journal=journal,
            date=date,
            label=label,
            piece_ref=piece_ref,
            piece_date=piece_date,
            created_by=acting_user,
            reversal_of=reversal_of,
            year_end=year_end,
        )
        entry.fiscal_year = _fiscal_year_for(lab, date, f"{journal.code} entry of {date}")
        _validate_draft_fields(entry)
        entry.save()
        written = _write_lines(entry, lines, round_conversion)
        audit_record(
            actor=acting_user,
            action="entry.create",
            obj=entry,
            lab=lab,
            after=_snapshot(entry, written),
        )
        return entry


def entry_update_draft(
    *,
    acting_user: User,
    entry: JournalEntry,
    lines: Sequence[LineInput] | None = None,
    round_conversion: bool = False,
    **fields: Any,
) -> JournalEntry:
    """Change a draft's fields (journal, date, label, piece_ref, piece_date) and/or
    replace its lines."""
    require_role(acting_user, entry.lab, "record entries")
    allowed = {"journal", "date", "label", "piece_ref", "piece_date"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"entry_update_draft() got unexpected fields {sorted(unknown)}")
    with db_guarded(), transaction.atomic():
        entry = _locked_draft(entry)
        before = _snapshot(entry)
        for name, value in fields.items():
            setattr(entry, name, value)
        if entry.journal.lab_id != entry.lab_id:
            raise CrossLabError(
                CROSS_LAB.format(
                    what=WHAT_JOURNAL,
                    code=entry.journal.code,
                    other=entry.journal.lab.code,
                    lab=entry.lab.code,
                )
            )
        entry.fiscal_year = _fiscal_year_for(entry.lab, entry.date, entry_ref(entry))
        _validate_draft_fields(entry)
        entry.save()
        if lines is not None:
            entry.lines.all().delete()
            _write_lines(entry, lines, round_conversion)
        audit_record(
            actor=acting_user,
            action="entry.update",
            obj=entry,
            lab=entry.lab,
            before=before,
            after=_snapshot(entry),
        )
        return entry


def entry_delete_draft(*, acting_user: User, entry: JournalEntry) -> None:
    """Delete a draft and its lines; posted entries are never deleted."""
    require_role(acting_user, entry.lab, "delete draft entries")
    with db_guarded(), transaction.atomic():
        entry = _locked_draft(entry)
        before = _snapshot(entry)
        # Imported here: the documents' service reads entry_ref from this module.
        from ledger.services.documents import documents_of_draft_remove

        documents_of_draft_remove(acting_user=acting_user, entry=entry)
        audit_record(
            actor=acting_user, action="entry.delete", obj=entry, lab=entry.lab, before=before
        )
        entry.delete()


def _locked_draft(entry: JournalEntry) -> JournalEntry:
    fresh = (
        JournalEntry.objects.select_for_update(of=("self",))
        .select_related("lab", "journal")
        .get(pk=entry.pk)
    )
    if fresh.status != JournalEntry.Status.DRAFT:
        raise EntryFrozenError(NOT_DRAFT.format(ref=entry_ref(fresh)))
    return fresh


def entry_post(*, acting_user: User, entry: JournalEntry) -> JournalEntry:
    """Post one draft: check, number, hash and freeze it."""
    return entries_post(acting_user=acting_user, entries=[entry])[0]


def entries_post(*, acting_user: User, entries: Sequence[JournalEntry]) -> list[JournalEntry]:
    """Post drafts in date order, all or none, with continuous numbers per lab, journal
    and fiscal year, each extending its lab's hash chain."""
    ids = [e.pk for e in entries]
    with db_guarded(), transaction.atomic():
        drafts = _locked_drafts(ids)
        for lab in {d.lab for d in drafts}:
            require_role(acting_user, lab, "post entries")
        overspent = _check_postable(drafts)
        chains = locked_chains(sorted({d.lab_id for d in drafts}))
        sequences = locked_sequences(
            sorted({(d.lab_id, d.journal_id, d.fiscal_year_id) for d in drafts})
        )
        _number_and_hash(drafts, acting_user, chains, sequences)
        for chain in chains.values():
            chain.save(update_fields=["length", "head_hash"])
        for sequence in sequences.values():
            sequence.save(update_fields=["last_seq"])
        audit_records_many(
            actor=acting_user,
            action="entry.post",
            events=[(d.lab_id, d, {"number": d.number, "hash": d.hash}) for d in drafts],
        )
        number_of = {d.pk: d.number for d in drafts}
        for flag in overspent:
            audit_record(
                actor=acting_user,
                action="budget_line.overspent",
                obj=flag.budget_line,
                lab=flag.budget_line.lab,
                after={
                    "excess": str(flag.excess),
                    "by": ", ".join(str(number_of[pk]) for pk in flag.entry_ids),
                },
            )
    position = {pk: i for i, pk in enumerate(ids)}
    return sorted(drafts, key=lambda d: position[d.pk])


def _locked_drafts(ids: list[int]) -> list[JournalEntry]:
    """The entries to post, locked, in date order, with their lab, journal and year
    attached from one small query each (not one joined model per entry)."""
    if len(ids) <= SMALL_BATCH:
        return list(
            JournalEntry.objects.select_for_update(of=("self",))
            .filter(pk__in=ids)
            .select_related("lab", "journal", "fiscal_year")
            .order_by("date", "id")
        )
    drafts = list(
        JournalEntry.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .order_by("date", "id")
    )
    labs = Lab.objects.in_bulk({d.lab_id for d in drafts})
    journals = Journal.objects.in_bulk({d.journal_id for d in drafts})
    years = FiscalYear.objects.in_bulk({d.fiscal_year_id for d in drafts})
    for draft in drafts:
        draft.lab = labs[draft.lab_id]
        draft.journal = journals[draft.journal_id]
        draft.fiscal_year = years[draft.fiscal_year_id]
    return drafts


@dataclass(slots=True)
class _Line:
    account_id: int
    debit: int
    credit: int
    budget_line_id: int | None
    third_party: str | None


@dataclass(slots=True)
class _Posting:
    """A draft as the posting rulebook reads it (amounts in cents)."""

    journal_id: int
    fiscal_year_id: int
    date: date
    year_end: str
    reversal_of_id: int | None
    lines: list[_Line]


def _check_postable(drafts: list[JournalEntry]) -> list[Overspending]:
    """The posting rulebook (ledger.rules) over the drafts, their lines read once; then
    the budgets: 'block' lines are not overspent. Returns the overspending of 'warn'
    lines."""
    for draft in drafts:
        if draft.status != JournalEntry.Status.DRAFT:
            raise EntryFrozenError(NOT_DRAFT.format(ref=entry_ref(draft)))
    lines = list(
        JournalLine.objects.filter(entry_id__in=[d.pk for d in drafts])
        .order_by("entry_id", "id")
        .values(
            "entry_id",
            "account_id",
            "budget_line_id",
            "commitment_id",
            "debit",
            "credit",
            "third_party",
        )
    )
    by_entry: dict[int, list[_Line]] = defaultdict(list)
    for line in lines:
        by_entry[line["entry_id"]].append(
            _Line(
                line["account_id"],
                int(line["debit"] * 100),
                int(line["credit"] * 100),
                line["budget_line_id"],
                cast(str | None, line["third_party"]),
            )
        )
    # Only the accounts and budget lines these lines name are read (a few rows, not the
    # lab's whole chart and budget); one of another lab is then missing, as it would be.
    books = {
        lab: rules.books_read(
            lab,
            account_ids={line["account_id"] for line in lines},
            budget_line_ids={line["budget_line_id"] for line in lines if line["budget_line_id"]},
        )
        for lab in {d.lab for d in drafts}
    }
    for draft in drafts:
        posting = _Posting(
            draft.journal_id,
            draft.fiscal_year_id,
            draft.date,
            draft.year_end,
            draft.reversal_of_id,
            by_entry[draft.pk],
        )
        breach = rules.entry_breach(books[draft.lab], posting, entry_ref(draft))
        if breach is not None:
            raise breach
    describe = (
        POSTING_ONE.format(ref=entry_ref(drafts[0]))
        if len(drafts) == 1
        else POSTING_MANY.format(count=len(drafts))
    )
    return posting_budget_check(lines, describe)


def locked_chains(lab_ids: list[int]) -> dict[int, LedgerChain]:
    """The labs' chain heads, locked; a lab's first posting creates its row."""
    locked = _lock(LedgerChain.objects.filter(lab_id__in=lab_ids), lambda c: c.lab_id)
    for lab_id in set(lab_ids) - set(locked):
        LedgerChain.objects.get_or_create(lab_id=lab_id)
        locked[lab_id] = LedgerChain.objects.select_for_update().get(lab_id=lab_id)
    return locked


def locked_sequences(
    keys: list[tuple[int, int, int]],
) -> dict[tuple[int, int, int], LedgerSequence]:
    """The numbering counters of (lab, journal, year), locked; created on first use."""
    wanted = Q()
    for lab_id, journal_id, fiscal_year_id in keys:
        wanted |= Q(lab_id=lab_id, journal_id=journal_id, fiscal_year_id=fiscal_year_id)
    locked = _lock(
        LedgerSequence.objects.filter(wanted),
        lambda s: (s.lab_id, s.journal_id, s.fiscal_year_id),
    )
    for lab_id, journal_id, fiscal_year_id in set(keys) - set(locked):
        key: dict[str, Any] = {
            "lab_id": lab_id,
            "journal_id": journal_id,
            "fiscal_year_id": fiscal_year_id,
        }
        LedgerSequence.objects.get_or_create(**key)
        locked[(lab_id, journal_id, fiscal_year_id)] = (
            LedgerSequence.objects.select_for_update().get(**key)
        )
    return locked


def _lock(rows: QuerySet[_Locked], key: Callable[[_Locked], _K]) -> dict[_K, _Locked]:
    # Always in id order, so two postings lock shared rows in the same order (no deadlock).
    return {key(row): row for row in rows.select_for_update().order_by("id")}


_POST_SQL = (
    "UPDATE ledger_journalentry SET status = 'posted', seq = %s, number = %s, posted_by_id = %s,"
    " posted_at = %s, chain_index = %s, prev_hash = %s, hash = %s"
    " WHERE id = %s AND status = 'draft'"
)
# PostgreSQL: the batch in one statement (its guards check it as a set, stamp the lines
# in one UPDATE and queue the balance check once), the values as one array a column.
_POST_SET_SQL = (
    "UPDATE ledger_journalentry e SET status = 'posted', seq = v.seq, number = v.number,"
    " posted_by_id = v.posted_by_id, posted_at = v.posted_at, chain_index = v.chain_index,"
    " prev_hash = v.prev_hash, hash = v.hash"
    " FROM unnest(%s::integer[], %s::varchar[], %s::integer[], %s::timestamptz[],"
    " %s::integer[], %s::varchar[], %s::varchar[], %s::bigint[])"
    " AS v(seq, number, posted_by_id, posted_at, chain_index, prev_hash, hash, id)"
    # No `status = 'draft'` here: the drafts are locked and checked, a posted row would be
    # refused by its guard, and the filter (misestimated) made the join a nested loop.
    " WHERE e.id = v.id"
)


def _number_and_hash(
    drafts: list[JournalEntry],
    user: User,
    chains: dict[int, LedgerChain],
    sequences: dict[tuple[int, int, int], LedgerSequence],
) -> None:
    rows = {
        r["id"]: r
        for r in JournalEntry.objects.filter(pk__in=[d.pk for d in drafts]).values(*ENTRY_FIELDS)
    }
    lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for line in (
        JournalLine.objects.filter(entry_id__in=rows)
        .order_by("entry_id", "id")
        .values(*LINE_FIELDS)
    ):
        lines[line["entry_id"]].append(line)
    now = timezone.now()
    params = []
    for draft in drafts:
        sequence = sequences[(draft.lab_id, draft.journal_id, draft.fiscal_year_id)]
        chain = chains[draft.lab_id]
        sequence.last_seq += 1
        chain.length += 1
        draft.status = JournalEntry.Status.POSTED
        draft.seq = sequence.last_seq
        draft.number = rules.entry_number(draft.journal.code, draft.fiscal_year.year, draft.seq)
        draft.posted_by = user
        draft.posted_at = now
        draft.chain_index = chain.length
        draft.prev_hash = chain.head_hash
        row = rows[draft.pk] | {
            "number": draft.number,
            "posted_by_id": user.pk,
            "posted_at": now,
            "chain_index": draft.chain_index,
        }
        draft.hash = chain_hash(draft.prev_hash, row, lines[draft.pk])
        chain.head_hash = draft.hash
        params.append(
            (
                draft.seq,
                draft.number,
                user.pk,
                connection.ops.adapt_datetimefield_value(now),
                draft.chain_index,
                draft.prev_hash,
                draft.hash,
                draft.pk,
            )
        )
    if not params:
        return  # nothing to post (none of the entries asked for was a draft one may post)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_POST_SET_SQL, [list(column) for column in zip(*params, strict=True)])
        else:
            # SQLite's guards check row by row, in the order the statement visits the
            # rows: one UPDATE ... FROM (VALUES ...) visits them by id, not by number,
            # and the numbering guard refuses it. One UPDATE a row, in number order.
            cursor.executemany(_POST_SQL, params)


def _reversal_tags(
    original: JournalLine, fiscal_year: FiscalYear
) -> tuple[BudgetLine | None, Commitment | None]:
    """Where a reversed line's budget effect lands. In the original's year: its own
    budget line and commitment (a credit is accepted even on a cancelled commitment: it
    reopens nothing, it gives the amount back). In a later year (a correction after the
    year end): the matching line of that year (same code), and the commitment the order
    was carried to, if it was; an order left behind in its year is not touched."""
    budget_line, commitment = original.budget_line, original.commitment
    if budget_line is None or budget_line.fiscal_year_id == fiscal_year.pk:
        return budget_line, commitment
    if commitment is not None:
        carried = _in_year(commitment, fiscal_year.pk)
        if carried.budget_line.fiscal_year_id == fiscal_year.pk:
            return carried.budget_line, carried
    matching = (
        BudgetLine.objects.filter(lab_id=budget_line.lab_id, fiscal_year=fiscal_year)
        .filter(code=budget_line.code)
        .select_related("lab")
        .first()
    )
    if matching is None:
        raise BudgetError(
            REVERSAL_NO_MATCHING_LINE.format(
                code=budget_line.code, year=fiscal_year.year, lab=budget_line.lab.code
            )
        )
    return matching, None


def _reversal_journal(original: JournalEntry, fiscal_year: FiscalYear) -> Journal:
    """The reversal's journal: the original's, except for opening balances typed into a
    lab's first year and corrected in a later one, where opening balances come only from
    a closing (the rulebook): they are corrected in the miscellaneous journal (OD)."""
    books = rules.books_read(original.lab, account_ids=(), budget_line_ids=())
    if rules.opening_allowed(books, original.journal_id, fiscal_year.pk, ""):
        return original.journal
    misc = Journal.objects.filter(lab=original.lab, kind=Journal.Kind.MISC).order_by("code").first()
    return misc or original.journal  # without one, the rulebook says why


def entry_reverse(
    *,
    acting_user: User,
    entry: JournalEntry,
    date: date | None = None,
    label: str | None = None,
    reason: str = "",
) -> JournalEntry:
    """Post the reversal of a posted entry, dated the day of the correction (today
    unless given: any open day on or after the entry's date); the two entries point to
    each other. An entry of a closed year is reversed in the open year, its budget
    effect on that year's matching lines (`_reversal_tags`)."""
    require_role(acting_user, entry.lab, "reverse entries")
    with db_guarded(), transaction.atomic():
        original = (
            JournalEntry.objects.select_for_update(of=("self",))
            .select_related("lab", "journal", "reversal_of")
            .get(pk=entry.pk)
        )
        if original.status != JournalEntry.Status.POSTED:
            raise ReversalError(NOT_POSTED.format(ref=entry_ref(original)))
        if original.year_end:
            raise ReversalError(REVERSAL_OF_YEAR_END.format(ref=original.number))
        if original.reversal_of is not None:
            raise ReversalError(
                REVERSAL_OF_REVERSAL.format(ref=original.number, of=original.reversal_of.number)
            )
        existing = JournalEntry.objects.filter(reversal_of=original).first()
        if existing is not None:
            raise ReversalError(
                ALREADY_REVERSED.format(
                    ref=original.number, by=existing.number or entry_ref(existing)
                )
            )
        on = date or timezone.localdate()
        if on < original.date:
            raise ReversalError(
                REVERSAL_BEFORE.format(ref=original.number, date=on, original=original.date)
            )
        fiscal_year = _fiscal_year_for(original.lab, on, f"reversal of {original.number}")
        lines = []
        for ln in original.lines.select_related(
            "account__lab",
            "budget_line__lab",
            "commitment__lab",
            "commitment__budget_line",
        ).order_by("id"):
            budget_line, commitment = _reversal_tags(ln, fiscal_year)
            lines.append(
                LineInput(
                    account=ln.account,
                    debit=ln.credit,
                    credit=ln.debit,
                    label=ln.label,
                    amount_currency=ln.amount_currency,
                    third_party=ln.third_party_id,
                    due_date=ln.due_date,
                    budget_line=budget_line,
                    commitment=commitment,
                )
            )
        why = reason.strip() or original.label
        reversal = entry_create_draft(
            acting_user=acting_user,
            lab=original.lab,
            journal=_reversal_journal(original, fiscal_year),
            date=on,
            label=(label or REVERSAL_LABEL.format(number=original.number, why=why))[:200],
            piece_ref=original.piece_ref,
            piece_date=original.piece_date,
            lines=lines,
            reversal_of=original,
        )
        _copy_rates(original, reversal)
        posted = entry_post(acting_user=acting_user, entry=reversal)
        audit_record(
            actor=acting_user,
            action="entry.reverse",
            obj=original,
            lab=original.lab,
            after={"reversed_by": posted.number, "date": on.isoformat(), "reason": reason.strip()},
        )
        return posted


def _copy_rates(original: JournalEntry, reversal: JournalEntry) -> None:
    """A reversal undoes the original at the original's rates, not today's."""
    for source, target in zip(
        original.lines.order_by("id"), reversal.lines.order_by("id"), strict=True
    ):
        if source.fx_rate is not None:
            target.fx_rate = source.fx_rate
            target.fx_rate_date = source.fx_rate_date
            target.fx_rate_source = source.fx_rate_source
            target.save(update_fields=["fx_rate", "fx_rate_date", "fx_rate_source"])
