"""Spreadsheet imports through the API, the admin's own way: a preview reads the file
and writes nothing (answering every problem, with its row and column, or the preview's
id); the confirmation names only that id and imports exactly the bytes previewed, as
they were previewed, every row or none (ledger/imports/kept.py, ledger/services/
imports.py). A file of more than JOBS_IMPORT_ROWS rows goes to a background worker."""

from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from ninja import Field as Described
from ninja import File, Form, Query, Router, Schema, UploadedFile

from api.errors import WRITE_ERRORS, ApiError
from api.idempotency import idempotent
from api.responses import error_json, json_response
from api.schemas import ImportBatchOut, ImportPreviewOut, JobOut
from api.security import READ, WRITE, auth, lab_of
from jobs.services import job_enqueue_import
from ledger.forms import SheetFileField
from ledger.imports import kept
from ledger.models import ImportBatch
from ledger.selectors.imports import import_batch_in_lab, lab_import_batches
from ledger.services.imports import (
    ImportOutcome,
    confirmed_arguments,
    import_file,
    preview_asked,
)

router = Router(tags=["Imports"])
AREA = "api"  # the API's previews, apart from the pages' (ledger.imports.kept)
FILE_REFUSED = _("The file is refused: see the problems named.")
PREVIEW_GONE = _("No such preview: it was confirmed already, or is older than a day.")


def _batch_out(batch: ImportBatch) -> ImportBatchOut:
    return ImportBatchOut(
        id=batch.pk,
        kind=batch.kind,
        file_name=batch.file_name,
        sha256=batch.sha256,
        size=batch.size,
        rows=batch.rows,
        created=batch.created,
        posted=batch.posted,
        result=batch.result,
        message=batch.message,
        created_at=batch.created_at,
        created_by=batch.created_by.get_username() if batch.created_by else None,
        withdrawn_at=batch.withdrawn_at,
    )


def _refused(outcome: ImportOutcome, status: int = 422) -> ApiError:
    errors = [
        (
            ".".join(part for part in (f"row {p.row}" if p.row else "", p.column or "") if part)
            or "file",
            p.message,
        )
        for p in outcome.problems
    ]
    return ApiError(status, "file_refused", FILE_REFUSED, None, errors)


class Page(Schema):
    limit: int = Described(50, ge=1, le=500)
    offset: int = Described(0, ge=0, le=10**6)


@router.get(
    "/labs/{str:code}/imports",
    response={200: list[ImportBatchOut], **WRITE_ERRORS},
    auth=auth(READ),
    summary="The lab's import batches, newest first (imported, refused, withdrawn)",
)
def imports(request: HttpRequest, code: str, page: Query[Page]) -> list[ImportBatchOut]:
    found = lab_import_batches(lab=lab_of(request))
    return [_batch_out(b) for b in found[page.offset : page.offset + page.limit]]


@router.get(
    "/labs/{str:code}/imports/{int:batch_id}",
    response={200: ImportBatchOut, **WRITE_ERRORS},
    auth=auth(READ),
    summary="One import batch",
)
def import_batch(request: HttpRequest, code: str, batch_id: int) -> ImportBatchOut:
    batch = import_batch_in_lab(lab=lab_of(request), batch_id=batch_id)
    if batch is None:
        raise Http404
    return _batch_out(batch)


class PreviewForm(Schema):
    kind: Literal["accounts", "rates", "budget", "journal"]
    post: bool = Described(False, description="Journal entries posted, not drafts")
    date_order: Literal["auto", "dmy", "mdy"] = "auto"


@router.post(
    "/labs/{str:code}/imports",
    response={200: ImportPreviewOut, **WRITE_ERRORS},
    auth=auth(WRITE),
    summary="Preview a spreadsheet (xlsx, ods, xls, csv): its problems, or its preview's id",
    description="Multipart form: `file`, `kind`, `post`, `date_order`. Writes nothing.",
)
def import_preview(
    request: HttpRequest, code: str, form: Form[PreviewForm], file: File[UploadedFile]
) -> ImportPreviewOut:
    lab = lab_of(request)
    try:
        SheetFileField().clean(file)
    except ValidationError as refusal:  # too large: its size and the limit
        errors = [("file", message) for message in refusal.messages]
        raise ApiError(422, "invalid", FILE_REFUSED, "file", errors) from None
    data = file.read()
    outcome = import_file(
        acting_user=request.user,  # type: ignore[arg-type]
        lab=lab,
        kind=form.kind,
        file_name=file.name or "upload",
        data=data,
        post=form.post,
        dry_run=True,
        date_order=form.date_order,
    )
    if not outcome.ok:
        raise _refused(outcome)
    kept.keep(AREA, int(request.user.pk or 0), outcome.sha256, data, preview_asked(outcome))
    return ImportPreviewOut(
        preview_id=outcome.sha256,
        kind=outcome.kind,
        file_name=outcome.file_name,
        sha256=outcome.sha256,
        rows=outcome.rows,
        post=outcome.post,
        notes=[str(note) for note in outcome.notes],
        confirm=reverse(
            "api:import_confirm", kwargs={"code": lab.code, "preview_id": outcome.sha256}
        ),
    )


@router.post(
    "/labs/{str:code}/imports/{str:preview_id}/confirm",
    response={201: ImportBatchOut, 202: JobOut, **WRITE_ERRORS},
    auth=auth(WRITE),
    url_name="import_confirm",
    summary="Import the file previewed, every row or none",
)
@idempotent
def import_confirm(request: HttpRequest, code: str, preview_id: str) -> HttpResponse:
    lab = lab_of(request)
    user_id = int(request.user.pk or 0)
    found = kept.kept(AREA, user_id, preview_id) if kept.SHA256.fullmatch(preview_id) else None
    if found is None or found[1].get("lab") != lab.pk:
        raise ApiError(404, "not_found", PREVIEW_GONE, "preview_id")
    data, asked = found
    if int(asked.get("rows", 0)) > settings.JOBS_IMPORT_ROWS:
        job = job_enqueue_import(
            acting_user=request.user,  # type: ignore[arg-type]
            lab=lab,
            data=data,
            **confirmed_arguments(asked),
            rows=int(asked.get("rows", 0)),
        )
        kept.forget(AREA, user_id, preview_id)
        page = reverse("jobs:job", kwargs={"code": lab.code, "job_id": job.pk})
        return json_response(request, JobOut(id=job.pk, status=job.status, page=page), 202)
    try:
        outcome = import_file(
            acting_user=request.user,  # type: ignore[arg-type]
            lab=lab,
            data=data,
            **confirmed_arguments(asked),
        )
    finally:
        kept.forget(AREA, user_id, preview_id)
    if not outcome.ok or outcome.batch is None:
        # Answered, not raised: the refused batch the import recorded stays.
        return error_json(_refused(outcome))
    return json_response(request, _batch_out(outcome.batch), 201)
