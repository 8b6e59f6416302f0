"""`manage.py budget_alerts [--lab CODE] [--today YYYY-MM-DD]`: the daily check of the
budget alerts (cron or a systemd timer), as the system; audited (alerts.services)."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation

from alerts.services import AlertCheck, alerts_check
from irls.models import Lab
from ledger.exceptions import LedgerError


class Command(BaseCommand):
    help = (
        "Check the budget lines against their alert thresholds and the funding sources' "
        "forecasts, record the new alerts and e-mail them to each lab's directors and "
        "accountants (each alert once per crossing); every active lab, or --lab."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lab", help="lab code, e.g. CINTRA (default: every active lab)")
        parser.add_argument("--today", help="check as on this day, YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = _day(options["today"]) if options["today"] else timezone.localdate()
        if options["lab"]:
            lab = Lab.objects.filter(code=options["lab"]).first()
            if lab is None:
                raise CommandError(f"No lab with code {options['lab']!r}")
            labs = [lab]
        else:
            labs = list(Lab.objects.filter(status=Lab.Status.ACTIVE).order_by("code"))
        with translation.override("en"):
            for lab in labs:
                try:
                    result = alerts_check(lab=lab, on=today)
                except LedgerError as exc:
                    raise CommandError(f"{lab.code}: {exc}") from exc
                self.stdout.write(_summary(result))


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today must be YYYY-MM-DD, got {value!r}") from None


def _summary(result: AlertCheck) -> str:
    raised = len(result.raised)
    text = f"{result.lab.code}: {raised} new alert{'s' if raised != 1 else ''}"
    if result.cleared:
        text += f", {result.cleared} cleared"
    if raised:
        text += f"; {result.emailed} e-mail{'s' if result.emailed != 1 else ''} sent"
        if result.failed:
            text += f", {result.failed} refused by the mail server"
        if result.home_only:
            text += f", {result.home_only} told on the home page only (no e-mail address)"
    return text
