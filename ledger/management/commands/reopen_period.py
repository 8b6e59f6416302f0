"""Reopen a closed month of a lab's books (office head), saying why."""

from typing import Any

from django.core.management.base import CommandParser

from ledger.exceptions import LedgerError
from ledger.management.commands._closing import ClosingCommand, refused
from ledger.services import period_reopen


class Command(ClosingCommand):
    help = (
        "Reopen a closed month (office head with --as, or the system), with the reason kept "
        "in the audit trail. Refused in a closed fiscal year: reopen the year first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--month", required=True, help="month to reopen, YYYY-MM")
        parser.add_argument("--reason", required=True, help="why the month is reopened")

    def handle(self, *args: Any, **options: Any) -> None:
        lab = self.lab(options)
        period = self.period(lab, options["month"])
        user = self.acting_user(options)
        try:
            period_reopen(acting_user=user, period=period, reason=options["reason"])
        except LedgerError as exc:
            raise refused(exc) from exc
        self.stdout.write(f"{lab.code}: {options['month']} reopened")
