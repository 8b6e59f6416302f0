"""Close a lab's fiscal year once its checklist passes."""

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db.models import Max

from ledger.exceptions import LedgerError
from ledger.management.commands._closing import ClosingCommand, refused
from ledger.models import FiscalYear, JournalEntry
from ledger.services.years import YearChecklist, fiscal_year_checklist, fiscal_year_close


class Command(ClosingCommand):
    help = (
        "Print the year's checklist, then close the year if every item passes: post the "
        "closing entry and the next year's opening entry (audited). Refused, naming the "
        "failing items, otherwise."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--year", required=True, type=int, help="the year to close, YYYY")

    def handle(self, *args: Any, **options: Any) -> None:
        lab = self.lab(options)
        fiscal_year = self.fiscal_year(lab, options["year"])
        user = self.acting_user(options)
        if user is None:
            raise CommandError(
                "close_year needs --as USERNAME: the closing and opening entries record "
                "who posted them"
            )
        if fiscal_year.status == FiscalYear.Status.CLOSED:
            raise CommandError(f"{lab.code}: the fiscal year {fiscal_year.year} is already closed")
        checklist = fiscal_year_checklist(fiscal_year)
        self._print(checklist)
        if not checklist.ok:
            failing = "; ".join(item.message for item in checklist.failing)
            raise CommandError(f"{lab.code}: {fiscal_year.year} not closed: {failing}")
        last_id = JournalEntry.objects.aggregate(last=Max("id"))["last"] or 0
        try:
            fiscal_year_close(acting_user=user, fiscal_year=fiscal_year)
        except LedgerError as exc:
            raise refused(exc) from exc
        posted = JournalEntry.objects.filter(lab=lab, id__gt=last_id).exclude(
            year_end=JournalEntry.YearEnd.NONE
        )
        numbers = ", ".join(str(n) for n in posted.order_by("id").values_list("number", flat=True))
        self.stdout.write(
            f"{lab.code}: fiscal year {fiscal_year.year} closed"
            + (f"; year-end entries posted: {numbers}" if numbers else "")
        )

    def _print(self, checklist: YearChecklist) -> None:
        year = checklist.fiscal_year
        self.stdout.write(f"{year.lab.code} {year.year}, checklist before closing:")
        for item in checklist.items:
            self.stdout.write(f"  [{'ok' if item.ok else 'FAIL'}] {item.message}")
            for detail in item.details:
                self.stdout.write(f"         {detail}")
