"""The bank pages of a lab: /labs/<CODE>/bank/... (bank accounts, their settings, statement
imports with their preview, one statement). The month's reconciliation is in
views_month.py.

Thin: look the lab up inside the labs the user may read (another lab's: 404) and the bank
account or statement inside that lab (404); check the role a write needs (accountants
and the office head; directors and auditors read: 403); validate the form (400 with the
reason); call the service; come back with what was done or refused.
"""

from pathlib import Path
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from banking.exceptions import UPLOAD_GONE
from banking.forms import BankAccountForm, ConfirmImportForm, UploadForm
from banking.models import BankAccount, BankStatement, BankStatementLine
from banking.selectors import bank_account_months
from banking.services import bank_account_create, bank_account_update, bank_statement_import
from banking.services.imports import BankImportOutcome, max_bytes
from irls.access import WRITE_ROLES, has_role, lab_for_user_or_404, lab_to_act_in_or_404
from irls.models import Lab
from ledger.exceptions import LedgerError
from ledger.imports import kept
from ledger.imports.problems import size_text
from ledger.selectors.entry_form import account_name

LINES_PER_PAGE = 100
PREVIEW_LINES = 200
AREA = "bank"  # where the previewed statements are kept (ledger.imports.kept)
BODY_MARGIN = 64 * 1024
BAD_LENGTH = gettext_lazy(
    "The upload's Content-Length header is not a length in bytes: send the file again."
)
TOO_LARGE = gettext_lazy("The upload is larger than {limit}, the limit of a bank statement.")
NO_FILE = gettext_lazy("Choose the bank statement file to import.")


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required: an authenticated user


def bank_account_or_404(lab: Lab, bank_account_id: int) -> BankAccount:
    found = (
        BankAccount.objects.select_related("lab", "account", "journal")
        .filter(lab=lab, pk=bank_account_id)
        .first()
    )
    if found is None:
        raise Http404("No such bank account")
    return found


# -- bank accounts ---------------------------------------------------------------------


@login_required
@require_GET
def bank_accounts(request: HttpRequest, code: str) -> HttpResponse:
    """The lab's bank accounts, each with its last months' state."""
    lab = lab_for_user_or_404(request.user, code)
    today = timezone.localdate()
    rows = [
        (bank_account, bank_account_months(bank_account, today=today)[:3])
        for bank_account in BankAccount.objects.filter(lab=lab)
        .select_related("account", "journal")
        .order_by("name")
    ]
    context = {"lab": lab, "rows": rows, "may_write": has_role(request.user, lab, WRITE_ROLES)}
    return render(request, "banking/accounts.html", context)


def _account_form_page(
    request: HttpRequest,
    lab: Lab,
    form: BankAccountForm,
    bank_account: BankAccount | None,
    status: int = 200,
) -> HttpResponse:
    context = {"lab": lab, "form": form, "bank_account": bank_account}
    return render(request, "banking/account_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def bank_account_new(request: HttpRequest, code: str) -> HttpResponse:
    """Add a bank account (accountants and the office head)."""
    lab = lab_to_act_in_or_404(request.user, code)
    if request.method == "GET":
        initial = {"currency": lab.book_currency, "opening_balance": 0}
        return _account_form_page(request, lab, BankAccountForm(lab=lab, initial=initial), None)
    form = BankAccountForm(request.POST, lab=lab)
    if not form.is_valid():
        return _account_form_page(request, lab, form, None, status=400)
    fields = form.service_fields()
    try:
        bank_account = bank_account_create(acting_user=_user(request), lab=lab, **fields)
    except LedgerError as error:
        form.add_error(None, str(error))
        return _account_form_page(request, lab, form, None, status=400)
    messages.success(
        request, _("The bank account %(name)s is created.") % {"name": bank_account.name}
    )
    return redirect("banking:account", code=lab.code, bank_account_id=bank_account.pk)


@login_required
@require_http_methods(["GET", "POST"])
def bank_account_settings(request: HttpRequest, code: str, bank_account_id: int) -> HttpResponse:
    """Change a bank account's settings and CSV column mapping."""
    lab = lab_to_act_in_or_404(request.user, code)
    bank_account = bank_account_or_404(lab, bank_account_id)
    if request.method == "GET":
        form = BankAccountForm(instance=bank_account, lab=lab)
        return _account_form_page(request, lab, form, bank_account)
    form = BankAccountForm(request.POST, instance=bank_account, lab=lab)
    if not form.is_valid():
        return _account_form_page(request, lab, form, bank_account, status=400)
    fields = form.service_fields()
    fields.pop("currency", None)
    try:
        bank_account_update(acting_user=_user(request), bank_account=bank_account, **fields)
    except LedgerError as error:
        form.add_error(None, str(error))
        bank_account.refresh_from_db()
        return _account_form_page(request, lab, form, bank_account, status=400)
    messages.success(
        request, _("The settings of %(name)s are saved.") % {"name": bank_account.name}
    )
    return redirect("banking:account", code=lab.code, bank_account_id=bank_account.pk)


@login_required
@require_GET
def bank_account_page(request: HttpRequest, code: str, bank_account_id: int) -> HttpResponse:
    """A bank account: its months (reconciled or not), its statements, its settings."""
    lab = lab_for_user_or_404(request.user, code)
    bank_account = bank_account_or_404(lab, bank_account_id)
    statements = BankStatement.objects.filter(bank_account=bank_account).select_related(
        "imported_by"
    )
    context = {
        "lab": lab,
        "bank_account": bank_account,
        "account_name": account_name(bank_account.account),
        "months": bank_account_months(bank_account, today=timezone.localdate()),
        "statements": statements.order_by("-period_end", "-id")[:24],
        "may_write": has_role(request.user, lab, WRITE_ROLES),
    }
    return render(request, "banking/account.html", context)


# -- statements ------------------------------------------------------------------------


@login_required
@require_GET
def statement_page(
    request: HttpRequest, code: str, bank_account_id: int, bank_statement_id: int
) -> HttpResponse:
    """One imported statement: its file, balances and lines, each matched or not."""
    lab = lab_for_user_or_404(request.user, code)
    bank_account = bank_account_or_404(lab, bank_account_id)
    statement = (
        BankStatement.objects.filter(bank_account=bank_account, pk=bank_statement_id)
        .select_related("imported_by")
        .first()
    )
    if statement is None:
        raise Http404("No such statement")
    lines = (
        BankStatementLine.objects.filter(statement=statement)
        .select_related("match_link")
        .order_by("booking_date", "id")
    )
    page = Paginator(lines, LINES_PER_PAGE).get_page(request.GET.get("page"))
    context = {"lab": lab, "bank_account": bank_account, "statement": statement, "page": page}
    return render(request, "banking/statement.html", context)


# -- import: upload, preview, confirm --------------------------------------------------


def _import_page(
    request: HttpRequest,
    lab: Lab,
    bank_account: BankAccount,
    *,
    form: UploadForm | None = None,
    outcome: BankImportOutcome | None = None,
    reason: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "lab": lab,
        "bank_account": bank_account,
        "form": form or UploadForm(),
        "outcome": outcome,
        "preview": outcome.new_lines[:PREVIEW_LINES] if outcome is not None else [],
        "reason": reason,
        "limit": size_text(max_bytes()),  # in MB as the README and the imports say it
    }
    return render(request, "banking/import.html", context, status=status)


def _content_length(request: HttpRequest) -> int | None:
    value = request.META.get("CONTENT_LENGTH") or "0"
    if not (value.isascii() and value.isdigit()):
        return None
    return int(value)


# The body is left unread until its length is checked; CSRF (which reads it) comes after.
@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def statement_import(request: HttpRequest, code: str, bank_account_id: int) -> HttpResponse:
    """GET: the upload form. POST: the file read and checked, nothing written; its
    preview lists every problem, or the lines it would add, with the button that imports
    it."""
    lab = lab_to_act_in_or_404(request.user, code)
    bank_account = bank_account_or_404(lab, bank_account_id)
    if request.method == "GET":
        return _import_page(request, lab, bank_account)
    length = _content_length(request)
    if length is None:
        return _import_page(request, lab, bank_account, reason=str(BAD_LENGTH), status=400)
    if length > max_bytes() + BODY_MARGIN:
        reason = TOO_LARGE.format(limit=size_text(max_bytes()))
        return _import_page(request, lab, bank_account, reason=reason, status=413)
    return _preview(request, lab, bank_account)


@csrf_protect
def _preview(request: HttpRequest, lab: Lab, bank_account: BankAccount) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, lab, bank_account, form=form, reason=str(NO_FILE), status=400)
    upload = form.cleaned_data["file"]
    if upload.size > max_bytes():
        reason = TOO_LARGE.format(limit=size_text(max_bytes()))
        return _import_page(request, lab, bank_account, reason=reason, status=413)
    data = upload.read()
    name = Path(upload.name or "statement").name
    try:
        outcome = bank_statement_import(
            acting_user=_user(request),
            bank_account=bank_account,
            file_name=name,
            data=data,
            dry_run=True,
        )
    except LedgerError as error:
        return _import_page(request, lab, bank_account, reason=str(error), status=400)
    if outcome.ok and outcome.new_lines:
        asked = {"bank_account": bank_account.pk, "file_name": name}
        kept.keep(AREA, _user(request).pk, outcome.sha256, data, asked)
    return _import_page(request, lab, bank_account, outcome=outcome)


@login_required
@require_POST
def statement_import_confirm(request: HttpRequest, code: str, bank_account_id: int) -> HttpResponse:
    """Import exactly the file that was previewed (kept on the server, named by its
    sha256), all or nothing."""
    lab = lab_to_act_in_or_404(request.user, code)
    bank_account = bank_account_or_404(lab, bank_account_id)
    form = ConfirmImportForm(request.POST)
    if not form.is_valid():
        return _import_page(request, lab, bank_account, reason=str(UPLOAD_GONE), status=400)
    user_id, sha256 = _user(request).pk, form.cleaned_data["sha256"]
    found = kept.kept(AREA, user_id, sha256)
    if found is None:
        return _import_page(request, lab, bank_account, reason=str(UPLOAD_GONE), status=400)
    data, asked = found
    if asked.get("bank_account") != bank_account.pk:
        return _import_page(request, lab, bank_account, reason=str(UPLOAD_GONE), status=400)
    try:
        outcome = bank_statement_import(
            acting_user=_user(request),
            bank_account=bank_account,
            file_name=str(asked.get("file_name") or "statement"),
            data=data,
        )
    except LedgerError as error:
        return _import_page(request, lab, bank_account, reason=str(error), status=400)
    finally:
        kept.forget(AREA, user_id, sha256)
    if not outcome.ok:
        return _import_page(request, lab, bank_account, outcome=outcome, status=400)
    if outcome.statement is None:
        messages.info(request, _("Nothing new: every line of the file was already imported."))
        return redirect("banking:account", code=lab.code, bank_account_id=bank_account.pk)
    messages.success(
        request,
        _("%(file)s is imported: %(added)s new lines (%(known)s already kept).")
        % {"file": outcome.file_name, "added": len(outcome.new_lines), "known": outcome.known},
    )
    return redirect(
        "banking:statement",
        code=lab.code,
        bank_account_id=bank_account.pk,
        bank_statement_id=outcome.statement.pk,
    )
