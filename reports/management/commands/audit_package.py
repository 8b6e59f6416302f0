"""Build the audit package of a lab's fiscal year: one ZIP of every statement, the FEC,
the supporting documents, the ledger verification and a manifest; archived, then written."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ledger.exceptions import LedgerError
from reports.archive import archive_save
from reports.audit_package import DEFAULT_LANGUAGE, audit_package_issue
from reports.management.commands.statement import MISSING, _lab, _output, _user, _year


class Command(BaseCommand):
    help = (
        "Build the audit package of a lab's fiscal year (FEC, statements in PDF and XLSX, "
        "supporting documents, verify_ledger report, manifest with every file's sha256) as "
        "one ZIP, archived like a statement so it can be checked later; French by default."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lab", help="lab code, e.g. CINTRA (required)")
        parser.add_argument("--year", help="fiscal year YYYY (required)")
        parser.add_argument(
            "--output",
            "-o",
            dest="output",
            help="a file, or an existing folder to write the ZIP under its standard name "
            "(default: the current folder)",
        )
        parser.add_argument(
            "--language", default=DEFAULT_LANGUAGE, help="fr (default, for the CNRS) or en"
        )
        parser.add_argument(
            "--currency", help="SGD, as booked (default), or EUR (FEC and closing: as booked)"
        )
        parser.add_argument(
            "--as",
            dest="username",
            help="act as this user (their roles are checked); default: the system",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        lab = _lab(options["lab"])
        year = _year(options["year"], dated=True) if options["year"] else None
        if year is None:
            raise CommandError(MISSING.format(option="--year"))
        user = _user(options["username"])
        output = _output(options["output"])
        try:
            issued = audit_package_issue(
                acting_user=user,
                lab=lab,
                year=year,
                language=options["language"],
                currency=options["currency"],
            )
        except LedgerError as exc:
            raise CommandError(str(exc)) from exc
        path = archive_save(issued, output)
        self.stdout.write(
            f"{lab.code} audit package {year}: {path} ({issued.size} bytes, "
            f"{issued.parameters['files']} files, sha256 {issued.sha256}, archived as "
            f"statement #{issued.pk})"
        )
