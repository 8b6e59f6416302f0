"""Books for tests, built through the real services (never by inserting rows by hand)."""

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User

from irls import services as irls_services
from irls.models import FundingSource, Institution, Lab
from ledger import services
from ledger.models import (
    Account,
    BudgetLine,
    Commitment,
    FiscalYear,
    Journal,
    JournalEntry,
    Period,
)
from parties.models import ThirdParty

CHART = [
    ("101", "Capital", "Capital"),
    ("120", "Résultat de l'exercice (bénéfice)", "Result for the year (surplus)"),
    ("129", "Résultat de l'exercice (perte)", "Result for the year (deficit)"),
    ("401", "Fournisseurs", "Suppliers"),
    ("411", "Partenaires - créances", "Partner receivables"),
    ("512", "Banque SGD", "Bank SGD"),
    ("5122", "Banque EUR", "Bank EUR"),
    ("2183", "Matériel informatique", "IT equipment"),
    ("6064", "Fournitures", "Supplies"),
    ("6256", "Missions", "Missions"),
    ("627", "Frais bancaires", "Bank charges"),
    ("666", "Pertes de change", "FX losses"),
    ("741", "Subventions d'exploitation", "Operating subsidies"),
]
# Accounts whose lines must name a budget line (expenses and equipment).
BUDGETED = [
    ("6063", "Petit équipement", "Small equipment"),
    ("6251", "Voyages et déplacements", "Travel"),
]
# The third parties the tests' lines name (office-wide records; a line's third party is
# a foreign key to one of them). The chart above asks for none on its 401 and 411 (the
# core tests book suppliers without naming them); tests/parties/ test the requirement.
THIRD_PARTIES = [
    ("SUP-01", "Supplier One Pte Ltd", "supplier"),
    ("SUP-1", "Supplier 1 Pte Ltd", "supplier"),
    ("SUP-A", "Supplier A Pte Ltd", "supplier"),
    ("S", "Supplier S", "supplier"),
    ("T", "Supplier T", "supplier"),
    ("X", "Supplier X", "supplier"),
    ("WAFER-CO", "Wafer Co Pte Ltd", "supplier"),
    ("PAPETERIE-SG", "Papeterie de Singapour", "supplier"),
    ("OPTIQUE-SG", "Optique SG Pte Ltd", "supplier"),
    ("LION-IT", "Lion IT Services", "supplier"),
    ("JURONG-MICRO", "Jurong Micro Pte Ltd", "supplier"),
    ("LASERCO", "LaserCo Pte Ltd", "supplier"),
    ("SUP-LAB", "Lab Supplies Pte Ltd", "supplier"),
    ("SUP-02", "Supplier Two Pte Ltd", "supplier"),
    ("SUP-B", "Supplier B Pte Ltd", "supplier"),
    ("SUP-CLEAN", "Cleanroom Supplies Pte Ltd", "supplier"),
    ("SUP-26-1", "Supplier of 2026", "supplier"),
    # Office-wide records, listed to every lab's people: their names name no lab.
    ("SUP-CIN", "Supplier of the first lab", "supplier"),
    ("SUP-MAJ", "Supplier of the second lab", "supplier"),
    ("STAFF-1", "Research engineer", "staff"),
    ("STAFF-2", "PhD student", "staff"),
    ("PARTNER-X", "Partner X", "partner"),
    ("THALES", "Thales Solutions Asia", "partner"),
    ("CNRS", "Centre national de la recherche scientifique", "partner"),
    ("T" * 40, "A forty-character code", "other"),
]
JOURNALS = [
    ("AN", "À-nouveaux", "Opening balances", "opening"),
    ("ACH", "Achats", "Purchases", "purchases"),
    ("BQS", "Banque SGD", "Bank SGD", "bank"),
    ("OD", "Opérations diverses", "Miscellaneous", "misc"),
]


def lab_with_books(code: str, year: int = 2025) -> Lab:
    """A lab with a small chart, four journals and an open fiscal year."""
    cnrs = Institution.objects.filter(code="CNRS").first() or irls_services.institution_create(
        acting_user=None,
        code="CNRS",
        name="Centre national de la recherche scientifique",
        kind="research",
        country="FR",
    )
    lab = irls_services.lab_create(
        acting_user=None,
        code=code,
        name=f"{code} laboratory",
        unit_number="IRL 0000",
        field="physics",
        start_date=date(2020, 1, 1),
        fec_identifier="180089013",
    )
    irls_services.partnership_create(
        acting_user=None, lab=lab, institution=cnrs, role="cnrs", start_date=date(2020, 1, 1)
    )
    # The core tests book expenses without budgets on purpose: only the BUDGETED accounts
    # ask for a budget line, as the budget tests need; nor does the chart ask for third
    # parties (tests/parties/ do).
    for account_code, name_fr, name_en in CHART:
        services.account_create(
            acting_user=None,
            lab=lab,
            code=account_code,
            name_fr=name_fr,
            name_en=name_en,
            needs_budget_line=False,
            needs_third_party=False,
        )
    third_parties_for_tests()
    for account_code, name_fr, name_en in BUDGETED:
        services.account_create(
            acting_user=None,
            lab=lab,
            code=account_code,
            name_fr=name_fr,
            name_en=name_en,
            needs_budget_line=True,
        )
    for journal_code, name_fr, name_en, kind in JOURNALS:
        services.journal_create(
            acting_user=None,
            lab=lab,
            code=journal_code,
            name_fr=name_fr,
            name_en=name_en,
            kind=kind,
        )
    services.fiscal_year_open(acting_user=None, lab=lab, year=year)
    return lab


def third_parties_for_tests() -> None:
    """The THIRD_PARTIES, once (office-wide: every lab's lines may name them)."""
    existing = set(ThirdParty.objects.values_list("code", flat=True))
    ThirdParty.objects.bulk_create(
        [
            ThirdParty(code=code, name=name, kind=kind)
            for code, name, kind in THIRD_PARTIES
            if code not in existing
        ]
    )


def close_months(lab: Lab, *months: int, user: User | None = None, year: int = 2025) -> None:
    """Leave `months` of `year` closed, and the months before them as they were, the way
    the office reaches that state: months close in order, so every month up to the last
    one asked is closed (by `user`, None for the system), then the earlier ones closed
    here but not asked for are reopened by the system, with a reason."""
    periods = Period.objects.filter(lab=lab, fiscal_year__year=year, month__lte=max(months))
    closed_here = []
    for period in periods.filter(status=Period.Status.OPEN).order_by("month"):
        services.period_close(acting_user=user, period=period)
        closed_here.append(period)
    for period in reversed(closed_here):
        if period.month not in months:
            services.period_reopen(
                acting_user=None, period=period, reason="Left open: not the month under test"
            )


def account(lab: Lab, code: str) -> Account:
    return Account.objects.get(lab=lab, code=code)


def journal(lab: Lab, code: str) -> Journal:
    return Journal.objects.get(lab=lab, code=code)


def draft(
    user: User,
    lab: Lab,
    lines: list[tuple[str, str, str]],
    *,
    journal_code: str = "ACH",
    on: date = date(2025, 3, 14),
    label: str = "Supplies",
    piece_ref: str = "INV-1",
) -> JournalEntry:
    """A draft entry; `lines` are (account code, debit, credit) with amounts as text."""
    return services.entry_create_draft(
        acting_user=user,
        lab=lab,
        journal=journal(lab, journal_code),
        date=on,
        label=label,
        piece_ref=piece_ref,
        piece_date=on,
        lines=[
            services.LineInput(
                account=account(lab, code), debit=Decimal(d), credit=Decimal(c), label=label
            )
            for code, d, c in lines
        ],
    )


def posted(user: User, lab: Lab, amount: str = "100.00", **kwargs: object) -> JournalEntry:
    """A posted two-line purchase: supplies debited, supplier credited."""
    entry = draft(user, lab, [("6064", amount, "0"), ("401", "0", amount)], **kwargs)  # type: ignore[arg-type]
    return services.entry_post(acting_user=user, entry=entry)


def anr() -> Institution:
    """The Agence nationale de la recherche (created on first use)."""
    return Institution.objects.filter(code="ANR").first() or irls_services.institution_create(
        acting_user=None,
        code="ANR",
        name="Agence nationale de la recherche",
        kind="agency",
        country="FR",
    )


def charged_invoice(
    user: User,
    lab: Lab,
    amount: str,
    line: BudgetLine | None,
    *,
    on: date,
    ref: str = "INV",
    label: str = "",
    commitment: Commitment | None = None,
    supplier: str = "SUP-01",
) -> JournalEntry:
    """A posted supplier invoice of `amount` charged to `line` (and `commitment`): 6063
    debited, 401 credited, both naming `supplier`."""
    entry = services.entry_create_draft(
        acting_user=user,
        lab=lab,
        journal=journal(lab, "ACH"),
        date=on,
        label=label or f"Invoice {ref}",
        piece_ref=ref,
        piece_date=on,
        lines=[
            services.LineInput(
                account=account(lab, "6063"),
                debit=Decimal(amount),
                budget_line=line,
                commitment=commitment,
                third_party=supplier,
            ),
            services.LineInput(
                account=account(lab, "401"), credit=Decimal(amount), third_party=supplier
            ),
        ],
    )
    return services.entry_post(acting_user=user, entry=entry)


def funding(lab: Lab, code: str = "CNRS-DOT") -> FundingSource:
    """The lab's CNRS allocation (created on first use)."""
    existing = FundingSource.objects.filter(lab=lab, code=code).first()
    if existing:
        return existing
    return irls_services.funding_source_create(
        acting_user=None,
        lab=lab,
        code=code,
        name="Dotation CNRS",
        funder=Institution.objects.get(code="CNRS"),
        kind="cnrs_allocation",
        start_date=date(2025, 1, 1),
        currency="EUR",
    )


def budget_line(
    lab: Lab,
    code: str,
    allocated: str,
    *,
    policy: str = "warn",
    envelope: str = "operating",
    nature: str = "supplies",
    year: int = 2025,
) -> BudgetLine:
    """A budget line of the lab's CNRS allocation, notified on 15 January."""
    return services.budget_line_create(
        acting_user=None,
        lab=lab,
        fiscal_year=FiscalYear.objects.get(lab=lab, year=year),
        funding_source=funding(lab),
        code=code,
        label_fr=f"Ligne {code}",
        label_en=f"Line {code}",
        envelope=envelope,
        nature=nature,
        allocated=Decimal(allocated),
        allocated_on=date(year, 1, 15),
        policy=policy,
    )
