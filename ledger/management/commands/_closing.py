"""What the closing commands share: the lab, the month or year, and who acts.

Each command acts as the system unless `--as USERNAME` names a user, whose roles are
then checked by the service. Bad input ends with a one-line error and a non-zero exit.
"""

import re
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from irls.models import Lab
from ledger.exceptions import LedgerError
from ledger.models import FiscalYear, Period

MONTH = re.compile(r"(\d{4})-(\d{2})")


class ClosingCommand(BaseCommand):
    """A command that changes the state of a lab's month or year through a service."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lab", required=True, help="lab code, e.g. CINTRA")
        parser.add_argument(
            "--as",
            dest="username",
            help="act as this user (their roles are checked); default: the system",
        )

    def lab(self, options: dict[str, Any]) -> Lab:
        lab = Lab.objects.filter(code=options["lab"]).first()
        if lab is None:
            raise CommandError(f"No lab with code {options['lab']!r}")
        return lab

    def acting_user(self, options: dict[str, Any]) -> User | None:
        if not options["username"]:
            return None
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}")
        return user

    def period(self, lab: Lab, month: str) -> Period:
        match = MONTH.fullmatch(month)
        if not match or not 1 <= int(match[2]) <= 12:
            raise CommandError(f"--month must be YYYY-MM, got {month!r}")
        period = Period.objects.filter(
            lab=lab, start_date__year=int(match[1]), start_date__month=int(match[2])
        ).first()
        if period is None:
            raise CommandError(f"{lab.code} has no period {month} (no fiscal year)")
        return period

    def fiscal_year(self, lab: Lab, year: int) -> FiscalYear:
        fiscal_year = FiscalYear.objects.filter(lab=lab, year=check_year(year)).first()
        if fiscal_year is None:
            raise CommandError(f"{lab.code} has no fiscal year {year}")
        return fiscal_year


def check_year(year: int) -> int:
    if not 1900 <= year <= 9998:
        raise CommandError(f"--year must be a year such as 2026, got {year}")
    return year


def refused(error: LedgerError | ValidationError) -> CommandError:
    """The service's refusal as the command's one-line error."""
    if isinstance(error, ValidationError):
        return CommandError(" ".join(error.messages))
    return CommandError(" ".join(str(error).split()))
