"""Import batches: every spreadsheet brought into the books, kept for the auditors."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from irls.models import Lab


class ImportBatch(models.Model):
    """One file imported (or refused): what, where, by whom, and what came of it."""

    class Kind(models.TextChoices):
        ACCOUNTS = "accounts", _("Chart of accounts")
        RATES = "rates", _("Exchange rates")
        BUDGET = "budget", _("Budget lines")
        JOURNAL = "journal", _("Journal entries")

    class Result(models.TextChoices):
        IMPORTED = "imported", _("Imported")
        REFUSED = "refused", _("Refused (nothing written)")
        # Imported as drafts, then withdrawn: its drafts were deleted, the record stays.
        WITHDRAWN = "withdrawn", _("Withdrawn (its drafts deleted)")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    lab = models.ForeignKey(
        Lab, on_delete=models.PROTECT, null=True, blank=True, related_name="import_batches"
    )
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("sha256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("objects created"), default=0)
    posted = models.BooleanField(_("entries posted"), default=False)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    # A batch of drafts withdrawn (import_batch_delete_drafts): who, when, why, how many.
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_reason = models.TextField(_("reason for withdrawing"), blank=True)
    withdrawn_entries = models.PositiveIntegerField(_("draft entries deleted"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # The same file is imported into a lab once (refused attempts and withdrawn
            # batches do not count: a withdrawn file may be imported again).
            models.UniqueConstraint(
                fields=["kind", "lab", "sha256"],
                condition=Q(result="imported"),
                name="import_batch_file_once",
                violation_error_message=_("This file was already imported into this lab."),
            ),
            # A withdrawn batch says when it was withdrawn; no other batch does.
            models.CheckConstraint(
                condition=Q(result="withdrawn", withdrawn_at__isnull=False)
                | (~Q(result="withdrawn") & Q(withdrawn_at__isnull=True)),
                name="import_batch_withdrawn_dated",
            ),
        ]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")

    def __str__(self) -> str:
        at = timezone.localtime(self.created_at)  # the office's time, its zone shown
        return f"{self.get_kind_display()} {self.file_name} ({at:%Y-%m-%d %H:%M %Z})"
