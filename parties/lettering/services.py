"""Lettering (lettrage): marking the posted lines of one account that cancel out.

Every write here is atomic, checks the acting user's role in the lab (accountants and
the office head letter; directors and auditors only read) and records audit events:

- `lettering_letter`: letter by hand the lines an accountant selected (one lab, one
  account, one third party, posted lines); complete when they sum to zero, partial
  otherwise; lines selected with those of one partial lettering are added to it;
- `lettering_unletter`: undo a lettering, with a reason (its code is never given again);
- `lettering_confirm`: letter groups of lines the automatic proposal showed (each must
  sum to zero), or `lettering_confirm_proposal`: the whole proposal of an account (or of
  every third-party account): the groups shown (kept with the page), or, once no longer
  kept, computed again and refused if it changed since it was shown.

Groups are written in bulk (parties/lettering/writing.py). The database guards
(parties/db_guards.py) check the result again.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import cast

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from irls.models import Lab
from ledger.fields import CentsField
from ledger.models import Account, JournalLine
from ledger.selectors.years import carried_openings
from ledger.services.access import require_role
from ledger.services.audit import audit_record
from parties.lettering.exceptions import (
    ACCOUNTS_DIFFER,
    ALREADY_LETTERED,
    LINE_NOT_FOUND,
    LINE_NOT_POSTED,
    LINE_RESTATED,
    NO_THIRD_PARTY,
    NOT_COMPLETE,
    NOTHING_NEW,
    PROPOSAL_CHANGED,
    REASON_MISSING,
    THIRD_PARTIES_DIFFER,
    TOO_FEW_LINES,
    TWO_LETTERINGS,
    LetteringError,
    LetteringLineError,
    LetteringUnbalancedError,
    lettering_guarded,
)
from parties.lettering.selectors import lettering_proposal, proposal_kept
from parties.lettering.writing import GroupToLetter, Lettered, letterings_write, lock_counters
from parties.models import LetteredLine, Lettering

# Ids asked of the database at once (SQLite's limit on parameters is 32,766).
IDS_A_QUERY = 10_000


@dataclass(frozen=True)
class LineFacts:
    """What lettering needs to know of a line."""

    id: int
    lab_id: int
    account_id: int
    account_code: str
    third_party: str | None
    debit: Decimal
    credit: Decimal
    posted: bool
    entry_id: int
    ref: str  # the entry's number, or its journal and draft id
    lettering_id: int | None
    lettering_code: str | None
    lettering_complete: bool

    @property
    def amount(self) -> Decimal:
        return self.debit - self.credit


def line_facts(lab: Lab, line_ids: Sequence[int]) -> dict[int, LineFacts]:
    """The facts of `line_ids` that are lines of `lab` (missing ids are left out)."""
    found: dict[int, LineFacts] = {}
    ids = sorted(set(line_ids))
    for start in range(0, len(ids), IDS_A_QUERY):
        rows = JournalLine.objects.filter(lab=lab, pk__in=ids[start : start + IDS_A_QUERY]).values(
            "id",
            "lab_id",
            "account_id",
            "account__code",
            "third_party_id",
            "debit",
            "credit",
            "entry_id",
            "entry__status",
            "entry__number",
            "entry__journal__code",
            "lettered__lettering_id",
            "lettered__lettering__code",
            "lettered__lettering__complete",
        )
        for row in rows:
            posted = row["entry__status"] == "posted"
            found[row["id"]] = LineFacts(
                id=row["id"],
                lab_id=row["lab_id"],
                account_id=row["account_id"],
                account_code=row["account__code"],
                third_party=cast(str | None, row["third_party_id"]),
                debit=row["debit"],
                credit=row["credit"],
                posted=posted,
                entry_id=row["entry_id"],
                ref=(row["entry__number"] or "")
                if posted
                else f"{row['entry__journal__code']} #{row['entry_id']}",
                lettering_id=row["lettered__lettering_id"],
                lettering_code=row["lettered__lettering__code"],
                lettering_complete=bool(row["lettered__lettering__complete"]),
            )
    return found


def _checked(lab: Lab, line_ids: Sequence[int]) -> list[LineFacts]:
    """The facts of the lines, refused unless they are posted lines of `lab`, of one
    account and one third party."""
    facts = line_facts(lab, line_ids)
    missing = sorted(set(line_ids) - set(facts))
    if missing:
        raise LetteringLineError(LINE_NOT_FOUND.format(line=missing[0], lab=lab.code))
    lines = [facts[i] for i in sorted(facts)]
    for line in lines:
        if not line.posted:
            raise LetteringLineError(LINE_NOT_POSTED.format(line=line.id, ref=line.ref))
    restated = set(carried_openings(lab))
    for line in lines:
        if line.entry_id in restated:
            raise LetteringLineError(LINE_RESTATED.format(line=line.id, ref=line.ref))
    accounts = sorted({line.account_code for line in lines})
    if len(accounts) > 1:
        raise LetteringLineError(ACCOUNTS_DIFFER.format(accounts=", ".join(accounts)))
    parties = sorted({line.third_party or str(NO_THIRD_PARTY) for line in lines})
    if len(parties) > 1:
        raise LetteringLineError(THIRD_PARTIES_DIFFER.format(third_parties=", ".join(parties)))
    return lines


def _today(lettered_on: date | None) -> date:
    return lettered_on or timezone.localdate()


def lettering_letter(
    *,
    acting_user: User,
    lab: Lab,
    line_ids: Sequence[int],
    lettered_on: date | None = None,
) -> Lettering:
    """Letter the selected lines together: complete if they sum to zero, partial
    otherwise. Lines selected with those of one partial lettering join it (the lettering
    becomes complete when they sum to zero); `lettered_on` defaults to today."""
    require_role(acting_user, lab, "letter lines")
    with lettering_guarded(), transaction.atomic():
        lines = _checked(lab, line_ids)
        for line in lines:
            if line.lettering_complete:
                raise LetteringLineError(
                    ALREADY_LETTERED.format(line=line.id, ref=line.ref, code=line.lettering_code)
                )
        partial = sorted(
            {(line.lettering_code, line.lettering_id) for line in lines if line.lettering_id}
        )
        if len(partial) > 1:
            raise LetteringLineError(
                TWO_LETTERINGS.format(codes=", ".join(str(c) for c, _ in partial))
            )
        if partial:
            lettering = Lettering.objects.select_for_update().get(pk=partial[0][1])
            new = [line for line in lines if line.lettering_id is None]
            if not new:
                raise LetteringError(NOTHING_NEW.format(code=lettering.code))
            return _lines_add(acting_user, lettering, new, _today(lettered_on))
        if len(lines) < 2:
            raise LetteringError(str(TOO_FEW_LINES))
        group = GroupToLetter(
            account_id=lines[0].account_id,
            third_party=lines[0].third_party,
            line_ids=tuple(line.id for line in lines),
            balance=sum((line.amount for line in lines), Decimal(0)),
        )
        [written] = letterings_write(
            acting_user=acting_user,
            lab=lab,
            groups=[group],
            lettered_on=_today(lettered_on),
            action="lettering.letter",
        )
        return Lettering.objects.get(pk=written.id)


def _lines_add(
    acting_user: User, lettering: Lettering, new: list[LineFacts], today: date
) -> Lettering:
    """Add `new` lines (checked: of one account and third party) to a partial lettering."""
    if new[0].account_id != lettering.account_id:
        codes = sorted({new[0].account_code, lettering.account.code})
        raise LetteringLineError(ACCOUNTS_DIFFER.format(accounts=", ".join(codes)))
    if new[0].third_party != lettering.third_party_id:
        parties = sorted(
            p or str(NO_THIRD_PARTY) for p in {new[0].third_party, lettering.third_party_id}
        )
        raise LetteringLineError(THIRD_PARTIES_DIFFER.format(third_parties=", ".join(parties)))
    before = lettering_balance(lettering)
    LetteredLine.objects.bulk_create(
        [LetteredLine(lettering=lettering, line_id=line.id) for line in new]
    )
    balance = before + sum((line.amount for line in new), Decimal(0))
    lettering.complete = balance == 0
    lettering.lettered_on = today
    lettering.save(update_fields=["complete", "lettered_on"])
    audit_record(
        actor=acting_user,
        action="lettering.add",
        obj=lettering,
        lab=lettering.lab,
        before={"balance": str(before), "complete": False},
        after={
            "code": lettering.code,
            "lines_added": [line.id for line in new],
            "entries": sorted({line.ref for line in new}),
            "balance": str(balance),
            "complete": lettering.complete,
        },
    )
    return lettering


def lettering_balance(lettering: Lettering) -> Decimal:
    """Debit minus credit of the lettering's lines, summed by the database."""
    total = JournalLine.objects.filter(lettered__lettering=lettering).aggregate(
        balance=Sum(F("debit") - F("credit"), output_field=CentsField())
    )["balance"]
    return total if total is not None else Decimal("0.00")


def lettering_unletter(*, acting_user: User, lettering: Lettering, reason: str) -> None:
    """Undo a lettering: its lines are unlettered again, its code is not given again.
    Audited with its code, account, third party, lines and the reason."""
    require_role(acting_user, lettering.lab, "unletter lines")
    reason = (reason or "").strip()
    if not reason:
        raise LetteringError(REASON_MISSING.format(code=lettering.code))
    with lettering_guarded(), transaction.atomic():
        locked = Lettering.objects.select_for_update().get(pk=lettering.pk)
        lines = list(
            JournalLine.objects.filter(lettered__lettering=locked)
            .order_by("id")
            .values_list("id", "entry__number", "debit", "credit")
        )
        audit_record(
            actor=acting_user,
            action="lettering.unletter",
            obj=locked,
            lab=locked.lab,
            before={
                "code": locked.code,
                "account": locked.account.code,
                "third_party": locked.third_party_id,
                "complete": locked.complete,
                "lettered_on": locked.lettered_on.isoformat(),
                "lines": [line_id for line_id, *_ in lines],
                "entries": sorted({number for _, number, *_ in lines if number}),
                "balance": str(sum((d - c for *_, d, c in lines), Decimal(0))),
            },
            after={"reason": reason},
        )
        # Partial first: the guards refuse removing lines from a complete lettering.
        if locked.complete:
            Lettering.objects.filter(pk=locked.pk).update(complete=False)
        LetteredLine.objects.filter(lettering=locked).delete()
        Lettering.objects.filter(pk=locked.pk).delete()


def lettering_confirm(
    *,
    acting_user: User,
    lab: Lab,
    groups: Sequence[Sequence[int]],
    lettered_on: date | None = None,
) -> list[Lettered]:
    """Letter each group of lines (ids, as the proposal showed them) under a new code;
    every group must be posted, unlettered lines of one account and third party of the
    lab that sum to zero. All or nothing."""
    require_role(acting_user, lab, "letter lines")
    with lettering_guarded(), transaction.atomic():
        facts = line_facts(lab, [i for group in groups for i in group])
        to_write = []
        for ids in groups:
            if len(set(ids)) < 2:
                raise LetteringError(str(TOO_FEW_LINES))
            lines = _checked_facts(lab, facts, ids)
            balance = sum((line.amount for line in lines), Decimal(0))
            if balance != 0:
                raise LetteringUnbalancedError(
                    NOT_COMPLETE.format(lines=", ".join(str(i) for i in ids), balance=balance)
                )
            to_write.append(
                GroupToLetter(
                    account_id=lines[0].account_id,
                    third_party=lines[0].third_party,
                    line_ids=tuple(line.id for line in lines),
                    balance=balance,
                    rule="confirmed",
                )
            )
        return letterings_write(
            acting_user=acting_user,
            lab=lab,
            groups=to_write,
            lettered_on=_today(lettered_on),
            action="lettering.confirm",
        )


def _checked_facts(lab: Lab, facts: dict[int, LineFacts], ids: Sequence[int]) -> list[LineFacts]:
    missing = [i for i in ids if i not in facts]
    if missing:
        raise LetteringLineError(LINE_NOT_FOUND.format(line=missing[0], lab=lab.code))
    lines = [facts[i] for i in sorted(set(ids))]
    for line in lines:
        if not line.posted:
            raise LetteringLineError(LINE_NOT_POSTED.format(line=line.id, ref=line.ref))
        if line.lettering_id is not None:
            raise LetteringLineError(
                ALREADY_LETTERED.format(line=line.id, ref=line.ref, code=line.lettering_code)
            )
    if len({line.account_id for line in lines}) > 1:
        accounts = sorted({line.account_code for line in lines})
        raise LetteringLineError(ACCOUNTS_DIFFER.format(accounts=", ".join(accounts)))
    if len({line.third_party for line in lines}) > 1:
        parties = sorted({line.third_party or str(NO_THIRD_PARTY) for line in lines})
        raise LetteringLineError(THIRD_PARTIES_DIFFER.format(third_parties=", ".join(parties)))
    return lines


def lettering_confirm_proposal(
    *,
    acting_user: User,
    lab: Lab,
    account: Account | None = None,
    third_party: str | None = None,
    fingerprint: str | None = None,
    lettered_on: date | None = None,
) -> list[Lettered]:
    """Letter every group of the automatic proposal for `account` (None: every
    third-party account of the lab) and `third_party` (None: all). With `fingerprint`,
    the groups of the proposal shown (`proposal_keep`), or, when it is no longer kept,
    the proposal computed again, refused if its fingerprint differs (the lines changed
    since it was shown); without, the proposal as it is now."""
    require_role(acting_user, lab, "letter lines")
    with lettering_guarded(), transaction.atomic():
        lock_counters(_accounts_of(lab, account))
        groups = None
        if fingerprint is not None:
            groups = proposal_kept(
                lab=lab, account=account, third_party=third_party, fingerprint=fingerprint
            )
        if groups is None:
            proposal = lettering_proposal(lab=lab, account=account, third_party=third_party)
            if fingerprint is not None and fingerprint != proposal.fingerprint:
                raise LetteringError(str(PROPOSAL_CHANGED))
            groups = proposal.groups
        return letterings_write(
            acting_user=acting_user,
            lab=lab,
            groups=groups,
            lettered_on=_today(lettered_on),
            action="lettering.confirm",
        )


def _accounts_of(lab: Lab, account: Account | None) -> list[int]:
    if account is not None:
        return [account.pk]
    from parties.lettering.selectors import third_party_accounts

    return [a.pk for a in third_party_accounts(lab)]
