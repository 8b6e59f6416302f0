"""The budget alerts' check as a background task (django-tasks), queued once a posting,
a commitment or an amendment has committed (alerts.receivers)."""

from datetime import date

from django.conf import settings
from django.utils import timezone, translation
from django_tasks import task

from alerts.services import alerts_check
from irls.models import Lab
from ledger.models import BudgetLine


@task()
def budget_alerts_check(line_ids: list[int], on: str | None = None) -> int:
    """Check the budget lines `line_ids` (and their funding sources' forecasts), lab by
    lab, as of `on` (YYYY-MM-DD; today when the task runs by default); returns how many
    alerts were raised."""
    day = date.fromisoformat(on) if on else timezone.localdate()
    by_lab: dict[int, list[int]] = {}
    for lab_id, line_id in BudgetLine.objects.filter(id__in=line_ids).values_list("lab_id", "id"):
        by_lab.setdefault(lab_id, []).append(line_id)
    raised = 0
    with translation.override(settings.LANGUAGE_CODE):
        for lab in Lab.objects.filter(id__in=by_lab).order_by("code"):
            raised += len(alerts_check(lab=lab, on=day, budget_line_ids=by_lab[lab.pk]).raised)
    return raised
