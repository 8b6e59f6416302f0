"""A lab's statements page: issue a statement, download earlier ones, check a file.

Thin: look the lab up inside the labs the user may read (`lab_for_user_or_404`, so a
lab of someone else answers 404 on every URL), call a service or selector, render.
Every file leaves with Cache-Control: no-store, as an attachment, and its handing out
is in the archive (issue) or the audit trail (download).
"""

import codecs
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from irls.access import has_role, lab_for_user_or_404, labs_for_user
from irls.models import Lab
from jobs.services import job_enqueue_audit_package, job_enqueue_statement
from ledger.exceptions import LedgerError
from reports.audit_package import AUDIT_PACKAGE_ROLES
from reports.downloads import statement_attachment
from reports.fec import FIELDS as FEC_FIELDS
from reports.fec import fec_validate
from reports.forms import MAX_UPLOAD, TOO_BIG, AuditPackageForm, CheckForm, StatementForm
from reports.selectors import (
    StatementCheck,
    issued_statement_for_user_or_404,
    issued_statements,
    statement_check,
)
from reports.services import statement_download, statement_issue, statement_size

ARCHIVE_PER_PAGE = 25
# A request body this much above the upload limit is refused before it is read.
BODY_MARGIN = 1024 * 1024
BAD_LENGTH = _("The upload's Content-Length header is not a length in bytes: send the file again.")


@login_required
@require_GET
def statements(request: HttpRequest, code: str) -> HttpResponse:
    """The page: the form to issue a statement, the check form, the lab's archive."""
    lab = lab_for_user_or_404(request.user, code)
    return _page(request, lab, _statement_form(lab), CheckForm())


@login_required
@require_POST
def issue(request: HttpRequest, code: str) -> HttpResponseBase:
    """Issue the statement asked for and hand the file out (archived first); a statement
    of more than JOBS_STATEMENT_LINES lines goes to a worker, and the browser to its job's
    page, where it shows its progress and then the file."""
    lab = lab_for_user_or_404(request.user, code)
    form = StatementForm(request.POST, lab=lab)
    if form.is_valid():
        options = form.statement_options()
        try:
            if statement_size(lab=lab, **options) > settings.JOBS_STATEMENT_LINES:
                job = job_enqueue_statement(acting_user=_user(request), lab=lab, options=options)
                return redirect("jobs:job", code=lab.code, job_id=job.pk)
            issued = statement_issue(acting_user=_user(request), lab=lab, **options)
        except LedgerError as exc:
            form.add_error(None, str(exc))
        else:
            return statement_attachment(issued)
    return _page(request, lab, form, CheckForm(), status=400)


@login_required
@require_POST
def audit_package(request: HttpRequest, code: str) -> HttpResponse:
    """Ask a worker for the audit package of a fiscal year (accountants, auditors, office
    head; 403 for the lab's other readers), then on to the job's page, which shows its
    progress and then the ZIP."""
    lab = lab_for_user_or_404(request.user, code)
    user = _user(request)
    if not has_role(user, lab, AUDIT_PACKAGE_ROLES):
        raise PermissionDenied
    form = AuditPackageForm(request.POST, lab=lab)
    if form.is_valid():
        try:
            job = job_enqueue_audit_package(
                acting_user=user,
                lab=lab,
                year=form.cleaned_data["year"],
                language=form.cleaned_data["language"],
            )
        except LedgerError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("jobs:job", code=lab.code, job_id=job.pk)
    return _page(request, lab, _statement_form(lab), CheckForm(), package_form=form, status=400)


@login_required
@require_GET
def download(request: HttpRequest, code: str, statement_id: int) -> HttpResponseBase:
    """An archived statement again, byte for byte."""
    lab = lab_for_user_or_404(request.user, code)
    issued = issued_statement_for_user_or_404(request.user, lab=lab, statement_id=statement_id)
    return statement_attachment(statement_download(acting_user=_user(request), issued=issued))


@login_required
@require_POST
def check(request: HttpRequest, code: str) -> HttpResponse:
    """Say whether an uploaded file is a statement issued here, and if the books moved since;
    a FEC file (from here or elsewhere) is also checked against the FEC format."""
    lab = lab_for_user_or_404(request.user, code)
    length = _content_length(request)
    if length is None:
        return _page(
            request, lab, _statement_form(lab), CheckForm(), refused=str(BAD_LENGTH), status=400
        )
    if length > MAX_UPLOAD + BODY_MARGIN:
        refused = TOO_BIG % {"size": MAX_UPLOAD // (1024 * 1024)}
        return _page(request, lab, _statement_form(lab), CheckForm(), refused=refused, status=413)
    form = CheckForm(request.POST, request.FILES)
    result: StatementCheck | None = None
    fec_problems: list[str] | None = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        result = statement_check(data=data, labs=labs_for_user(request.user))
        if data.removeprefix(codecs.BOM_UTF8).startswith(FEC_FIELDS[0].encode()):
            fec_problems = fec_validate(data, upload.name)
    status = 200 if result is not None else 400
    return _page(
        request,
        lab,
        _statement_form(lab),
        form,
        result=result,
        fec_problems=fec_problems,
        status=status,
    )


def _content_length(request: HttpRequest) -> int | None:
    """The request's Content-Length in bytes (0 when absent); None when the header is
    no length (letters, a sign, a digit of another script)."""
    value = request.META.get("CONTENT_LENGTH") or "0"
    if not (value.isascii() and value.isdigit()):
        return None
    return int(value)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required: an authenticated user


def _statement_form(lab: Lab) -> StatementForm:
    language = "fr" if (get_language() or "en").startswith("fr") else "en"
    return StatementForm(
        lab=lab,
        initial={"language": language, "currency": lab.book_currency, "format": "pdf"},
    )


def _page(
    request: HttpRequest,
    lab: Lab,
    form: StatementForm,
    check_form: CheckForm,
    *,
    result: StatementCheck | None = None,
    fec_problems: list[str] | None = None,
    refused: str = "",
    package_form: AuditPackageForm | None = None,
    status: int = 200,
) -> HttpResponse:
    archive = Paginator(issued_statements(lab=lab), ARCHIVE_PER_PAGE)
    may_package = has_role(request.user, lab, AUDIT_PACKAGE_ROLES)
    if package_form is None and may_package:
        package_form = AuditPackageForm(lab=lab)
    context: dict[str, Any] = {
        "lab": lab,
        "form": form,
        "check_form": check_form,
        "result": result,
        "fec_problems": fec_problems,
        "refused": refused,
        "archive": archive.get_page(request.GET.get("page")),
        "max_upload_mb": MAX_UPLOAD // (1024 * 1024),
        "package_form": package_form if may_package else None,
    }
    return render(request, "reports/statements.html", context, status=status)
