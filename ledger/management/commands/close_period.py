"""Close one month of a lab's books."""

from typing import Any

from django.core.management.base import CommandParser

from ledger.exceptions import LedgerError
from ledger.management.commands._closing import ClosingCommand, refused
from ledger.services import period_close


class Command(ClosingCommand):
    help = (
        "Close a month: nothing may be posted into it afterwards (audited). Refused while "
        "the month holds drafts or an earlier month of its year is open."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--month", required=True, help="month to close, YYYY-MM")

    def handle(self, *args: Any, **options: Any) -> None:
        lab = self.lab(options)
        period = self.period(lab, options["month"])
        user = self.acting_user(options)
        try:
            period_close(acting_user=user, period=period)
        except LedgerError as exc:
            raise refused(exc) from exc
        self.stdout.write(f"{lab.code}: {options['month']} closed")
