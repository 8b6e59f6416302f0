"""Reads of background work: a lab's jobs, one job as its page shows it, whether a job's
worker was lost, and whether any worker was heard of lately (for /healthz)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from irls.access import WRITE_ROLES, UserLike, has_role
from irls.models import Lab
from jobs.exceptions import WORKER_LOST
from jobs.messages import message_in
from jobs.models import Job, Worker

RECENT = 50

# What the worker is doing, by the step it reports (the services' progress stages).
STEPS: dict[str, Promise] = {
    "build": _("Adding up the figures"),
    "lines": _("Writing the statement's lines"),
    "rows": _("Checking the rows"),
    "write": _("Writing the entries"),
    "post": _("Posting the entries"),
    "package": _("Building the package"),
}
WORKING = _("Working")


def lost_after() -> timedelta:
    return timedelta(seconds=settings.JOBS_WORKER_LOST_AFTER)


def lab_jobs(*, lab: Lab, limit: int = RECENT) -> QuerySet[Job]:
    """The latest jobs of `lab`, newest first, without their files."""
    return (
        Job.objects.filter(lab=lab)
        .defer("upload")
        .select_related("requested_by")
        .order_by("-created_at", "-id")[:limit]
    )


def job_in_lab_or_404(*, lab: Lab, job_id: int) -> Job:
    """Job `job_id` of `lab` (already looked up among the user's labs); Http404 otherwise."""
    job = (
        Job.objects.filter(lab=lab, pk=job_id)
        .defer("upload")
        .select_related("lab", "requested_by", "result_batch")
        .first()
    )
    if job is None:
        raise Http404("No such job")
    return job


def job_is_lost(job: Job, *, now: datetime | None = None) -> bool:
    """True when `job` is running and its worker has not been heard of for
    JOBS_WORKER_LOST_AFTER seconds (killed, or its machine stopped)."""
    if job.status != Job.Status.RUNNING:
        return False
    heard = job.heartbeat_at or job.started_at or job.created_at
    return heard < (now or timezone.now()) - lost_after()


def jobs_lost() -> QuerySet[Job]:
    """Every running job whose worker was lost, oldest first."""
    silent_since = timezone.now() - lost_after()
    return (
        Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=silent_since)
        .defer("upload")
        .order_by("created_at", "id")
    )


def job_may_retry(user: UserLike, job: Job) -> bool:
    """A failed job, or one whose worker was lost, may be retried by who asked for it and
    by the lab's accountants and the office head."""
    if job.status != Job.Status.FAILED and not job_is_lost(job):
        return False
    if user.is_authenticated and user.pk == job.requested_by_id:
        return True
    return has_role(user, job.lab, WRITE_ROLES)


@dataclass(frozen=True)
class JobState:
    """A job as its page and the progress endpoint show it, in the reader's language."""

    job: Job
    status: str
    status_text: str
    step_text: str
    done: int
    total: int
    percent: int | None
    lost: bool
    error: str

    @property
    def finished(self) -> bool:
        return self.status in (Job.Status.DONE, Job.Status.FAILED)

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "status_text": self.status_text,
            "step": self.step_text,
            "done": self.done,
            "total": self.total,
            "percent": self.percent,
            "finished": self.finished,
            "lost": self.lost,
        }


def job_state(job: Job, *, language: str) -> JobState:
    """Where `job` stands: its status, step and progress, and why it failed (in
    `language`)."""
    lost = job_is_lost(job)
    total = max(job.total, job.done)
    percent = None
    if job.status == Job.Status.DONE:
        percent = 100
    elif total:
        percent = min(99, job.done * 100 // total)
    step = ""
    if job.status == Job.Status.RUNNING:
        step = str(STEPS.get(job.step, WORKING))
    if lost:
        error = str(WORKER_LOST)
    else:
        error = message_in(job.error, language) if job.status == Job.Status.FAILED else ""
    return JobState(
        job=job,
        status=job.status,
        status_text=str(job.get_status_display()),
        step_text=step,
        done=job.done,
        total=total,
        percent=percent,
        lost=lost,
        error=error,
    )


def worker_seen_recently() -> bool:
    """True when a worker (`manage.py jobs_worker`) reported itself within
    JOBS_WORKER_LOST_AFTER seconds."""
    return Worker.objects.filter(seen_at__gte=timezone.now() - lost_after()).exists()
