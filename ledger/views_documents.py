"""An entry's supporting documents: attach one (accountants, office head), download one
(every reader of the lab, the auditor and the director included), remove one of a draft.

Thin: look the lab up inside the labs the user may read and the entry or document inside
that lab (another lab's: 404), check the role a write needs (403), call the service and
come back to the entry page with what was done or refused. An upload whose
Content-Length is no length (400) or far above the limit (413) is refused before its
body is read.
"""

import logging
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from irls.access import lab_for_user_or_404, lab_to_act_in_or_404
from irls.models import Lab
from ledger.exceptions import LedgerError
from ledger.models import JournalEntry, SupportingDocument
from ledger.selectors.documents import document_in_lab_or_none
from ledger.selectors.entry_form import entry_in_lab_or_none
from ledger.services.documents import (
    document_attach,
    document_download,
    document_max_bytes,
    document_remove,
)

logger = logging.getLogger(__name__)

# What a multipart body adds to the file it carries (boundaries, headers, the CSRF token).
BODY_MARGIN = 64 * 1024
BAD_LENGTH = gettext_lazy(
    "The upload's Content-Length header is not a length in bytes: send the file again."
)
TOO_LARGE = gettext_lazy(
    "The upload is larger than {limit}, the limit of a supporting document: nothing was "
    "attached. Scan it again at a lower resolution or split it."
)
NO_FILE = gettext_lazy("Choose the file to attach (PDF, JPEG or PNG).")


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required: an authenticated user


def _entry_or_404(lab: Lab, entry_id: int) -> JournalEntry:
    entry = entry_in_lab_or_none(lab, entry_id)
    if entry is None:
        raise Http404("No such entry")
    return entry


def _document_or_404(lab: Lab, entry_id: int, document_id: int) -> SupportingDocument:
    document = document_in_lab_or_none(lab, entry_id, document_id)
    if document is None:
        raise Http404("No such document")
    return document


def _entry_url(lab: Lab, entry_id: int) -> str:
    return reverse("ledger:entry", kwargs={"code": lab.code, "entry_id": entry_id})


def _refused(
    request: HttpRequest, lab: Lab, entry: JournalEntry, reason: str, status: int
) -> HttpResponse:
    """A short page saying why the upload was refused, with the way back to the entry."""
    context = {"lab": lab, "entry": entry, "reason": reason, "back": _entry_url(lab, entry.pk)}
    return render(request, "ledger/entries/document_refused.html", context, status=status)


def _content_length(request: HttpRequest) -> int | None:
    """The request's Content-Length in bytes (0 when absent); None when the header is
    no length (letters, a sign, a digit of another script)."""
    value = request.META.get("CONTENT_LENGTH") or "0"
    if not (value.isascii() and value.isdigit()):
        return None
    return int(value)


# The body is left unread until the Content-Length was checked: CSRF protection, which
# reads the form, comes after (csrf_exempt outside, csrf_protect around `_attach`).
@csrf_exempt
@login_required
@require_POST
def entry_document_add(request: HttpRequest, code: str, entry_id: int) -> HttpResponse:
    """Attach the uploaded file (field `file`) to the entry, draft or posted."""
    lab = lab_to_act_in_or_404(request.user, code)
    entry = _entry_or_404(lab, entry_id)
    length = _content_length(request)
    if length is None:
        return _refused(request, lab, entry, str(BAD_LENGTH), 400)
    limit = document_max_bytes()
    if length > limit + BODY_MARGIN:
        return _refused(request, lab, entry, TOO_LARGE.format(limit=filesizeformat(limit)), 413)
    return _attach(request, lab, entry)


@csrf_protect
def _attach(request: HttpRequest, lab: Lab, entry: JournalEntry) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        return _refused(request, lab, entry, str(NO_FILE), 400)
    try:
        document = document_attach(
            acting_user=_user(request),
            entry=entry,
            name=upload.name or "",
            data=upload.read(),
        )
    except LedgerError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(name)s is attached.") % {"name": document.original_name})
    return redirect(_entry_url(lab, entry.pk) + "#documents")


@login_required
@require_GET
def entry_document(
    request: HttpRequest, code: str, entry_id: int, document_id: int
) -> HttpResponseBase:
    """The document, byte for byte, as an attachment under its original name."""
    lab = lab_for_user_or_404(request.user, code)
    document = _document_or_404(lab, entry_id, document_id)
    document = document_download(acting_user=_user(request), document=document)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        logger.error("Supporting document %s: %s is missing", document.pk, document.file.name)
        raise Http404("The document's file is missing") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["Content-Length"] = str(document.size)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Document-SHA256"] = document.sha256
    return response


@login_required
@require_POST
def entry_document_remove(
    request: HttpRequest, code: str, entry_id: int, document_id: int
) -> HttpResponse:
    """Remove a draft's document (a posted entry's documents stay: refused, said so)."""
    lab = lab_to_act_in_or_404(request.user, code)
    document = _document_or_404(lab, entry_id, document_id)
    try:
        document_remove(acting_user=_user(request), document=document)
    except LedgerError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(name)s is removed.") % {"name": document.original_name})
    return redirect(_entry_url(lab, entry_id) + "#documents")
