"""The worker's side of a job: taking it, telling how far it is, recording how it ended.

One task runs at a time in a worker process. Its progress is kept in memory as the
services report it (often, and cheaply), and written to the job now and then: by the
worker's heartbeat thread when `manage.py jobs_worker` runs it (on a connection of its
own, so the progress shows while an import writes in its one transaction), or else by
the task itself, at most once a second. The heartbeat also tells that the worker lives
(`Worker.seen_at`, the job's `heartbeat_at`): a killed worker stops beating, and its job
is seen as lost after JOBS_WORKER_LOST_AFTER seconds (jobs.selectors.job_is_lost).
"""

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError, connection
from django.utils import timezone

from jobs.models import Job, Worker
from ledger.models import ImportBatch
from reports.models import IssuedStatement

logger = logging.getLogger("jobs")

BEAT_SECONDS = 2.0
FLUSH_SECONDS = 1.0
# A worker not heard of for a day is forgotten.
FORGET_WORKERS_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class _Running:
    """The job this worker process runs now, and how far it is."""

    job_id: int
    attempt: int
    step: str = ""
    done: int = 0
    total: int = 0


_lock = threading.Lock()
_running: _Running | None = None
_heartbeat: "Heartbeat | None" = None


def _set_running(state: _Running | None) -> None:
    global _running
    with _lock:
        _running = state


def _now_running() -> _Running | None:
    with _lock:
        return _running


def job_start(*, job_id: int, attempt: int, worker_id: str) -> Job | None:
    """Take job `job_id` for this worker if it still waits for attempt `attempt`; None
    when it was taken already, or retried since (a newer attempt is queued)."""
    now = timezone.now()
    taken = Job.objects.filter(pk=job_id, attempt=attempt, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING,
        worker_id=worker_id[:64],
        started_at=now,
        heartbeat_at=now,
        step="",
        done=0,
        total=0,
    )
    if not taken:
        return None
    _set_running(_Running(job_id, attempt))
    return Job.objects.defer("upload").select_related("lab", "requested_by").get(pk=job_id)


class JobProgress:
    """The `progress(step, done, total)` callback the services are given."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.flushed_at = 0.0
        self.step = ""

    def __call__(self, step: str, done: int, total: int) -> None:
        state = _Running(self.job.pk, self.job.attempt, step[:20], max(done, 0), max(total, 0))
        _set_running(state)
        if _heartbeat is not None:
            return  # the heartbeat thread writes it
        moment = time.monotonic()
        if step != self.step or moment - self.flushed_at >= FLUSH_SECONDS:
            self.step, self.flushed_at = step, moment
            _write_progress(state)


def _write_progress(state: _Running) -> None:
    Job.objects.filter(pk=state.job_id, attempt=state.attempt, status=Job.Status.RUNNING).update(
        step=state.step, done=state.done, total=state.total, heartbeat_at=timezone.now()
    )


def _ended(job: Job, **fields: object) -> None:
    _set_running(None)
    Job.objects.filter(pk=job.pk, attempt=job.attempt, status=Job.Status.RUNNING).update(
        finished_at=timezone.now(), heartbeat_at=timezone.now(), **fields
    )


def job_finish(
    job: Job, *, statement: IssuedStatement | None = None, batch: ImportBatch | None = None
) -> None:
    """Record that `job` is done, with what it made; an import's file is dropped."""
    state = _now_running()
    total = state.total if state is not None and state.job_id == job.pk else 0
    fields: dict[str, object] = {
        "status": Job.Status.DONE,
        "result_statement": statement,
        "result_batch": batch,
        "error": "",
    }
    if total:
        fields |= {"done": total, "total": total}
    if job.kind == Job.Kind.IMPORT:
        fields["upload"] = None
    _ended(job, **fields)


def job_fail(job: Job, *, error: str) -> None:
    """Record that `job` failed, and why (in English: shown in the reader's language)."""
    _ended(job, status=Job.Status.FAILED, error=error[:20_000])


class Heartbeat(threading.Thread):
    """Tells, every BEAT_SECONDS, that this worker lives, and how far its job is."""

    def __init__(self, worker_id: str) -> None:
        super().__init__(name="jobs-heartbeat", daemon=True)
        self.worker_id = worker_id[:64]
        self.started_at = timezone.now()
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            self._forget_old_workers()
            while True:
                self.beat()
                if self.stopping.wait(BEAT_SECONDS):
                    return
        finally:
            connection.close()

    def beat(self) -> None:
        state = _now_running()
        now = timezone.now()
        try:
            Worker.objects.update_or_create(
                worker_id=self.worker_id,
                defaults={"seen_at": now, "job_id": state.job_id if state else None},
                create_defaults={
                    "host": socket.gethostname()[:255],
                    "pid": os.getpid(),
                    "started_at": self.started_at,
                    "seen_at": now,
                    "job_id": state.job_id if state else None,
                },
            )
            if state is not None:
                _write_progress(state)
        except DatabaseError:
            # The database is away, or (SQLite) a long import holds its write lock:
            # the next beat tries again on a new connection.
            logger.warning("worker %s: heartbeat not recorded", self.worker_id, exc_info=True)
            connection.close()

    def _forget_old_workers(self) -> None:
        try:
            Worker.objects.filter(seen_at__lt=timezone.now() - FORGET_WORKERS_AFTER).delete()
        except DatabaseError:
            connection.close()


def heartbeat_start(worker_id: str) -> Heartbeat:
    """Start this worker process's heartbeat (once)."""
    global _heartbeat
    if _heartbeat is None:
        _heartbeat = Heartbeat(worker_id)
        _heartbeat.start()
    return _heartbeat


def heartbeat_stop() -> None:
    global _heartbeat
    if _heartbeat is not None:
        _heartbeat.stopping.set()
        _heartbeat.join(timeout=10)
        _heartbeat = None
