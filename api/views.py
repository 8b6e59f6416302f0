"""The API tokens page: each person creates and revokes their own tokens; the office
head also sees everyone's active tokens and may revoke them."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from api.forms import TokenCreateForm
from api.models import ApiToken
from api.selectors import tokens_for, tokens_of_others
from api.services import TokenError, token_create, token_revoke
from irls.access import is_office_head


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _page(
    request: HttpRequest, form: TokenCreateForm, secret: str = "", status: int = 200
) -> HttpResponse:
    user = _user(request)
    context = {
        "form": form,
        "secret": secret,
        "tokens": tokens_for(user),
        "others": tokens_of_others(user),
        "office_head": is_office_head(user),
    }
    return render(request, "api/tokens.html", context, status=status)


@login_required
@require_GET
def tokens(request: HttpRequest) -> HttpResponse:
    return _page(request, TokenCreateForm())


@login_required
@require_POST
def token_new(request: HttpRequest) -> HttpResponse:
    """Create a token and show its secret, once (this answer is never cached)."""
    form = TokenCreateForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        token, secret = token_create(
            acting_user=_user(request),
            name=form.cleaned_data["name"],
            days=form.cleaned_data["days"],
        )
    except TokenError as error:
        form.add_error(None, str(error))
        return _page(request, form, status=400)
    messages.success(
        request,
        _("Token %(prefix)s… created. Copy it now: it is not shown again.")
        % {"prefix": token.prefix},
    )
    return _page(request, TokenCreateForm(), secret=secret, status=201)


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke one of one's tokens (the office head: anyone's); 404 for another's."""
    user = _user(request)
    token = ApiToken.objects.filter(pk=token_id).select_related("user").first()
    if token is None or (token.user_id != user.pk and not is_office_head(user)):
        raise Http404("No such token")
    try:
        token_revoke(acting_user=user, token=token)
    except TokenError as error:
        messages.error(request, str(error))
        return redirect("api_tokens:tokens")
    messages.success(request, _("Token %(prefix)s… revoked.") % {"prefix": token.prefix})
    return redirect("api_tokens:tokens")


@csrf_exempt  # it reads and writes nothing: a POST gets the same 404
def api_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other address under /api/: the API's own 404 (JSON, the one error shape), not
    the pages' HTML."""
    from api.errors import NOT_FOUND
    from api.main import api

    body: dict[str, object] = {
        "code": "not_found",
        "message": str(NOT_FOUND),
        "field": None,
        "errors": [],
    }
    return api.create_response(request, body, status=404)
