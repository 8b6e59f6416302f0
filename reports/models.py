"""The archive of issued statements: the proof an auditor checks a file against."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from irls.models import Lab


class IssuedStatement(models.Model):
    """A generated statement file, kept byte for byte with the ledger state it reflects.

    Append-only: the database refuses UPDATE and DELETE (ledger/db_guards.py)."""

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        XLSX = "xlsx", "XLSX"
        TXT = "txt", _("Text (FEC)")
        ZIP = "zip", _("ZIP (audit package)")

    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="issued_statements")
    kind = models.CharField(_("statement"), max_length=30)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    parameters = models.JSONField(_("parameters"))
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("sha256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    content = models.BinaryField(_("file"))
    chain_length = models.PositiveIntegerField(_("posted entries at issue"))
    chain_head = models.CharField(_("ledger hash-chain head at issue"), max_length=64, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["lab", "issued_at"])]
        verbose_name = _("issued statement")
        verbose_name_plural = _("issued statements")

    def __str__(self) -> str:
        return self.file_name
