"""The third parties' pages: the list, a third party, its form.

Thin: find what the user may do with the file (404 for who may not read it, as the
auditor's workspace; 403 for a reader asking to write), read through the selectors,
write through the services, which check the role again and record the audit event.
A form refused by the service comes back with the reasons beside the boxes (400).
"""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import EmptyPage, Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ledger.exceptions import LedgerError
from parties import services
from parties.exceptions import ThirdPartyInvalidError
from parties.forms import ThirdPartyFilterForm, ThirdPartyForm
from parties.models import ThirdParty
from parties.selectors import (
    ThirdPartyAccess,
    third_parties_search,
    third_party_access_or_404,
    third_party_in_use,
    third_party_lab_totals,
    third_party_or_404,
)

PER_PAGE = 50
BAD_REQUEST = 400


def _writer(request: HttpRequest) -> ThirdPartyAccess:
    """The access of a user about to write: 404 for who may not read the file, 403 for
    a reader who may not write it."""
    access = third_party_access_or_404(request.user)
    if not access.writes:
        raise PermissionDenied
    return access


def _page_of(parties: Any, number: int) -> Page[ThirdParty]:
    try:
        return Paginator(parties, PER_PAGE).page(number)
    except EmptyPage:
        raise Http404("No such page") from None


@login_required
@require_GET
def third_parties(request: HttpRequest) -> HttpResponse:
    """The office's third parties, searched and filtered, 50 a page."""
    access = third_party_access_or_404(request.user)
    form = ThirdPartyFilterForm(request.GET)
    context: dict[str, Any] = {"form": form, "access": access}
    if not form.is_valid():
        return render(request, "parties/list.html", context, status=BAD_REQUEST)
    parties = third_parties_search(
        access=access,
        q=form.cleaned_data["q"],
        kind=form.cleaned_data["kind"],
        active=form.active_value(),
    )
    context["page"] = _page_of(parties, form.page_number())
    context["filtered"] = any(form.cleaned_data.get(n) for n in ("q", "kind", "active"))
    return render(request, "parties/list.html", context)


@login_required
@require_GET
def third_party(request: HttpRequest, party: str) -> HttpResponse:
    """One third party: its record (bank details for who may see them) and its posted
    lines per lab and account, in the labs the user may see."""
    access = third_party_access_or_404(request.user)
    found = third_party_or_404(access=access, code=party)
    context = {
        "party": found,
        "access": access,
        "labs": third_party_lab_totals(third_party=found, user=request.user),
    }
    return render(request, "parties/detail.html", context)


def _form_page(
    request: HttpRequest,
    form: ThirdPartyForm,
    party: ThirdParty | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    context = {"form": form, "party": party}
    return render(request, "parties/form.html", context, status=status)


def _refused(form: ThirdPartyForm, error: LedgerError) -> None:
    if isinstance(error, ThirdPartyInvalidError):
        form.show_problems(error.problems)
    else:
        form.add_error(None, str(error))


@login_required
@require_http_methods(["GET", "POST"])
def third_party_new(request: HttpRequest) -> HttpResponse:
    """The form of a new third party, and its creation."""
    access = _writer(request)
    if request.method != "POST":
        return _form_page(request, ThirdPartyForm(bank_details=access.bank_details))
    form = ThirdPartyForm(request.POST, bank_details=access.bank_details)
    if not form.is_valid():
        return _form_page(request, form, status=BAD_REQUEST)
    values = form.service_values()
    try:
        created = services.third_party_create(acting_user=cast(User, request.user), **values)
    except LedgerError as error:
        _refused(form, error)
        return _form_page(request, form, status=BAD_REQUEST)
    messages.success(request, _("Third party %(code)s is created.") % {"code": created.code})
    return redirect("parties:third_party", party=created.code)


@login_required
@require_http_methods(["GET", "POST"])
def third_party_edit(request: HttpRequest, party: str) -> HttpResponse:
    """The form of a third party, and its changes (its code frozen once lines name it)."""
    access = _writer(request)
    found = third_party_or_404(access=access, code=party)
    frozen = bool(third_party_in_use(found))
    initial = ThirdPartyForm.initial_of(found, bank_details=access.bank_details)
    data = request.POST if request.method == "POST" else None
    form = ThirdPartyForm(
        data, bank_details=access.bank_details, code_frozen=frozen, initial=initial
    )
    if data is None:
        return _form_page(request, form, found)
    if not form.is_valid():
        return _form_page(request, form, found, status=BAD_REQUEST)
    try:
        changed = services.third_party_update(
            acting_user=cast(User, request.user), third_party=found, **form.service_values()
        )
    except LedgerError as error:
        _refused(form, error)
        return _form_page(request, form, found, status=BAD_REQUEST)
    messages.success(request, _("Third party %(code)s is saved.") % {"code": changed.code})
    return redirect("parties:third_party", party=changed.code)


def _activation(request: HttpRequest, party: str, *, active: bool) -> HttpResponse:
    access = _writer(request)
    found = third_party_or_404(access=access, code=party)
    if request.POST.get("code") != found.code:
        # A form of another page (or an empty one) changes nothing.
        messages.error(request, _("The form does not name this third party: nothing was changed."))
        context = {
            "party": found,
            "access": access,
            "labs": third_party_lab_totals(third_party=found, user=request.user),
        }
        return render(request, "parties/detail.html", context, status=BAD_REQUEST)
    service = services.third_party_reactivate if active else services.third_party_deactivate
    try:
        service(acting_user=cast(User, request.user), third_party=found)
    except LedgerError as error:
        messages.error(request, str(error))
    else:
        done = (
            _("Third party %(code)s is active again.")
            if active
            else _("Third party %(code)s is deactivated: it stays on the lines that name it.")
        )
        messages.success(request, done % {"code": found.code})
    return redirect("parties:third_party", party=found.code)


@login_required
@require_POST
def third_party_deactivate(request: HttpRequest, party: str) -> HttpResponse:
    return _activation(request, party, active=False)


@login_required
@require_POST
def third_party_reactivate(request: HttpRequest, party: str) -> HttpResponse:
    return _activation(request, party, active=True)
