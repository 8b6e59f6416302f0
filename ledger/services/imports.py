"""Spreadsheet imports: every row or none, recorded as a batch the auditors can list.

`import_file` reads the file safely, checks every row (ledger.imports), and, when the
check found nothing wrong and this is not a dry run, writes the whole file in ONE
transaction: the ImportBatch, then the rows through the services (journal entries in
bulk, posted in the same pass when asked). Any problem, refusal or crash leaves the
database as it was; a refused attempt is then recorded on its own as a 'refused' batch.
The same file (sha256) is imported into a lab once.
"""

import gc
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from irls.models import Lab
from ledger.exceptions import RATES_OFFICE_WIDE, LedgerError
from ledger.imports.journal import JournalPlan, plan_journal
from ledger.imports.plans import Plan, Preview, Progress
from ledger.imports.problems import (
    FILE_ALREADY_IMPORTED,
    THE_SYSTEM,
    WRITE_REFUSED,
    Problem,
    when_text,
)
from ledger.imports.reading import FileRefused, read_sheet
from ledger.imports.setup import (
    AccountsPlan,
    BudgetPlan,
    RatesPlan,
    plan_accounts,
    plan_budget,
    plan_rates,
)
from ledger.models import ImportBatch
from ledger.services.access import require_office_role, require_role
from ledger.services.audit import audit_record
from ledger.services.budget import budget_line_create
from ledger.services.entries_bulk import entries_create_drafts
from ledger.services.entries_bulk_post import entries_create_posted
from ledger.services.setup import account_create, exchange_rate_set

KINDS = [choice.value for choice in ImportBatch.Kind]
JOURNAL_NEEDS_USER = _(
    "Journal entries record who wrote them: import them as a user (--as USERNAME)"
)
# WRITE_REFUSED's {detail} when another import of the same file won the race.
IMPORTED_AT_THE_SAME_MOMENT = _(
    "this file was imported into this lab at the same moment by someone else"
)

Planner = Callable[..., Plan]
PLANNERS: dict[str, Planner] = {
    ImportBatch.Kind.ACCOUNTS: plan_accounts,
    ImportBatch.Kind.RATES: plan_rates,
    ImportBatch.Kind.BUDGET: plan_budget,
    ImportBatch.Kind.JOURNAL: plan_journal,
}


@dataclass
class ImportOutcome:
    """What an import found and did: the plan (with its preview), the problems, and the
    batch when something was written."""

    kind: str
    lab: Lab
    file_name: str
    sha256: str
    size: int
    dry_run: bool
    post: bool
    date_order: str = "auto"
    plan: Plan | None = None
    problems: list[Problem] = field(default_factory=list)
    batch: ImportBatch | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def rows(self) -> int:
        return self.plan.rows if self.plan is not None else 0

    @property
    def notes(self) -> list[str]:
        return self.plan.notes if self.plan is not None else []

    def preview(self) -> Preview | None:
        return self.plan.preview() if self.plan is not None else None


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a file's rows are read and written: the rows
    make hundreds of thousands of objects, and each collection would walk them all
    again (the reference counting still frees everything as usual)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def preview_asked(outcome: ImportOutcome) -> dict[str, Any]:
    """What a preview without problems keeps beside its bytes (ledger/imports/kept.py),
    for its confirmation: the admin's import page and the API's."""
    return {
        "kind": outcome.kind,
        "lab": outcome.lab.pk,
        "post": outcome.post,
        "file_name": outcome.file_name,
        "date_order": outcome.date_order,
        "rows": outcome.rows,
    }


def confirmed_arguments(asked: dict[str, Any]) -> dict[str, Any]:
    """The arguments of `import_file` (and of the worker's `job_enqueue_import`) for a
    preview confirmed, from what it kept: the file is imported as it was previewed."""
    return {
        "kind": asked["kind"],
        "file_name": asked["file_name"],
        "post": bool(asked["post"]),
        "date_order": asked.get("date_order", "auto"),
    }


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def import_file(
    *,
    acting_user: User | None,
    lab: Lab,
    kind: str,
    file_name: str,
    data: bytes,
    post: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    date_order: str = "auto",
) -> ImportOutcome:
    """Check a spreadsheet of `kind` for `lab` and, unless `dry_run` or a problem was
    found, import every row in one transaction (journal entries as drafts, or posted
    when `post`). `acting_user` None is the system (not allowed for journal entries);
    exchange rates are imported by office-wide accountants and the office head only.
    `date_order`: how slash dates are read: auto (day first, DD/MM/YYYY, unless a date
    is only valid month first, which refuses the file), dmy or mdy."""
    if kind not in PLANNERS:
        raise ValueError(f"Unknown import kind {kind!r}; expected one of {', '.join(KINDS)}")
    if acting_user is not None:
        require_role(acting_user, lab, "import spreadsheets")
    if kind == ImportBatch.Kind.RATES:
        # Rates are the office's, whatever the lab the sheet is imported from.
        require_office_role(acting_user, "import exchange rates", message=RATES_OFFICE_WIDE)
    outcome = ImportOutcome(
        kind, lab, file_name[:255], file_sha256(data), len(data), dry_run, post, date_order
    )
    with _collector_paused():
        _check(outcome, acting_user, data, progress, date_order)
    if outcome.problems or dry_run:
        if outcome.problems and not dry_run:
            _record_refused(outcome, acting_user)
        return outcome
    try:
        with _collector_paused():
            outcome.batch = _write(outcome, acting_user, progress)
    except (LedgerError, ValidationError, IntegrityError) as error:
        outcome.problems.append(Problem(WRITE_REFUSED.format(detail=_detail(error))))
        _record_refused(outcome, acting_user)
    return outcome


def _check(
    outcome: ImportOutcome,
    user: User | None,
    data: bytes,
    progress: Progress | None,
    date_order: str,
) -> None:
    if outcome.kind == ImportBatch.Kind.JOURNAL and user is None:
        outcome.problems.append(Problem(str(JOURNAL_NEEDS_USER)))
        return
    earlier = _earlier_import(outcome)
    if earlier is not None:
        outcome.problems.append(Problem(earlier))
        return
    try:
        sheet = read_sheet(outcome.file_name, data, outcome.kind)
    except FileRefused as refusal:
        outcome.problems.append(Problem(str(refusal)))
        return
    try:
        outcome.plan = PLANNERS[outcome.kind](
            sheet, lab=outcome.lab, post=outcome.post, progress=progress, date_order=date_order
        )
    except FileRefused as refusal:  # raised while streaming the rows (a damaged csv)
        outcome.problems.append(Problem(str(refusal)))
        return
    outcome.problems.extend(outcome.plan.problems)


def _earlier_import(outcome: ImportOutcome) -> str | None:
    batch = (
        ImportBatch.objects.filter(
            kind=outcome.kind,
            lab=outcome.lab,
            sha256=outcome.sha256,
            result=ImportBatch.Result.IMPORTED,
        )
        .select_related("created_by")
        .first()
    )
    if batch is None:
        return None
    return FILE_ALREADY_IMPORTED.format(
        lab=outcome.lab.code,
        when=when_text(batch.created_at),
        who=batch.created_by.username if batch.created_by else THE_SYSTEM,
        file=batch.file_name,
        batch=batch.pk,
    )


def _write(outcome: ImportOutcome, user: User | None, progress: Progress | None) -> ImportBatch:
    plan = outcome.plan
    assert plan is not None
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            kind=outcome.kind,
            lab=outcome.lab,
            file_name=outcome.file_name,
            sha256=outcome.sha256,
            size=outcome.size,
            rows=plan.rows,
            posted=outcome.post and outcome.kind == ImportBatch.Kind.JOURNAL,
            result=ImportBatch.Result.IMPORTED,
            message="; ".join(plan.notes)[:2000],
            created_by=user,
        )
        batch.created = _write_plan(plan, batch, user, outcome, progress)
        batch.save(update_fields=["created"])
        audit_record(
            actor=user,
            action=f"import.{outcome.kind}",
            obj=batch,
            lab=outcome.lab,
            after={
                "file_name": batch.file_name,
                "sha256": batch.sha256,
                "rows": batch.rows,
                "created": batch.created,
                "posted": batch.posted,
            },
        )
    return batch


def _write_plan(
    plan: Plan,
    batch: ImportBatch,
    user: User | None,
    outcome: ImportOutcome,
    progress: Progress | None,
) -> int:
    lab = outcome.lab
    if isinstance(plan, JournalPlan):
        assert user is not None
        write = entries_create_posted if outcome.post else entries_create_drafts
        ids = write(
            acting_user=user, lab=lab, entries=plan.drafts, import_batch=batch, progress=progress
        )
        return len(ids)
    if isinstance(plan, AccountsPlan):
        # Shorter codes first, so each account finds its parent (the longest prefix).
        for row in sorted(plan.accounts, key=lambda a: (len(a.code), a.code)):
            account_create(
                acting_user=user,
                lab=lab,
                code=row.code,
                name_fr=row.name_fr,
                name_en=row.name_en,
                needs_budget_line=row.needs_budget_line,
            )
        return len(plan.accounts)
    if isinstance(plan, RatesPlan):
        for rate in plan.rates:
            exchange_rate_set(
                acting_user=user,
                currency=rate.currency,
                valid_from=rate.valid_from,
                units_per_eur=rate.units_per_eur,
                source=rate.source,
            )
        return len(plan.rates)
    assert isinstance(plan, BudgetPlan)
    for line in plan.lines:
        budget_line_create(
            acting_user=user,
            lab=lab,
            fiscal_year=line.fiscal_year,
            funding_source=line.funding_source,
            code=line.code,
            label_fr=line.label_fr,
            label_en=line.label_en,
            envelope=line.envelope,
            nature=line.nature,
            allocated=line.allocated,
            allocated_on=line.allocated_on,
            funder_category=line.funder_category,
            policy=line.policy,
            alert_thresholds=line.alert_thresholds,
        )
    return len(plan.lines)


def _detail(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    if isinstance(error, IntegrityError) and "import_batch_file_once" in str(error):
        return str(IMPORTED_AT_THE_SAME_MOMENT)
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _record_refused(outcome: ImportOutcome, user: User | None) -> None:
    """Keep a trace of the refused attempt for the auditors (nothing else is written)."""
    with transaction.atomic():
        ImportBatch.objects.create(
            kind=outcome.kind,
            lab=outcome.lab,
            file_name=outcome.file_name,
            sha256=outcome.sha256,
            size=outcome.size,
            rows=outcome.rows,
            posted=False,
            result=ImportBatch.Result.REFUSED,
            message="\n".join(p.message for p in outcome.problems[:50])[:4000],
            created_by=user,
        )
