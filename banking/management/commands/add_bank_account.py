"""Add a bank account to a lab, reconciled against one of its 512x accounts (audited)."""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from banking.importing.presets import PRESETS
from banking.services import bank_account_create
from irls.models import Lab
from ledger.exceptions import LedgerError
from ledger.models import Account


class Command(BaseCommand):
    help = (
        "Add a bank account to a lab, on a 512x account of its chart, with the CSV columns "
        "of a Singapore bank's export (--csv dbs|ocbc|uob) if asked. Audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lab", required=True, help="lab code, e.g. CINTRA")
        parser.add_argument("--ledger-account", required=True, help="512x account code")
        parser.add_argument("--name", required=True, help="the bank account's name")
        parser.add_argument("--bank", default="", help="the bank's name")
        parser.add_argument("--number", default="", help="the account number at the bank")
        parser.add_argument("--currency", help="default: the lab's book currency")
        parser.add_argument("--opening-date", help="starting date YYYY-MM-DD")
        parser.add_argument("--opening-balance", default="0", help="the bank's balance then")
        parser.add_argument("--csv", choices=sorted(PRESETS), help="the bank's CSV layout")
        parser.add_argument(
            "--as", dest="username", help="act as this user (roles checked); default: the system"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        lab = Lab.objects.filter(code=options["lab"]).first()
        if lab is None:
            raise CommandError(f"No lab with code {options['lab']!r}")
        account = Account.objects.filter(lab=lab, code=options["ledger_account"]).first()
        if account is None:
            raise CommandError(f"{lab.code} has no account {options['ledger_account']!r}")
        user = None
        if options["username"]:
            user = User.objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"No user {options['username']!r}")
        try:
            opening_date = (
                date.fromisoformat(options["opening_date"]) if options["opening_date"] else None
            )
        except ValueError:
            raise CommandError(
                f"--opening-date must be YYYY-MM-DD, not {options['opening_date']!r}"
            ) from None
        try:
            balance = Decimal(options["opening_balance"])
        except InvalidOperation:
            raise CommandError(
                f"--opening-balance is not an amount: {options['opening_balance']!r}"
            ) from None
        try:
            bank_account = bank_account_create(
                acting_user=user,
                lab=lab,
                account=account,
                name=options["name"],
                bank_name=options["bank"],
                account_number=options["number"],
                currency=options["currency"],
                opening_date=opening_date,
                opening_balance=balance,
                **(PRESETS[options["csv"]] if options["csv"] else {}),
            )
        except LedgerError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{lab.code}: bank account #{bank_account.pk} {bank_account.name} on {account.code}"
        )
