"""The tasks a worker runs: each takes its job, runs the service that does the work, and
records the outcome on the job.

Every message recorded is in English, the catalogue's language, and shown in the
reader's (jobs.messages). Each service writes in one transaction: a worker killed in the
middle leaves nothing of the job written, and the job can be retried.
"""

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from django.utils import translation
from django_tasks import TaskContext, task

from jobs.exceptions import (
    FILE_REFUSED,
    UNEXPECTED,
    UPLOAD_MISSING,
    WORKER_STOPPED,
    JobError,
)
from jobs.models import Job
from jobs.running import JobProgress, job_fail, job_finish, job_start
from ledger.exceptions import LedgerError
from ledger.services.imports import import_file
from reports.audit_package import DEFAULT_LANGUAGE, audit_package_issue
from reports.services import statement_issue

logger = logging.getLogger("jobs")

# The problems of a refused file kept on the job (each names its row and column; the
# refused batch keeps them all).
PROBLEMS_KEPT = 50

Work = Callable[[Job, JobProgress], None]


def _run(context: TaskContext, job_id: int, attempt: int, work: Work) -> str:
    worker_ids = context.task_result.worker_ids
    worker_id = worker_ids[-1] if worker_ids else ""
    with translation.override("en"):
        job = job_start(job_id=job_id, attempt=attempt, worker_id=worker_id)
        if job is None:
            return "skipped"
        try:
            work(job, JobProgress(job))
        except LedgerError as error:
            job_fail(job, error=str(error))
            return "failed"
        except Exception:
            logger.exception("job %s (%s) failed", job.pk, job.kind)
            job_fail(job, error=str(UNEXPECTED))
            raise
        except BaseException:
            # The worker was told to stop now (a second Ctrl-C or SIGTERM): the service's
            # transaction was rolled back on the way out.
            job_fail(job, error=str(WORKER_STOPPED))
            raise
    return "done"


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _issue_statement(job: Job, progress: JobProgress) -> None:
    asked = job.parameters
    issued = statement_issue(
        acting_user=job.requested_by,
        lab=job.lab,
        kind=asked["kind"],
        year=asked.get("year"),
        date_from=_day(asked.get("date_from")),
        date_to=_day(asked.get("date_to")),
        language=asked.get("language", "en"),
        currency=asked.get("currency"),
        partner=asked.get("partner", ""),
        grant=asked.get("grant", ""),
        third_party=asked.get("third_party", ""),
        format=asked.get("format"),
        progress=progress,
    )
    job_finish(job, statement=issued)


def _import(job: Job, progress: JobProgress) -> None:
    data = Job.objects.filter(pk=job.pk).values_list("upload", flat=True).first()
    if data is None:
        raise JobError(str(UPLOAD_MISSING))
    asked = job.parameters
    outcome = import_file(
        acting_user=job.requested_by,
        lab=job.lab,
        kind=asked["kind"],
        file_name=asked["file_name"],
        data=bytes(data),
        post=bool(asked.get("post")),
        date_order=asked.get("date_order", "auto"),
        progress=progress,
    )
    if not outcome.ok or outcome.batch is None:
        problems = [problem.message for problem in outcome.problems[:PROBLEMS_KEPT]]
        job_fail(job, error="\n".join([str(FILE_REFUSED), *problems]))
        return
    job_finish(job, batch=outcome.batch)


def _audit_package(job: Job, progress: JobProgress) -> None:
    asked = job.parameters
    issued = audit_package_issue(
        acting_user=job.requested_by,
        lab=job.lab,
        year=int(asked["year"]),
        language=asked.get("language", DEFAULT_LANGUAGE),
        progress=progress,
    )
    job_finish(job, statement=issued)


@task(takes_context=True)
def statement_job(context: TaskContext, job_id: int, attempt: int) -> str:
    """Issue the statement a job asks for."""
    return _run(context, job_id, attempt, _issue_statement)


@task(takes_context=True)
def import_job(context: TaskContext, job_id: int, attempt: int) -> str:
    """Import the spreadsheet a job holds."""
    return _run(context, job_id, attempt, _import)


@task(takes_context=True)
def audit_package_job(context: TaskContext, job_id: int, attempt: int) -> str:
    """Build the audit package a job asks for."""
    return _run(context, job_id, attempt, _audit_package)


TASKS: dict[str, Any] = {
    Job.Kind.STATEMENT: statement_job,
    Job.Kind.IMPORT: import_job,
    Job.Kind.AUDIT_PACKAGE: audit_package_job,
}
