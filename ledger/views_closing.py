"""A lab's Closing page: its fiscal years and months, closed and reopened in order.

Thin: look the lab up inside the labs the user may read (another lab's answers 404),
check the role the form needs (directors and auditors see the page but get 403 on every
form; reopening is the office head's), validate the form (400 with the page and the
reason), call the service, and come back to the page with what was done or refused.
"""

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from irls.access import WRITE_ROLES, has_role, lab_for_user_or_404, lab_to_act_in_or_404
from irls.models import Lab, Role
from ledger.exceptions import LedgerError
from ledger.models import FiscalYear, Period
from ledger.selectors.closing import closing_overview
from ledger.services import period_close, period_reopen
from ledger.services.years import fiscal_year_close, fiscal_year_open, fiscal_year_reopen

HEAD_ROLES = frozenset({Role.OFFICE_HEAD})
REASON_REQUIRED = gettext_lazy("Say why it is reopened: the reason is kept in the audit trail.")


class MonthForm(forms.Form):
    month = forms.RegexField(regex=r"^\d{4}-(0[1-9]|1[0-2])$", label=gettext_lazy("Month"))


class MonthReopenForm(MonthForm):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        error_messages={"required": REASON_REQUIRED},
    )


class YearForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=1900, max_value=9998)


class YearReopenForm(YearForm):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        error_messages={"required": REASON_REQUIRED},
    )


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required: an authenticated user


def _lab_to_act_in(request: HttpRequest, code: str, roles: frozenset[str]) -> Lab:
    """The lab, if the user may read it (404 otherwise) and holds one of `roles` (403)."""
    return lab_to_act_in_or_404(request.user, code, roles)


def _page(request: HttpRequest, lab: Lab, *, status: int = 200) -> HttpResponse:
    overview = closing_overview(lab=lab, today=timezone.localdate())
    context: dict[str, Any] = {
        "lab": lab,
        "overview": overview,
        "may_close": has_role(request.user, lab, WRITE_ROLES),
        "may_reopen": has_role(request.user, lab, HEAD_ROLES),
    }
    return render(request, "ledger/closing/page.html", context, status=status)


def _invalid(request: HttpRequest, lab: Lab, form: forms.Form) -> HttpResponse:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))
    return _page(request, lab, status=400)


def _period(lab: Lab, form: MonthForm) -> Period | None:
    year, month = (int(part) for part in form.cleaned_data["month"].split("-"))
    period = Period.objects.filter(lab=lab, start_date__year=year, start_date__month=month).first()
    if period is None:
        form.add_error(
            "month",
            _("%(lab)s has no month %(month)s.")
            % {"lab": lab.code, "month": form.cleaned_data["month"]},
        )
    return period


def _fiscal_year(lab: Lab, form: YearForm) -> FiscalYear | None:
    fiscal_year = FiscalYear.objects.filter(lab=lab, year=form.cleaned_data["year"]).first()
    if fiscal_year is None:
        form.add_error(
            "year",
            _("%(lab)s has no fiscal year %(year)s.")
            % {"lab": lab.code, "year": form.cleaned_data["year"]},
        )
    return fiscal_year


def _back(lab: Lab, anchor: str = "") -> HttpResponse:
    response = redirect("ledger:closing", code=lab.code)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def _done_or_refused(request: HttpRequest, action: Any, done: str) -> None:
    try:
        action()
    except LedgerError as error:
        messages.error(request, str(error))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)


@login_required
@require_GET
def closing(request: HttpRequest, code: str) -> HttpResponse:
    """The lab's fiscal years, their months and the checklist of the next year to close."""
    return _page(request, lab_for_user_or_404(request.user, code))


@login_required
@require_POST
def month_close(request: HttpRequest, code: str) -> HttpResponse:
    lab = _lab_to_act_in(request, code, WRITE_ROLES)
    form = MonthForm(request.POST)
    if not form.is_valid() or (period := _period(lab, form)) is None:
        return _invalid(request, lab, form)
    _done_or_refused(
        request,
        lambda: period_close(acting_user=_user(request), period=period),
        _("%(month)s is closed.") % {"month": form.cleaned_data["month"]},
    )
    return _back(lab, f"year-{period.start_date.year}")


@login_required
@require_POST
def month_reopen(request: HttpRequest, code: str) -> HttpResponse:
    lab = _lab_to_act_in(request, code, HEAD_ROLES)
    form = MonthReopenForm(request.POST)
    if not form.is_valid() or (period := _period(lab, form)) is None:
        return _invalid(request, lab, form)
    _done_or_refused(
        request,
        lambda: period_reopen(
            acting_user=_user(request), period=period, reason=form.cleaned_data["reason"]
        ),
        _("%(month)s is reopened.") % {"month": form.cleaned_data["month"]},
    )
    return _back(lab, f"year-{period.start_date.year}")


@login_required
@require_POST
def year_open(request: HttpRequest, code: str) -> HttpResponse:
    lab = _lab_to_act_in(request, code, WRITE_ROLES)
    form = YearForm(request.POST)
    if not form.is_valid():
        return _invalid(request, lab, form)
    year = form.cleaned_data["year"]
    if FiscalYear.objects.filter(lab=lab, year=year).exists():
        form.add_error(
            "year",
            _("%(lab)s already has the fiscal year %(year)s.")
            % {
                "lab": lab.code,
                "year": year,
            },
        )
        return _invalid(request, lab, form)
    _done_or_refused(
        request,
        lambda: fiscal_year_open(acting_user=_user(request), lab=lab, year=year),
        _("The fiscal year %(year)s is open, with its twelve months.") % {"year": year},
    )
    return _back(lab, f"year-{year}")


@login_required
@require_POST
def year_close(request: HttpRequest, code: str) -> HttpResponse:
    lab = _lab_to_act_in(request, code, WRITE_ROLES)
    form = YearForm(request.POST)
    if not form.is_valid() or (fiscal_year := _fiscal_year(lab, form)) is None:
        return _invalid(request, lab, form)
    _done_or_refused(
        request,
        lambda: fiscal_year_close(acting_user=_user(request), fiscal_year=fiscal_year),
        _("The fiscal year %(year)s is closed: its closing and opening entries are posted.")
        % {"year": fiscal_year.year},
    )
    return _back(lab, f"year-{fiscal_year.year}")


@login_required
@require_POST
def year_reopen(request: HttpRequest, code: str) -> HttpResponse:
    lab = _lab_to_act_in(request, code, HEAD_ROLES)
    form = YearReopenForm(request.POST)
    if not form.is_valid() or (fiscal_year := _fiscal_year(lab, form)) is None:
        return _invalid(request, lab, form)
    _done_or_refused(
        request,
        lambda: fiscal_year_reopen(
            acting_user=_user(request), fiscal_year=fiscal_year, reason=form.cleaned_data["reason"]
        ),
        _("The fiscal year %(year)s is reopened; its months stay closed until reopened.")
        % {"year": fiscal_year.year},
    )
    return _back(lab, f"year-{fiscal_year.year}")
