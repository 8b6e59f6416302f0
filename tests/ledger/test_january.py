"""Worked example: the office's January (issue 11).

CINTRA's 2025: a CNRS allocation received, supplies bought and paid, a laptop order
(purchase order PO-19) signed in December for delivery in January, and a December
invoice booked twice by mistake. In January 2026 the accountant closes 2025 (the order
carried over to 2026), invoices the laptops on the 2025 order, reverses the December
duplicate on the day it is found, and prints the 2026 balance sheet with 2025 beside it.
"""

from datetime import date
from decimal import Decimal

import pytest

from ledger import services
from ledger.exceptions import YearClosedError
from ledger.models import BudgetLine, Commitment, FiscalYear, JournalEntry, Period
from ledger.selectors import ledger_verify, trial_balance
from ledger.selectors.years import opening_balances, opening_differences
from ledger.services.commitments import commitment_carry_over
from ledger.services.years import fiscal_year_checklist, fiscal_year_close
from reports.builders import balance_sheet_build
from tests.books import account, budget_line, journal
from tests.reports.tables import cells, sections

D = Decimal


def book(user, lab, on, journal_code, label, lines, commitment=None):
    entry = services.entry_create_draft(
        acting_user=user,
        lab=lab,
        journal=journal(lab, journal_code),
        date=on,
        label=label,
        piece_ref=label[:20],
        lines=[
            services.LineInput(
                account=account(lab, code),
                debit=D(debit),
                credit=D(credit),
                label=label,
                third_party=party,
                budget_line=line,
                commitment=commitment if line is not None else None,
            )
            for code, debit, credit, party, line in lines
        ],
    )
    return services.entry_post(acting_user=user, entry=entry)


@pytest.fixture
def december_2025(accountant, cintra):
    """CINTRA's 2025, booked up to 31 December, every month closed."""
    equipment = budget_line(cintra, "CNRS-EQ", "20000.00", envelope="equipment")
    book(
        accountant,
        cintra,
        date(2025, 1, 1),
        "AN",
        "Opening balances 2025",
        [("512", "10000.00", "0", "", None), ("101", "0", "10000.00", "", None)],
    )
    book(
        accountant,
        cintra,
        date(2025, 2, 10),
        "BQS",
        "CNRS allocation 2025",
        [("512", "30000.00", "0", "", None), ("741", "0", "30000.00", "", None)],
    )
    book(
        accountant,
        cintra,
        date(2025, 6, 3),
        "ACH",
        "Supplies INV-77",
        [("6063", "1500.00", "0", "", equipment), ("401", "0", "1500.00", "SUP-LAB", None)],
    )
    book(
        accountant,
        cintra,
        date(2025, 6, 30),
        "BQS",
        "Payment INV-77",
        [("401", "1500.00", "0", "SUP-LAB", None), ("512", "0", "1500.00", "", None)],
    )
    order = services.commitment_create(
        acting_user=accountant,
        budget_line=equipment,
        kind="purchase_order",
        reference="PO-19",
        third_party="LION-IT",
        label="Laptops, delivery in January 2026",
        amount=D("8000.00"),
        on=date(2025, 12, 4),
    )
    duplicate = book(
        accountant,
        cintra,
        date(2025, 12, 15),
        "ACH",
        "Cleaning INV-88 (twice)",
        [("6063", "300.00", "0", "", equipment), ("401", "0", "300.00", "SUP-CLEAN", None)],
    )
    for period in Period.objects.filter(lab=cintra, fiscal_year__year=2025).order_by("month"):
        services.period_close(acting_user=accountant, period=period)
    return {"equipment": equipment, "order": order, "duplicate": duplicate}


def test_the_offices_january(accountant, cintra, december_2025):
    fy2025 = FiscalYear.objects.get(lab=cintra, year=2025)
    services.fiscal_year_open(acting_user=accountant, lab=cintra, year=2026)
    fy2026 = FiscalYear.objects.get(lab=cintra, year=2026)

    # 1. The checklist stops on the laptop order; the accountant carries it to 2026.
    checklist = fiscal_year_checklist(fy2025)
    assert [item.code for item in checklist.failing] == ["commitments"]
    assert checklist.failing[0].details == ("PO-19 (CNRS-EQ): 8,000.00 open",)
    equipment_2026 = budget_line(cintra, "CNRS-EQ", "25000.00", envelope="equipment", year=2026)
    carried = commitment_carry_over(acting_user=accountant, commitment=december_2025["order"])
    assert (carried.budget_line, carried.amount) == (equipment_2026, D("8000.00"))

    # 2. Close 2025: result into 120, balances carried to 1 January 2026.
    fiscal_year_close(acting_user=accountant, fiscal_year=fy2025)
    assert opening_differences(fy2025, fy2026) == []
    last_day = {
        row.account_code: row.closing
        for row in trial_balance(lab=cintra, date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))
        if row.closing
    }
    carried_in = {
        account_code: balance
        for (account_code, balance) in _by_code(cintra, opening_balances(fy2026)).items()
    }
    assert (
        last_day
        == carried_in
        == {
            "101": D("-10000.00"),
            "120": D("-28200.00"),  # 30,000 allocation - 1,500 supplies - 300 duplicate
            "401": D("-300.00"),
            "512": D("38500.00"),
        }
    )

    # 3. 12 January: the laptops arrive, invoiced on the 2025 order: the service settles
    #    the commitment it was carried to, on the 2026 line.
    invoice = book(
        accountant,
        cintra,
        date(2026, 1, 12),
        "ACH",
        "Laptops INV-2026-3",
        [
            ("6063", "8000.00", "0", "", december_2025["equipment"]),
            ("401", "0", "8000.00", "LION-IT", None),
        ],
        commitment=december_2025["order"],
    )
    line = invoice.lines.get(account__code="6063")
    assert (line.commitment, line.budget_line) == (carried, equipment_2026)
    carried.refresh_from_db()
    assert (carried.status, carried.settled) == ("settled", D("8000.00"))

    # 4. 20 January: the December duplicate is found; 2025 is closed, so it is reversed
    #    in 2026, on the day, and its budget effect lands on 2026's CNRS-EQ line.
    with pytest.raises(YearClosedError):
        services.entry_reverse(
            acting_user=accountant, entry=december_2025["duplicate"], date=date(2025, 12, 31)
        )
    reversal = services.entry_reverse(
        acting_user=accountant,
        entry=december_2025["duplicate"],
        date=date(2026, 1, 20),
        reason="INV-88 booked twice",
    )
    assert (reversal.number, reversal.date) == ("ACH-2026-000002", date(2026, 1, 20))
    assert reversal.lines.get(account__code="6063").budget_line == equipment_2026
    spent_2026 = BudgetLine.objects.get(pk=equipment_2026.pk).spending.all()
    assert sum(s.amount for s in spent_2026) == D("7700.00")  # 8,000 laptops - 300 back
    assert Commitment.objects.get(pk=december_2025["order"].pk).status == "carried_over"

    # 5. The 2026 balance sheet, with 2025 (closed) beside it.
    sheet = balance_sheet_build(lab=cintra, year=2026)
    assert cells(sections(sheet)["Liabilities and equity"]) == [
        ("", "Class 1: Equity and long-term liabilities", None, None),
        ("10", "Capital and reserves", D("10000.00"), D("10000.00")),
        ("12", "Result for the year", D("28200.00"), D("28200.00")),
        ("", "Result of the period (classes 6 and 7), not yet allocated", D("-7700.00"), D("0.00")),
        ("", "Total class 1", D("30500.00"), D("38200.00")),
        ("", "Class 4: Third parties", None, None),
        ("40", "Suppliers", D("8000.00"), D("300.00")),
        ("", "Total class 4", D("8000.00"), D("300.00")),
        ("", "Total liabilities and equity", D("38500.00"), D("38500.00")),
    ]
    assert cells(sections(sheet)["Assets"])[1] == ("51", "Banks", D("38500.00"), D("38500.00"))
    assert ledger_verify(lab=cintra).ok
    assert not JournalEntry.objects.filter(lab=cintra, status="draft").exists()


def _by_code(lab, balances):
    codes = dict(lab.accounts.values_list("id", "code"))
    out: dict[str, Decimal] = {}
    for (account_id, _party), balance in balances.items():
        out[codes[account_id]] = out.get(codes[account_id], D("0.00")) + balance
    return out
