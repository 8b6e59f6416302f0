"""Budget lines and commitments, told as an accountant's year (issue 3)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledger import services
from ledger.exceptions import (
    BudgetExceededError,
    BudgetLineMissingError,
    CommitmentError,
    CrossLabError,
)
from ledger.models import AuditEvent, BudgetSpending, Commitment, FiscalYear, JournalEntry
from ledger.selectors import budget_availability, budget_execution
from tests.books import account, budget_line, journal
from tests.ledger.rawsql import raw_post_sql, refused

D = Decimal


def rates(*months_and_rates: tuple[int, str]) -> None:
    for month, rate in months_and_rates:
        services.exchange_rate_set(
            acting_user=None,
            currency="SGD",
            valid_from=date(2025, month, 1),
            units_per_eur=D(rate),
            source="chancellery",
        )


def invoice(
    user,
    lab,
    amount,
    *,
    line=None,
    commitment=None,
    on=date(2025, 3, 10),
    ref="INV",
    account_code="6063",
):
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
                third_party="SUP-01",
            ),
            services.LineInput(account=account(lab, "401"), credit=D(amount), third_party="SUP-01"),
        ],
    )
    return services.entry_post(acting_user=user, entry=entry)


def figures(lab, code):
    execution = budget_execution(
        lab=lab, fiscal_year=FiscalYear.objects.get(lab=lab, year=2025), on=date(2025, 3, 31)
    )
    return next(r for r in execution.lines if r.code == code)


def test_an_accountants_year_on_one_budget_line(accountant, cintra):
    rates((1, "1.45"), (3, "1.44"))
    # The CNRS notifies the allocation: 10,000 for supplies (block), 5,000 for missions.
    supplies = budget_line(cintra, "OP-SUP", "10000.00", policy="block")
    missions = budget_line(cintra, "OP-MIS", "5000.00", nature="missions")
    assert figures(cintra, "OP-SUP").book.available == D("10000.00")

    # A purchase order reserves 4,000.
    order = services.commitment_create(
        acting_user=accountant,
        budget_line=supplies,
        kind="purchase_order",
        reference="PO-2025-001",
        third_party="SUP-01",
        label="Clean-room wafers",
        amount=D("4000.00"),
        on=date(2025, 2, 3),
    )
    line = figures(cintra, "OP-SUP").book
    assert (line.committed, line.spent, line.available) == (D("4000.00"), D(0), D("6000.00"))

    # A first invoice settles 2,500 of it.
    first = invoice(accountant, cintra, "2500.00", commitment=order, ref="INV-77")
    order.refresh_from_db()
    assert (order.status, order.settled) == ("partly_settled", D("2500.00"))
    line = figures(cintra, "OP-SUP").book
    assert (line.committed, line.spent, line.available) == (
        D("1500.00"),
        D("2500.00"),
        D("6000.00"),
    )

    # Paying the supplier changes nothing in the budget.
    payment = services.entry_create_draft(
        acting_user=accountant,
        lab=cintra,
        journal=journal(cintra, "BQS"),
        date=date(2025, 3, 20),
        label="Payment INV-77",
        lines=[
            services.LineInput(account=account(cintra, "401"), debit=D("2500.00")),
            services.LineInput(account=account(cintra, "512"), credit=D("2500.00")),
        ],
    )
    services.entry_post(acting_user=accountant, entry=payment)
    assert figures(cintra, "OP-SUP").book.available == D("6000.00")

    # 1,000 moves from missions to supplies.
    services.budget_transfer(
        acting_user=accountant,
        source=missions,
        target=supplies,
        amount=D("1000.00"),
        on=date(2025, 3, 21),
        justification="Wafer prices rose",
    )
    line = figures(cintra, "OP-SUP").book
    assert (line.allocated, line.amendments, line.available) == (
        D("10000.00"),
        D("1000.00"),
        D("7000.00"),
    )
    assert figures(cintra, "OP-MIS").book.available == D("4000.00")

    # The final invoice is 100 more than what was left on the order: the order is settled.
    invoice(accountant, cintra, "1600.00", commitment=order, ref="INV-78")
    order.refresh_from_db()
    assert order.status == "settled"
    line = figures(cintra, "OP-SUP").book
    assert (line.committed, line.spent, line.available) == (D(0), D("4100.00"), D("6900.00"))

    # The supplies line blocks: 7,000 more would overspend it by 100.
    with pytest.raises(BudgetExceededError) as info:
        invoice(accountant, cintra, "7000.00", line=supplies, ref="INV-79")
    assert str(info.value).endswith("exceeds the available amount by 100.00 SGD")
    assert str(info.value).startswith("Budget line OP-SUP (Line OP-SUP): entry ACH draft #")
    assert JournalEntry.objects.filter(piece_ref="INV-79", status="posted").count() == 0

    # The missions line warns: the posting goes through and the excess is flagged.
    invoice(accountant, cintra, "4500.00", line=missions, ref="TRAVEL-1", account_code="6251")
    flagged = figures(cintra, "OP-MIS")
    assert flagged.book.available == D("-500.00") and flagged.book.overspent
    event = AuditEvent.objects.get(action="budget_line.overspent")
    assert event.after is not None
    assert event.after["excess"] == "500.00" and event.object_repr.startswith("OP-MIS")
    assert event.after["by"] == "ACH-2025-000003"

    # Reversing the first invoice releases its spending and reopens the order.
    services.entry_reverse(acting_user=accountant, entry=first, date=date(2025, 3, 28))
    order.refresh_from_db()
    assert (order.status, order.settled) == ("partly_settled", D("1600.00"))
    line = figures(cintra, "OP-SUP").book
    assert (line.spent, line.committed, line.available) == (
        D("1600.00"),
        D("2400.00"),
        D("7000.00"),
    )

    # Cancelling the order frees what it still held.
    services.commitment_cancel(acting_user=accountant, commitment=order, reason="Supplier gone")
    assert figures(cintra, "OP-SUP").book.available == D("9400.00")
    with pytest.raises(CommitmentError, match="is cancelled: it can no longer be invoiced"):
        invoice(accountant, cintra, "10.00", commitment=order, ref="INV-80")

    # In EUR at the chancellery rate of each amount's month.
    eur = figures(cintra, "OP-SUP").eur
    assert eur is not None
    assert eur.allocated == D("6896.55")  # 10,000 / 1.45 (January)
    assert eur.amendments == D("694.44")  # 1,000 / 1.44 (March)
    assert eur.spent == D("1111.11")  # 1,600 / 1.44


def test_spent_this_month_and_percent(accountant, cintra):
    rates((1, "1.45"))
    supplies = budget_line(cintra, "OP-SUP", "1000.00")
    invoice(accountant, cintra, "200.00", line=supplies, on=date(2025, 2, 10), ref="A")
    invoice(accountant, cintra, "750.00", line=supplies, on=date(2025, 3, 10), ref="B")
    line = figures(cintra, "OP-SUP")
    assert (line.book.spent, line.book.spent_this_month) == (D("950.00"), D("750.00"))
    assert line.book.percent == D("95.0") and line.book.watch and not line.book.overspent


def test_execution_takes_a_constant_number_of_queries(accountant, cintra):
    rates((1, "1.45"))
    fiscal_year = FiscalYear.objects.get(lab=cintra, year=2025)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            execution = budget_execution(lab=cintra, fiscal_year=fiscal_year, on=date(2025, 3, 1))
        assert execution.total_eur is not None
        return len(queries)

    for i in range(2):
        line = budget_line(cintra, f"L{i}", "100.00")
        invoice(accountant, cintra, "10.00", line=line, ref=f"I{i}")
    few = count()
    for i in range(2, 30):
        line = budget_line(cintra, f"L{i}", "100.00", envelope=["operating", "equipment"][i % 2])
        invoice(accountant, cintra, "10.00", line=line, ref=f"I{i}")
        services.commitment_create(
            acting_user=accountant,
            budget_line=line,
            kind="purchase_order",
            reference=f"PO-{i}",
            third_party="S",
            label="x",
            amount=D("5.00"),
            on=date(2025, 3, 1),
        )
    assert count() == few


def test_groups_add_up_by_source_and_envelope(accountant, cintra):
    rates((1, "1.45"))
    budget_line(cintra, "OP-1", "100.00")
    budget_line(cintra, "EQ-1", "300.00", envelope="equipment", nature="equipment")
    execution = budget_execution(
        lab=cintra, fiscal_year=FiscalYear.objects.get(lab=cintra, year=2025)
    )
    assert execution.total_book.allocated == D("400.00")
    assert [(g.key, g.book.allocated) for g in execution.by_envelope] == [
        (("equipment",), D("300.00")),
        (("operating",), D("100.00")),
    ]
    assert [g.book.allocated for g in execution.by_source] == [D("400.00")]


def test_one_lines_figures_and_book_currency_alone(accountant, cintra, majulab):
    """The line page asks for its line only, a page in SGD for no conversion: the same
    figures as the whole execution's, without reading a rate."""
    rates((1, "1.45"), (3, "1.44"))
    supplies = budget_line(cintra, "OP-SUP", "1000.00")
    missions = budget_line(cintra, "OP-MIS", "500.00", nature="missions")
    invoice(accountant, cintra, "200.00", line=supplies, ref="A")
    invoice(accountant, cintra, "80.00", line=missions, on=date(2025, 3, 20), ref="B")
    fiscal_year = FiscalYear.objects.get(lab=cintra, year=2025)
    on = date(2025, 3, 31)
    whole = budget_execution(lab=cintra, fiscal_year=fiscal_year, on=on)

    one = budget_execution(lab=cintra, fiscal_year=fiscal_year, on=on, line_ids=[missions.pk])
    assert one.lines == tuple(r for r in whole.lines if r.id == missions.pk)
    assert one.total_book == one.lines[0].book and one.total_eur == one.lines[0].eur

    with CaptureQueriesContext(connection) as queries:
        book = budget_execution(lab=cintra, fiscal_year=fiscal_year, on=on, eur=False)
    assert not any("ledger_exchangerate" in q["sql"] for q in queries.captured_queries)
    assert [r.book for r in book.lines] == [r.book for r in whole.lines]
    assert book.lines[0].book.spent_this_month == D("80.00")
    assert book.total_book == whole.total_book
    assert book.total_eur is None and all(r.eur is None for r in book.lines)
    assert book.rates == () and book.months_without_rate == ()

    # Another lab's line is not among the lab's lines.
    other = budget_line(majulab, "OP-SUP", "10.00")
    assert budget_execution(lab=cintra, fiscal_year=fiscal_year, line_ids=[other.pk]).lines == ()


# Tagging ---------------------------------------------------------------------------------


def test_an_expense_without_budget_line_is_refused(accountant, cintra):
    with pytest.raises(BudgetLineMissingError) as info:
        invoice(accountant, cintra, "10.00", ref="X")
    assert str(info.value).endswith(", line 1 (account 6063): name the budget line it consumes")
    entry = JournalEntry.objects.get(piece_ref="X")
    assert entry.status == "draft"
    assert "LEDGER_BUDGET_MISSING" in refused(*raw_post_sql(entry, seq=1))


def test_opening_balances_need_no_budget_line(accountant, cintra):
    entry = services.entry_create_draft(
        acting_user=accountant,
        lab=cintra,
        journal=journal(cintra, "AN"),
        date=date(2025, 1, 1),
        label="Opening",
        lines=[
            services.LineInput(account=account(cintra, "6063"), debit=D("5.00")),
            services.LineInput(account=account(cintra, "101"), credit=D("5.00")),
        ],
    )
    assert services.entry_post(acting_user=accountant, entry=entry).number == "AN-2025-000001"


def test_budget_line_of_another_lab_is_refused(accountant, cintra, majulab):
    other = budget_line(majulab, "OP-SUP", "100.00")
    with pytest.raises(CrossLabError, match="Budget line OP-SUP belongs to MAJULAB"):
        invoice(accountant, cintra, "10.00", line=other)


def test_database_keeps_spending_totals_and_guards_allocations(accountant, cintra):
    supplies = budget_line(cintra, "OP-SUP", "100.00")
    invoice(accountant, cintra, "10.00", line=supplies, on=date(2025, 3, 1), ref="A")
    invoice(accountant, cintra, "15.50", line=supplies, on=date(2025, 3, 31), ref="B")
    assert list(BudgetSpending.objects.values_list("month", "amount")) == [
        (date(2025, 3, 1), D("25.50"))
    ]
    assert budget_availability(budget_line_ids=[supplies.pk]) == {supplies.pk: D("74.50")}
    assert "LEDGER_BUDGET_ALLOCATION" in refused(
        "UPDATE ledger_budgetline SET allocated = 99999 WHERE id = %s", [supplies.pk]
    )
    services.budget_line_amend(
        acting_user=accountant,
        budget_line=supplies,
        amount=D("50.00"),
        on=date(2025, 4, 1),
        justification="Top-up",
    )
    assert "LEDGER_BUDGET_ALLOCATION" in refused("DELETE FROM ledger_budgetamendment")
    assert "LEDGER_BUDGET_ALLOCATION" in refused("UPDATE ledger_budgetamendment SET delta = 1")


def test_cuts_and_transfers_cannot_take_what_is_spent(accountant, cintra):
    supplies = budget_line(cintra, "OP-SUP", "100.00")
    other = budget_line(cintra, "OP-OTH", "100.00")
    invoice(accountant, cintra, "80.00", line=supplies)
    with pytest.raises(BudgetExceededError, match=r"exceeds the available amount by 10\.00 SGD"):
        services.budget_line_amend(
            acting_user=accountant,
            budget_line=supplies,
            amount=D("-30.00"),
            on=date(2025, 4, 1),
            justification="Cut",
        )
    with pytest.raises(BudgetExceededError, match=r"has only 20\.00 SGD available to transfer"):
        services.budget_transfer(
            acting_user=accountant,
            source=supplies,
            target=other,
            amount=D("20.01"),
            on=date(2025, 4, 1),
            justification="Move",
        )


def test_block_policy_refuses_a_commitment_too(accountant, cintra):
    supplies = budget_line(cintra, "OP-SUP", "100.00", policy="block")
    with pytest.raises(
        BudgetExceededError, match=r"commitment PO-9 exceeds the available amount by 0\.01"
    ):
        services.commitment_create(
            acting_user=accountant,
            budget_line=supplies,
            kind="purchase_order",
            reference="PO-9",
            third_party="S",
            label="x",
            amount=D("100.01"),
            on=date(2025, 3, 1),
        )
    assert not Commitment.objects.exists()


def test_a_commitment_is_dated_in_its_budget_lines_year(accountant, cintra):
    supplies = budget_line(cintra, "OP-SUP", "100.00")
    with pytest.raises(CommitmentError, match="outside 2025, the year of budget line OP-SUP"):
        services.commitment_create(
            acting_user=accountant,
            budget_line=supplies,
            kind="purchase_order",
            reference="PO-2026",
            third_party="S",
            label="x",
            amount=D("10.00"),
            on=date(2026, 1, 5),
        )
