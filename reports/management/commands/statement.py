"""Issue a statement of a lab: build it, render it, archive it with its proof, write it."""

import re
from datetime import date
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from irls.models import Lab
from ledger.exceptions import LedgerError
from reports.archive import archive_save
from reports.builders import KINDS, check_kind
from reports.services import statement_issue

BAD_YEAR = "--year must be a year YYYY, not {value!r}"
BAD_DATE = "{option} must be a date YYYY-MM-DD, not {value!r}"
MISSING = "{option} is required"
YEAR_OR_DATES = "--year is required, or --from and --to (a period, across fiscal years too)"
NO_LAB = "No lab with code {code!r}"
NO_USER = "No user {username!r}"
NO_FOLDER = "Cannot write {path}: the folder {folder} does not exist"


class Command(BaseCommand):
    help = (
        "Issue a statement of a lab as PDF, XLSX or FEC text; the file is archived with its "
        "sha256 and the ledger's hash-chain head, so it can be checked later. "
        f"KIND: {' | '.join(KINDS)}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help=" | ".join(KINDS))
        parser.add_argument("--lab", help="lab code, e.g. CINTRA (required)")
        parser.add_argument(
            "--year",
            help="fiscal year YYYY (required unless --from or --to give the period)",
        )
        parser.add_argument(
            "--from",
            dest="date_from",
            help="first day, YYYY-MM-DD; without --year, trial-balance, general-ledger, "
            "journal, partner and the third-party statements accept a period across "
            "fiscal years",
        )
        parser.add_argument(
            "--to",
            "--at",
            dest="date_to",
            help="last day, YYYY-MM-DD; the date of an ageing (--at says the same)",
        )
        parser.add_argument("--format", help="pdf (default) or xlsx; txt for fec")
        parser.add_argument("--lang", default="en", help="en (default) or fr")
        parser.add_argument("--currency", help="SGD, as booked (default), or EUR")
        parser.add_argument(
            "-o",
            dest="output",
            help="a file, or an existing folder to write the statement under its standard "
            "name (default: the current folder)",
        )
        parser.add_argument("--partner", default="", help="institution code (partner)")
        parser.add_argument("--grant", default="", help="funding source code (grant)")
        parser.add_argument(
            "--third-party",
            dest="third_party",
            default="",
            help="third party code: that third party alone (ageings, third-party ledger "
            "and balance)",
        )
        parser.add_argument(
            "--as",
            dest="username",
            help="act as this user (their roles are checked); default: the system",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kind = options["kind"]
        try:
            check_kind(
                kind,
                partner=options["partner"],
                grant=options["grant"],
                third_party=options["third_party"],
            )
        except LedgerError as exc:
            raise CommandError(str(exc)) from exc
        lab = _lab(options["lab"])
        date_from = _date(options["date_from"], "--from")
        date_to = _date(options["date_to"], "--to")
        year = _year(options["year"], dated=date_from is not None or date_to is not None)
        user = _user(options["username"])
        output = _output(options["output"])
        try:
            issued = statement_issue(
                acting_user=user,
                lab=lab,
                kind=kind,
                year=year,
                date_from=date_from,
                date_to=date_to,
                language=options["lang"],
                currency=options["currency"],
                partner=options["partner"],
                grant=options["grant"],
                third_party=options["third_party"],
                format=options["format"],
            )
        except LedgerError as exc:
            raise CommandError(str(exc)) from exc
        path = archive_save(issued, output)
        self.stdout.write(
            f"{lab.code} {kind}: {path} ({issued.size} bytes, sha256 {issued.sha256}, "
            f"archived as statement #{issued.pk})"
        )


def _lab(code: str | None) -> Lab:
    if not code:
        raise CommandError(MISSING.format(option="--lab"))
    lab = Lab.objects.filter(code=code).first()
    if lab is None:
        raise CommandError(NO_LAB.format(code=code))
    return lab


def _year(value: str | None, *, dated: bool) -> int | None:
    """The fiscal year asked for; None when the dates give the period."""
    if not value:
        if dated:
            return None
        raise CommandError(YEAR_OR_DATES)
    if not re.fullmatch(r"\d{4}", value):
        raise CommandError(BAD_YEAR.format(value=value))
    return int(value)


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise CommandError(BAD_DATE.format(option=option, value=value))


def _user(username: str | None) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(NO_USER.format(username=username))
    return user


def _output(value: str | None) -> Path:
    """Where to write: an existing folder (standard name) or a file in an existing folder.
    Checked before the statement is issued, so a typo archives nothing."""
    path = Path(value) if value else Path.cwd()
    if not path.is_dir() and not path.parent.is_dir():
        raise CommandError(NO_FOLDER.format(path=path, folder=path.parent))
    return path
