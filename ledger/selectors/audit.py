"""Reads of the auditor's workspace: the audit trail, the import batches and the ledger
verification, inside the labs a user may audit."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from irls.access import UserLike, labs_for_user
from irls.models import Lab, Role, RoleGrant
from ledger.models import AuditEvent, BudgetLine, ImportBatch, LedgerChain
from ledger.selectors.books import VerifyResult, ledger_verify

# Who opens the auditor's workspace: auditors, and the accountants and office head whose
# work it records. Directors read their lab's budgets and statements, not the trail.
AUDIT_ROLES = frozenset({Role.AUDITOR, Role.ACCOUNTANT, Role.OFFICE_HEAD})
# The `lab` filter's value for the office's own records (rates, institutions, roles).
OFFICE = "-"
SYSTEM = "system"
# The office's reference data every lab's books rely on (a rate converts every lab's EUR
# figures; a third party is named by every lab's lines, its bank details never kept in
# full by its events): their events carry no lab, and every auditor sees them, whatever
# the scope.
OFFICE_REFERENCE_TYPES = ("ledger.ExchangeRate", "irls.Institution", "parties.ThirdParty")


def office_reference_events() -> Q:
    """The events of the office's reference data (rates, institutions), which concern
    every lab: in the scope of every auditor, lab-restricted ones included."""
    return Q(lab__isnull=True, object_type__in=OFFICE_REFERENCE_TYPES)


@dataclass(frozen=True)
class AuditScope:
    """What one user may audit: some labs, and the office's records when office-wide."""

    labs: tuple[Lab, ...]
    office_wide: bool

    @property
    def lab_ids(self) -> list[int]:
        return [lab.pk for lab in self.labs]

    def lab(self, code: str) -> Lab | None:
        return next((lab for lab in self.labs if lab.code == code), None)


def audit_scope(user: UserLike | None) -> AuditScope:
    """The labs `user` may audit (ordered by code), and whether office-wide."""
    labs = tuple(labs_for_user(user, AUDIT_ROLES).order_by("code"))
    office_wide = (
        bool(labs)
        and RoleGrant.objects.filter(
            user_id=int(getattr(user, "pk", 0) or 0), role__in=list(AUDIT_ROLES), lab__isnull=True
        ).exists()
    )
    return AuditScope(labs, office_wide)


def audit_scope_or_404(user: UserLike | None) -> AuditScope:
    """The scope of `user`; Http404 for a user with no lab to audit (as for any lab
    page they may not see)."""
    scope = audit_scope(user)
    if not scope.labs:
        raise Http404("No audit workspace")
    return scope


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events(
    *,
    scope: AuditScope,
    lab: Lab | None = None,
    office_only: bool = False,
    username: str = "",
    action: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """The events in `scope`, latest first, narrowed by the filters given. A scope of
    some labs holds their events and those of the office's reference data (rates,
    institutions: `office_reference_events`), which concern every lab.

    username: the actor's username, or SYSTEM for the events of management commands;
    date_from / date_to: local days, both included.
    """
    events = AuditEvent.objects.select_related("lab", "actor")
    if not scope.office_wide:
        events = events.filter(Q(lab_id__in=scope.lab_ids) | office_reference_events())
    if lab is not None:
        events = events.filter(lab=lab)
    elif office_only:
        events = events.filter(lab__isnull=True)
    if username == SYSTEM:
        events = events.filter(actor__isnull=True)
    elif username:
        events = events.filter(actor__username=username)
    if action:
        events = events.filter(action=action)
    if date_from is not None:
        events = events.filter(at__gte=_day_start(date_from))
    if date_to is not None:
        events = events.filter(at__lt=_day_start(date_to + timedelta(days=1)))
    return events.order_by("-at", "-id")


def audit_actions() -> list[str]:
    """Every action name the trail holds (names of services' actions, not lab data)."""
    actions = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
    return list(actions)


def audit_usernames(scope: AuditScope) -> list[str]:
    """The users who hold a role in `scope` (suggestions for the user filter)."""
    grants = RoleGrant.objects.all()
    if not scope.office_wide:
        grants = grants.filter(Q(lab_id__in=scope.lab_ids) | Q(lab__isnull=True))
    users = User.objects.filter(id__in=grants.values("user_id")).order_by("username")
    return list(users.values_list("username", flat=True))


def import_batches(
    *,
    scope: AuditScope,
    lab: Lab | None = None,
    office_only: bool = False,
    kind: str = "",
    result: str = "",
) -> QuerySet[ImportBatch]:
    """The import batches in `scope` (imported and refused), latest first."""
    batches = ImportBatch.objects.select_related("lab", "created_by")
    if not scope.office_wide:
        batches = batches.filter(lab_id__in=scope.lab_ids)
    if lab is not None:
        batches = batches.filter(lab=lab)
    elif office_only:
        batches = batches.filter(lab__isnull=True)
    if kind:
        batches = batches.filter(kind=kind)
    if result:
        batches = batches.filter(result=result)
    return batches.order_by("-created_at", "-id")


@dataclass(frozen=True)
class ChainState:
    """A lab's hash chain as recorded at the last posting (not verified)."""

    lab: Lab
    length: int
    head_hash: str


def chain_states(labs: Iterable[Lab]) -> list[ChainState]:
    """The recorded chain of each lab, in the order given."""
    labs = list(labs)
    chains = {c.lab_id: c for c in LedgerChain.objects.filter(lab__in=labs)}
    return [
        ChainState(
            lab,
            chains[lab.pk].length if lab.pk in chains else 0,
            chains[lab.pk].head_hash if lab.pk in chains else "",
        )
        for lab in labs
    ]


def ledger_verifications(labs: Iterable[Lab]) -> list[VerifyResult]:
    """The hash chain of each lab recomputed from the stored entries (ledger_verify)."""
    return [ledger_verify(lab=lab) for lab in labs]


def budget_line_years(line_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """(lab id, fiscal year) of each budget line named, to link the trail to its page."""
    ids = sorted(set(line_ids))
    if not ids:
        return {}
    rows = BudgetLine.objects.filter(pk__in=ids).values_list("pk", "lab_id", "fiscal_year__year")
    return {pk: (lab_id, year) for pk, lab_id, year in rows}
