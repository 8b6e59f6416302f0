"""A lab's Imports pages: its import batches, one batch with the entries it created, and
withdrawing a batch imported as drafts.

Thin: look the lab up inside the labs the user may read (another lab's answers 404),
then the batch inside that lab (404 too); withdrawing needs a writer's role (403
otherwise), a reason and a ticked confirmation (400 with the page otherwise), and goes
through `import_batch_delete_drafts`. Uploading, previewing and confirming a file stay
on the admin's import page, which the list links to.
"""

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from irls.access import WRITE_ROLES, has_role, lab_for_user_or_404, lab_to_act_in_or_404
from irls.models import Lab
from ledger.exceptions import LedgerError
from ledger.models import ImportBatch
from ledger.selectors.imports import (
    batch_entries,
    batch_states,
    batch_summary,
    entry_debit_totals,
    import_batch_in_lab,
    lab_import_batches,
)
from ledger.services.import_batches import import_batch_delete_drafts

BATCHES_PER_PAGE = 50
ENTRIES_PER_PAGE = 50
REASON_REQUIRED = gettext_lazy(
    "Say why the import is withdrawn: the reason is kept in the audit trail."
)
CONFIRM_REQUIRED = gettext_lazy("Tick the box to confirm that the drafts are deleted.")


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        error_messages={"required": REASON_REQUIRED},
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("Delete the draft entries of this file"),
        error_messages={"required": CONFIRM_REQUIRED},
    )


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required: an authenticated user


def _batch_or_404(lab: Lab, batch_id: int) -> ImportBatch:
    batch = import_batch_in_lab(lab=lab, batch_id=batch_id)
    if batch is None:
        raise Http404("No such import batch")
    return batch


def _withdrawable(batch: ImportBatch) -> bool:
    """A journal batch imported as drafts and still imported: the withdraw form shows."""
    return (
        batch.kind == ImportBatch.Kind.JOURNAL
        and batch.result == ImportBatch.Result.IMPORTED
        and not batch.posted
    )


@login_required
@require_GET
def imports(request: HttpRequest, code: str) -> HttpResponse:
    """The lab's import batches, newest first, with where their entries stand now."""
    lab = lab_for_user_or_404(request.user, code)
    page = Paginator(lab_import_batches(lab=lab), BATCHES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    states = batch_states(batch.pk for batch in page.object_list)
    context: dict[str, Any] = {
        "lab": lab,
        "page": page,
        "rows": [(batch, states[batch.pk]) for batch in page.object_list],
        "may_import": has_role(request.user, lab, WRITE_ROLES),
        "template_kinds": ImportBatch.Kind.choices,
    }
    return render(request, "ledger/imports/list.html", context)


def _notes(batch: ImportBatch) -> list[str]:
    """The problems of a refused file (one a line), or the notes of an imported one."""
    if batch.result == ImportBatch.Result.REFUSED:
        return [line for line in batch.message.splitlines() if line.strip()]
    return [note for note in batch.message.split("; ") if note.strip()]


def _batch_page(
    request: HttpRequest,
    lab: Lab,
    batch: ImportBatch,
    *,
    form: WithdrawForm | None = None,
    status: int = 200,
) -> HttpResponse:
    page = Paginator(batch_entries(batch), ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    totals = entry_debit_totals(entry.pk for entry in page.object_list)
    summary = batch_summary(batch)
    context: dict[str, Any] = {
        "lab": lab,
        "batch": batch,
        "summary": summary,
        "page": page,
        "rows": [(entry, *totals.get(entry.pk, (None, None))) for entry in page.object_list],
        "notes": _notes(batch),
        "may_withdraw": _withdrawable(batch) and has_role(request.user, lab, WRITE_ROLES),
        "withdrawable": _withdrawable(batch),
        "form": form or WithdrawForm(),
    }
    return render(request, "ledger/imports/batch.html", context, status=status)


@login_required
@require_GET
def import_batch(request: HttpRequest, code: str, batch_id: int) -> HttpResponse:
    """One batch: its file, who imported it and when, what was noted or refused, and the
    entries it created, page by page, each linked to its entry page."""
    lab = lab_for_user_or_404(request.user, code)
    return _batch_page(request, lab, _batch_or_404(lab, batch_id))


@login_required
@require_POST
def import_batch_delete(request: HttpRequest, code: str, batch_id: int) -> HttpResponse:
    """Withdraw a batch imported as drafts: its drafts deleted, the batch kept and marked
    withdrawn; refused (nothing deleted) when one of its entries is posted."""
    lab = lab_to_act_in_or_404(request.user, code)
    batch = _batch_or_404(lab, batch_id)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return _batch_page(request, lab, batch, form=form, status=400)
    try:
        deleted = import_batch_delete_drafts(
            acting_user=_user(request), batch=batch, reason=form.cleaned_data["reason"]
        )
    except LedgerError as error:
        messages.error(request, str(error))
    else:
        done = ngettext(
            "%(file)s is withdrawn: %(count)s draft entry deleted. The file can be imported again.",
            "%(file)s is withdrawn: %(count)s draft entries deleted. "
            "The file can be imported again.",
            deleted,
        )
        messages.success(request, done % {"file": batch.file_name, "count": deleted})
    return redirect("ledger:import_batch", code=lab.code, batch_id=batch.pk)
