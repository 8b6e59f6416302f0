"""The third parties' sheet imported from the web: upload, preview, confirm.

The same service as `manage.py import_sheet third_parties` (parties.imports): the
preview reads the whole sheet and writes nothing, listing every problem by row and
column, or what each row would do (new, changed, unchanged); the file is then kept on the
server under its sha256 (ledger.imports.kept) and the confirmation imports exactly those
bytes, all rows or none, audited. Who keeps the file (accountants, the office head)
imports; an auditor or a director may not (403 for a reader, 404 for who may not read).
"""

from pathlib import Path
from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ledger.exceptions import LedgerError
from ledger.forms import SheetFileField
from ledger.imports import kept
from ledger.imports.problems import size_text
from ledger.imports.reading import max_bytes
from ledger.imports.templates import template_name, template_workbook
from parties.imports import THIRD_PARTIES, ThirdPartiesOutcome, third_parties_import
from parties.views import BAD_REQUEST, _writer

AREA = "third-parties"  # where previewed sheets wait for their confirmation
PREVIEW_EXPIRED = gettext_lazy(
    "That preview has expired or was already imported: upload the file again."
)


class SheetForm(forms.Form):
    file = SheetFileField(label=gettext_lazy("Sheet (.xlsx, .ods, .xls or .csv)"))


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required: an authenticated user


def _page(
    request: HttpRequest,
    form: SheetForm,
    outcome: ThirdPartiesOutcome | None = None,
    *,
    reason: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "outcome": outcome,
        "preview": outcome.preview() if outcome is not None else None,
        "changes": outcome is not None
        and outcome.plan is not None
        and (outcome.plan.count("new") or outcome.plan.count("changed")),
        "reason": reason,
        "limit": size_text(max_bytes()),
    }
    return render(request, "parties/import.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def third_parties_sheet(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: the sheet checked, nothing written; its preview."""
    _writer(request)
    if request.method != "POST":
        return _page(request, SheetForm())
    form = SheetForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=BAD_REQUEST)
    upload = form.cleaned_data["file"]
    data = b"".join(upload.chunks())
    name = Path(upload.name or "third-parties").name
    try:
        outcome = third_parties_import(
            acting_user=_user(request), file_name=name, data=data, dry_run=True
        )
    except LedgerError as error:  # the roles changed since the page was shown
        return _page(request, form, reason=str(error), status=403)
    kept.forget_old(AREA)
    if outcome.ok:
        kept.keep(AREA, _user(request).pk, outcome.sha256, data, {"file_name": outcome.file_name})
    return _page(request, SheetForm(), outcome, status=200 if outcome.ok else BAD_REQUEST)


@login_required
@require_POST
def third_parties_sheet_confirm(request: HttpRequest) -> HttpResponse:
    """Import exactly the sheet that was previewed (named by its sha256), all or none."""
    _writer(request)
    user = _user(request)
    sha256 = request.POST.get("sha256", "")
    found = kept.kept(AREA, user.pk, sha256)
    if found is None:
        return _page(request, SheetForm(), reason=str(PREVIEW_EXPIRED), status=BAD_REQUEST)
    data, asked = found
    try:
        outcome = third_parties_import(
            acting_user=user, file_name=str(asked.get("file_name") or "third-parties"), data=data
        )
    except LedgerError as error:
        return _page(request, SheetForm(), reason=str(error), status=403)
    finally:
        kept.forget(AREA, user.pk, sha256)
    if not outcome.ok:
        return _page(request, SheetForm(), outcome, status=BAD_REQUEST)
    messages.success(
        request,
        _("%(file)s is imported: %(created)s third parties created, %(changed)s changed.")
        % {"file": outcome.file_name, "created": outcome.created, "changed": outcome.changed},
    )
    return redirect("parties:third_parties")


@login_required
@require_GET
def third_parties_sheet_template(request: HttpRequest) -> HttpResponse:
    """The sheet's template: its columns, an example row, what each column means."""
    _writer(request)
    response = HttpResponse(
        template_workbook(THIRD_PARTIES),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{template_name(THIRD_PARTIES)}"'
    response["Cache-Control"] = "no-store"
    return response
