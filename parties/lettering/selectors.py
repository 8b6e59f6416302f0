"""What the lettering pages, the services and the FEC read about lettering.

- `third_party_accounts`: the accounts of a lab that are lettered (third-party accounts:
  flagged as needing a third party, or under LEDGER_THIRD_PARTY_CLASSES);
- `lettering_proposal`: the automatic lettering proposal, computed by one SQL query over
  the open (posted, unlettered) lines: first the groups of lines with the same third
  party and the same piece reference that sum to zero, then, among the lines left, pairs
  of one debit and one credit of the same third party and the same amount, the oldest
  debit with the oldest credit, the second with the second, and so on, across fiscal
  years: an invoice of December is lettered with its payment of January (the opening
  entries of later years only restate balances and are never lettered:
  `ledger.selectors.years.carried_openings`, the ageing's rule);
- `lettering_lines`: a page of an account's lines with their lettering, filtered, and
  the totals of the filtered lines summed by the database.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum

from irls.models import Lab
from ledger.models import Account, JournalLine
from ledger.selectors.years import carried_openings
from parties.models import Lettering, ThirdParty

RULE_PIECE = "piece"
RULE_AMOUNT = "amount"
RULES = (RULE_PIECE, RULE_AMOUNT)
LINES_A_PAGE = 200


def third_party_accounts(lab: Lab) -> list[Account]:
    """The lab's accounts that are lettered: third-party accounts (flagged, or under the
    classes of LEDGER_THIRD_PARTY_CLASSES), in code order."""
    classes = Q(needs_third_party=True)
    for prefix in settings.LEDGER_THIRD_PARTY_CLASSES:
        classes |= Q(code__startswith=prefix)
    return list(Account.objects.filter(classes, lab=lab).order_by("code"))


def _cents(value: Any) -> Decimal:
    return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


class ProposedGroup(NamedTuple):
    """Lines the automatic lettering proposes to letter together (they sum to zero).
    A named tuple: a proposal over 100,000 lines makes some 45,000 of them."""

    rule: str  # RULE_PIECE or RULE_AMOUNT
    account_id: int
    third_party: str | None
    piece_ref: str
    line_ids: tuple[int, ...]
    first_date: date
    cents: int  # the total debit (= the total credit), in cents

    @property
    def amount(self) -> Decimal:
        return _cents(self.cents)

    @property
    def balance(self) -> Decimal:
        """Debit minus credit of the lines: zero, as every group proposed."""
        return Decimal(0)

    @property
    def key(self) -> str:
        """How the confirmation form names the group: its line ids."""
        return "-".join(str(i) for i in self.line_ids)


@dataclass(frozen=True)
class LetteringProposal:
    """The groups proposed for a lab (one account, or every third-party account), in
    order: by rule (piece first), account, third party, oldest line."""

    lab_id: int
    account_ids: tuple[int, ...]
    third_party: str | None
    groups: tuple[ProposedGroup, ...]
    accounts: dict[int, str] = field(default_factory=dict, compare=False)  # id: code

    @cached_property
    def fingerprint(self) -> str:
        """sha256 of the groups: confirming checks it is still the proposal shown."""
        text = "|".join(f"{g.rule}:{g.key}" for g in self.groups)
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def lines(self) -> int:
        return sum(len(g.line_ids) for g in self.groups)

    def count(self, rule: str) -> int:
        return sum(1 for g in self.groups if g.rule == rule)


# The open lines of the accounts asked (posted, not lettered, not in an opening entry
# that restates the year before's balances), grouped and paired across fiscal years: a
# payment of January settles the invoice of December itself. Each line with the sums of
# its piece group (same account, third party and piece reference: window functions, no
# join back); the lines left ranked per account, third party, amount and side, oldest first;
# the k-th debit and the k-th credit of an amount paired by a GROUP BY (no self-join).
# One row a line of a piece group, one row a pair, in the proposal's order (rule,
# account, third party, oldest line), so that the rows are grouped as they come. No
# step joins two large sets: a plan cannot go quadratic on a bad estimate (PostgreSQL
# estimated one piece group where there were 31,000, and joined them back to the lines
# by a nested loop: minutes). A line without a third party has the party '' (no third
# party's code is empty).
_PROPOSAL_SQL = """
WITH open_lines AS MATERIALIZED (
  SELECT l.id, l.account_id, COALESCE(l.third_party, '') AS party, e.piece_ref,
         l.entry_date, l.debit, l.credit
    FROM ledger_journalline l
    JOIN ledger_journalentry e ON e.id = l.entry_id
   WHERE l.lab_id = %s AND l.account_id IN ({accounts}) AND l.entry_date IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM parties_letteredline x WHERE x.line_id = l.id){party}{restated}
),
sums AS MATERIALIZED (
  SELECT o.id, o.account_id, o.party, o.piece_ref, o.entry_date, o.debit, o.credit,
         CASE WHEN o.piece_ref <> '' AND SUM(o.debit - o.credit) OVER piece = 0
               AND COUNT(*) OVER piece > 1 THEN 1 ELSE 0 END AS in_piece,
         MIN(o.entry_date) OVER piece AS first_date, MIN(o.id) OVER piece AS first_id,
         SUM(o.debit) OVER piece AS piece_amount
    FROM open_lines o
  WINDOW piece AS (PARTITION BY o.account_id, o.party, o.piece_ref)
),
ranked AS MATERIALIZED (
  SELECT s.id, s.account_id, s.party, s.entry_date, s.debit,
         s.debit + s.credit AS amount,
         ROW_NUMBER() OVER (PARTITION BY s.account_id, s.party, s.debit + s.credit,
                                         CASE WHEN s.debit > 0 THEN 1 ELSE 0 END
                            ORDER BY s.entry_date, s.id) AS k
    FROM sums s
   WHERE s.in_piece = 0
),
pairs AS (
  SELECT account_id, party, amount,
         MAX(CASE WHEN debit > 0 THEN id END) AS debit_id,
         MAX(CASE WHEN debit = 0 THEN id END) AS credit_id,
         MIN(entry_date) AS first_date, MIN(id) AS first_id
    FROM ranked
   GROUP BY account_id, party, amount, k
  HAVING COUNT(*) = 2
)
SELECT 1 AS rule, s.account_id, a.code, s.party, s.first_date, s.first_id, s.piece_ref,
       s.id AS line_id, NULL AS other_id, s.piece_amount
  FROM sums s
  JOIN ledger_account a ON a.id = s.account_id
 WHERE s.in_piece = 1
UNION ALL
SELECT 2, q.account_id, a.code, q.party, q.first_date, q.first_id, '', q.debit_id,
       q.credit_id, q.amount
  FROM pairs q
  JOIN ledger_account a ON a.id = q.account_id
 ORDER BY 1, 3, 4, 5, 6, 8
"""


def lettering_proposal(
    *, lab: Lab, account: Account | None = None, third_party: str | None = None
) -> LetteringProposal:
    """The automatic lettering proposal for `account` of `lab` (None: every third-party
    account of the lab), for `third_party` only when given."""
    accounts = [account] if account is not None else third_party_accounts(lab)
    account_ids = tuple(a.pk for a in accounts)
    codes = {a.pk: a.code for a in accounts}
    if not account_ids:
        return LetteringProposal(lab.pk, account_ids, third_party, (), codes)
    restated = carried_openings(lab)
    sql = _PROPOSAL_SQL.format(
        accounts=", ".join(["%s"] * len(account_ids)),
        party=" AND l.third_party = %s" if third_party else "",
        restated=f" AND l.entry_id NOT IN ({', '.join(['%s'] * len(restated))})"
        if restated
        else "",
    )
    params: list[Any] = [
        lab.pk,
        *account_ids,
        *([third_party] if third_party else []),
        *restated,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    groups: list[ProposedGroup] = []
    piece: list[Any] | None = None  # the piece group being read: its row, its lines
    lines: list[int] = []
    for row in rows:
        rule, account_id, _code, party, first_date, first_id, _piece, line_id, other, cents = row
        if rule == 1:
            if piece is not None and piece[5] == first_id:
                lines.append(line_id)
                continue
            if piece is not None:
                groups.append(_piece_group(piece, lines))
            piece, lines = row, [line_id]
            continue
        if piece is not None:
            groups.append(_piece_group(piece, lines))
            piece = None
        ids = (line_id, other) if line_id < other else (other, line_id)
        groups.append(
            ProposedGroup(
                RULE_AMOUNT, account_id, party or None, "", ids, _day(first_date), int(cents)
            )
        )
    if piece is not None:
        groups.append(_piece_group(piece, lines))
    return LetteringProposal(lab.pk, account_ids, third_party, tuple(groups), codes)


def _piece_group(row: Sequence[Any], lines: list[int]) -> ProposedGroup:
    _rule, account_id, _code, party, first_date, _first_id, piece_ref, *_rest, cents = row
    return ProposedGroup(
        RULE_PIECE, account_id, party or None, piece_ref, tuple(lines), _day(first_date), int(cents)
    )


# A proposal shown is kept for its confirmation (the cache, by lab, accounts, third party
# and fingerprint): "Confirm all" then letters the groups the accountant saw, without
# computing them again (1-2 s over 100,000 lines). The database refuses a group whose line
# was lettered meanwhile (a line is in one lettering) or that does not cancel out; when
# the proposal is no longer kept, it is computed again and must have the same fingerprint.
PROPOSAL_KEPT_SECONDS = 30 * 60


def _proposal_key(
    lab_id: int, account_ids: Sequence[int], third_party: str | None, fingerprint: str
) -> str:
    text = f"{lab_id}|{','.join(map(str, account_ids))}|{third_party or ''}|{fingerprint}"
    return "lettering-proposal:" + hashlib.sha256(text.encode()).hexdigest()


def proposal_keep(proposal: LetteringProposal) -> None:
    """Keep `proposal` for its confirmation (PROPOSAL_KEPT_SECONDS)."""
    key = _proposal_key(
        proposal.lab_id, proposal.account_ids, proposal.third_party, proposal.fingerprint
    )
    cache.set(key, [tuple(group) for group in proposal.groups], PROPOSAL_KEPT_SECONDS)


def proposal_kept(
    *, lab: Lab, account: Account | None, third_party: str | None, fingerprint: str
) -> tuple[ProposedGroup, ...] | None:
    """The groups of the proposal shown with `fingerprint` for these accounts and third
    party of `lab`, if it is still kept (and has that fingerprint)."""
    accounts = [account.pk] if account is not None else [a.pk for a in third_party_accounts(lab)]
    kept = cache.get(_proposal_key(lab.pk, accounts, third_party, fingerprint))
    if kept is None:
        return None
    groups = tuple(ProposedGroup(*group) for group in kept)
    text = "|".join(f"{g.rule}:{g.key}" for g in groups)
    if hashlib.sha256(text.encode()).hexdigest() != fingerprint:
        return None
    return groups


# -- the lettering page --------------------------------------------------------------------

STATE_OPEN = "open"
STATE_LETTERED = "lettered"
STATE_ALL = "all"


@dataclass(frozen=True)
class LineFilters:
    """What the lettering page shows of an account's lines."""

    state: str = STATE_OPEN  # open (unlettered or partially lettered), lettered, all
    third_party: str = ""
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class LineTotals:
    lines: int
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit


@dataclass(frozen=True)
class LetteringPage:
    page: Page[Any]
    totals: LineTotals
    open_totals: LineTotals  # the account's lines not completely lettered, same filters


def letterable_lines(lab: Lab) -> QuerySet[JournalLine]:
    """The lab's posted lines less those of the opening entries that restate the year
    before's balances (`carried_openings`): the items lettering works on."""
    lines = JournalLine.objects.filter(lab=lab, entry_date__isnull=False)
    restated = carried_openings(lab)
    return lines.exclude(entry_id__in=restated) if restated else lines


def _filtered(lab: Lab, account: Account, filters: LineFilters) -> QuerySet[JournalLine]:
    lines = letterable_lines(lab).filter(account=account)
    if filters.third_party:
        lines = lines.filter(third_party__code=filters.third_party)
    if filters.date_from:
        lines = lines.filter(entry_date__gte=filters.date_from)
    if filters.date_to:
        lines = lines.filter(entry_date__lte=filters.date_to)
    return lines


def _open(lines: QuerySet[JournalLine]) -> QuerySet[JournalLine]:
    """Lines not lettered, or in a partial lettering: what is still due."""
    return lines.filter(Q(lettered__isnull=True) | Q(lettered__lettering__complete=False))


def _totals(lines: QuerySet[JournalLine]) -> LineTotals:
    sums = lines.aggregate(n=Count("id"), debit=Sum("debit"), credit=Sum("credit"))
    return LineTotals(sums["n"], sums["debit"] or Decimal(0), sums["credit"] or Decimal(0))


def lettering_lines(
    *, lab: Lab, account: Account, filters: LineFilters, page: int = 1
) -> LetteringPage:
    """A page of the account's posted lines (oldest first) with their lettering, and the
    totals of every line the filters keep."""
    lines = _filtered(lab, account, filters)
    if filters.state == STATE_OPEN:
        lines = _open(lines)
    elif filters.state == STATE_LETTERED:
        lines = lines.filter(lettered__isnull=False)
    rows = lines.order_by("entry_date", "id").values(
        "id",
        "entry_id",
        "entry_date",
        "entry__number",
        "entry__journal__code",
        "entry__piece_ref",
        "entry__label",
        "label",
        "third_party_id",
        "due_date",
        "debit",
        "credit",
        "lettered__lettering_id",
        "lettered__lettering__code",
        "lettered__lettering__complete",
    )
    paginator = Paginator(rows, LINES_A_PAGE)
    return LetteringPage(
        page=paginator.get_page(page),
        totals=_totals(lines),
        open_totals=_totals(_open(_filtered(lab, account, filters))),
    )


def lettering_for_lab(lab: Lab, lettering_id: int) -> Lettering | None:
    """The lettering `lettering_id` if it is one of `lab`'s (None otherwise)."""
    return Lettering.objects.filter(lab=lab, pk=lettering_id).select_related("account").first()


@dataclass(frozen=True)
class ShownLine:
    """A line of a proposed group, as the confirmation page shows it."""

    id: int
    entry_id: int
    date: date | None
    number: str
    piece_ref: str
    label: str
    debit: Decimal
    credit: Decimal


def lines_shown(line_ids: Sequence[int]) -> dict[int, ShownLine]:
    """The lines of the groups a page shows, read at once."""
    rows = JournalLine.objects.filter(pk__in=list(line_ids)).values_list(
        "id", "entry_id", "entry_date", "entry__number", "entry__piece_ref", "label",
        "entry__label", "debit", "credit",
    )  # fmt: skip
    return {
        row[0]: ShownLine(
            row[0], row[1], row[2], row[3] or "", row[4], row[5] or row[6], row[7], row[8]
        )
        for row in rows
    }


def lettering_summary(lab: Lab, account: Account) -> dict[str, int]:
    """How many letterings the account has, complete and partial."""
    counts = Lettering.objects.filter(lab=lab, account=account).aggregate(
        n_complete=Count("id", filter=Q(complete=True)),
        n_partial=Count("id", filter=Q(complete=False)),
    )
    return {"complete": counts["n_complete"], "partial": counts["n_partial"]}


@dataclass(frozen=True)
class AccountOverview:
    """A third-party account of the lab, as the lettering page lists them."""

    account: Account
    lines: int
    open_lines: int  # not lettered, or in a partial lettering
    open_debit: Decimal
    open_credit: Decimal

    @property
    def open_balance(self) -> Decimal:
        return self.open_debit - self.open_credit


def lettering_overview(lab: Lab) -> list[AccountOverview]:
    """Every third-party account of the lab with its posted lines and what is still open
    on it, summed by the database (one query)."""
    accounts = third_party_accounts(lab)
    still_open = Q(lettered__isnull=True) | Q(lettered__lettering__complete=False)
    sums = {
        row["account_id"]: row
        for row in letterable_lines(lab)
        .filter(account__in=[a.pk for a in accounts])
        .values("account_id")
        .annotate(
            lines=Count("id"),
            open_lines=Count("id", filter=still_open),
            open_debit=Sum("debit", filter=still_open),
            open_credit=Sum("credit", filter=still_open),
        )
    }
    empty: dict[str, Any] = {}
    return [
        AccountOverview(
            account=account,
            lines=sums.get(account.pk, empty).get("lines") or 0,
            open_lines=sums.get(account.pk, empty).get("open_lines") or 0,
            open_debit=sums.get(account.pk, empty).get("open_debit") or Decimal(0),
            open_credit=sums.get(account.pk, empty).get("open_credit") or Decimal(0),
        )
        for account in accounts
    ]


def account_third_parties(lab: Lab, account: Account) -> list[tuple[str, str]]:
    """(code, name) of the third parties named by the account's posted lines."""
    codes = (
        JournalLine.objects.filter(
            lab=lab, account=account, entry_date__isnull=False, third_party__isnull=False
        )
        .values_list("third_party_id", flat=True)
        .distinct()
    )
    return list(
        ThirdParty.objects.filter(code__in=list(codes)).order_by("code").values_list("code", "name")
    )
