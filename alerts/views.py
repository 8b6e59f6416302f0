"""A lab's Alerts page: its budget alerts, newest first, with their figures and who was
told and how (read-only, for everyone with a role on the lab; another lab's answers
404); and the language of the reader's alert e-mails.

Thin: look the lab up inside the labs the user may read, then a selector or a service.
"""

from typing import cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from alerts.selectors import alert_language as language_of
from alerts.selectors import lab_alerts
from alerts.services import alert_language_set
from irls.access import lab_for_user_or_404
from irls.models import Lab
from ledger.exceptions import LedgerError

LANGUAGE_SAVED = _("Your alert e-mails will be written in {language}.")
LANGUAGE_REFUSED = _("Choose the language of your alert e-mails: English or French.")


class AlertLanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Alert e-mails in"), choices=settings.LANGUAGES)


def _page(
    request: HttpRequest, lab: Lab, form: AlertLanguageForm, status: int = 200
) -> HttpResponse:
    context = {"lab": lab, "rows": lab_alerts(lab=lab), "form": form}
    return render(request, "alerts/list.html", context, status=status)


@login_required
@require_GET
def alerts(request: HttpRequest, code: str) -> HttpResponse:
    """The lab's budget alerts, newest first, and who was told of each and how."""
    lab = lab_for_user_or_404(request.user, code)
    user = cast(User, request.user)
    return _page(request, lab, AlertLanguageForm(initial={"language": language_of(user)}))


@login_required
@require_POST
def alert_language(request: HttpRequest, code: str) -> HttpResponse:
    """Choose the language of one's own alert e-mails; back to the lab's Alerts page
    (the page again with 400 when the choice is no language)."""
    lab = lab_for_user_or_404(request.user, code)
    form = AlertLanguageForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(LANGUAGE_REFUSED))
        return _page(request, lab, form, status=400)
    language = form.cleaned_data["language"]
    try:
        alert_language_set(acting_user=cast(User, request.user), language=language)
    except LedgerError as error:
        messages.error(request, str(error))
    else:
        name = str(dict(settings.LANGUAGES)[language])
        messages.success(request, LANGUAGE_SAVED.format(language=name))
    return redirect("alerts:list", code=lab.code)
