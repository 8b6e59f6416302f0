"""A lab's Jobs pages: its recent background jobs, one job with its progress (and the
JSON its page polls), and retrying a job.

Thin: look the lab up inside the labs the user may read (another lab's answers 404),
the job inside that lab (404 too), then a selector or a service. Retrying is for who
asked for the job and the lab's accountants and office head (403 for the other readers).
"""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST

from irls.access import WRITE_ROLES, has_role, lab_for_user_or_404
from jobs.models import Job
from jobs.selectors import job_in_lab_or_404, job_may_retry, job_state, lab_jobs
from jobs.services import job_retry
from ledger.exceptions import LedgerError
from ledger.models import ImportBatch
from reports.forms import KIND_CHOICES

STATEMENT_KINDS = dict(KIND_CHOICES)
IMPORT_KINDS = dict(ImportBatch.Kind.choices)
# How often a job's page asks for its progress (JavaScript), or reloads without it.
POLL_MS = 1500
REFRESH_S = 5


def _language() -> str:
    return get_language() or "en"


def _what(job: Job) -> str:
    """The statement, file or package a job is about, in the reader's words."""
    asked = job.parameters
    if job.kind == Job.Kind.STATEMENT:
        kind = str(STATEMENT_KINDS.get(asked.get("kind", ""), asked.get("kind", "")))
        period = asked.get("year") or f"{asked.get('date_from')} – {asked.get('date_to')}"
        return f"{kind} · {period} · {str(asked.get('format') or '').upper()}"
    if job.kind == Job.Kind.IMPORT:
        kind = str(IMPORT_KINDS.get(asked.get("kind", ""), asked.get("kind", "")))
        return f"{asked.get('file_name', '')} · {kind}"
    parts = (str(asked.get("year", "")), str(asked.get("language") or "").upper())
    return " · ".join(part for part in parts if part)


@login_required
@require_GET
def jobs(request: HttpRequest, code: str) -> HttpResponse:
    """The lab's latest jobs, newest first, with where each stands."""
    lab = lab_for_user_or_404(request.user, code)
    language = _language()
    rows = [(job_state(job, language=language), _what(job)) for job in lab_jobs(lab=lab)]
    return render(request, "jobs/list.html", {"lab": lab, "rows": rows})


@login_required
@require_GET
def job(request: HttpRequest, code: str, job_id: int) -> HttpResponse:
    """One job: what was asked, its progress, and its result or why it failed."""
    lab = lab_for_user_or_404(request.user, code)
    found = job_in_lab_or_404(lab=lab, job_id=job_id)
    state = job_state(found, language=_language())
    context: dict[str, Any] = {
        "lab": lab,
        "job": found,
        "state": state,
        "what": _what(found),
        "may_retry": job_may_retry(request.user, found),
        "poll_ms": POLL_MS,
        "refresh_s": REFRESH_S,
    }
    return render(request, "jobs/job.html", context)


@login_required
@require_GET
def job_progress(request: HttpRequest, code: str, job_id: int) -> JsonResponse:
    """Where the job stands, for its page's script."""
    lab = lab_for_user_or_404(request.user, code)
    state = job_state(job_in_lab_or_404(lab=lab, job_id=job_id), language=_language())
    response = JsonResponse(state.as_json())
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def job_retry_page(request: HttpRequest, code: str, job_id: int) -> HttpResponse:
    """Queue a failed job (or one whose worker was lost) again, then back to its page."""
    lab = lab_for_user_or_404(request.user, code)
    found = job_in_lab_or_404(lab=lab, job_id=job_id)
    user = cast(User, request.user)
    if user.pk != found.requested_by_id and not has_role(user, lab, WRITE_ROLES):
        raise PermissionDenied
    try:
        job_retry(acting_user=user, job=found)
    except LedgerError as refusal:
        messages.error(request, str(refusal))
    return redirect("jobs:job", code=lab.code, job_id=found.pk)
