"""The home page: the accountant's work queue, lab by lab; everyone else goes to their lab.

Accountants and the office head (the roles that write) see a card for each lab they
write in (office-wide: every lab): drafts to post, the month to close, refused
imports, budget lines overspent or over 90 % consumed, the latest postings. Directors
and auditors keep what they had: the budget of their one lab, or the list of their labs.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from irls.access import WRITE_ROLES, labs_for_user
from ledger.selectors.work import work_queue


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The work queue of the labs the user writes in; otherwise straight to the lab of a
    user who has one, and the list of their labs for the others."""
    queue_labs = list(labs_for_user(request.user, WRITE_ROLES).order_by("code"))
    labs = list(labs_for_user(request.user).order_by("code"))
    if not queue_labs and len(labs) == 1:
        return redirect("ledger:lab", code=labs[0].code)
    context: dict[str, Any] = {
        "labs": labs,
        "queues": work_queue(labs=queue_labs, today=timezone.localdate()) if queue_labs else [],
        "other_labs": [lab for lab in labs if lab not in queue_labs],
        "today": timezone.localdate(),
    }
    return render(request, "ledger/home.html", context)
