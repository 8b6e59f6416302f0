"""Background work: what was asked of a worker, where it stands, and what came of it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from irls.models import Lab
from ledger.models import ImportBatch
from reports.models import IssuedStatement


class Job(models.Model):
    """One piece of work run by a worker for someone of a lab: a large statement, a large
    import, an audit package. The worker reports its progress here as it goes."""

    class Kind(models.TextChoices):
        STATEMENT = "statement", _("Statement")
        IMPORT = "import", pgettext_lazy("job kind", "Import")
        AUDIT_PACKAGE = "audit_package", _("Audit package")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="jobs")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # What was asked: a statement's options, an import's file name, kind and choices.
    parameters = models.JSONField(_("parameters"), default=dict)
    # An import's file, kept in the database so that a worker on any machine reads it;
    # dropped once the file is imported.
    upload = models.BinaryField(_("file"), null=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    # Progress: the step under way (a key of jobs.selectors.STEPS), and how far it is.
    step = models.CharField(_("step"), max_length=20, blank=True)
    done = models.PositiveBigIntegerField(_("done"), default=0)
    total = models.PositiveBigIntegerField(_("total"), default=0)
    result_statement = models.ForeignKey(
        IssuedStatement, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    result_batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Why it failed, as the service worded it in English: shown in the reader's language
    # (jobs.messages). Never a traceback: that stays in the task's result, for operators.
    error = models.TextField(_("error"), blank=True)
    # The task of the current attempt (django_tasks_db's result id), and who runs it.
    task_result_id = models.CharField(max_length=64, blank=True)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    worker_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Last time the worker running it was heard of (a lost worker stops beating).
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["lab", "created_at"], name="job_lab_created_idx"),
            models.Index(fields=["status", "heartbeat_at"], name="job_status_beat_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="job_status_known",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["statement", "import", "audit_package"]),
                name="job_kind_known",
            ),
        ]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")

    def __str__(self) -> str:
        return f"job {self.pk} {self.kind} {self.status}"


class Worker(models.Model):
    """A worker process (`manage.py jobs_worker`), as it last reported itself."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")

    def __str__(self) -> str:
        return f"worker {self.worker_id} on {self.host} ({self.pid})"
