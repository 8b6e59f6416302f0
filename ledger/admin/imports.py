"""Spreadsheet imports in the admin: upload -> preview -> confirm, templates, and the
import batches (read-only, for the auditors).

The uploaded bytes stay on the server between the preview and the confirmation, in a
file named after the user and the file's sha256, with what was asked (kind, lab, post,
file name) beside it: the confirmation names only the sha256 and imports exactly the
bytes that were previewed, as they were previewed (a re-upload or an edited form is
never trusted); both files are deleted once used (ledger/imports/kept.py). Nothing is
written before the accountant confirms a preview without problems.
"""

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseRedirect,
)
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from irls.admin_base import LabFilter, LabScopedAdmin, acting_user, admin_access
from irls.models import Lab
from jobs.services import job_enqueue_import
from ledger.exceptions import NotPermittedError
from ledger.forms import SheetFileField
from ledger.imports import kept
from ledger.imports.templates import template_name, template_workbook
from ledger.models import ImportBatch
from ledger.services.imports import (
    ImportOutcome,
    confirmed_arguments,
    import_file,
    preview_asked,
)

AREA = ""  # the admin's spreadsheet imports (ledger.imports.kept)


def _keep_upload(user_id: int, outcome: ImportOutcome, data: bytes) -> None:
    kept.keep(AREA, user_id, outcome.sha256, data, preview_asked(outcome))


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the sheet holds"), choices=ImportBatch.Kind.choices)
    lab = forms.ModelChoiceField(label=_("Lab"), queryset=Lab.objects.none())
    post = forms.BooleanField(
        label=_("Post the journal entries"),
        required=False,
        help_text=_("Unticked, journal entries are imported as drafts"),
    )
    file = SheetFileField(label=_("File (.xlsx, .ods, .xls or .csv)"))
    date_order = forms.ChoiceField(
        label=_("Dates written like 03/04/2025"),
        choices=[
            ("auto", _("Day first (DD/MM/YYYY), unless a date can only be month first")),
            ("dmy", _("Day first (DD/MM/YYYY)")),
            ("mdy", _("Month first (MM/DD/YYYY)")),
        ],
        initial="auto",
        required=False,
    )

    def __init__(self, *args: Any, labs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lab"].queryset = labs  # type: ignore[attr-defined]


@admin.register(ImportBatch)
class ImportBatchAdmin(LabScopedAdmin):
    """Every import attempt, imported or refused: what, where, by whom, with what result."""

    service_adds = False
    list_display = [
        "created_at",
        "file_name",
        "kind",
        "lab",
        "created_by",
        "rows",
        "created",
        "posted",
        "result",
        "short_sha256",
    ]
    list_filter = [LabFilter, "kind", "result", "posted"]
    list_select_related = ["lab", "created_by"]
    search_fields = ["file_name", "sha256"]
    date_hierarchy = "created_at"
    fields = [
        "file_name",
        "sha256",
        "size",
        "kind",
        "lab",
        "created_by",
        "created_at",
        "rows",
        "created",
        "posted",
        "result",
        "message",
        "withdrawn_at",
        "withdrawn_by",
        "withdrawn_reason",
        "withdrawn_entries",
    ]
    change_list_template = "admin/ledger/importbatch/change_list.html"

    @admin.display(description=_("sha256"))
    def short_sha256(self, batch: ImportBatch) -> str:
        return batch.sha256[:16]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def may_import(self, request: HttpRequest) -> bool:
        return admin_access(request).may_write(None)

    def _import_labs(self, request: HttpRequest) -> Any:
        access = admin_access(request)
        if access.superuser:
            return Lab.objects.order_by("code")
        return Lab.objects.filter(id__in=access.write_labs).order_by("code")

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {
            **(extra_context or {}),
            "may_import": self.may_import(request),
            "template_kinds": ImportBatch.Kind.choices,
        }
        return super().changelist_view(request, context)

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.upload_view), name="ledger_importbatch_import"),
            path("import/confirm/", wrap(self.confirm_view), name="ledger_importbatch_confirm"),
            path(
                "template/<str:kind>/",
                wrap(self.template_view),
                name="ledger_importbatch_template",
            ),
            *super().get_urls(),
        ]

    # -- pages ---------------------------------------------------------------------------

    def template_view(self, request: HttpRequest, kind: str) -> HttpResponse:
        if kind not in ImportBatch.Kind.values or not admin_access(request).reads:
            raise Http404("No such template")
        response = HttpResponse(
            template_workbook(kind),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{template_name(kind)}"'
        return response

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not self.may_import(request):
            return HttpResponseForbidden(_("Only accountants and the office head import files."))
        labs = self._import_labs(request)
        # ?lab=CODE (the lab's Imports page links here): that lab chosen, if the user imports there.
        chosen = labs.filter(code=request.GET.get("lab", "")).first()
        form = UploadForm(
            request.POST or None,
            request.FILES or None,
            labs=labs,
            initial={"kind": "journal", "lab": chosen},
        )
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            data = b"".join(upload.chunks())
            kept.forget_old(AREA)
            try:
                outcome = import_file(
                    acting_user=acting_user(request),
                    lab=form.cleaned_data["lab"],
                    kind=form.cleaned_data["kind"],
                    file_name=Path(upload.name or "upload").name,
                    data=data,
                    post=form.cleaned_data["post"],
                    dry_run=True,
                    date_order=form.cleaned_data["date_order"] or "auto",
                )
            except NotPermittedError as refusal:
                # Exchange rates from an accountant of some labs only: the form again,
                # with the rule, and nothing kept.
                form.add_error("kind", str(refusal))
                return self._form_page(request, form, status=403)
            if outcome.ok:
                _keep_upload(acting_user(request).pk, outcome, data)
            return self._preview_page(request, outcome)
        return self._form_page(request, form)

    def _form_page(self, request: HttpRequest, form: UploadForm, status: int = 200) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import a spreadsheet"),
            "form": form,
            "template_kinds": ImportBatch.Kind.choices,
        }
        return TemplateResponse(
            request, "admin/ledger/importbatch/import_form.html", context, status=status
        )

    def confirm_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:ledger_importbatch_import"))
        if not self.may_import(request):
            return HttpResponseForbidden(_("Only accountants and the office head import files."))
        user_id = acting_user(request).pk
        sha256 = request.POST.get("sha256", "")
        if not kept.SHA256.fullmatch(sha256):
            raise Http404("No such upload")
        found = kept.kept(AREA, user_id, sha256)
        if found is None:
            messages.error(request, _("That preview has expired: upload the file again."))
            return HttpResponseRedirect(reverse("admin:ledger_importbatch_import"))
        data, asked = found
        lab = self._import_labs(request).filter(pk=asked.get("lab")).first()
        if lab is None:
            kept.forget(AREA, user_id, sha256)
            raise Http404("No such import")
        if int(asked.get("rows", 0)) > settings.JOBS_IMPORT_ROWS:
            return self._import_by_a_worker(request, lab, asked, data, sha256)
        try:
            outcome = import_file(
                acting_user=acting_user(request),
                lab=lab,
                data=data,
                **confirmed_arguments(asked),
            )
        except NotPermittedError as refusal:
            # The roles changed since the preview (an office-wide grant revoked).
            return HttpResponseForbidden(str(refusal))
        finally:
            kept.forget(AREA, user_id, sha256)
        if not outcome.ok or outcome.batch is None:
            return self._preview_page(request, outcome)
        batch = outcome.batch
        done = (
            _("%(file)s: %(rows)s rows posted into %(lab)s (%(created)s created), batch %(batch)s")
            if batch.posted
            else _(
                "%(file)s: %(rows)s rows imported into %(lab)s (%(created)s created), "
                "batch %(batch)s"
            )
        )
        messages.success(
            request,
            done
            % {
                "file": batch.file_name,
                "rows": batch.rows,
                "lab": lab.code,
                "created": batch.created,
                "batch": batch.pk,
            },
        )
        return HttpResponseRedirect(reverse("admin:ledger_importbatch_change", args=[batch.pk]))

    def _import_by_a_worker(
        self, request: HttpRequest, lab: Lab, asked: dict[str, Any], data: bytes, sha256: str
    ) -> HttpResponse:
        """A file of more than JOBS_IMPORT_ROWS rows, its preview confirmed: imported by a
        worker (the same service, every row or none), its progress on the job's page."""
        user = acting_user(request)
        try:
            job = job_enqueue_import(
                acting_user=user,
                lab=lab,
                data=data,
                **confirmed_arguments(asked),
                rows=int(asked.get("rows", 0)),
            )
        except NotPermittedError as refusal:
            return HttpResponseForbidden(str(refusal))
        finally:
            kept.forget(AREA, user.pk, sha256)
        messages.success(
            request,
            _("%(file)s: %(rows)s rows, imported by a worker in the background (job %(job)s)")
            % {"file": asked["file_name"], "rows": asked.get("rows", 0), "job": job.pk},
        )
        return HttpResponseRedirect(reverse("jobs:job", args=[lab.code, job.pk]))

    def _preview_page(self, request: HttpRequest, outcome: ImportOutcome) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Preview of %(file)s") % {"file": outcome.file_name},
            "outcome": outcome,
            "kind": dict(ImportBatch.Kind.choices).get(outcome.kind, outcome.kind),
            "preview": outcome.preview() if outcome.plan is not None else None,
            "confirmed": not outcome.dry_run,
        }
        return TemplateResponse(request, "admin/ledger/importbatch/import_preview.html", context)
