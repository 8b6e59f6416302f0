"""Writes that set a lab's books up: chart of accounts, journals, fiscal years, rates."""

import calendar
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from irls.models import Lab
from ledger.exceptions import (
    RATES_OFFICE_WIDE,
    YEAR_ALREADY,
    YEAR_NOT_NEXT,
    YEAR_STATES,
    YearStateError,
)
from ledger.models import Account, ExchangeRate, FiscalYear, Journal, Period
from ledger.services.access import require_office_role, require_role
from ledger.services.audit import audit_record

KIND_BY_CLASS = {
    "1": Account.Kind.EQUITY,
    "2": Account.Kind.FIXED_ASSET,
    "3": Account.Kind.STOCK,
    "4": Account.Kind.THIRD_PARTY,
    "5": Account.Kind.FINANCIAL,
    "6": Account.Kind.EXPENSE,
    "7": Account.Kind.INCOME,
}


def _require(user: User | None, lab: Lab, action: str) -> None:
    # None is the system itself (load_demo, migrations of data): no role to check.
    if user is not None:
        require_role(user, lab, action)


def third_party_account(code: str) -> bool:
    """Whether an account of this code is created needing a third party on each line."""
    return code.startswith(tuple(settings.LEDGER_THIRD_PARTY_CLASSES))


@transaction.atomic
def account_create(
    *,
    acting_user: User | None,
    lab: Lab,
    code: str,
    name_fr: str,
    name_en: str,
    needs_budget_line: bool | None = None,
    needs_third_party: bool | None = None,
) -> Account:
    """Add an account to the lab's chart; its parent is the longest existing prefix.

    `needs_budget_line`: lines on it must name the budget line they consume; by default
    expenses (class 6) and equipment (class 2), but not depreciation and provisions
    (68, 28, 29), which consume no budget.
    `needs_third_party`: lines on it must name their third party; by default the
    accounts under LEDGER_THIRD_PARTY_CLASSES (40, 41, 42, 46)."""
    if needs_budget_line is None:
        needs_budget_line = code[:1] in "26" and code[:2] not in ("68", "28", "29")
    if needs_third_party is None:
        needs_third_party = third_party_account(code)
    _require(acting_user, lab, "create accounts")
    prefixes = [code[:n] for n in range(len(code) - 1, 2, -1)]
    parent = (
        Account.objects.filter(lab=lab, code__in=prefixes).order_by("-code").first()
        if prefixes
        else None
    )
    account = Account(
        lab=lab,
        code=code,
        name_fr=name_fr,
        name_en=name_en,
        kind=KIND_BY_CLASS.get(code[:1], ""),
        parent=parent,
        needs_budget_line=needs_budget_line,
        needs_third_party=needs_third_party,
    )
    account.full_clean()
    account.save()
    audit_record(
        actor=acting_user,
        action="account.create",
        obj=account,
        lab=lab,
        after={
            "code": code,
            "name_fr": name_fr,
            "name_en": name_en,
            "needs_budget_line": needs_budget_line,
            "needs_third_party": needs_third_party,
        },
    )
    return account


@transaction.atomic
def journal_create(
    *,
    acting_user: User | None,
    lab: Lab,
    code: str,
    name_fr: str,
    name_en: str,
    kind: str,
) -> Journal:
    """Open a journal in the lab."""
    _require(acting_user, lab, "create journals")
    journal = Journal(lab=lab, code=code, name_fr=name_fr, name_en=name_en, kind=kind)
    journal.full_clean()
    journal.save()
    audit_record(
        actor=acting_user,
        action="journal.create",
        obj=journal,
        lab=lab,
        after={"code": code, "kind": kind},
    )
    return journal


@transaction.atomic
def fiscal_year_open(*, acting_user: User | None, lab: Lab, year: int) -> FiscalYear:
    """Open calendar year `year` for the lab, with its twelve monthly periods open: the
    year after its last one (the office opens it in advance), or the year before its
    first (to record a lab's history); years follow on without gaps."""
    _require(acting_user, lab, "open fiscal years")
    held = sorted(FiscalYear.objects.filter(lab=lab).values_list("year", flat=True))
    if held and year not in (held[0] - 1, held[-1] + 1):
        raise YearStateError(
            YEAR_NOT_NEXT.format(
                year=year, lab=lab.code, first=held[0], last=held[-1], last_plus=held[-1] + 1
            )
            if year not in held
            else YEAR_ALREADY.format(year=year, lab=lab.code, status=YEAR_STATES["open"])
        )
    fiscal_year = FiscalYear(
        lab=lab, year=year, start_date=date(year, 1, 1), end_date=date(year, 12, 31)
    )
    fiscal_year.full_clean()
    fiscal_year.save()
    Period.objects.bulk_create(
        Period(
            fiscal_year=fiscal_year,
            lab=lab,
            month=month,
            start_date=date(year, month, 1),
            end_date=date(year, month, calendar.monthrange(year, month)[1]),
        )
        for month in range(1, 13)
    )
    audit_record(
        actor=acting_user, action="fiscal_year.open", obj=fiscal_year, lab=lab, after={"year": year}
    )
    return fiscal_year


@transaction.atomic
def exchange_rate_set(
    *,
    acting_user: User | None,
    currency: str,
    valid_from: date,
    units_per_eur: Decimal,
    source: str,
) -> ExchangeRate:
    """Record (or correct) the rate of `currency` valid from `valid_from` for `source`.

    Lines keep the rate they were converted at, so a correction never changes books.
    Rates are the office's: every lab's EUR figures use them, so only office-wide
    accountants and the office head set them (`acting_user` None: the system).
    """
    require_office_role(acting_user, "set exchange rates", message=RATES_OFFICE_WIDE)
    rate = ExchangeRate.objects.filter(
        currency=currency, source=source, valid_from=valid_from
    ).first()
    before = {"units_per_eur": str(rate.units_per_eur)} if rate else None
    if rate is None:
        rate = ExchangeRate(
            currency=currency, source=source, valid_from=valid_from, units_per_eur=units_per_eur
        )
    rate.units_per_eur = units_per_eur
    rate.full_clean()
    rate.save()
    audit_record(
        actor=acting_user,
        action="exchange_rate.set",
        obj=rate,
        before=before,
        after={
            "currency": currency,
            "valid_from": valid_from.isoformat(),
            "units_per_eur": str(units_per_eur),
            "source": source,
        },
    )
    return rate
