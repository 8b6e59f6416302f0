"""Asking for background work, and asking again.

Each request (and each retry) is one transaction: the job, its audit event and its task
in the queue (django_tasks_db keeps the queue in the same database), so a job never
waits without its task, nor a task without its job. The work itself runs in a worker
(jobs.tasks), through the services that do it in the request otherwise.
"""

import contextlib
import hashlib
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from irls.access import READ_ROLES
from irls.models import Lab
from jobs.exceptions import NOT_RETRIABLE, UPLOAD_MISSING, JobError
from jobs.models import Job
from jobs.selectors import job_is_lost, jobs_lost
from ledger.exceptions import RATES_OFFICE_WIDE
from ledger.models import ImportBatch
from ledger.services.access import require_office_role, require_role
from ledger.services.audit import audit_record
from reports.audit_package import AUDIT_PACKAGE_ROLES, DEFAULT_LANGUAGE

# What `{user} may not {action}` says (translated when refused; see ledger.services.access).
ACTIONS = (
    gettext_noop("build audit packages"),
    gettext_noop("retry background jobs"),
)


def job_enqueue_statement(*, acting_user: User, lab: Lab, options: dict[str, Any]) -> Job:
    """Ask a worker for statement `options` (the keyword arguments of
    reports.services.statement_issue); audited as 'job.enqueue'."""
    require_role(acting_user, lab, "issue statements", READ_ROLES)
    parameters = {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in options.items()
    }
    return _enqueue(acting_user, lab, Job.Kind.STATEMENT, parameters)


def job_enqueue_import(
    *,
    acting_user: User,
    lab: Lab,
    kind: str,
    file_name: str,
    data: bytes,
    post: bool = False,
    date_order: str = "auto",
    rows: int = 0,
) -> Job:
    """Ask a worker to import a spreadsheet (already previewed) of `kind` into `lab`, as
    ledger.services.imports.import_file does; audited as 'job.enqueue'."""
    require_role(acting_user, lab, "import spreadsheets")
    if kind == ImportBatch.Kind.RATES:
        require_office_role(acting_user, "import exchange rates", message=RATES_OFFICE_WIDE)
    parameters = {
        "kind": kind,
        "file_name": file_name[:255],
        "post": bool(post),
        "date_order": date_order,
        "rows": rows,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
    }
    return _enqueue(acting_user, lab, Job.Kind.IMPORT, parameters, upload=data)


def job_enqueue_audit_package(
    *, acting_user: User, lab: Lab, year: int, language: str = DEFAULT_LANGUAGE
) -> Job:
    """Ask a worker for the audit package of `lab`'s fiscal year `year` (as
    reports.audit_package.audit_package_issue builds it); audited as 'job.enqueue'."""
    require_role(acting_user, lab, "build audit packages", AUDIT_PACKAGE_ROLES)
    parameters = {"year": int(year), "language": language}
    return _enqueue(acting_user, lab, Job.Kind.AUDIT_PACKAGE, parameters)


def _enqueue(
    user: User, lab: Lab, kind: str, parameters: dict[str, Any], upload: bytes | None = None
) -> Job:
    with transaction.atomic():
        job = Job.objects.create(
            lab=lab, requested_by=user, kind=kind, parameters=parameters, upload=upload
        )
        audit_record(
            actor=user,
            action="job.enqueue",
            obj=job,
            lab=lab,
            after={"kind": kind, "parameters": parameters},
        )
        _queue_task(job)
    job.refresh_from_db()
    return job


def _queue_task(job: Job) -> None:
    from jobs.tasks import TASKS

    result = TASKS[job.kind].enqueue(job_id=job.pk, attempt=job.attempt)
    Job.objects.filter(pk=job.pk).update(task_result_id=str(result.id)[:64])


def job_retry(*, acting_user: User | None, job: Job) -> Job:
    """Queue `job` again, a failed one or one whose worker was lost (what a lost worker
    was writing was rolled back with its transaction); by who asked for it, the lab's
    accountants and the office head (`acting_user` None: the operator, by command).
    Audited as 'job.retry'."""
    if acting_user is not None and acting_user.pk != job.requested_by_id:
        require_role(acting_user, job.lab, "retry background jobs")
    with transaction.atomic():
        job = Job.objects.select_for_update().select_related("lab").get(pk=job.pk)
        if job.status != Job.Status.FAILED and not job_is_lost(job):
            raise JobError(
                NOT_RETRIABLE.format(job=job.pk, status=str(job.get_status_display()).lower())
            )
        if job.kind == Job.Kind.IMPORT and job.upload is None:
            raise JobError(str(UPLOAD_MISSING))
        before = {"status": job.status, "attempt": job.attempt, "error": job.error}
        _task_abandoned(job)
        job.status = Job.Status.QUEUED
        job.attempt += 1
        job.step, job.done, job.total, job.error, job.worker_id = "", 0, 0, "", ""
        job.started_at = job.finished_at = job.heartbeat_at = None
        job.save(
            update_fields=[
                "status",
                "attempt",
                "step",
                "done",
                "total",
                "error",
                "worker_id",
                "started_at",
                "finished_at",
                "heartbeat_at",
            ]
        )
        audit_record(
            actor=acting_user,
            action="job.retry",
            obj=job,
            lab=job.lab,
            before=before,
            after={"status": job.status, "attempt": job.attempt},
        )
        _queue_task(job)
    job.refresh_from_db()
    return job


def jobs_retry_lost(*, acting_user: User | None = None) -> list[Job]:
    """Queue again every job whose worker was lost (`manage.py jobs_retry --lost`)."""
    return [job_retry(acting_user=acting_user, job=job) for job in jobs_lost()]


def _task_abandoned(job: Job) -> None:
    """The queue's record of the previous attempt marked failed: a lost run's (so that it
    is pruned as finished), or one no worker took yet (a worker would skip it anyway)."""
    if not job.task_result_id:
        return
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    # An id of the immediate backend's (tests, TASKS_BACKEND=immediate) is no UUID.
    with contextlib.suppress(ValueError, ValidationError):
        DBTaskResult.objects.filter(
            id=job.task_result_id,
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
        ).update(
            status=TaskResultStatus.FAILED,
            finished_at=timezone.now(),
            exception_class_path="jobs.WorkerLost",
            traceback="The job was retried: this attempt was abandoned.",
        )
