"""Issue 11, item 4: no path leaves a posted error that cannot be corrected.

Every kind of entry (budgeted, committed, converted, imported) is reversed across a
month (its month closed), across a year (its year closed), and after its commitment was
cancelled or carried over; a reversal, which is never reversed itself, is corrected by
booking the entry again, in the open year too. Each correction posts, keeps the books
balanced and the chain verified, and lands its budget effect where the year it is dated
in says.
"""

from datetime import date
from decimal import Decimal

import pytest
from djmoney.money import Money

from ledger import services
from ledger.exceptions import ReversalError
from ledger.models import FiscalYear, JournalEntry, Period
from ledger.selectors import ledger_verify
from ledger.services.commitments import commitment_cancel, commitment_carry_over
from ledger.services.imports import import_file
from ledger.services.years import fiscal_year_close
from tests.books import account, budget_line, journal
from tests.imports.sheets import JOURNAL_HEADER, csv_bytes, line

D = Decimal
KINDS = ["budgeted", "committed", "converted", "imported"]
CROSSINGS = ["month", "year", "cancelled", "carried"]


def _entry(user, lab, on, lines, label="Invoice", journal_code="ACH"):
    draft = services.entry_create_draft(
        acting_user=user,
        lab=lab,
        journal=journal(lab, journal_code),
        date=on,
        label=label,
        lines=lines,
    )
    return services.entry_post(acting_user=user, entry=draft)


def _book(kind, user, lab, supplies, order):
    """An entry of `kind`, posted on 10 March 2025."""
    on = date(2025, 3, 10)
    supplier = services.LineInput(account=account(lab, "401"), credit=D("100.00"))
    if kind == "budgeted":
        spend = services.LineInput(
            account=account(lab, "6063"), debit=D("100.00"), budget_line=supplies
        )
        return _entry(user, lab, on, [spend, supplier])
    if kind == "committed":
        spend = services.LineInput(
            account=account(lab, "6063"), debit=D("100.00"), commitment=order
        )
        return _entry(user, lab, on, [spend, supplier])
    if kind == "converted":
        services.exchange_rate_set(
            acting_user=None,
            currency="SGD",
            valid_from=date(2025, 1, 1),
            units_per_eur=D("1.45"),
            source="chancellery",
        )
        spend = services.LineInput(
            account=account(lab, "6063"),
            amount_currency=Money("100.00", "EUR"),
            side="debit",
            budget_line=supplies,
        )
        paid = services.LineInput(account=account(lab, "401"), credit=D("145.00"))
        return _entry(user, lab, on, [spend, paid], label="Paris supplies")
    rows = [
        line("IMP-1", "6063", "100.00", None, date="2025-03-10", budget_line="OP-SUP"),
        line("IMP-1", "401", None, "100.00", date="2025-03-10"),
    ]
    outcome = import_file(
        acting_user=user,
        lab=lab,
        kind="journal",
        file_name="march.csv",
        data=csv_bytes([JOURNAL_HEADER, *rows]),
        post=True,
        dry_run=False,
    )
    assert not outcome.problems
    return JournalEntry.objects.get(source_key="IMP-1")


def _close_months(lab, year, up_to=12):
    for period in Period.objects.filter(lab=lab, fiscal_year__year=year, month__lte=up_to).order_by(
        "month"
    ):
        if period.status == "open":
            services.period_close(acting_user=None, period=period)


@pytest.mark.parametrize("crossing", CROSSINGS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_of_entry_is_corrected_across_months_years_and_commitments(
    accountant, cintra, kind, crossing
):
    supplies = budget_line(cintra, "OP-SUP", "5000.00")
    order = services.commitment_create(
        acting_user=accountant,
        budget_line=supplies,
        kind="purchase_order",
        reference="PO-7",
        third_party="SUP-A",
        label="Supplies, framework order",
        amount=D("1000.00"),
        on=date(2025, 2, 1),
    )
    entry = _book(kind, accountant, cintra, supplies, order)
    on = date(2025, 6, 2)
    if crossing == "cancelled":
        commitment_cancel(acting_user=accountant, commitment=order, reason="Supplier stopped")
    if crossing in ("year", "carried"):
        services.fiscal_year_open(acting_user=None, lab=cintra, year=2026)
        supplies_2026 = budget_line(cintra, "OP-SUP", "5000.00", year=2026)
        if crossing == "carried":
            commitment_carry_over(acting_user=accountant, commitment=order)
        else:
            commitment_cancel(acting_user=accountant, commitment=order, reason="Year end")
        _close_months(cintra, 2025)
        fiscal_year_close(acting_user=accountant, fiscal_year=FiscalYear.objects.get(year=2025))
        on = date(2026, 1, 20)
    else:
        _close_months(cintra, 2025, up_to=3)  # the entry's month is closed

    reversal = services.entry_reverse(
        acting_user=accountant, entry=entry, date=on, reason=f"{kind} error, {crossing}"
    )

    assert (reversal.status, reversal.date, reversal.reversal_of) == ("posted", on, entry)
    original_lines = list(entry.lines.order_by("id"))
    reversed_lines = list(reversal.lines.order_by("id"))
    assert [(ln.account_id, ln.credit, ln.debit) for ln in original_lines] == [
        (ln.account_id, ln.debit, ln.credit) for ln in reversed_lines
    ]
    # A converted line is undone at the original's rate, not the rate of the day.
    assert [ln.fx_rate for ln in reversed_lines] == [ln.fx_rate for ln in original_lines]
    spent = next(ln for ln in reversed_lines if ln.account.code == "6063")
    if crossing in ("year", "carried"):
        assert spent.budget_line == supplies_2026
        expected = order.carried_to if crossing == "carried" and kind == "committed" else None
        assert spent.commitment == expected
    else:
        assert spent.budget_line == supplies
    assert ledger_verify(lab=cintra).ok


def test_a_reversal_is_corrected_by_booking_the_entry_again_in_the_open_year(accountant, cintra):
    supplies = budget_line(cintra, "OP-SUP", "5000.00")
    entry = _book("budgeted", accountant, cintra, supplies, None)
    reversal = services.entry_reverse(
        acting_user=accountant, entry=entry, date=date(2025, 11, 3), reason="Thought wrong"
    )
    services.fiscal_year_open(acting_user=None, lab=cintra, year=2026)
    supplies_2026 = budget_line(cintra, "OP-SUP", "5000.00", year=2026)
    _close_months(cintra, 2025)
    fiscal_year_close(acting_user=accountant, fiscal_year=FiscalYear.objects.get(year=2025))

    with pytest.raises(ReversalError) as info:
        services.entry_reverse(acting_user=accountant, entry=reversal, date=date(2026, 1, 5))
    assert "is itself a reversal" in str(info.value) and "post a new entry" in str(info.value)
    again = _entry(
        accountant,
        cintra,
        date(2026, 1, 5),
        [
            services.LineInput(
                account=account(cintra, "6063"), debit=D("100.00"), budget_line=supplies_2026
            ),
            services.LineInput(account=account(cintra, "401"), credit=D("100.00")),
        ],
        label="Invoice booked again (the reversal was a mistake)",
    )
    assert again.status == "posted" and ledger_verify(lab=cintra).ok
