"""Close one month of a lab's books."""

import re
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from irls.models import Lab
from ledger.exceptions import LedgerError
from ledger.models import Period
from ledger.services import period_close


class Command(BaseCommand):
    help = "Close a month: nothing may be posted into it afterwards (audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lab", required=True, help="lab code, e.g. CINTRA")
        parser.add_argument("--month", required=True, help="month to close, YYYY-MM")
        parser.add_argument(
            "--as",
            dest="username",
            help="act as this user (their roles are checked); default: the system",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        match = re.fullmatch(r"(\d{4})-(\d{2})", options["month"])
        if not match or not 1 <= int(match[2]) <= 12:
            raise CommandError(f"--month must be YYYY-MM, got {options['month']!r}")
        lab = Lab.objects.filter(code=options["lab"]).first()
        if lab is None:
            raise CommandError(f"No lab with code {options['lab']!r}")
        period = Period.objects.filter(
            lab=lab, start_date__year=int(match[1]), start_date__month=int(match[2])
        ).first()
        if period is None:
            raise CommandError(f"{lab.code} has no period {options['month']} (no fiscal year)")
        user = None
        if options["username"]:
            user = User.objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"No user {options['username']!r}")
        try:
            period_close(acting_user=user, period=period)
        except LedgerError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{lab.code}: {options['month']} closed")
