"""Supporting documents: attached to an entry, removed from a draft, handed to readers.

A document is a PDF, JPEG or PNG file, recognised by its first bytes (never by its name
or the browser's word), whose name's extension agrees; it is at most DOCUMENT_MAX_BYTES
and attached to an entry once. It is stored under a name made of the lab, the entry and
its sha256. A posted entry takes new documents but keeps the ones it has (the database
refuses the rest); a draft's documents may be removed. Every attachment, removal and
download is an audit event.
"""

import hashlib
import posixpath
import unicodedata

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from irls.access import READ_ROLES
from ledger.exceptions import (
    DOCUMENT_DUPLICATE,
    DOCUMENT_EMPTY,
    DOCUMENT_EXTENSION,
    DOCUMENT_OF_POSTED,
    DOCUMENT_TOO_LARGE,
    DOCUMENT_TYPE,
    NOT_DRAFT,
    DocumentError,
    EntryFrozenError,
)
from ledger.models import JournalEntry, SupportingDocument
from ledger.models.documents import document_storage
from ledger.services.access import require_role
from ledger.services.audit import audit_record
from ledger.services.entries import entry_ref
from ledger.services.guarded import db_guarded

PDF = SupportingDocument.ContentType.PDF
JPEG = SupportingDocument.ContentType.JPEG
PNG = SupportingDocument.ContentType.PNG
# What a file's first bytes say it is.
SIGNATURES = (
    (b"%PDF-", PDF),
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
)
EXTENSIONS: dict[str, tuple[str, ...]] = {
    PDF: (".pdf",),
    JPEG: (".jpg", ".jpeg"),
    PNG: (".png",),
}
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
NAME_MAX = 255
UNNAMED = "document"

ACTION_ATTACH = _("attach supporting documents")
ACTION_REMOVE = _("remove supporting documents")
ACTION_DOWNLOAD = _("download supporting documents")


def document_max_bytes() -> int:
    """The size limit of a document (settings.DOCUMENT_MAX_BYTES, read at call time)."""
    return int(getattr(settings, "DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def document_clean_name(name: str) -> str:
    """The user's file name without folders or control characters, at most 255 long
    (the extension kept); "document" when nothing is left."""
    base = posixpath.basename(name.replace("\\", "/"))
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    if len(base) > NAME_MAX:
        stem, ext = posixpath.splitext(base)
        base = stem[: NAME_MAX - len(ext)] + ext
    return base or UNNAMED


def document_type(*, name: str, data: bytes) -> str:
    """The content type of a document, after every check of its bytes and name: not
    empty, not too large, a PDF, JPEG or PNG by its first bytes, its extension agreeing.
    Raise DocumentError (naming the file) otherwise."""
    if not data:
        raise DocumentError(DOCUMENT_EMPTY.format(name=name))
    limit = document_max_bytes()
    if len(data) > limit:
        raise DocumentError(
            DOCUMENT_TOO_LARGE.format(
                name=name, size=filesizeformat(len(data)), limit=filesizeformat(limit)
            )
        )
    content_type = next((kind for magic, kind in SIGNATURES if data.startswith(magic)), None)
    if content_type is None:
        raise DocumentError(DOCUMENT_TYPE.format(name=name))
    extensions = EXTENSIONS[content_type]
    if posixpath.splitext(name)[1].lower() not in extensions:
        raise DocumentError(
            DOCUMENT_EXTENSION.format(
                name=name, kind=content_type.label, extensions=" / ".join(extensions)
            )
        )
    return str(content_type)


def document_stored_name(entry: JournalEntry, sha256: str, content_type: str) -> str:
    """Where the storage keeps a document: `<LAB>/<entry id>/<sha256><ext>`, never the
    user's file name."""
    storage = document_storage()
    lab = storage.get_valid_name(entry.lab.code)
    return f"{lab}/{entry.pk}/{sha256}{EXTENSIONS[content_type][0]}"


def document_attach(
    *, acting_user: User, entry: JournalEntry, name: str, data: bytes
) -> SupportingDocument:
    """Attach `data` (the file called `name`) to `entry`, draft or posted; audited as
    'document.attach'. Raise NotPermittedError for a user who may not write in the lab,
    DocumentError for a file refused (nothing is written then)."""
    require_role(acting_user, entry.lab, str(ACTION_ATTACH))
    name = document_clean_name(name)
    content_type = document_type(name=name, data=data)
    sha256 = hashlib.sha256(data).hexdigest()
    _refuse_duplicate(entry, name, sha256)
    storage = document_storage()
    stored = storage.save(
        document_stored_name(entry, sha256, content_type), ContentFile(data, name=name)
    )
    try:
        with db_guarded(), transaction.atomic():
            document = SupportingDocument.objects.create(
                lab_id=entry.lab_id,
                entry=entry,
                file=stored,
                original_name=name,
                content_type=content_type,
                size=len(data),
                sha256=sha256,
                uploaded_by=acting_user,
            )
            audit_record(
                actor=acting_user,
                action="document.attach",
                obj=document,
                lab=entry.lab,
                after=_snapshot(document),
            )
    except IntegrityError:
        storage.delete(stored)
        # Attached by someone else in the meantime: the unique constraint said so.
        _refuse_duplicate(entry, name, sha256)
        raise
    except BaseException:
        storage.delete(stored)
        raise
    return document


def document_remove(*, acting_user: User, document: SupportingDocument) -> None:
    """Remove a document of a draft, and its file once the removal is committed; audited
    as 'document.remove'. A posted entry's documents stay (EntryFrozenError)."""
    require_role(acting_user, document.lab, str(ACTION_REMOVE))
    with db_guarded(), transaction.atomic():
        entry = JournalEntry.objects.select_for_update(of=("self",)).get(pk=document.entry_id)
        if entry.status != JournalEntry.Status.DRAFT:
            raise EntryFrozenError(
                DOCUMENT_OF_POSTED.format(name=document.original_name, ref=entry_ref(entry))
            )
        _delete(acting_user, document)


def documents_of_draft_remove(*, acting_user: User, entry: JournalEntry) -> int:
    """Remove every document of a draft about to be deleted (each audited); call it in
    the transaction that deletes the draft, which holds its lock. Returns how many."""
    require_role(acting_user, entry.lab, str(ACTION_REMOVE))
    if entry.status != JournalEntry.Status.DRAFT:
        raise EntryFrozenError(NOT_DRAFT.format(ref=entry_ref(entry)))
    documents = list(SupportingDocument.objects.filter(entry=entry))
    with db_guarded(), transaction.atomic():
        for document in documents:
            _delete(acting_user, document)
    return len(documents)


def document_download(*, acting_user: User, document: SupportingDocument) -> SupportingDocument:
    """Hand a document out to a reader of its lab, byte for byte; audited as
    'document.download'."""
    require_role(acting_user, document.lab, str(ACTION_DOWNLOAD), READ_ROLES)
    audit_record(
        actor=acting_user,
        action="document.download",
        obj=document,
        lab=document.lab,
        after={"name": document.original_name, "sha256": document.sha256},
    )
    return document


def _refuse_duplicate(entry: JournalEntry, name: str, sha256: str) -> None:
    existing = SupportingDocument.objects.filter(entry=entry, sha256=sha256).first()
    if existing is not None:
        raise DocumentError(
            DOCUMENT_DUPLICATE.format(
                name=name, ref=entry_ref(entry), existing=existing.original_name
            )
        )


def _snapshot(document: SupportingDocument) -> dict[str, object]:
    return {
        "entry": entry_ref(document.entry),
        "name": document.original_name,
        "content_type": document.content_type,
        "size": document.size,
        "sha256": document.sha256,
    }


def _delete(acting_user: User, document: SupportingDocument) -> None:
    audit_record(
        actor=acting_user,
        action="document.remove",
        obj=document,
        lab=document.lab,
        before=_snapshot(document),
    )
    stored = document.file.name
    document.delete()
    if stored:
        # Once the removal is committed; a storage that fails then is logged, not raised
        # (the document is gone from the books either way).
        transaction.on_commit(lambda: document_storage().delete(stored), robust=True)
