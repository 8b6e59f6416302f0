"""The pages of the auditor's workspace. Thin: find the user's audit scope (404 without
one), validate the filters (400 with the reason; 404 for a lab outside the scope), call
a selector, render. Nothing here writes to the database."""

import tempfile
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ledger.audit.export import MAX_ROWS, audit_trail_xlsx
from ledger.audit.forms import ImportFilterForm, ScopedFilterForm, TrailFilterForm, VerifyForm
from ledger.audit.readable import readable_events
from ledger.selectors.audit import (
    audit_events,
    audit_scope_or_404,
    audit_usernames,
    chain_states,
    import_batches,
    ledger_verifications,
)

EVENTS_PER_PAGE = 50
BATCHES_PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BAD_REQUEST = 400
TOO_MANY_REQUESTS = 429
# Keeps the export in memory up to this size, in a temporary file beyond.
SPOOL_BYTES = 8 * 1024 * 1024


def _checked(form: ScopedFilterForm) -> bool:
    """True for valid filters; Http404 for a lab the user may not audit."""
    if form.lab_refused:
        raise Http404("No such lab")
    return form.is_valid()


def _page_of(queryset: QuerySet[Any], per_page: int, number: int) -> Page[Any]:
    try:
        return Paginator(queryset, per_page).page(number)
    except EmptyPage:
        raise Http404("No such page") from None


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The workspace: what it holds, and each lab's statements archive."""
    scope = audit_scope_or_404(request.user)
    return render(request, "audit/index.html", {"scope": scope, "section": "index"})


@login_required
@require_GET
def trail(request: HttpRequest) -> HttpResponse:
    """The audit trail: who did what, when, on which object, before and after."""
    scope = audit_scope_or_404(request.user)
    form = TrailFilterForm(request.GET, scope=scope)
    context: dict[str, Any] = {
        "scope": scope,
        "section": "trail",
        "form": form,
        "usernames": audit_usernames(scope),
    }
    if not _checked(form):
        return render(request, "audit/trail.html", context, status=BAD_REQUEST)
    events = audit_events(scope=scope, **form.event_filters())
    context["events"] = page = _page_of(events, EVENTS_PER_PAGE, form.page_number())
    context["rows"] = readable_events(page.object_list, scope)
    return render(request, "audit/trail.html", context)


@login_required
@require_GET
def trail_export(request: HttpRequest) -> HttpResponse | FileResponse:
    """The audit trail as filtered, as an XLSX file."""
    scope = audit_scope_or_404(request.user)
    form = TrailFilterForm(request.GET, scope=scope)
    context: dict[str, Any] = {
        "scope": scope,
        "section": "trail",
        "form": form,
        "usernames": audit_usernames(scope),
    }
    if not _checked(form):
        return render(request, "audit/trail.html", context, status=BAD_REQUEST)
    events = audit_events(scope=scope, **form.event_filters())
    if events.count() > MAX_ROWS:
        form.add_error(None, _("Too many events for one sheet: narrow the filters."))
        return render(request, "audit/trail.html", context, status=BAD_REQUEST)
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (the response closes it)
    audit_trail_xlsx(events, out)
    out.seek(0)
    name = f"audit-trail-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx"
    response = FileResponse(out, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def imports(request: HttpRequest) -> HttpResponse:
    """The import batches: which file (name, sha256), into which lab, by whom, with what."""
    scope = audit_scope_or_404(request.user)
    form = ImportFilterForm(request.GET, scope=scope)
    context: dict[str, Any] = {"scope": scope, "section": "imports", "form": form}
    if not _checked(form):
        return render(request, "audit/imports.html", context, status=BAD_REQUEST)
    batches = import_batches(scope=scope, **form.batch_filters())
    context["batches"] = _page_of(batches, BATCHES_PER_PAGE, form.page_number())
    return render(request, "audit/imports.html", context)


def _verify_allowed(request: HttpRequest) -> bool:
    """At most one verification per user every AUDIT_VERIFY_INTERVAL seconds: it reads
    every posted entry of the labs."""
    interval = int(getattr(settings, "AUDIT_VERIFY_INTERVAL", 0))
    if interval <= 0:
        return True
    return bool(cache.add(f"audit-verify:{request.user.pk}", 1, timeout=interval))


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The hash chains of the labs: as recorded (GET), or recomputed from the stored
    entries and lines (POST), naming the first entry that does not match."""
    scope = audit_scope_or_404(request.user)
    data = request.POST if request.method == "POST" else request.GET
    form = VerifyForm(data, scope=scope)
    context: dict[str, Any] = {"scope": scope, "section": "verify", "form": form}
    if not _checked(form):
        return render(request, "audit/verify.html", context, status=BAD_REQUEST)
    lab = form.scope_filters()["lab"]
    labs = [lab] if lab is not None else list(scope.labs)
    context["chains"] = chain_states(labs)
    if request.method == "POST":
        if not _verify_allowed(request):
            context["wait"] = settings.AUDIT_VERIFY_INTERVAL
            return render(request, "audit/verify.html", context, status=TOO_MANY_REQUESTS)
        context["results"] = ledger_verifications(labs)
        context["verified_at"] = timezone.localtime()
    return render(request, "audit/verify.html", context)
