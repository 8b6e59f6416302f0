"""CINTRA's year 2025 told through the real services, small enough to check by hand.

Rates (SGD per 1 EUR, chancellery, from the 1st): Jan 1.45, Feb 1.44, Mar 1.43,
Apr 1.42, May 1.41, Jun 1.40.

Funding: Thales contribution THALES-25 (supplies TH-SUP 10,000.00 with an open purchase
order of 2,000.00; missions TH-MIS 5,000.00); ANR grant ANR-2D (travel AN-TRV 4,000.00
topped up by 500.00 on 1 March; equipment AN-EQ 6,000.00; indirect costs AN-IND
1,000.00).

Entries, posted in this order (E1..E10 in the chain):
 E1  AN  01-01 opening balances        512 D 10,000.00 / 101 C 10,000.00
 E2  OD  01-20 invoice to Thales       411 D 30,000.00 (THALES) / 741 C 30,000.00
 E3  BQS 02-06 CNRS allocation         512 D 5,000.00 (CNRS) / 741 C 5,000.00
 E4  ACH 02-10 wafers (TH-SUP)         6063 D 1,200.00 / 401 C 1,200.00
 E5  ACH 03-14 flight Hanoi (TH-MIS)   6251 D 2,500.00 / 401 C 2,500.00
 E6  BQS 03-04 Thales pays part        512 D 20,000.00 / 411 C 20,000.00 (THALES)
 E7  ACH 05-05 ANR travel (AN-TRV)     6251 D 800.00 / 401 C 800.00
 E8  ACH 05-20 ANR equipment (AN-EQ)   6063 D 1,500.00 / 401 C 1,500.00
 E9  BQS 06-02 suppliers paid          401 D 3,700.00 / 512 C 3,700.00
 E10 BQS 06-30 bank charges            627 D 15.03 / 512 C 15.03
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from irls import services as irls_services
from irls.models import FundingSource, Institution, Lab
from ledger import services
from ledger.models import BudgetLine, FiscalYear, JournalEntry
from tests.books import account, journal

D = Decimal
RATES = {1: "1.4500", 2: "1.4400", 3: "1.4300", 4: "1.4200", 5: "1.4100", 6: "1.4000"}


def institution(code: str, name: str, kind: str = "company", country: str = "FR") -> Institution:
    return Institution.objects.filter(code=code).first() or irls_services.institution_create(
        acting_user=None, code=code, name=name, kind=kind, country=country
    )


def chancellery_rates(rates: dict[int, str] = RATES, year: int = 2025) -> None:
    for month, units in rates.items():
        services.exchange_rate_set(
            acting_user=None,
            currency="SGD",
            valid_from=date(year, month, 1),
            units_per_eur=D(units),
            source="chancellery",
        )


def source(lab: Lab, code: str, funder: Institution, kind: str) -> FundingSource:
    return irls_services.funding_source_create(
        acting_user=None,
        lab=lab,
        code=code,
        name=f"{funder.name} funding",
        funder=funder,
        kind=kind,
        reference=f"REF-{code}",
        start_date=date(2025, 1, 1),
    )


def line(
    lab: Lab,
    funding: FundingSource,
    code: str,
    allocated: str,
    *,
    envelope: str = "operating",
    nature: str = "supplies",
    funder_category: str = "",
) -> BudgetLine:
    return services.budget_line_create(
        acting_user=None,
        lab=lab,
        fiscal_year=FiscalYear.objects.get(lab=lab, year=2025),
        funding_source=funding,
        code=code,
        label_fr=f"Ligne {code}",
        label_en=f"Line {code}",
        envelope=envelope,
        nature=nature,
        funder_category=funder_category,
        allocated=D(allocated),
        allocated_on=date(2025, 1, 15),
    )


def post(
    user: User,
    lab: Lab,
    journal_code: str,
    on: date,
    label: str,
    piece: str,
    lines: list[tuple[str, str, str, dict[str, Any]]],
) -> JournalEntry:
    """Post an entry; `lines` are (account, debit, credit, extra LineInput fields)."""
    entry = services.entry_create_draft(
        acting_user=user,
        lab=lab,
        journal=journal(lab, journal_code),
        date=on,
        label=label,
        piece_ref=piece,
        piece_date=on,
        lines=[
            services.LineInput(
                account=account(lab, code), debit=D(debit), credit=D(credit), **extra
            )
            for code, debit, credit, extra in lines
        ],
    )
    return services.entry_post(acting_user=user, entry=entry)


@dataclass(frozen=True)
class Books:
    lab: Lab
    user: User
    entries: list[JournalEntry]
    lines: dict[str, BudgetLine]


def cintra_books(user: User, lab: Lab) -> Books:
    chancellery_rates()
    thales = institution("THALES", "Thales")
    anr = institution("ANR", "Agence nationale de la recherche", kind="agency")
    irls_services.partnership_create(
        acting_user=None,
        lab=lab,
        institution=thales,
        role="industrial",
        start_date=date(2020, 1, 1),
    )
    th = source(lab, "THALES-25", thales, "partner_contribution")
    an = source(lab, "ANR-2D", anr, "grant")
    lines = {
        "TH-SUP": line(lab, th, "TH-SUP", "10000.00"),
        "TH-MIS": line(lab, th, "TH-MIS", "5000.00", nature="missions"),
        "AN-TRV": line(lab, an, "AN-TRV", "4000.00", nature="missions"),
        "AN-EQ": line(
            lab,
            an,
            "AN-EQ",
            "6000.00",
            envelope="equipment",
            nature="equipment",
            funder_category="equipment",
        ),
        "AN-IND": line(
            lab, an, "AN-IND", "1000.00", nature="other", funder_category="indirect_costs"
        ),
    }
    services.budget_line_amend(
        acting_user=user,
        budget_line=lines["AN-TRV"],
        amount=D("500.00"),
        on=date(2025, 3, 1),
        justification="More travel",
    )
    services.commitment_create(
        acting_user=user,
        budget_line=lines["TH-SUP"],
        kind="purchase_order",
        reference="PO-1",
        third_party="SUP-01",
        label="Wafers, second batch",
        amount=D("2000.00"),
        on=date(2025, 4, 10),
    )
    no: dict[str, Any] = {}

    def budget(code: str) -> dict[str, Any]:
        return {"budget_line": lines[code], "third_party": "SUP-01"}

    entries = [
        post(
            user,
            lab,
            "AN",
            date(2025, 1, 1),
            "Opening balances",
            "AN-2025",
            [("512", "10000.00", "0", no), ("101", "0", "10000.00", no)],
        ),
        post(
            user,
            lab,
            "OD",
            date(2025, 1, 20),
            "Invoice: Thales contribution 2025",
            "VT-001",
            [("411", "30000.00", "0", {"third_party": "THALES"}), ("741", "0", "30000.00", no)],
        ),
        post(
            user,
            lab,
            "BQS",
            date(2025, 2, 6),
            "CNRS allocation",
            "CNRS-N1",
            [("512", "5000.00", "0", {"third_party": "CNRS"}), ("741", "0", "5000.00", no)],
        ),
        post(
            user,
            lab,
            "ACH",
            date(2025, 2, 10),
            "Wafers",
            "INV-100",
            [("6063", "1200.00", "0", budget("TH-SUP")), ("401", "0", "1200.00", no)],
        ),
        post(
            user,
            lab,
            "ACH",
            date(2025, 3, 14),
            "Flight to Hanoi",
            "INV-101",
            [("6251", "2500.00", "0", budget("TH-MIS")), ("401", "0", "2500.00", no)],
        ),
        post(
            user,
            lab,
            "BQS",
            date(2025, 3, 4),
            "Receipt from Thales",
            "VT-001",
            [("512", "20000.00", "0", no), ("411", "0", "20000.00", {"third_party": "THALES"})],
        ),
        post(
            user,
            lab,
            "ACH",
            date(2025, 5, 5),
            "ANR travel",
            "INV-102",
            [("6251", "800.00", "0", budget("AN-TRV")), ("401", "0", "800.00", no)],
        ),
        post(
            user,
            lab,
            "ACH",
            date(2025, 5, 20),
            "ANR equipment",
            "INV-103",
            [("6063", "1500.00", "0", budget("AN-EQ")), ("401", "0", "1500.00", no)],
        ),
        post(
            user,
            lab,
            "BQS",
            date(2025, 6, 2),
            "Suppliers paid",
            "PAY-01",
            [("401", "3700.00", "0", no), ("512", "0", "3700.00", no)],
        ),
        post(
            user,
            lab,
            "BQS",
            date(2025, 6, 30),
            "Bank charges",
            "BANK-06",
            [("627", "15.03", "0", no), ("512", "0", "15.03", no)],
        ),
    ]
    return Books(lab, user, entries, lines)


@pytest.fixture
def books(accountant: User, cintra: Lab) -> Books:
    return cintra_books(accountant, cintra)


# Two fiscal years: 2025 closed, 2026 open ---------------------------------------------
#
# After the ten entries of 2025 above, a January 2026 entry is posted while 2025 is still
# open (the office books January before closing December), then 2025 is closed by the
# real service: closing entry OD-2025-000002 (classes 6 and 7 into 120: a profit of
# 28,984.97) and opening entry AN-2026-000001 (classes 1 to 5: 41,284.97 each side);
# three more 2026 entries follow.
#
#  J1 BQS 2026-01-15 January bank charges  627 D 20.00 / 512 C 20.00 (posted before closing)
#  J2 OD  2026-03-10 invoice to Thales     411 D 12,000.00 (THALES) / 741 C 12,000.00
#  J3 BQS 2026-04-20 Thales pays part      512 D 8,000.00 / 411 C 8,000.00 (THALES)
#  J4 BQS 2026-06-30 bank charges          627 D 10.00 / 512 C 10.00


@dataclass(frozen=True)
class TwoYears:
    books: Books
    january: JournalEntry  # J1, posted before 2025 was closed
    closing: JournalEntry
    opening: JournalEntry
    later: list[JournalEntry]  # J2 to J4

    @property
    def lab(self) -> Lab:
        return self.books.lab


def close_year(user: User, lab: Lab, year: int) -> None:
    """Close `year` through the real service, after what its checklist asks: open
    commitments cancelled, the next year's lines of carried-over funding in place, every
    month closed."""
    from ledger.models import Commitment, Period
    from ledger.services.years import fiscal_year_close

    fiscal_year = FiscalYear.objects.get(lab=lab, year=year)
    following = FiscalYear.objects.filter(lab=lab, year=year + 1).first()
    if following is None:
        following = services.fiscal_year_open(acting_user=None, lab=lab, year=year + 1)
    for commitment in Commitment.objects.filter(
        budget_line__fiscal_year=fiscal_year, status__in=["open", "partly_settled"]
    ):
        services.commitment_cancel(acting_user=user, commitment=commitment, reason="Not ordered")
    for budget_line in BudgetLine.objects.filter(
        fiscal_year=fiscal_year, funding_source__carries_over=True
    ).exclude(code__in=BudgetLine.objects.filter(fiscal_year=following).values("code")):
        services.budget_line_create(
            acting_user=None,
            lab=lab,
            fiscal_year=following,
            funding_source=budget_line.funding_source,
            code=budget_line.code,
            label_fr=budget_line.label_fr,
            label_en=budget_line.label_en,
            envelope=budget_line.envelope,
            nature=budget_line.nature,
            funder_category=budget_line.funder_category,
            allocated=D("100.00"),
            allocated_on=following.start_date,
        )
    for period in Period.objects.filter(fiscal_year=fiscal_year, status="open").order_by("month"):
        services.period_close(acting_user=None, period=period)
    fiscal_year_close(acting_user=user, fiscal_year=fiscal_year)


def two_years_books(books: Books) -> TwoYears:
    user, lab = books.user, books.lab
    services.fiscal_year_open(acting_user=None, lab=lab, year=2026)
    no: dict[str, Any] = {}
    thales = {"third_party": "THALES"}
    january = post(user, lab, "BQS", date(2026, 1, 15), "January bank charges", "BANK-01",
                   [("627", "20.00", "0", no), ("512", "0", "20.00", no)])  # fmt: skip
    close_year(user, lab, 2025)
    later = [
        post(user, lab, "OD", date(2026, 3, 10), "Invoice: Thales contribution 2026", "VT-002",
             [("411", "12000.00", "0", thales), ("741", "0", "12000.00", no)]),
        post(user, lab, "BQS", date(2026, 4, 20), "Receipt from Thales", "VT-002",
             [("512", "8000.00", "0", no), ("411", "0", "8000.00", thales)]),
        post(user, lab, "BQS", date(2026, 6, 30), "Bank charges", "BANK-06-26",
             [("627", "10.00", "0", no), ("512", "0", "10.00", no)]),
    ]  # fmt: skip
    return TwoYears(
        books,
        january,
        JournalEntry.objects.get(lab=lab, year_end="closing"),
        JournalEntry.objects.get(lab=lab, year_end="opening"),
        later,
    )


@pytest.fixture
def two_years(books: Books) -> TwoYears:
    return two_years_books(books)
