"""The home page: the accountant's work queue, lab by lab; everyone else goes to their lab.

Accountants and the office head (the roles that write) see a card for each lab they
write in (office-wide: every lab): drafts to post, the month to close, refused
imports, budget lines overspent or over 90 % consumed, the latest postings. Directors
and auditors see each of their labs at a glance (`lab_overview`): the year's key
figures, the forecast of each funding source and its flags, the lines to watch, last
month's spending, the links to the budget and the statements.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from irls.access import WRITE_ROLES, labs_for_user
from ledger.selectors.overview import lab_overview
from ledger.selectors.work import work_queue


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The work queue of the labs the user writes in; otherwise each of their labs at a
    glance."""
    today = timezone.localdate()
    queue_labs = list(labs_for_user(request.user, WRITE_ROLES).order_by("code"))
    labs = list(labs_for_user(request.user).order_by("code"))
    context: dict[str, Any] = {
        "labs": labs,
        "queues": work_queue(labs=queue_labs, today=today) if queue_labs else [],
        "other_labs": [lab for lab in labs if lab not in queue_labs],
        "overviews": [] if queue_labs else [lab_overview(lab=lab, on=today) for lab in labs],
        "today": today,
    }
    return render(request, "ledger/home.html", context)
