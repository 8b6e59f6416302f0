"""A lab's budget year for the web pages, told through the real services.

CINTRA, 2025, two funding sources:
- the CNRS allocation: supplies 12,500.00 with a purchase order of 4,000.00 half invoiced,
  missions 5,000.00 of which 4,750.50 spent (over 90 %), lab equipment 3,000.00 overspent
  by an invoice of 3,234.56 in December;
- the Thales contribution: supplies 20,000.00 of which 1,234.56 spent.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from irls import services as irls_services
from irls.models import FundingSource, Institution, Lab
from ledger import services
from ledger.models import BudgetLine, Commitment, FiscalYear, JournalEntry
from tests.books import account, budget_line, journal

D = Decimal


def pytest_configure(config: pytest.Config) -> None:
    # The pages are tested with the catalog the sources hold, compiled before any test
    # loads a translation (dev.py compiles it too, for `start` and `test`).
    call_command("compile_translations", verbosity=0)


def chancellery_rates(*months_and_rates: tuple[int, str]) -> None:
    for month, units_per_eur in months_and_rates:
        services.exchange_rate_set(
            acting_user=None,
            currency="SGD",
            valid_from=date(2025, month, 1),
            units_per_eur=D(units_per_eur),
            source="chancellery",
        )


def invoice(
    user: User,
    lab: Lab,
    amount: str,
    *,
    line: BudgetLine | None = None,
    commitment: Commitment | None = None,
    on: date = date(2025, 3, 10),
    ref: str = "INV",
    account_code: str = "6063",
    supplier: str = "SUP-01",
) -> JournalEntry:
    """A posted purchase invoice: the expense on `line` (or the commitment's line)."""
    entry = services.entry_create_draft(
        acting_user=user,
        lab=lab,
        journal=journal(lab, "ACH"),
        date=on,
        label=f"Invoice {ref}",
        piece_ref=ref,
        piece_date=on,
        lines=[
            services.LineInput(
                account=account(lab, account_code),
                debit=D(amount),
                budget_line=line,
                commitment=commitment,
                third_party=supplier,
            ),
            services.LineInput(account=account(lab, "401"), credit=D(amount), third_party=supplier),
        ],
    )
    return services.entry_post(acting_user=user, entry=entry)


def thales_contribution(lab: Lab) -> FundingSource:
    thales = Institution.objects.filter(code="THALES").first() or (
        irls_services.institution_create(
            acting_user=None, code="THALES", name="Thales", kind="company", country="FR"
        )
    )
    return irls_services.funding_source_create(
        acting_user=None,
        lab=lab,
        code="THALES-25",
        name="Thales contribution",
        funder=thales,
        kind="partner_contribution",
        start_date=date(2025, 1, 1),
    )


@dataclass(frozen=True)
class BudgetYear:
    lab: Lab
    fiscal_year: FiscalYear
    supplies: BudgetLine
    missions: BudgetLine
    equipment: BudgetLine
    thales: BudgetLine
    order: Commitment
    first_invoice: JournalEntry


def budget_year_book(user: User, lab: Lab) -> BudgetYear:
    """The story of the module docstring, written through the services."""
    supplies = budget_line(lab, "OP-SUP", "12500.00")
    missions = budget_line(lab, "OP-MIS", "5000.00", nature="missions")
    equipment = budget_line(
        lab, "EQ-LAB", "3000.00", envelope="equipment", nature="equipment", policy="warn"
    )
    fiscal_year = FiscalYear.objects.get(lab=lab, year=2025)
    thales = services.budget_line_create(
        acting_user=None,
        lab=lab,
        fiscal_year=fiscal_year,
        funding_source=thales_contribution(lab),
        code="TH-SUP",
        label_fr="Fournitures Thales",
        label_en="Thales supplies",
        envelope="operating",
        nature="supplies",
        allocated=D("20000.00"),
        allocated_on=date(2025, 1, 15),
    )
    order = services.commitment_create(
        acting_user=user,
        budget_line=supplies,
        kind="purchase_order",
        reference="PO-2025-001",
        third_party="WAFER-CO",
        label="Clean-room wafers",
        amount=D("4000.00"),
        on=date(2025, 2, 3),
    )
    first = invoice(user, lab, "2500.00", commitment=order, ref="INV-77", supplier="WAFER-CO")
    invoice(user, lab, "4750.50", line=missions, ref="TRAVEL-1", account_code="6251")
    invoice(user, lab, "1234.56", line=thales, ref="TH-1")
    invoice(user, lab, "3234.56", line=equipment, ref="EQ-1", on=date(2025, 12, 5))
    return BudgetYear(lab, fiscal_year, supplies, missions, equipment, thales, order, first)


@pytest.fixture
def budget_year(accountant: User, cintra: Lab) -> BudgetYear:
    chancellery_rates((1, "1.4500"), (3, "1.4400"), (12, "1.4250"))
    return budget_year_book(accountant, cintra)


# The French site of the browser journeys (tests/web/french_site.py): its books on the live
# server, a chromium, and the accountant's logged-in French page, for any browser test here.
from tests.web.french_site import fr_accountant_page, fr_browser, french_site  # noqa: E402, F401
