"""Recompute every lab's hash chain; exit 1 naming the first entry that does not match."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from irls.models import Lab
from ledger.selectors import ledger_verify_report


class Command(BaseCommand):
    help = (
        "Verify that no posted entry was altered, removed or inserted (one hash chain "
        "across the years) and that each closed year's closing balances are the next "
        "year's opening balances; print where each year ends in the chain."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lab", help="lab code (default: every lab)")

    def handle(self, *args: Any, **options: Any) -> None:
        labs = Lab.objects.order_by("code")
        if options["lab"]:
            labs = labs.filter(code=options["lab"])
            if not labs.exists():
                raise CommandError(f"No lab with code {options['lab']!r}")
        broken = []
        for lab in labs:
            result, report = ledger_verify_report(lab=lab)
            for line in report:
                self.stdout.write(line)
            if not result.ok:
                broken.append(lab.code)
        if broken:
            raise CommandError(f"Ledger verification failed for {', '.join(broken)}")
