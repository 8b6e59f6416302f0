"""Supporting documents: the PDF, JPEG or PNG files attached to a journal entry.

The files live in Django's storage API, in the storage `STORAGES["documents"]` of the
settings (a local folder by default, any django-storages backend in production), under
a name made of the lab, the entry and the file's sha256, never the name the user gave.
A document of a posted entry is never changed or deleted (database triggers in
db_guards.py); the services add them, and remove those of drafts (audited).
"""

from typing import Any, cast

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.utils.functional import LazyObject
from django.utils.translation import gettext_lazy as _

from irls.models import Lab


class _DocumentStorage(LazyObject):
    """`storages["documents"]`, looked up at each use rather than once at import: the
    settings are read at call time (a test points them at a temporary folder)."""

    def _setup(self) -> None:
        self._wrapped = storages["documents"]

    def __getattr__(self, name: str) -> Any:
        return getattr(storages["documents"], name)


_STORAGE = _DocumentStorage()


def document_storage() -> Storage:
    """The storage of supporting documents (the FileField's storage callable)."""
    return cast(Storage, _STORAGE)


class SupportingDocument(models.Model):
    """One file attached to an entry, with the sha256 of its bytes."""

    class ContentType(models.TextChoices):
        PDF = "application/pdf", "PDF"
        JPEG = "image/jpeg", "JPEG"
        PNG = "image/png", "PNG"

    # A copy of the entry's lab (the database checks they agree): lab-scoped lookups.
    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey(
        "ledger.JournalEntry",
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("entry"),
    )
    file = models.FileField(_("file"), storage=document_storage, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=40, choices=ContentType.choices)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("sha256"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["entry_id", "uploaded_at", "id"]
        constraints = [
            # The same file is attached to an entry once.
            models.UniqueConstraint(fields=["entry", "sha256"], name="document_once_per_entry"),
            models.CheckConstraint(condition=models.Q(size__gt=0), name="document_not_empty"),
        ]
        verbose_name = _("supporting document")
        verbose_name_plural = _("supporting documents")

    def __str__(self) -> str:
        return self.original_name
