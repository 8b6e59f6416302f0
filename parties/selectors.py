"""Reads of the third parties' file: who may read and write it, the list, and what one
third party holds in the labs a user may see.

Third parties are office-wide: one file of suppliers, customers, partners and staff for
every lab. Accountants (office-wide or of a lab) and the office head keep it, and they
alone see bank details; auditors read it (without bank details); a lab director has no
page of it (404, as the auditor's workspace): the names of the third parties of the
lab's lines are on the lab's entries already, the office's whole file of suppliers is
not the director's. What a third party holds is summed per lab and account by the
database, inside the labs the reader may see.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum, Value
from django.http import Http404

from irls.access import WRITE_ROLES, UserLike, labs_for_user
from irls.models import Lab, Role, RoleGrant
from ledger.fields import CentsField
from ledger.models import Account, JournalLine
from ledger.selectors.years import carried_opening_entries
from parties.models import ThirdParty
from parties.validation import BANK_FIELDS, compact

# Who reads the file: those who keep it, and the auditors.
READ_ROLES = frozenset({Role.ACCOUNTANT, Role.AUDITOR, Role.OFFICE_HEAD})
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ThirdPartyAccess:
    """What one user may do with the third parties' file."""

    reads: bool
    writes: bool

    @property
    def bank_details(self) -> bool:
        """Bank details are shown to those who keep the file (accountants, office head)."""
        return self.writes


NO_ACCESS = ThirdPartyAccess(reads=False, writes=False)


def third_party_access(user: UserLike | None) -> ThirdPartyAccess:
    """The access of `user` (one query): a role in any lab, or office-wide, counts."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_ACCESS
    roles = set(RoleGrant.objects.filter(user_id=user.pk).values_list("role", flat=True))
    return ThirdPartyAccess(reads=bool(roles & READ_ROLES), writes=bool(roles & WRITE_ROLES))


def third_party_access_or_404(user: UserLike | None) -> ThirdPartyAccess:
    """The access of `user`; Http404 for who may not read the file (a director)."""
    access = third_party_access(user)
    if not access.reads:
        raise Http404("No third parties here")
    return access


def _visible(queryset: QuerySet[ThirdParty], access: ThirdPartyAccess) -> QuerySet[ThirdParty]:
    """Bank details never leave the database for who may not see them."""
    return queryset if access.bank_details else queryset.defer(*BANK_FIELDS)


def third_parties_search(
    *,
    access: ThirdPartyAccess,
    q: str = "",
    kind: str = "",
    active: bool | None = None,
) -> QuerySet[ThirdParty]:
    """The third parties whose code, name, UEN or SIRET holds `q`, of `kind`, active or
    not (None: both), by code."""
    parties = ThirdParty.objects.select_related("institution").order_by("code")
    q = q.strip()
    if q:
        words = Q(code__icontains=q) | Q(name__icontains=q)
        identifier = compact(q)
        if identifier:
            words |= Q(uen__icontains=identifier) | Q(siret__icontains=identifier)
        parties = parties.filter(words)
    if kind:
        parties = parties.filter(kind=kind)
    if active is not None:
        parties = parties.filter(is_active=active)
    return _visible(parties, access)


def third_party_or_404(*, access: ThirdPartyAccess, code: str) -> ThirdParty:
    """The third party `code` (Http404 if none), its bank details loaded only for who
    may see them."""
    found = _visible(ThirdParty.objects.select_related("institution"), access)
    try:
        return found.get(code=code)
    except ThirdParty.DoesNotExist:
        raise Http404("No such third party") from None


def third_party_in_use(third_party: ThirdParty) -> list[str]:
    """The kinds of record that name the third party (journal lines first); empty when
    none does, and its code may still change. Every relation to it counts, those of
    other apps (lettering, bank statements) included."""
    used = []
    for relation in ThirdParty._meta.related_objects:
        model = relation.related_model
        assert model is not None and not isinstance(model, str)
        if model._default_manager.filter(**{relation.field.name: third_party}).exists():
            used.append(model._meta.label)
    return sorted(used, key=lambda label: label != JournalLine._meta.label)


@dataclass(frozen=True)
class AccountTotal:
    """A third party's posted lines on one account of a lab."""

    code: str
    name_fr: str
    name_en: str
    lines: int
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit


@dataclass(frozen=True)
class LabTotal:
    """A third party's posted lines in one lab, by account."""

    code: str
    name: str
    accounts: list[AccountTotal] = field(default_factory=list)

    @property
    def lines(self) -> int:
        return sum(a.lines for a in self.accounts)

    @property
    def debit(self) -> Decimal:
        return sum((a.debit for a in self.accounts), ZERO)

    @property
    def credit(self) -> Decimal:
        return sum((a.credit for a in self.accounts), ZERO)

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit


def _cents_sum(name: str) -> Sum:
    # Integer cents: exact on SQLite as on PostgreSQL (ledger/fields.py).
    return Sum(name, output_field=CentsField(), default=Value(0, output_field=CentsField()))


def third_party_lab_totals(*, third_party: ThirdParty, user: UserLike | None) -> list[LabTotal]:
    """Per lab `user` may read, then per account (by code): the number of posted lines
    naming the third party, their total debit and credit, across the years: the opening
    entries that restate an earlier year's balances are left out (they would count the
    same invoice twice; ledger.selectors.years.carried_opening_entries). One grouped
    query over the lines (the foreign key's index), one over their accounts."""
    labs = labs_for_user(user)
    sums = list(
        JournalLine.objects.filter(third_party=third_party, lab__in=labs, entry_date__isnull=False)
        .exclude(entry_id__in=carried_opening_entries(labs).values("id"))
        .values("account_id")
        .annotate(lines=Count("id"), debit=_cents_sum("debit"), credit=_cents_sum("credit"))
        .order_by()
    )
    by_account = {row["account_id"]: row for row in sums}
    accounts: dict[int, Any] = {
        a["id"]: a
        for a in Account.objects.filter(id__in=by_account).values(
            "id", "code", "name_fr", "name_en", "lab_id"
        )
    }
    lab_rows = {
        lab.pk: lab for lab in Lab.objects.filter(id__in={a["lab_id"] for a in accounts.values()})
    }
    totals: dict[int, LabTotal] = {}
    for account_id, row in by_account.items():
        account = accounts[account_id]
        lab = lab_rows[account["lab_id"]]
        total = totals.setdefault(lab.pk, LabTotal(lab.code, lab.name))
        total.accounts.append(
            AccountTotal(
                account["code"],
                account["name_fr"],
                account["name_en"],
                row["lines"],
                row["debit"],
                row["credit"],
            )
        )
    for total in totals.values():
        total.accounts.sort(key=lambda a: a.code)
    return sorted(totals.values(), key=lambda t: t.code)
