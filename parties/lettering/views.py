"""The lettering pages of a lab: /labs/<CODE>/lettering/...

Thin: look the lab up inside the labs the user may read (another lab's answers 404; an
account or lettering of another lab too), check the role a form needs (directors and
auditors read every page and get 403 on every form), validate the form (400 with the page
and the reason), call the service, and come back to the page with what was done or
refused.
"""

from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from irls.access import WRITE_ROLES, has_role, lab_for_user_or_404, lab_to_act_in_or_404
from irls.models import Lab
from ledger.exceptions import LedgerError
from ledger.models import Account
from parties.lettering import selectors
from parties.lettering.selectors import (
    STATE_ALL,
    STATE_LETTERED,
    STATE_OPEN,
    LineFilters,
    lettering_proposal,
)
from parties.lettering.services import (
    lettering_confirm,
    lettering_confirm_proposal,
    lettering_letter,
    lettering_unletter,
)

BAD_REQUEST = 400
# Groups listed on the confirmation page (and confirmable one by one); "Confirm all"
# letters every group of the proposal, however many.
GROUPS_SHOWN = 300
NOT_IN_LAB = gettext_lazy("This lab has no such account.")
NO_LINES = gettext_lazy("Select the lines to letter.")
NO_GROUPS = gettext_lazy("Select the groups to letter, or confirm them all.")
REASON_REQUIRED = gettext_lazy(
    "Say why the lines are unlettered: the reason is kept in the audit trail."
)
STATES = [
    (STATE_OPEN, gettext_lazy("Not lettered or partial")),
    (STATE_LETTERED, gettext_lazy("Lettered")),
    (STATE_ALL, gettext_lazy("All lines")),
]


class LineFilterForm(forms.Form):
    account = forms.IntegerField(label=gettext_lazy("Account"), required=False, min_value=1)
    third_party = forms.CharField(label=gettext_lazy("Third party"), required=False, max_length=40)
    state = forms.ChoiceField(label=gettext_lazy("Lines"), required=False, choices=STATES)
    date_from = forms.DateField(label=gettext_lazy("From"), required=False)
    date_to = forms.DateField(label=gettext_lazy("To"), required=False)

    def filters(self) -> LineFilters:
        data = self.cleaned_data
        return LineFilters(
            state=data.get("state") or STATE_OPEN,
            third_party=(data.get("third_party") or "").strip(),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


class LetterForm(forms.Form):
    line = forms.TypedMultipleChoiceField(coerce=int, error_messages={"required": NO_LINES})
    back = forms.CharField(required=False, max_length=2000)

    def __init__(self, data: QueryDict) -> None:
        super().__init__(data)
        # Any id: the service looks each one up in the lab and names the one it lacks.
        self.fields["line"].choices = [(v, v) for v in data.getlist("line") if v.isdigit()]  # type: ignore[attr-defined]


class UnletterForm(forms.Form):
    lettering = forms.IntegerField(min_value=1)
    reason = forms.CharField(max_length=500, error_messages={"required": REASON_REQUIRED})
    back = forms.CharField(required=False, max_length=2000)


class ConfirmForm(forms.Form):
    account = forms.IntegerField(required=False, min_value=1)
    third_party = forms.CharField(required=False, max_length=40)
    group = forms.MultipleChoiceField(required=False)
    all = forms.BooleanField(required=False)
    fingerprint = forms.RegexField(regex=r"^[0-9a-f]{64}$", required=False)

    def __init__(self, data: QueryDict) -> None:
        super().__init__(data)
        keys = [v for v in data.getlist("group") if v.replace("-", "").isdigit()]
        self.fields["group"].choices = [(v, v) for v in keys]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("all") and not cleaned.get("group"):
            raise forms.ValidationError(NO_GROUPS)
        if cleaned.get("all") and not cleaned.get("fingerprint"):
            raise forms.ValidationError(NO_GROUPS)
        return cleaned


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required: an authenticated user


def _account(lab: Lab, account_id: int | None) -> Account | None:
    """The lab's account `account_id`; Http404 for another lab's (or none at all)."""
    if account_id is None:
        return None
    account = Account.objects.filter(lab=lab, pk=account_id).first()
    if account is None:
        raise Http404(NOT_IN_LAB)
    return account


def _page(
    request: HttpRequest, lab: Lab, form: LineFilterForm | None = None, *, status: int = 200
) -> HttpResponse:
    if form is None:
        form = LineFilterForm(QueryDict())
    valid = form.is_valid()
    account = _account(lab, form.cleaned_data.get("account")) if valid else None
    context: dict[str, Any] = {
        "lab": lab,
        "form": form,
        "currency": lab.book_currency,
        "may_letter": has_role(request.user, lab, WRITE_ROLES),
        "accounts": selectors.third_party_accounts(lab),
        "account": account,
        "states": STATES,
        "query": request.GET.urlencode(),
    }
    if valid and account is None:
        context["overview"] = selectors.lettering_overview(lab)
    if valid and account is not None:
        filters = form.filters()
        context.update(
            filters=filters,
            lines=selectors.lettering_lines(
                lab=lab, account=account, filters=filters, page=_page_number(request)
            ),
            third_parties=selectors.account_third_parties(lab, account),
            summary=selectors.lettering_summary(lab, account),
        )
    elif not valid and status == 200:
        status = BAD_REQUEST
    return render(request, "parties/lettering/page.html", context, status=status)


def _page_number(request: HttpRequest) -> int:
    value = request.GET.get("page", "1")
    return int(value) if value.isdigit() else 1


def _back(lab: Lab, query: str) -> HttpResponse:
    """To the lettering page, with the filters it had (only its own parameters)."""
    kept = QueryDict(query)
    names = ("account", "third_party", "state", "date_from", "date_to", "page")
    params = {name: kept[name] for name in names if kept.get(name)}
    url = reverse("parties:lettering", args=[lab.code])
    return redirect(f"{url}?{urlencode(params)}" if params else url)


def _invalid(request: HttpRequest, lab: Lab, form: forms.Form) -> HttpResponse:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))
    return _page(request, lab, status=BAD_REQUEST)


@login_required
@require_GET
def lettering(request: HttpRequest, code: str) -> HttpResponse:
    """The third-party accounts of the lab, or one account's lines with their lettering."""
    lab = lab_for_user_or_404(request.user, code)
    return _page(request, lab, LineFilterForm(request.GET))


@login_required
@require_POST
def letter(request: HttpRequest, code: str) -> HttpResponse:
    """Letter the selected lines together (complete or partial)."""
    lab = lab_to_act_in_or_404(request.user, code, WRITE_ROLES)
    form = LetterForm(request.POST)
    if not form.is_valid():
        return _invalid(request, lab, form)
    try:
        done = lettering_letter(
            acting_user=_user(request), lab=lab, line_ids=form.cleaned_data["line"]
        )
    except LedgerError as error:
        messages.error(request, str(error))
    else:
        if done.complete:
            messages.success(
                request, _("Lettered %(code)s: the lines cancel out.") % {"code": done.code}
            )
        else:
            messages.success(
                request,
                _("Lettered %(code)s, partial: the lines do not cancel out yet.")
                % {"code": done.code},
            )
    return _back(lab, form.cleaned_data.get("back") or "")


@login_required
@require_POST
def unletter(request: HttpRequest, code: str) -> HttpResponse:
    """Undo a lettering, with a reason."""
    lab = lab_to_act_in_or_404(request.user, code, WRITE_ROLES)
    form = UnletterForm(request.POST)
    if not form.is_valid():
        return _invalid(request, lab, form)
    found = selectors.lettering_for_lab(lab, form.cleaned_data["lettering"])
    if found is None:
        raise Http404("No such lettering in this lab")
    try:
        lettering_unletter(
            acting_user=_user(request), lettering=found, reason=form.cleaned_data["reason"]
        )
    except LedgerError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(code)s unlettered.") % {"code": found.code})
    return _back(lab, form.cleaned_data.get("back") or "")


@login_required
@require_GET
def propose(request: HttpRequest, code: str) -> HttpResponse:
    """The automatic lettering proposal of an account (or of every third-party account),
    with its groups to confirm all or some."""
    lab = lab_for_user_or_404(request.user, code)
    form = LineFilterForm(request.GET)
    if not form.is_valid():
        return _page(request, lab, form, status=BAD_REQUEST)
    account = _account(lab, form.cleaned_data.get("account"))
    third_party = (form.cleaned_data.get("third_party") or "").strip() or None
    proposal = lettering_proposal(lab=lab, account=account, third_party=third_party)
    may_letter = has_role(request.user, lab, WRITE_ROLES)
    if may_letter:
        selectors.proposal_keep(proposal)
    shown = proposal.groups[:GROUPS_SHOWN]
    lines = selectors.lines_shown([i for group in shown for i in group.line_ids])
    context = {
        "lab": lab,
        "account": account,
        "third_party": third_party or "",
        "proposal": proposal,
        "groups": [
            (group, proposal.accounts[group.account_id], [lines[i] for i in group.line_ids])
            for group in shown
        ],
        "count": len(proposal.groups),
        "by_piece": proposal.count(selectors.RULE_PIECE),
        "by_amount": proposal.count(selectors.RULE_AMOUNT),
        "more": len(proposal.groups) - len(shown),
        "currency": lab.book_currency,
        "may_letter": may_letter,
        "query": request.GET.urlencode(),
    }
    return render(request, "parties/lettering/propose.html", context)


@login_required
@require_POST
def confirm(request: HttpRequest, code: str) -> HttpResponse:
    """Letter the groups of the proposal the accountant confirmed (all, or those ticked)."""
    lab = lab_to_act_in_or_404(request.user, code, WRITE_ROLES)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return _invalid(request, lab, form)
    data = form.cleaned_data
    account = _account(lab, data.get("account"))
    third_party = (data.get("third_party") or "").strip() or None
    try:
        if data.get("all"):
            done = lettering_confirm_proposal(
                acting_user=_user(request),
                lab=lab,
                account=account,
                third_party=third_party,
                fingerprint=data["fingerprint"],
            )
        else:
            groups = [[int(i) for i in key.split("-") if i] for key in data["group"]]
            done = lettering_confirm(acting_user=_user(request), lab=lab, groups=groups)
    except LedgerError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            ngettext("%(count)d lettering made.", "%(count)d letterings made.", len(done))
            % {"count": len(done)},
        )
    query = urlencode({"account": account.pk if account else "", "third_party": third_party or ""})
    return _back(lab, query)
