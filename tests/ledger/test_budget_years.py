"""Commitments and budgets across the year (issue 11, items 3 and 6), told as the office's
December and January: purchase orders carried over or cancelled, amended, budgets of a
multi-year grant carried forward while the CNRS allocation lapses, a grant seen over its
whole life, an allocation notified in EUR."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from irls import services as irls_services
from irls.models import FundingSource, Lab
from ledger import services
from ledger.exceptions import (
    BudgetError,
    BudgetExceededError,
    CommitmentError,
    MissingRateError,
    NotPermittedError,
)
from ledger.models import (
    AuditEvent,
    BudgetAmendment,
    BudgetLine,
    Commitment,
    CommitmentAmendment,
    FiscalYear,
    JournalEntry,
)
from ledger.selectors import (
    budget_availability,
    budget_execution,
    commitments_to_review,
    funding_source_execution,
    matching_budget_line,
)
from ledger.services import commitments as commitment_services
from tests.books import anr, budget_line, charged_invoice, funding
from tests.ledger.rawsql import refused
from tests.ledger.test_admin import logged_in, messages_of, run_action

D = Decimal
COMMITMENTS = "/admin/ledger/commitment/"


# -- the books of the story -------------------------------------------------------------


def year(lab: Lab, number: int) -> FiscalYear:
    return FiscalYear.objects.get(lab=lab, year=number)


def open_2026(lab: Lab) -> FiscalYear:
    return services.fiscal_year_open(acting_user=None, lab=lab, year=2026)


def anr_grant(lab: Lab, **extra: object) -> FundingSource:
    return irls_services.funding_source_create(
        acting_user=None,
        lab=lab,
        code="ANR-2D",
        name="ANR 2D materials 2025-2027",
        funder=anr(),
        kind="grant",
        start_date=date(2025, 1, 1),
        end_date=date(2027, 12, 31),
        currency="EUR",
        **extra,  # type: ignore[arg-type]
    )


def grant_line(
    lab: Lab, source: FundingSource, code: str, allocated: str, number: int
) -> BudgetLine:
    return services.budget_line_create(
        acting_user=None,
        lab=lab,
        fiscal_year=year(lab, number),
        funding_source=source,
        code=code,
        label_fr=f"Ligne {code}",
        label_en=f"Line {code}",
        envelope="operating",
        nature="missions",
        allocated=D(allocated),
        allocated_on=date(number, 1, 15),
    )


def order(user: User, line: BudgetLine, reference: str, amount: str, on: date) -> Commitment:
    return services.commitment_create(
        acting_user=user,
        budget_line=line,
        kind="purchase_order",
        reference=reference,
        third_party="WAFER-CO",
        label="Clean-room wafers",
        amount=D(amount),
        on=on,
    )


def invoice(
    user: User,
    lab: Lab,
    amount: str,
    *,
    on: date,
    line: BudgetLine | None = None,
    commitment: Commitment | None = None,
    ref: str = "INV",
) -> JournalEntry:
    return charged_invoice(
        user, lab, amount, line, on=on, ref=ref, commitment=commitment, supplier="WAFER-CO"
    )


def available(*lines: BudgetLine) -> list[Decimal]:
    figures = budget_availability(budget_line_ids=[line.pk for line in lines])
    return [figures[line.pk] for line in lines]


# -- commitments carried over -----------------------------------------------------------


def test_a_purchase_order_of_december_is_carried_over_and_invoiced_in_january(accountant, cintra):
    supplies_2025 = budget_line(cintra, "OP-SUP", "10000.00")
    po = order(accountant, supplies_2025, "PO-2025-014", "4000.00", date(2025, 11, 20))
    invoice(accountant, cintra, "1500.00", on=date(2025, 12, 10), commitment=po, ref="INV-1")
    fy_2026 = open_2026(cintra)
    supplies_2026 = budget_line(cintra, "OP-SUP", "8000.00", year=2026)
    assert list(commitments_to_review(year(cintra, 2025))) == [po]
    assert matching_budget_line(supplies_2025, fy_2026) == supplies_2026

    carried = services.commitment_carry_over(acting_user=accountant, commitment=po)

    # The open 2,500 now holds the 2026 line; 2025 keeps only what was invoiced.
    po.refresh_from_db()
    assert (po.status, po.open_amount, po.settled) == ("carried_over", D(0), D("1500.00"))
    assert (carried.reference, carried.amount, carried.date, carried.status) == (
        "PO-2025-014/2026",
        D("2500.00"),
        date(2026, 1, 1),
        "open",
    )
    assert (carried.budget_line, carried.carried_from, po.carried_to) == (
        supplies_2026,
        po,
        carried,
    )
    assert (carried.kind, carried.third_party, carried.label) == (
        po.kind,
        po.third_party,
        po.label,
    )
    assert available(supplies_2025, supplies_2026) == [D("8500.00"), D("5500.00")]
    assert not commitments_to_review(year(cintra, 2025)).exists()
    event = AuditEvent.objects.get(action="commitment.carry_over")
    assert event.object_id == str(po.pk) and (event.after or {})["to"] == "PO-2025-014/2026"
    assert AuditEvent.objects.filter(action="commitment.create", object_id=str(carried.pk)).exists()

    # January: the supplier's invoice consumes the carried commitment, not the 2026 budget.
    invoice(accountant, cintra, "2500.00", on=date(2026, 1, 12), commitment=carried, ref="INV-2")
    carried.refresh_from_db()
    assert (carried.status, carried.settled) == ("settled", D("2500.00"))
    assert available(supplies_2025, supplies_2026) == [D("8500.00"), D("5500.00")]
    row = next(r for r in budget_execution(lab=cintra, fiscal_year=fy_2026).lines)
    assert (row.book.committed, row.book.spent) == (D(0), D("2500.00"))


def test_the_old_commitment_sends_invoices_to_the_carried_one_and_keeps_its_status(
    accountant, cintra
):
    supplies_2025 = budget_line(cintra, "OP-SUP", "10000.00")
    po = order(accountant, supplies_2025, "PO-7", "1000.00", date(2025, 10, 1))
    first = invoice(accountant, cintra, "400.00", on=date(2025, 11, 5), commitment=po)
    open_2026(cintra)
    budget_line(cintra, "OP-SUP", "5000.00", year=2026)
    services.commitment_carry_over(acting_user=accountant, commitment=po)

    with pytest.raises(CommitmentError) as error:
        invoice(accountant, cintra, "100.00", on=date(2025, 12, 1), commitment=po)
    assert (
        str(error.value)
        == "Commitment PO-7 was carried over to 2026 as PO-7/2026: invoice PO-7/2026 instead"
    )

    # The December invoice can still be reversed in 2025: the old commitment stays
    # carried over (the database's settling trigger keeps the status), the spending goes.
    services.entry_reverse(acting_user=accountant, entry=first, date=date(2025, 12, 15))
    po.refresh_from_db()
    assert (po.status, po.settled, po.open_amount) == ("carried_over", D(0), D(0))
    assert available(supplies_2025) == [D("10000.00")]


def test_carrying_over_says_what_is_missing(accountant, cintra):
    supplies = budget_line(cintra, "OP-SUP", "10000.00")
    po = order(accountant, supplies, "PO-1", "300.00", date(2025, 6, 1))

    with pytest.raises(CommitmentError) as error:
        services.commitment_carry_over(acting_user=accountant, commitment=po)
    assert (
        str(error.value)
        == "Commitment PO-1: CINTRA has no fiscal year 2026 to carry it to; open 2026 first"
    )

    open_2026(cintra)
    with pytest.raises(CommitmentError) as error:
        services.commitment_carry_over(acting_user=accountant, commitment=po)
    assert str(error.value) == (
        "Commitment PO-1: budget line OP-SUP has no counterpart in 2026: create budget line "
        "OP-SUP in 2026, or choose the 2026 line that takes the commitment"
    )

    # The accountant chooses another line of 2026; a line of 2025 is refused.
    with pytest.raises(CommitmentError, match="goes to a budget line of CINTRA in 2026"):
        services.commitment_carry_over(
            acting_user=accountant, commitment=po, to_budget_line=supplies
        )
    other = budget_line(cintra, "OP-LAB", "1000.00", year=2026)
    carried = services.commitment_carry_over(
        acting_user=accountant, commitment=po, to_budget_line=other, on=date(2026, 1, 5)
    )
    assert (carried.budget_line, carried.date) == (other, date(2026, 1, 5))

    # Once carried over it is no longer open.
    with pytest.raises(CommitmentError) as error:
        services.commitment_carry_over(acting_user=accountant, commitment=po)
    assert str(error.value) == "Commitment PO-1 is carried over: it can no longer be carried over"
    assert Commitment.objects.count() == 2


def test_a_commitment_carried_twice_keeps_its_original_reference(accountant, cintra):
    po = order(
        accountant, budget_line(cintra, "OP-SUP", "1000.00"), "PO-9", "100.00", date(2025, 5, 1)
    )
    open_2026(cintra)
    budget_line(cintra, "OP-SUP", "1000.00", year=2026)
    services.fiscal_year_open(acting_user=None, lab=cintra, year=2027)
    budget_line(cintra, "OP-SUP", "1000.00", year=2027)

    in_2026 = services.commitment_carry_over(acting_user=accountant, commitment=po)
    in_2027 = services.commitment_carry_over(acting_user=accountant, commitment=in_2026)

    assert (in_2026.reference, in_2027.reference) == ("PO-9/2026", "PO-9/2027")
    assert in_2027.carried_from == in_2026 and in_2026.carried_from == po


def test_settled_and_cancelled_commitments_stay_where_they_are(accountant, cintra):
    line = budget_line(cintra, "OP-SUP", "1000.00")
    settled = order(accountant, line, "PO-S", "100.00", date(2025, 3, 1))
    invoice(accountant, cintra, "100.00", on=date(2025, 3, 5), commitment=settled)
    cancelled = order(accountant, line, "PO-C", "100.00", date(2025, 3, 1))
    services.commitment_cancel(acting_user=accountant, commitment=cancelled, reason="Stopped")
    open_2026(cintra)
    budget_line(cintra, "OP-SUP", "1000.00", year=2026)

    for commitment, status in ((settled, "settled"), (cancelled, "cancelled")):
        with pytest.raises(CommitmentError, match=f"is {status}: it can no longer be carried over"):
            services.commitment_carry_over(acting_user=accountant, commitment=commitment)
    assert not commitments_to_review(year(cintra, 2025)).exists()


def test_a_carried_commitment_over_the_next_line_is_flagged_never_refused(accountant, cintra):
    po = order(
        accountant, budget_line(cintra, "OP-SUP", "5000.00"), "PO-B", "3000.00", date(2025, 9, 1)
    )
    open_2026(cintra)
    small = budget_line(cintra, "OP-SUP", "1000.00", year=2026, policy="block")

    carried = services.commitment_carry_over(acting_user=accountant, commitment=po)

    assert available(small) == [D("-2000.00")]
    flag = AuditEvent.objects.get(action="budget_line.overspent")
    assert flag.after == {"excess": "2000.00", "by": f"commitment {carried.reference}"}


def test_only_writers_carry_over_cancel_or_amend(accountant, director_cintra, cintra):
    po = order(
        accountant, budget_line(cintra, "OP-SUP", "1000.00"), "PO-1", "100.00", date(2025, 5, 1)
    )
    open_2026(cintra)
    budget_line(cintra, "OP-SUP", "1000.00", year=2026)
    for call in (
        lambda: services.commitment_carry_over(acting_user=director_cintra, commitment=po),
        lambda: services.commitment_cancel(acting_user=director_cintra, commitment=po, reason="x"),
        lambda: services.commitment_amend(
            acting_user=director_cintra,
            commitment=po,
            delta=D(1),
            date=date(2025, 6, 1),
            justification="x",
        ),
        lambda: services.budget_carry_forward(
            acting_user=director_cintra, fiscal_year=year(cintra, 2025)
        ),
    ):
        with pytest.raises(NotPermittedError):
            call()
    po.refresh_from_db()
    assert (po.status, po.amount) == ("open", D("100.00"))


# -- cancelled with a reason ------------------------------------------------------------


def test_a_cancellation_needs_a_reason(accountant, cintra):
    line = budget_line(cintra, "OP-SUP", "1000.00")
    po = order(accountant, line, "PO-1", "400.00", date(2025, 5, 1))

    for reason in ("", "   "):
        with pytest.raises(CommitmentError) as error:
            services.commitment_cancel(acting_user=accountant, commitment=po, reason=reason)
        assert str(error.value) == (
            "Say why commitment PO-1 is cancelled: the reason is kept in the audit trail"
        )
    po.refresh_from_db()
    assert po.status == "open" and available(line) == [D("600.00")]

    services.commitment_cancel(acting_user=accountant, commitment=po, reason="Supplier gone")
    po.refresh_from_db()
    assert (po.status, po.cancelled_reason) == ("cancelled", "Supplier gone")
    assert available(line) == [D("1000.00")]


# -- amended up and down ----------------------------------------------------------------


def test_a_commitment_is_amended_up_and_down_never_below_what_is_invoiced(accountant, cintra):
    line = budget_line(cintra, "OP-SUP", "5000.00")
    po = order(accountant, line, "PO-1", "1000.00", date(2025, 3, 1))
    invoice(accountant, cintra, "600.00", on=date(2025, 3, 20), commitment=po)

    def amend(delta: str, on: date = date(2025, 4, 1), why: str = "Quote revised"):
        return services.commitment_amend(
            acting_user=accountant, commitment=po, delta=D(delta), date=on, justification=why
        )

    up = amend("500.00", why="Two more wafers")
    po.refresh_from_db()
    assert (po.amount, po.open_amount, po.status) == (D("1500.00"), D("900.00"), "partly_settled")
    assert (up.delta, up.date, up.justification) == (
        D("500.00"),
        date(2025, 4, 1),
        "Two more wafers",
    )
    assert available(line) == [D("3500.00")]

    with pytest.raises(CommitmentError) as error:
        amend("-1000.00")
    assert str(error.value) == (
        "Commitment PO-1 cannot go down to 500.00 SGD: 600.00 SGD is already invoiced"
    )

    amend("-900.00", why="Rest of the order dropped")
    po.refresh_from_db()
    assert (po.amount, po.open_amount, po.status) == (D("600.00"), D(0), "settled")

    amend("100.00", on=date(2025, 5, 2), why="Delivery costs")  # a settled order opens again
    po.refresh_from_db()
    assert (po.amount, po.status) == (D("700.00"), "partly_settled")

    # The history adds up to the amount; each amendment is audited.
    history = list(po.amendments.values_list("delta", flat=True))
    assert history == [D("500.00"), D("-900.00"), D("100.00")]
    assert D("1000.00") + sum(history) == po.amount
    assert AuditEvent.objects.filter(action="commitment.amend", object_id=str(po.pk)).count() == 3

    for delta, on, why, message in (
        ("0.00", date(2025, 6, 1), "x", "the amount must be greater than zero"),
        ("1.00", date(2025, 2, 1), "x", "it falls between the commitment's date 2025-03-01"),
        ("1.00", date(2025, 6, 1), " ", "Say why commitment PO-1 is amended"),
    ):
        with pytest.raises((CommitmentError, BudgetError), match=message):
            amend(delta, on, why)
    assert po.amendments.count() == 3


def test_a_commitment_is_not_amended_to_nothing_nor_over_a_block_line(accountant, cintra):
    line = budget_line(cintra, "OP-SUP", "1000.00", policy="block")
    po = order(accountant, line, "PO-1", "800.00", date(2025, 3, 1))
    with pytest.raises(CommitmentError, match=r"cannot go down to 0\.00 SGD: cancel it instead"):
        services.commitment_amend(
            acting_user=accountant,
            commitment=po,
            delta=D("-800.00"),
            date=date(2025, 3, 2),
            justification="x",
        )
    with pytest.raises(BudgetExceededError, match=r"exceeds the available amount by 100\.00 SGD"):
        services.commitment_amend(
            acting_user=accountant,
            commitment=po,
            delta=D("300.00"),
            date=date(2025, 3, 2),
            justification="More",
        )
    po.refresh_from_db()
    assert po.amount == D("800.00") and not CommitmentAmendment.objects.exists()


def test_commitment_amendments_never_change_even_by_raw_sql(accountant, cintra):
    po = order(
        accountant, budget_line(cintra, "OP-SUP", "1000.00"), "PO-1", "100.00", date(2025, 3, 1)
    )
    amendment = services.commitment_amend(
        acting_user=accountant,
        commitment=po,
        delta=D("50.00"),
        date=date(2025, 3, 2),
        justification="Freight",
    )
    table = "ledger_commitmentamendment"
    for sql in (
        f"UPDATE {table} SET delta = 1 WHERE id = %s",
        f"UPDATE {table} SET justification = 'nothing' WHERE id = %s",
        f"DELETE FROM {table} WHERE id = %s",
    ):
        assert "LEDGER_BUDGET_ALLOCATION" in refused(sql, [amendment.pk])
    # Nor is a change of nothing recorded.
    assert "commitment_amendment_not_zero" in refused(
        f"INSERT INTO {table} (commitment_id, delta, date, justification, created_at)"
        " VALUES (%s, 0, '2025-03-03', 'x', '2025-03-03 10:00:00')",
        [po.pk],
    )
    amendment.refresh_from_db()
    assert (amendment.delta, amendment.justification) == (D("50.00"), "Freight")


# -- budgets carried forward at closing -------------------------------------------------


def test_a_multi_year_grant_carries_its_unspent_allocation_and_the_cnrs_allocation_lapses(
    accountant, cintra
):
    grant = anr_grant(cintra)
    assert (grant.carries_over, funding(cintra).carries_over) == (True, False)
    travel_2025 = grant_line(cintra, grant, "AN-TRV", "4000.00", 2025)
    supplies_2025 = budget_line(cintra, "OP-SUP", "10000.00")
    invoice(accountant, cintra, "1000.00", on=date(2025, 6, 1), line=travel_2025)
    order(accountant, travel_2025, "MO-1", "500.00", date(2025, 11, 2))  # still open
    invoice(accountant, cintra, "2000.00", on=date(2025, 7, 1), line=supplies_2025)
    fy_2025, fy_2026 = year(cintra, 2025), open_2026(cintra)
    travel_2026 = grant_line(cintra, grant, "AN-TRV", "3000.00", 2026)
    supplies_2026 = budget_line(cintra, "OP-SUP", "9000.00", year=2026)

    made = services.budget_carry_forward(acting_user=accountant, fiscal_year=fy_2025)

    # 4,000 - 1,000 spent - 500 still committed = 2,500 carried to 2026.
    out, into = made
    assert (out.budget_line, out.kind, out.delta, out.date) == (
        travel_2025, "carry_out", D("-2500.00"), date(2025, 12, 31)
    )  # fmt: skip
    assert (into.budget_line, into.kind, into.delta, into.date, into.counterpart) == (
        travel_2026, "carry_in", D("2500.00"), date(2026, 1, 1), out
    )  # fmt: skip
    assert into.justification == "Unspent 2025 allocation carried from AN-TRV 2025"
    assert available(travel_2025, travel_2026) == [D(0), D("5500.00")]
    # The CNRS allocation lapses: its 8,000 stay unspent in 2025, 2026 gets nothing more.
    assert available(supplies_2025, supplies_2026) == [D("8000.00"), D("9000.00")]
    event = AuditEvent.objects.get(action="budget.carry_forward")
    assert event.after is not None
    assert event.after["carried"] == {"AN-TRV": "2500.00"}
    assert event.after["lapsed"] == {"OP-SUP": "8000.00"}
    assert (
        AuditEvent.objects.filter(
            action__in=["budget_line.carry_in", "budget_line.carry_out"]
        ).count()
        == 2
    )
    year_figures = budget_execution(lab=cintra, fiscal_year=fy_2026).lines
    assert next(r for r in year_figures if r.code == "AN-TRV").book.amendments == D("2500.00")

    # Running it again (a second closing attempt) carries nothing twice.
    assert services.budget_carry_forward(acting_user=accountant, fiscal_year=fy_2025) == []
    assert BudgetAmendment.objects.count() == 2
    assert available(travel_2025, travel_2026) == [D(0), D("5500.00")]

    # A reversal frees 1,000 in 2025 (reopened year): closing again carries the difference.
    first_invoice = JournalEntry.objects.get(lines__budget_line=travel_2025)
    services.entry_reverse(acting_user=accountant, entry=first_invoice, date=date(2025, 12, 20))
    again = services.budget_carry_forward(acting_user=accountant, fiscal_year=fy_2025)
    assert [a.delta for a in again] == [D("-1000.00"), D("1000.00")]
    assert available(travel_2025, travel_2026) == [D(0), D("6500.00")]


def test_carry_forward_names_the_lines_missing_next_year(accountant, cintra):
    grant = anr_grant(cintra)
    grant_line(cintra, grant, "AN-TRV", "4000.00", 2025)
    grant_line(cintra, grant, "AN-EQ", "6000.00", 2025)
    grant_line(cintra, grant, "AN-NIL", "0.00", 2025)  # nothing to carry: no line needed
    budget_line(cintra, "OP-SUP", "10000.00")  # lapses: no line needed
    fy_2025 = year(cintra, 2025)

    with pytest.raises(BudgetError) as error:
        services.budget_carry_forward(acting_user=accountant, fiscal_year=fy_2025)
    assert str(error.value) == (
        "CINTRA has no fiscal year 2026 to carry the unspent 2025 allocations to; open 2026 first"
    )
    open_2026(cintra)
    grant_line(cintra, grant, "AN-TRV", "1.00", 2026)
    with pytest.raises(BudgetError) as error:
        services.budget_carry_forward(acting_user=accountant, fiscal_year=fy_2025)
    assert str(error.value) == (
        "The unspent 2025 allocation of AN-EQ is carried to 2026, which has no such budget "
        "line: create 2026 budget lines with these codes (same funding source) first"
    )
    assert not BudgetAmendment.objects.exists()  # all or nothing

    # A line of that code on another funding source does not take the grant's money.
    budget_line(cintra, "AN-EQ", "1.00", year=2026)
    with pytest.raises(BudgetError, match="belongs to funding source CNRS-DOT, not ANR-2D"):
        services.budget_carry_forward(acting_user=accountant, fiscal_year=fy_2025)


def test_a_grant_that_ends_with_the_year_carries_nothing(accountant, cintra):
    grant = anr_grant(cintra)
    FundingSource.objects.filter(pk=grant.pk).update(end_date=date(2025, 12, 31))
    line = grant_line(cintra, grant, "AN-TRV", "4000.00", 2025)
    open_2026(cintra)

    assert (
        services.budget_carry_forward(acting_user=accountant, fiscal_year=year(cintra, 2025)) == []
    )
    assert available(line) == [D("4000.00")]
    assert (AuditEvent.objects.get(action="budget.carry_forward").after or {})["ended"] == {
        "AN-TRV": "4000.00"
    }


def test_a_funding_source_says_whether_it_carries_over(cintra):
    assert FundingSource.carries_over_by_default("grant")
    assert FundingSource.carries_over_by_default("contract")
    assert not FundingSource.carries_over_by_default("cnrs_allocation")
    assert not FundingSource.carries_over_by_default("partner_contribution")
    lapsing = anr_grant(cintra, carries_over=False)
    assert lapsing.carries_over is False


# -- a grant over its whole life --------------------------------------------------------


def test_a_grant_over_its_whole_life_sums_its_years(accountant, cintra):
    grant = anr_grant(cintra)
    travel_2025 = grant_line(cintra, grant, "AN-TRV", "4000.00", 2025)
    budget_line(cintra, "OP-SUP", "10000.00")  # another funding source: not counted
    invoice(accountant, cintra, "1000.00", on=date(2025, 6, 1), line=travel_2025)
    mission = order(accountant, travel_2025, "MO-1", "500.00", date(2025, 11, 2))
    services.budget_line_amend(
        acting_user=accountant,
        budget_line=travel_2025,
        amount=D("250.00"),
        on=date(2025, 9, 1),
        justification="Top-up",
    )
    open_2026(cintra)
    travel_2026 = grant_line(cintra, grant, "AN-TRV", "3000.00", 2026)
    services.commitment_carry_over(acting_user=accountant, commitment=mission)
    services.budget_carry_forward(acting_user=accountant, fiscal_year=year(cintra, 2025))
    invoice(accountant, cintra, "700.00", on=date(2026, 2, 3), line=travel_2026)

    life = funding_source_execution(funding_source=grant, on=date(2026, 2, 15))

    assert (life.funding_source, life.years) == ("ANR-2D", (2025, 2026))
    assert (life.period_from, life.period_to) == (date(2025, 1, 1), date(2026, 12, 31))
    [row] = life.lines
    assert (row.code, row.years, row.id, row.year) == ("AN-TRV", (2025, 2026), travel_2026.pk, 2026)
    # 4,000 + 3,000 allocated, the top-up of 250 (carry-overs cancel out), 1,000 + 700
    # spent, the mission order of 500 carried into 2026 committed once.
    figures = row.book
    assert (figures.allocated, figures.amendments, figures.spent, figures.committed) == (
        D("7000.00"), D("250.00"), D("1700.00"), D("500.00")
    )  # fmt: skip
    assert figures.available == D("5050.00") == life.total_book.available
    assert figures.spent_this_month == D("700.00")
    # The same money, year by year.
    years = [
        next(
            r
            for r in budget_execution(lab=cintra, fiscal_year=year(cintra, n)).lines
            if r.code == "AN-TRV"
        ).book
        for n in (2025, 2026)
    ]
    assert sum(y.available for y in years) == figures.available
    assert sum(y.spent for y in years) == figures.spent
    # Up to a year only.
    assert funding_source_execution(
        funding_source=grant, until_year=2025
    ).total_book.allocated == D("4000.00")


# -- an allocation notified in EUR -------------------------------------------------------


def chancellery(month: int, units: str, number: int = 2025) -> None:
    services.exchange_rate_set(
        acting_user=None,
        currency="SGD",
        valid_from=date(number, month, 1),
        units_per_eur=D(units),
        source="chancellery",
    )


def notified_line(lab: Lab, rate: str | None = None, **extra: object) -> BudgetLine:
    return services.budget_line_create(
        acting_user=None,
        lab=lab,
        fiscal_year=year(lab, 2025),
        funding_source=funding(lab),
        code="CNRS-EQ",
        label_fr="Équipement",
        label_en="Equipment",
        envelope="equipment",
        nature="equipment",
        allocated_on=date(2025, 1, 20),
        notified_currency="EUR",
        notified_amount=D("10000.00"),
        notified_rate=D(rate) if rate else None,
        **extra,  # type: ignore[arg-type]
    )


def test_a_line_notified_in_eur_keeps_its_notified_amount(accountant, cintra):
    with pytest.raises(MissingRateError):
        notified_line(cintra)
    chancellery(1, "1.4567")
    chancellery(2, "1.4000")

    line = notified_line(cintra)

    # Booked at the chancellery rate of January: 10,000 EUR x 1.4567 = 14,567.00 SGD.
    assert line.allocated == D("14567.00")
    assert (line.notified_currency, line.notified_amount, line.notified_rate) == (
        "EUR", D("10000.00"), D("1.45670000")
    )  # fmt: skip
    assert (line.notified_rate_date, line.notified_rate_source) == (date(2025, 1, 1), "chancellery")
    created = AuditEvent.objects.get(action="budget_line.create", object_id=str(line.pk))
    assert (created.after or {})["notified_amount"] == "10000.00"
    # The EUR view shows the 10,000 notified, never 14,567 converted back.
    invoice(accountant, cintra, "1400.00", on=date(2025, 2, 10), line=line)
    row = budget_execution(lab=cintra, fiscal_year=year(cintra, 2025)).lines[0]
    assert (row.notified_currency, row.notified_amount) == ("EUR", D("10000.00"))
    assert row.eur is not None
    assert (row.eur.allocated, row.eur.spent, row.eur.available) == (
        D("10000.00"), D("1000.00"), D("9000.00")
    )  # fmt: skip
    assert row.book.allocated == D("14567.00")


def test_a_notified_line_rounds_half_up_and_checks_a_given_allocation(cintra):
    # 1,234.57 EUR at 1.45 = 1,790.1265 SGD: 1,790.13.
    line = services.budget_line_create(
        acting_user=None,
        lab=cintra,
        fiscal_year=year(cintra, 2025),
        funding_source=funding(cintra),
        code="CNRS-X",
        label_fr="x",
        label_en="x",
        envelope="operating",
        nature="other",
        allocated_on=date(2025, 3, 3),
        notified_currency="EUR",
        notified_amount=D("1234.57"),
        notified_rate=D("1.45"),
    )
    assert (line.allocated, line.notified_rate_date) == (D("1790.13"), date(2025, 3, 3))
    with pytest.raises(BudgetError) as error:
        notified_line(cintra, rate="1.45", allocated=D("14000.00"))
    assert str(error.value) == (
        "Budget line CNRS-EQ: 10,000.00 EUR at 1.45 is 14,500.00 SGD, not the 14,000.00 SGD "
        "given as allocated; leave the allocation empty to compute it"
    )
    # The database wants the whole notification or none of it (a line written with a
    # notified amount and no rate), and never changes one once written.
    assert "budget_line_notification_traceable" in refused(
        "INSERT INTO ledger_budgetline (lab_id, fiscal_year_id, funding_source_id, code,"
        " label_fr, label_en, envelope, nature, funder_category, allocated, allocated_on,"
        " policy, created_at, notified_currency, notified_amount, notified_rate,"
        " notified_rate_date, notified_rate_source)"
        " SELECT lab_id, fiscal_year_id, funding_source_id, 'CNRS-EQ2', label_fr, label_en,"
        " envelope, nature, funder_category, allocated, allocated_on, policy, created_at,"
        " notified_currency, notified_amount, NULL, notified_rate_date, notified_rate_source"
        " FROM ledger_budgetline WHERE id = %s",
        [line.pk],
    )
    assert "LEDGER_BUDGET_ALLOCATION" in refused(
        "UPDATE ledger_budgetline SET notified_rate = NULL WHERE id = %s", [line.pk]
    )


# -- the commitments' admin pages -------------------------------------------------------


def test_an_accountant_carries_over_amends_and_cancels_from_the_admin(client, accountant, cintra):
    line = budget_line(cintra, "OP-SUP", "5000.00")
    po = order(accountant, line, "PO-1", "1000.00", date(2025, 3, 1))
    other = order(accountant, line, "PO-2", "200.00", date(2025, 3, 2))
    third = order(accountant, line, "PO-3", "300.00", date(2025, 3, 3))
    open_2026(cintra)
    line_2026 = budget_line(cintra, "OP-SUP", "5000.00", year=2026)
    client = logged_in(client, accountant)

    page = client.get(f"{COMMITMENTS}{po.pk}/change/").content.decode()
    for link in ("carry-over/", "amend/", "cancel/"):
        assert f"{COMMITMENTS}{po.pk}/{link}" in page

    # Amend: the page asks how much, when and why.
    response = client.post(
        f"{COMMITMENTS}{po.pk}/amend/",
        {
            "direction": "lower",
            "amount": "250.00",
            "date": "2025-04-01",
            "justification": "Discount",
        },
        follow=True,
    )
    assert "PO-1 amended by -250.00: now 750.00 SGD" in messages_of(response)
    # Carry over: the line of the same code in 2026 is proposed.
    page = client.get(f"{COMMITMENTS}{po.pk}/carry-over/").content.decode()
    assert f'<option value="{line_2026.pk}" selected>' in page
    response = client.post(
        f"{COMMITMENTS}{po.pk}/carry-over/",
        {"to_budget_line": line_2026.pk, "date": "2026-01-01"},
        follow=True,
    )
    assert "PO-1 carried over as PO-1/2026 on OP-SUP 2026: 750.00 SGD" in messages_of(response)
    # Cancel: a reason is required.
    assert (
        "This field is required"
        in client.post(f"{COMMITMENTS}{other.pk}/cancel/", {"reason": ""}).content.decode()
    )
    client.post(f"{COMMITMENTS}{other.pk}/cancel/", {"reason": "Not needed"})
    # The list carries the rest over, all or none.
    page = run_action(client, COMMITMENTS, "carry_over_commitments", third).content.decode()
    assert "OP-SUP 2026" in page
    response = client.post(
        COMMITMENTS,
        {
            "action": "carry_over_commitments",
            "_selected_action": [third.pk],
            "apply": "Carry",
            "date": "",
        },
        follow=True,
    )
    assert "Carried over: PO-3 → PO-3/2026" in messages_of(response)

    statuses = dict(Commitment.objects.values_list("reference", "status"))
    assert statuses == {
        "PO-1": "carried_over",
        "PO-1/2026": "open",
        "PO-2": "cancelled",
        "PO-3": "carried_over",
        "PO-3/2026": "open",
    }
    # A refusal shows on the page and writes nothing.
    response = client.post(
        f"{COMMITMENTS}{po.pk}/carry-over/", {"to_budget_line": line_2026.pk, "date": "2026-01-01"}
    )
    assert "Commitment PO-1 is carried over: it can no longer be carried over" in (
        response.content.decode()
    )


def test_directors_see_commitments_but_not_their_action_pages(
    client, accountant, director_cintra, cintra
):
    po = order(
        accountant, budget_line(cintra, "OP-SUP", "1000.00"), "PO-1", "100.00", date(2025, 3, 1)
    )
    client = logged_in(client, director_cintra)
    page = client.get(f"{COMMITMENTS}{po.pk}/change/").content.decode()
    assert "PO-1" in page and "carry-over/" not in page
    for view in ("carry-over", "amend", "cancel"):
        assert client.get(f"{COMMITMENTS}{po.pk}/{view}/").status_code == 403
    assert commitment_services.carried_reference(po, 2026) == "PO-1/2026"


def test_a_notified_amount_and_its_rate_never_change_even_by_raw_sql(cintra):
    from tests.ledger.rawsql import refused

    line = budget_line(cintra, "CNRS-OP-NOTIF", "1000.00")
    for column, value in (
        ("notified_amount", "999.00"),
        ("notified_rate", "1.23"),
        ("notified_currency", "'EUR'"),
    ):
        assert "LEDGER_BUDGET_ALLOCATION" in refused(
            f"UPDATE ledger_budgetline SET {column} = {value} WHERE id = %s", [line.pk]
        )
