"""Reopen a closed fiscal year of a lab (office head), saying why."""

from typing import Any

from django.core.management.base import CommandError, CommandParser

from ledger.exceptions import LedgerError
from ledger.management.commands._closing import ClosingCommand, refused
from ledger.services.years import fiscal_year_reopen


class Command(ClosingCommand):
    help = (
        "Reopen a closed fiscal year (office head with --as, or the system), with the reason "
        "kept in the audit trail. Its months stay closed until reopened one by one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--year", required=True, type=int, help="the year to reopen, YYYY")
        parser.add_argument("--reason", required=True, help="why the year is reopened")

    def handle(self, *args: Any, **options: Any) -> None:
        lab = self.lab(options)
        fiscal_year = self.fiscal_year(lab, options["year"])
        user = self.acting_user(options)
        if user is None:
            raise CommandError(
                "reopen_year needs --as USERNAME: reopening a closed year is the office "
                "head's decision, recorded with their name"
            )
        try:
            fiscal_year_reopen(
                acting_user=user,
                fiscal_year=fiscal_year,
                reason=options["reason"],
            )
        except LedgerError as exc:
            raise refused(exc) from exc
        self.stdout.write(f"{lab.code}: fiscal year {fiscal_year.year} reopened")
