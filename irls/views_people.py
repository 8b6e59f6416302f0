"""The office head's People page: accounts, their roles, and password links.

Only the office head gets past the door: anyone else gets 404, as if the page did not
exist (the office's staff list is nobody else's business). Thin, as the Closing page:
validate the form (400 with the page and the reason), call the service of
irls/services.py (which checks the role again and writes the audit event), and come
back to the page with what was done or refused. Superusers are left to the
administration, whose user pages stay superuser-only.
"""

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from irls import services
from irls.access import is_office_head
from irls.models import Lab, Role, RoleGrant
from ledger.exceptions import LedgerError

SHOW = "show"
SEND = "send"


class UserCreateForm(forms.Form):
    username = forms.CharField(
        label=gettext_lazy("Username"), max_length=150, validators=[UnicodeUsernameValidator()]
    )
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=254)


class GrantForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)
    lab = forms.ModelChoiceField(
        label=gettext_lazy("Lab"),
        queryset=Lab.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("The whole office"),
    )


class RevokeForm(forms.Form):
    grant = forms.IntegerField(label=gettext_lazy("Role"), min_value=1)


class ConfirmForm(forms.Form):
    """The account's username, sent back by the button: a form of another page (or an
    empty one) changes nothing."""

    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)


class ResetLinkForm(forms.Form):
    delivery = forms.ChoiceField(
        label=gettext_lazy("Link"),
        choices=[(SHOW, gettext_lazy("Show the link")), (SEND, gettext_lazy("Send it"))],
    )


def _head(request: HttpRequest) -> User:
    """The office head making the request; 404 for anyone else."""
    if not is_office_head(request.user):
        raise Http404("No such page")
    return cast(User, request.user)


def _grants() -> Prefetch:
    return Prefetch(
        "role_grants",
        queryset=RoleGrant.objects.select_related("lab").order_by("role", "lab__code"),
    )


def _person(user_id: int) -> User:
    return get_object_or_404(User.objects.prefetch_related(_grants()), pk=user_id)


def _people(request: HttpRequest, form: UserCreateForm | None = None, *, status: int = 200):
    people = User.objects.prefetch_related(_grants()).order_by("-is_active", "username")
    context = {"people": people, "form": form or UserCreateForm(), "roles": Role}
    return render(request, "irls/people/list.html", context, status=status)


def _person_page(
    request: HttpRequest,
    person: User,
    *,
    status: int = 200,
    link: str = "",
    grant_form: GrantForm | None = None,
) -> HttpResponse:
    context: dict[str, Any] = {
        "person": person,
        "grants": list(person.role_grants.all()),
        "grant_form": grant_form or GrantForm(),
        "labs": Lab.objects.all(),
        "roles": Role.choices,
        "link": link,
        "is_self": person.pk == request.user.pk,
    }
    return render(request, "irls/people/person.html", context, status=status)


def _form_errors(request: HttpRequest, form: forms.Form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))


def _done_or_refused(request: HttpRequest, action: Any, done: str) -> Any:
    """Run `action`; its result, or None once the refusal is told to the user."""
    try:
        result = action()
    except LedgerError as error:
        messages.error(request, str(error))
        return None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return None
    messages.success(request, done)
    return result if result is not None else True


def _confirmed(request: HttpRequest, person: User) -> bool:
    form = ConfirmForm(request.POST)
    return form.is_valid() and form.cleaned_data["username"] == person.get_username()


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


@login_required
@require_GET
def people(request: HttpRequest) -> HttpResponse:
    """Every account: its roles (per lab or office-wide), active or not, last login."""
    _head(request)
    return _people(request)


@login_required
@require_POST
def person_create(request: HttpRequest) -> HttpResponse:
    head = _head(request)
    form = UserCreateForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _people(request, form, status=400)
    data = form.cleaned_data
    person = _done_or_refused(
        request,
        lambda: services.user_create(
            acting_user=head,
            username=data["username"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
        ),
        _(
            "The account %(username)s is created, with no password: grant it a role, "
            "then send or show its holder a link to set a password."
        )
        % {"username": data["username"]},
    )
    if person is None:
        return _people(request, form, status=400)
    return redirect("irls:person", user_id=person.pk)


@login_required
@require_GET
def person(request: HttpRequest, user_id: int) -> HttpResponse:
    _head(request)
    return _person_page(request, _person(user_id))


@login_required
@require_POST
def person_grant(request: HttpRequest, user_id: int) -> HttpResponse:
    head = _head(request)
    person = _person(user_id)
    form = GrantForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _person_page(request, person, status=400, grant_form=form)
    role, lab = form.cleaned_data["role"], form.cleaned_data["lab"]
    _done_or_refused(
        request,
        lambda: services.role_grant(acting_user=head, user=person, role=role, lab=lab),
        _("%(user)s is now %(role)s for %(scope)s.")
        % {
            "user": person.get_username(),
            "role": Role(role).label,
            "scope": lab.code if lab else _("the whole office"),
        },
    )
    return redirect("irls:person", user_id=person.pk)


@login_required
@require_POST
def person_revoke(request: HttpRequest, user_id: int) -> HttpResponse:
    head = _head(request)
    person = _person(user_id)
    form = RevokeForm(request.POST)
    grant = None
    if form.is_valid():
        grant = RoleGrant.objects.filter(pk=form.cleaned_data["grant"], user=person).first()
        if grant is None:
            form.add_error("grant", _("This account holds no such role."))
    if grant is None:
        _form_errors(request, form)
        return _person_page(request, person, status=400)
    _done_or_refused(
        request,
        lambda: services.role_revoke(acting_user=head, user=person, role=grant.role, lab=grant.lab),
        _("%(user)s is no longer %(role)s for %(scope)s.")
        % {
            "user": person.get_username(),
            "role": grant.get_role_display(),
            "scope": grant.lab.code if grant.lab else _("the whole office"),
        },
    )
    return redirect("irls:person", user_id=person.pk)


def _activation(request: HttpRequest, user_id: int, activate: bool) -> HttpResponse:
    head = _head(request)
    person = _person(user_id)
    if not _confirmed(request, person):
        messages.error(request, _("The form does not name this account: nothing was changed."))
        return _person_page(request, person, status=400)
    if activate:
        _done_or_refused(
            request,
            lambda: services.user_reactivate(acting_user=head, user=person),
            _("%(user)s can log in again.") % {"user": person.get_username()},
        )
    else:
        _done_or_refused(
            request,
            lambda: services.user_deactivate(acting_user=head, user=person),
            _("%(user)s is deactivated: the account can no longer log in.")
            % {"user": person.get_username()},
        )
    return redirect("irls:person", user_id=person.pk)


@login_required
@require_POST
def person_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    return _activation(request, user_id, activate=False)


@login_required
@require_POST
def person_reactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    return _activation(request, user_id, activate=True)


@login_required
@require_POST
def person_reset_link(request: HttpRequest, user_id: int) -> HttpResponse:
    """Show the account's password-reset link on the page (never in an address), or
    e-mail it to the account's address."""
    head = _head(request)
    person = _person(user_id)
    form = ResetLinkForm(request.POST)
    if not form.is_valid() or not _confirmed(request, person):
        _form_errors(request, form)
        if form.is_valid():
            messages.error(request, _("The form does not name this account: nothing was sent."))
        return _person_page(request, person, status=400)
    if form.cleaned_data["delivery"] == SEND:
        _done_or_refused(
            request,
            lambda: services.password_reset_link_send(
                acting_user=head, user=person, site_url=_site_url(request)
            ),
            _("A link to set a password was sent to %(email)s.") % {"email": person.email},
        )
        return redirect("irls:person", user_id=person.pk)
    link = _done_or_refused(
        request,
        lambda: services.password_reset_link(
            acting_user=head, user=person, site_url=_site_url(request)
        ),
        _(
            "Pass this link on to %(user)s yourself: it works once, until the password is "
            "set, and for %(days)s days at most."
        )
        % {"user": person.get_username(), "days": settings.PASSWORD_RESET_TIMEOUT // 86400},
    )
    if link is None:
        return redirect("irls:person", user_id=person.pk)
    return _person_page(request, person, link=link)
