"""Bank accounts: created on a 512x account of the lab, their settings and CSV mapping
changed; each write atomic and audited."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from banking.exceptions import (
    ACCOUNT_HAS_LINES,
    ACCOUNT_NOT_BANK,
    ACCOUNT_OTHER_LAB,
    ACCOUNT_TAKEN,
    CURRENCY_CODE,
    JOURNAL_NOT_BANK,
    MAPPING_AMOUNTS,
    MAPPING_DATE,
    NAME_TAKEN,
    BankAccountError,
)
from banking.models import BankAccount, BankStatementLine
from irls.models import Lab
from ledger.models import Account, Journal
from ledger.services.audit import audit_record

from .access import require

# The CSV mapping's fields, as the settings form and the presets name them.
MAPPING_FIELDS = (
    "csv_date_column",
    "csv_date_format",
    "csv_value_date_column",
    "csv_amount_column",
    "csv_debit_column",
    "csv_credit_column",
    "csv_description_columns",
    "csv_reference_column",
    "csv_decimal_separator",
    "csv_delimiter",
    "csv_skip_rows",
)
# A tab delimiter is whitespace: never stripped.
KEPT_AS_TYPED = frozenset({"csv_delimiter", "csv_decimal_separator"})
SETTINGS_FIELDS = (
    "name",
    "bank_name",
    "account_number",
    "journal",
    "opening_date",
    "opening_balance",
    *MAPPING_FIELDS,
)


def _check_account(lab: Lab, account: Account, bank_account: BankAccount | None = None) -> None:
    if account.lab_id != lab.pk:
        raise BankAccountError(
            ACCOUNT_OTHER_LAB.format(code=account.code, other=account.lab.code, lab=lab.code)
        )
    if not account.code.startswith("512"):
        raise BankAccountError(ACCOUNT_NOT_BANK.format(code=account.code))
    taken = BankAccount.objects.filter(account=account)
    if bank_account is not None:
        taken = taken.exclude(pk=bank_account.pk)
    other = taken.first()
    if other is not None:
        raise BankAccountError(ACCOUNT_TAKEN.format(code=account.code, name=other.name))


def _check_journal(lab: Lab, journal: Journal | None) -> None:
    if journal is not None and (journal.lab_id != lab.pk or journal.kind != Journal.Kind.BANK):
        raise BankAccountError(JOURNAL_NOT_BANK.format(code=journal.code, lab=lab.code))


def _check_fields(bank_account: BankAccount) -> None:
    currency = bank_account.currency
    if len(currency) != 3 or not currency.isascii() or not currency.isupper():
        raise BankAccountError(CURRENCY_CODE.format(value=currency))
    name_taken = BankAccount.objects.filter(lab=bank_account.lab, name=bank_account.name)
    if bank_account.pk is not None:
        name_taken = name_taken.exclude(pk=bank_account.pk)
    if name_taken.exists():
        raise BankAccountError(NAME_TAKEN.format(lab=bank_account.lab.code, name=bank_account.name))
    mapped = any(getattr(bank_account, f) for f in ("csv_amount_column", "csv_debit_column"))
    if mapped or bank_account.csv_credit_column:
        if not bank_account.csv_date_column:
            raise BankAccountError(str(MAPPING_DATE))
        both = bool(bank_account.csv_debit_column and bank_account.csv_credit_column)
        if bool(bank_account.csv_amount_column) == both:
            raise BankAccountError(str(MAPPING_AMOUNTS))
    try:
        bank_account.full_clean(exclude=["account", "lab", "journal", "created_by"])
    except ValidationError as error:
        raise BankAccountError("; ".join(error.messages)) from error


def default_journal(lab: Lab, currency: str) -> Journal | None:
    """The lab's bank journal for `currency`: BQS for SGD, BQE for EUR, else the first."""
    journals = list(Journal.objects.filter(lab=lab, kind=Journal.Kind.BANK).order_by("code"))
    preferred = {"SGD": "BQS", "EUR": "BQE"}.get(currency)
    for journal in journals:
        if journal.code == preferred:
            return journal
    return journals[0] if journals else None


def _snapshot(bank_account: BankAccount) -> dict[str, Any]:
    values: dict[str, Any] = {
        "account": bank_account.account.code,
        "journal": bank_account.journal.code if bank_account.journal else "",
        "currency": bank_account.currency,
    }
    for name in SETTINGS_FIELDS:
        if name == "journal":
            continue
        value = getattr(bank_account, name)
        values[name] = value.isoformat() if isinstance(value, date) else value
        if isinstance(value, Decimal):
            values[name] = str(value)
    return values


def bank_account_create(
    *,
    acting_user: User | None,
    lab: Lab,
    account: Account,
    name: str,
    bank_name: str = "",
    account_number: str = "",
    currency: str | None = None,
    journal: Journal | None = None,
    opening_date: date | None = None,
    opening_balance: Decimal = Decimal("0.00"),
    **mapping: Any,
) -> BankAccount:
    """A bank account of `lab` reconciled against `account` (a 512x of the lab's chart).
    `mapping`: the csv_* fields of the CSV column mapping. `acting_user` None is the
    system (the demo, a command without --as)."""
    require(acting_user, lab, "manage bank accounts")
    unknown = set(mapping) - set(MAPPING_FIELDS)
    if unknown:
        raise TypeError(f"bank_account_create() got unexpected fields {sorted(unknown)}")
    currency = currency or lab.book_currency
    with transaction.atomic():
        _check_account(lab, account)
        journal = journal or default_journal(lab, currency)
        _check_journal(lab, journal)
        bank_account = BankAccount(
            lab=lab,
            account=account,
            journal=journal,
            name=name.strip(),
            bank_name=bank_name.strip(),
            account_number=account_number.strip(),
            currency=currency,
            opening_date=opening_date,
            opening_balance=opening_balance,
            created_by=acting_user,
            **mapping,
        )
        _check_fields(bank_account)
        bank_account.save()
        audit_record(
            actor=acting_user,
            action="bank_account.create",
            obj=bank_account,
            lab=lab,
            after=_snapshot(bank_account),
        )
    return bank_account


def bank_account_update(
    *, acting_user: User | None, bank_account: BankAccount, **fields: Any
) -> BankAccount:
    """Change a bank account's settings and CSV mapping (SETTINGS_FIELDS, and `account`
    while it holds no statement line)."""
    require(acting_user, bank_account.lab, "manage bank accounts")
    unknown = set(fields) - {*SETTINGS_FIELDS, "account"}
    if unknown:
        raise TypeError(f"bank_account_update() got unexpected fields {sorted(unknown)}")
    with transaction.atomic():
        bank_account = BankAccount.objects.select_for_update().get(pk=bank_account.pk)
        before = _snapshot(bank_account)
        account = fields.pop("account", None)
        if account is not None and account.pk != bank_account.account_id:
            if BankStatementLine.objects.filter(bank_account=bank_account).exists():
                raise BankAccountError(ACCOUNT_HAS_LINES.format(name=bank_account.name))
            _check_account(bank_account.lab, account, bank_account)
            bank_account.account = account
        if "journal" in fields:
            _check_journal(bank_account.lab, fields["journal"])
        for name, value in fields.items():
            if isinstance(value, str) and name not in KEPT_AS_TYPED:
                value = value.strip()
            setattr(bank_account, name, value)
        _check_fields(bank_account)
        bank_account.save()
        after = _snapshot(bank_account)
        changed = {k for k in after if after[k] != before.get(k)}
        if changed:
            audit_record(
                actor=acting_user,
                action="bank_account.update",
                obj=bank_account,
                lab=bank_account.lab,
                before={k: before.get(k) for k in sorted(changed)},
                after={k: after[k] for k in sorted(changed)},
            )
    return bank_account
