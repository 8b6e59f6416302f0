"""The home page: it sends each user to the labs their roles open."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from irls.access import labs_for_user


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Straight to the lab of a user who has one; the list of labs otherwise."""
    labs = list(labs_for_user(request.user))
    if len(labs) == 1:
        return redirect("ledger:lab", code=labs[0].code)
    return render(request, "irls/home.html", {"labs": labs})
