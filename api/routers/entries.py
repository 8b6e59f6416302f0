"""A lab's entries: listed (filters, cursor pagination), read with their lines, and, for
accountants and the office head, drafts created, changed and deleted, posted, reversed.
Every write goes through the ledger's services (the one posting rulebook, audited with
the caller as author)."""

from datetime import date
from typing import Literal

from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status

from api.entries_io import entry_forms, entry_out
from api.errors import WRITE_ERRORS, ApiError
from api.idempotency import idempotent
from api.responses import json_response
from api.schemas import EntryIn, EntryOut, EntryPageOut, EntrySummaryOut, ReverseIn
from api.security import READ, WRITE, auth, lab_of
from ledger.models import JournalEntry
from ledger.selectors.entry_form import entry_in_lab_or_none
from ledger.selectors.entry_list import Cursor, EntryFilters, EntryRow, entry_rows_after
from ledger.selectors.reference import lab_account_id, lab_batch_id, lab_journal_id
from ledger.services import (
    entry_create_draft,
    entry_delete_draft,
    entry_post,
    entry_reverse,
    entry_update_draft,
)

router = Router(tags=["Entries"])
ERRORS = WRITE_ERRORS
BAD_CURSOR = _("Not a cursor of this list: pass the next_cursor of the page before.")
UNKNOWN_CODE = _("No {what} {code} in {lab}.")


class EntryListFilters(Schema):
    date_from: date | None = Field(None, description="Entries dated on or after")
    date_to: date | None = Field(None, description="Entries dated on or before")
    journal: str | None = Field(None, max_length=6, description="Journal code")
    account: str | None = Field(None, max_length=12, description="Entries with a line on it")
    status: Literal["draft", "posted"] | None = None
    third_party: str | None = Field(None, max_length=40, description="Third party code")
    batch: int | None = Field(None, ge=1, le=2**62, description="Import batch id")
    cursor: str | None = Field(None, max_length=40, description="next_cursor of the last page")
    limit: int = Field(100, ge=1, le=500)


def _summary(row: EntryRow) -> EntrySummaryOut:
    return EntrySummaryOut(
        id=row.id,
        date=row.date,
        number=row.number,
        status=row.status,
        journal=row.journal_code,
        piece_ref=row.piece_ref,
        label=row.label,
        debit=row.debit,
        credit=row.credit,
        line_count=row.line_count,
        reversal_of=row.reversal_of.id if row.reversal_of else None,
        reversed_by=row.reversed_by.id if row.reversed_by else None,
        import_batch=row.import_batch_id,
    )


@router.get(
    "/labs/{str:code}/entries",
    response={200: EntryPageOut, **ERRORS},
    auth=auth(READ),
    summary="The lab's entries, newest first, a page at a time",
)
def entries(request: HttpRequest, code: str, filters: Query[EntryListFilters]) -> EntryPageOut:
    lab = lab_of(request)
    older = None
    if filters.cursor:
        older = Cursor.parse(filters.cursor)
        if older is None:
            raise ApiError(400, "invalid", BAD_CURSOR, "cursor")
    chosen = EntryFilters(
        date_from=filters.date_from,
        date_to=filters.date_to,
        status=filters.status or "",
        third_party=filters.third_party or "",
        journal_id=_known(lab_journal_id(lab, filters.journal), filters.journal, "journal", lab),
        account_id=_known(lab_account_id(lab, filters.account), filters.account, "account", lab),
        import_batch_id=_known(lab_batch_id(lab, filters.batch), filters.batch, "batch", lab),
    )
    rows, following = entry_rows_after(lab, chosen, older, filters.limit)
    return EntryPageOut(
        items=[_summary(row) for row in rows],
        next_cursor=str(following) if following else None,
    )


def _known(found: int | None, asked: object, field: str, lab: object) -> int | None:
    """The id found for a filter's code, or 400 naming the filter when the lab has none."""
    if asked in (None, "") or found is not None:
        return found
    what = {"journal": _("journal"), "account": _("account"), "batch": _("import batch")}[field]
    raise ApiError(400, "invalid", UNKNOWN_CODE.format(what=what, code=asked, lab=lab), field)


def _entry(request: HttpRequest, entry_id: int) -> JournalEntry:
    entry = entry_in_lab_or_none(lab_of(request), entry_id)
    if entry is None:
        raise Http404
    return entry


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@router.get(
    "/labs/{str:code}/entries/{int:entry_id}",
    response={200: EntryOut, **ERRORS},
    auth=auth(READ),
    summary="One entry and its lines",
)
def entry(request: HttpRequest, code: str, entry_id: int) -> EntryOut:
    return entry_out(_entry(request, entry_id))


@router.post(
    "/labs/{str:code}/entries",
    response={201: EntryOut, **ERRORS},
    auth=auth(WRITE),
    summary="Record a draft entry",
    description="Accepts what the entry page accepts. Send an Idempotency-Key to retry safely.",
)
@idempotent
def entry_create(request: HttpRequest, code: str, payload: EntryIn) -> HttpResponse:
    lab = lab_of(request)
    fields, lines = entry_forms(lab, _user(request), payload)
    created = entry_create_draft(
        acting_user=_user(request), lab=lab, lines=lines, round_conversion=True, **fields
    )
    return json_response(request, entry_out(_entry(request, created.pk)), 201)


@router.put(
    "/labs/{str:code}/entries/{int:entry_id}",
    response={200: EntryOut, **ERRORS},
    auth=auth(WRITE),
    summary="Change a draft entry (its fields and lines, replaced whole)",
)
def entry_change(request: HttpRequest, code: str, entry_id: int, payload: EntryIn) -> EntryOut:
    draft = _entry(request, entry_id)
    fields, lines = entry_forms(lab_of(request), _user(request), payload)
    entry_update_draft(
        acting_user=_user(request), entry=draft, lines=lines, round_conversion=True, **fields
    )
    return entry_out(_entry(request, entry_id))


@router.delete(
    "/labs/{str:code}/entries/{int:entry_id}",
    response={204: None, **ERRORS},
    auth=auth(WRITE),
    summary="Delete a draft entry (a posted entry is reversed, never deleted)",
)
def entry_delete(request: HttpRequest, code: str, entry_id: int) -> Status[None]:
    entry_delete_draft(acting_user=_user(request), entry=_entry(request, entry_id))
    return Status(204, None)


@router.post(
    "/labs/{str:code}/entries/{int:entry_id}/post",
    response={200: EntryOut, **ERRORS},
    auth=auth(WRITE),
    summary="Post a draft: checked, numbered, hashed and frozen",
)
@idempotent
def entry_post_op(request: HttpRequest, code: str, entry_id: int) -> HttpResponse:
    posted = entry_post(acting_user=_user(request), entry=_entry(request, entry_id))
    return json_response(request, entry_out(_entry(request, posted.pk)), 200)


@router.post(
    "/labs/{str:code}/entries/{int:entry_id}/reverse",
    response={201: EntryOut, **ERRORS},
    auth=auth(WRITE),
    summary="Reverse a posted entry on a date, for a reason; answers the reversal",
)
@idempotent
def entry_reverse_op(
    request: HttpRequest, code: str, entry_id: int, payload: ReverseIn
) -> HttpResponse:
    reversal = entry_reverse(
        acting_user=_user(request),
        entry=_entry(request, entry_id),
        date=payload.date,
        reason=payload.reason,
    )
    return json_response(request, entry_out(_entry(request, reversal.pk)), 201)
