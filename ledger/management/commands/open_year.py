"""Open a lab's fiscal year, with its twelve months."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from ledger.exceptions import LedgerError
from ledger.management.commands._closing import ClosingCommand, check_year, refused
from ledger.models import FiscalYear
from ledger.services.years import fiscal_year_open


class Command(ClosingCommand):
    help = "Open a fiscal year and its twelve monthly periods (audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--year", required=True, type=int, help="the year to open, YYYY")

    def handle(self, *args: Any, **options: Any) -> None:
        lab = self.lab(options)
        year = check_year(options["year"])
        user = self.acting_user(options)
        existing = FiscalYear.objects.filter(lab=lab, year=year).first()
        if existing is not None:
            raise CommandError(
                f"{lab.code} already has the fiscal year {year} ({existing.get_status_display()})"
            )
        try:
            fiscal_year_open(acting_user=user, lab=lab, year=year)
        except (LedgerError, ValidationError) as exc:
            raise refused(exc) from exc
        self.stdout.write(f"{lab.code}: fiscal year {year} opened, with its twelve months")
