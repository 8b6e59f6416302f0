"""Write the demo data set through the services, once: whatever exists is left alone.

Reference data (institutions, rates, users, role grants) is created when missing. A
lab is set up and its years booked only if the lab does not exist yet: its budget lines,
orders and books are written in the same transaction as the lab, so an existing lab has
them all.

Each new lab lives its two years (`years.py`) as an office does: the closed year is
booked month by month and its months closed in order; the next year is opened with its
budget lines; the orders still open are carried over or cancelled; the year is closed
(closing entry, the next year's opening entry, the unspent allocation of multi-year
grants carried forward); then the year in progress is booked to the end of its last full
month, whose drafts keep it open while the months before it are closed.
"""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from banking.demo import bank_demo_load
from irls import services as irls_services
from irls.models import Institution, Lab, Role, RoleGrant
from ledger import services
from ledger.demo.book import LabBooks, budget_open, orders_review, steps_book
from ledger.demo.data import DemoData, DemoDataError, LabRow, demo_data_read, staff_code
from ledger.demo.plan import Convert
from ledger.demo.scenario import lab_plan
from ledger.demo.years import DemoCalendar, demo_calendar
from ledger.fields import round_cents
from ledger.models import ExchangeRate, FiscalYear, JournalEntry, Period
from ledger.selectors.books import BookRates
from ledger.services.audit import audit_record
from ledger.services.years import fiscal_year_close
from parties.lettering.demo import letter_demo
from parties.models import ThirdParty

WEAK_PASSWORD = "users.csv: the password of {user} fails Django's validators: {problems}"  # noqa: S105
NO_ACCOUNTANT = "users.csv: an office-wide accountant is needed to book the demo entries"
ROLE_NAMES = {
    Role.OFFICE_HEAD: "office head",
    Role.ACCOUNTANT: "accountant",
    Role.DIRECTOR: "director",
    Role.AUDITOR: "auditor",
}


def demo_dir() -> Path:
    return Path(settings.BASE_DIR) / "fixtures" / "demo"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    scope: str


@dataclass
class DemoResult:
    """What `demo_load` created (nothing when the demo was already there)."""

    calendar: DemoCalendar | None = None
    created: Counter[str] = field(default_factory=Counter)
    labs_loaded: list[str] = field(default_factory=list)
    labs_skipped: list[str] = field(default_factory=list)
    entries: dict[str, tuple[int, int]] = field(default_factory=dict)  # lab: (posted, drafts)
    logins: list[DemoLogin] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(self.created.values())


def demo_load(*, today: date, directory: Path | None = None) -> DemoResult:
    """Load the demo data set as it stands on `today` (all or nothing): the year before
    the last full month's year closed, that year open to the end of the month; a second
    run changes nothing."""
    calendar = demo_calendar(today)
    data = demo_data_read(directory or demo_dir()).shifted(calendar.shift)
    result = DemoResult(calendar=calendar)
    with transaction.atomic():
        institutions = _institutions(data, result)
        _third_parties(data, institutions, result)
        new_labs = _labs(data, institutions, calendar, result)
        _rates(data, today, result)
        accountant = _users(data, result)
        for row, lab in new_labs:
            _lab_years(data, row, lab, calendar, accountant, result)
            letter_demo(lab, accountant)  # invoices lettered with their payments (issue 14)
        bank_demo_load(calendar=calendar, user=accountant, created=result.created)
    for code in result.labs_loaded:
        entries = JournalEntry.objects.filter(lab__code=code)
        result.entries[code] = (
            entries.filter(status=JournalEntry.Status.POSTED).count(),
            entries.filter(status=JournalEntry.Status.DRAFT).count(),
        )
    return result


def _institutions(data: DemoData, result: DemoResult) -> dict[str, Institution]:
    existing = {
        i.code: i for i in Institution.objects.filter(code__in=[r.code for r in data.institutions])
    }
    for row in data.institutions:
        if row.code not in existing:
            existing[row.code] = irls_services.institution_create(
                acting_user=None, code=row.code, name=row.name, kind=row.kind, country=row.country
            )
            result.created["institutions"] += 1
    return existing


# The demo's payment terms (days): illustrative.
TERMS_LOCAL, TERMS_ABROAD, TERMS_PARTNER, TERMS_STAFF = 30, 45, 60, 30


def _third_parties(
    data: DemoData, institutions: dict[str, Institution], result: DemoResult
) -> None:
    """The suppliers, the partner institutions and the staff (by role: the demo names no
    one) the lines name, created when missing, each audited."""
    wanted: list[ThirdParty] = [
        ThirdParty(
            code=row.code,
            name=row.name,
            kind=ThirdParty.Kind.SUPPLIER,
            country=row.country,
            currency="SGD" if row.country == "SG" else "EUR",
            payment_terms_days=TERMS_LOCAL if row.country == "SG" else TERMS_ABROAD,
        )
        for row in data.suppliers
    ]
    wanted += [
        ThirdParty(
            code=code,
            name=institution.name,
            kind=ThirdParty.Kind.PARTNER,
            institution=institution,
            country=institution.country,
            payment_terms_days=TERMS_PARTNER,
        )
        for code, institution in institutions.items()
    ]
    roles = {row.traveller for row in data.missions} | {row.role for row in data.payroll}
    wanted += [
        ThirdParty(
            code=staff_code(role),
            name=role[:1].upper() + role[1:],
            kind=ThirdParty.Kind.STAFF,
            country="SG",
            payment_terms_days=TERMS_STAFF,
        )
        for role in sorted(roles)
    ]
    existing = set(
        ThirdParty.objects.filter(code__in=[t.code for t in wanted]).values_list("code", flat=True)
    )
    for third_party in wanted:
        if third_party.code in existing:
            continue
        third_party.full_clean()
        third_party.save()
        audit_record(
            actor=None,
            action="third_party.create",
            obj=third_party,
            lab=None,
            after={"code": third_party.code, "name": third_party.name, "kind": third_party.kind},
        )
        existing.add(third_party.code)
        result.created["third parties"] += 1


def _lab_years(
    data: DemoData,
    row: LabRow,
    lab: Lab,
    calendar: DemoCalendar,
    accountant: User,
    result: DemoResult,
) -> None:
    """Book the lab's closed year, close it, and book the year in progress."""
    plan = lab_plan(
        data=data, lab_code=row.code, calendar=calendar, convert=chancellery_converter(lab)
    )
    books = LabBooks.start(lab=lab, user=accountant, created=result.created)
    previous = FiscalYear.objects.get(lab=lab, year=calendar.previous)
    budget_open(books, plan, previous)
    steps_book(books, plan.steps_of(calendar.previous))
    _close_months(previous, accountant, result, through=12)
    current = services.fiscal_year_open(acting_user=accountant, lab=lab, year=calendar.current)
    budget_open(books, plan, current)
    orders_review(books, plan, previous)
    fiscal_year_close(acting_user=accountant, fiscal_year=previous)
    result.created["closed years"] += 1
    steps_book(books, plan.steps_of(calendar.current))
    _close_months(current, accountant, result, through=calendar.last_open_month - 1)


def _labs(
    data: DemoData,
    institutions: dict[str, Institution],
    calendar: DemoCalendar,
    result: DemoResult,
) -> list[tuple[LabRow, Lab]]:
    """Set up the labs that do not exist yet: partners, funding, chart, journals, year."""
    existing = set(
        Lab.objects.filter(code__in=[r.code for r in data.labs]).values_list("code", flat=True)
    )
    created = []
    for row in data.labs:
        if row.code in existing:
            result.labs_skipped.append(row.code)
            continue
        lab = irls_services.lab_create(
            acting_user=None,
            code=row.code,
            name=row.name,
            unit_number=row.unit_number,
            field=row.field,
            start_date=row.start_date,
            fec_identifier=row.fec_identifier,
            book_currency=row.book_currency,
        )
        for partner in (p for p in data.partnerships if p.lab == row.code):
            irls_services.partnership_create(
                acting_user=None,
                lab=lab,
                institution=institutions[partner.institution],
                role=partner.role,
                start_date=partner.start_date,
            )
        for source in (s for s in data.funding_sources if s.lab == row.code):
            irls_services.funding_source_create(
                acting_user=None,
                lab=lab,
                code=source.code,
                name=source.name,
                funder=institutions[source.funder],
                kind=source.kind,
                reference=source.reference,
                currency=source.currency,
                start_date=source.start_date,
                end_date=source.end_date,
            )
        # By code, so that a parent account (512) exists before its children (5121).
        for account in sorted(data.accounts, key=lambda a: a.code):
            services.account_create(
                acting_user=None,
                lab=lab,
                code=account.code,
                name_fr=account.name_fr,
                name_en=account.name_en,
                needs_budget_line=account.needs_budget_line,
            )
        for journal in data.journals:
            services.journal_create(
                acting_user=None,
                lab=lab,
                code=journal.code,
                name_fr=journal.name_fr,
                name_en=journal.name_en,
                kind=journal.kind,
            )
        services.fiscal_year_open(acting_user=None, lab=lab, year=calendar.previous)
        result.created["labs"] += 1
        result.labs_loaded.append(row.code)
        created.append((row, lab))
    return created


def _rates(data: DemoData, today: date, result: DemoResult) -> None:
    """Record the rates published by `today` and not stored yet; a stored rate is never
    overwritten by the demo's."""
    known = set(ExchangeRate.objects.values_list("currency", "source", "valid_from"))
    for row in data.exchange_rates:
        if row.valid_from > today:
            continue
        if (row.currency, row.source, row.valid_from) not in known:
            services.exchange_rate_set(
                acting_user=None,
                currency=row.currency,
                valid_from=row.valid_from,
                units_per_eur=row.units_per_eur,
                source=row.source,
            )
            result.created["exchange rates"] += 1


def _users(data: DemoData, result: DemoResult) -> User:
    """The demo users and their roles; returns the office-wide accountant who books."""
    accountant = None
    labs = {
        lab.code: lab for lab in Lab.objects.filter(code__in=[u.lab for u in data.users if u.lab])
    }
    users = {
        u.username: u for u in User.objects.filter(username__in=[r.username for r in data.users])
    }
    new = [row for row in data.users if row.username not in users]
    for row in new:
        # Staff, so they can sign in to the admin site; their role grants decide what
        # they see there.
        users[row.username] = User(username=row.username, email=row.email, is_staff=True)
        try:
            validate_password(row.password, users[row.username])
        except ValidationError as exc:
            raise DemoDataError(
                WEAK_PASSWORD.format(user=row.username, problems=" ".join(exc.messages))
            ) from None
    for row, password_hash in zip(new, _hashes([row.password for row in new]), strict=True):
        users[row.username].password = password_hash
        users[row.username].save()
        result.created["users"] += 1
    for row in data.users:
        user = users[row.username]
        lab = labs[row.lab] if row.lab else None
        if not RoleGrant.objects.filter(user=user, role=row.role, lab=lab).exists():
            irls_services.role_grant(acting_user=None, user=user, role=row.role, lab=lab)
            result.created["role grants"] += 1
        if row.role == Role.ACCOUNTANT and lab is None:
            accountant = user
        scope = lab.code if lab else "whole office"
        result.logins.append(
            DemoLogin(row.username, row.password, ROLE_NAMES[Role(row.role)], scope)
        )
    if accountant is None:
        raise DemoDataError(NO_ACCOUNTANT)
    return accountant


def _hashes(passwords: list[str]) -> list[str]:
    """The passwords hashed side by side: PBKDF2 is most of the demo's load time and
    hashlib releases the GIL while it works."""
    with ThreadPoolExecutor() as pool:
        return list(pool.map(make_password, passwords))


def chancellery_converter(lab: Lab) -> Convert:
    """The conversion the entry services make: the stored chancellery rate of the date,
    rounded half-up to the cent (so the plan balances exactly as the books will)."""
    rates = BookRates(book_currency=lab.book_currency)

    def convert(amount: Decimal, currency: str, on: date) -> Decimal:
        rate, _rate_date = rates.rate(currency, on)
        return round_cents(amount * rate)

    return convert


def _close_months(fiscal_year: FiscalYear, user: User, result: DemoResult, *, through: int) -> None:
    """Close the months of `fiscal_year` up to `through`, in order."""
    periods = Period.objects.filter(fiscal_year=fiscal_year, month__lte=through)
    for period in periods.order_by("month"):
        services.period_close(acting_user=user, period=period)
        result.created["closed months"] += 1
