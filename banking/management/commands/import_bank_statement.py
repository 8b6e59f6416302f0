"""Import a bank statement file (CSV with the bank account's mapping, CAMT.053, OFX) into
a bank account of a lab: all or nothing, each line kept once, audited."""

from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from banking.models import BankAccount, BankStatement
from banking.services import bank_statement_import
from irls.models import Lab
from ledger.exceptions import LedgerError

FORMATS = [choice.value for choice in BankStatement.Format]


def bank_account_named(lab: Lab, value: str) -> BankAccount:
    """The bank account of `lab` whose id, name or ledger account code is `value`."""
    accounts = BankAccount.objects.filter(lab=lab).select_related("lab", "account")
    found = None
    if value.isascii() and value.isdigit():
        found = (
            accounts.filter(pk=int(value)).first() or accounts.filter(account__code=value).first()
        )
    found = found or accounts.filter(name=value).first()
    if found is None:
        names = ", ".join(f"{a.pk} ({a.name})" for a in accounts) or "none"
        raise CommandError(f"{lab.code} has no bank account {value!r} (its bank accounts: {names})")
    return found


class Command(BaseCommand):
    help = (
        "Import a bank statement (CSV export, CAMT.053 XML or OFX) into a bank account: the "
        "file is checked whole (exit 1 listing every problem, nothing written), then its new "
        "lines are kept (a line already imported is kept once). Audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the statement file")
        parser.add_argument("--lab", required=True, help="lab code, e.g. CINTRA")
        parser.add_argument(
            "--account", required=True, help="the bank account: its id, name or ledger account"
        )
        parser.add_argument("--format", choices=FORMATS, help="default: as the file's content says")
        parser.add_argument("--as", dest="username", required=True, help="who imports it")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        lab = Lab.objects.filter(code=options["lab"]).first()
        if lab is None:
            raise CommandError(f"No lab with code {options['lab']!r}")
        bank_account = bank_account_named(lab, options["account"])
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}")
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from error
        try:
            outcome = bank_statement_import(
                acting_user=user,
                bank_account=bank_account,
                file_name=path.name,
                data=data,
                format=options["format"],
                dry_run=options["dry_run"],
            )
        except LedgerError as error:
            raise CommandError(str(error)) from error
        if outcome.problems:
            for problem in outcome.problems:
                self.stderr.write(str(problem))
            count = len(outcome.problems)
            raise CommandError(
                f"{path.name}: {count} problem{'s' if count > 1 else ''}; nothing was imported"
            )
        for warning in outcome.warnings:
            self.stderr.write(warning)
        added, known = len(outcome.new_lines), outcome.known
        if options["dry_run"]:
            self.stdout.write(f"{path.name}: {added} new lines, {known} already kept (dry run)")
        elif outcome.statement is None:
            self.stdout.write(f"{path.name}: nothing new ({known} lines already kept)")
        else:
            self.stdout.write(
                f"{lab.code} {bank_account.name}: {path.name} imported as statement "
                f"#{outcome.statement.pk}, {added} new lines, {known} already kept"
            )
