"""Budget lines, amendments and commitments in the accountants' admin (issue 3, item 8):
written through the budget services, read-only once recorded, scoped to the user's labs,
and the director's figures (budget_execution) reflecting what the admin records."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from irls import services as irls_services
from irls.models import Lab, Role
from ledger import services
from ledger.exceptions import NotPermittedError
from ledger.models import (
    AuditEvent,
    BudgetAmendment,
    BudgetLine,
    Commitment,
    FiscalYear,
    JournalEntry,
)
from ledger.selectors import budget_availability, budget_execution
from tests.books import account, budget_line, draft, funding, journal
from tests.ledger.test_admin import entry_form, line_data, logged_in, messages_of, run_action

D = Decimal
LINES = "/admin/ledger/budgetline/"
AMENDMENTS = "/admin/ledger/budgetamendment/"
COMMITMENTS = "/admin/ledger/commitment/"
ENTRIES = "/admin/ledger/journalentry/"


def year_of(lab: Lab, year: int = 2025) -> FiscalYear:
    return FiscalYear.objects.get(lab=lab, year=year)


def line_form(lab: Lab, code: str, allocated: str, **fields: Any) -> dict[str, Any]:
    """The POST of the budget line's add form."""
    return {
        "lab": lab.pk,
        "fiscal_year": year_of(lab).pk,
        "funding_source": funding(lab).pk,
        "code": code,
        "label_fr": f"Ligne {code}",
        "label_en": f"Line {code}",
        "envelope": "operating",
        "nature": "supplies",
        "funder_category": "",
        "policy": "warn",
        "allocated": allocated,
        "allocated_on": "2025-01-15",
        **fields,
    }


def commitment_form(line: BudgetLine, reference: str, amount: str) -> dict[str, Any]:
    """The POST of the commitment's add form."""
    return {
        "budget_line": line.pk,
        "kind": "purchase_order",
        "reference": reference,
        "third_party": "SUP-01",
        "label": "Clean-room wafers",
        "amount": amount,
        "date": "2025-02-03",
    }


def commit(user, line: BudgetLine, reference: str, amount: str) -> Commitment:
    return services.commitment_create(
        acting_user=user,
        budget_line=line,
        kind="purchase_order",
        reference=reference,
        third_party="SUP-01",
        label="Wafers",
        amount=D(amount),
        on=date(2025, 2, 3),
    )


def book_figures(lab: Lab, code: str) -> Any:
    execution = budget_execution(lab=lab, fiscal_year=year_of(lab), on=date(2025, 3, 31))
    return next(row for row in execution.lines if row.code == code).book


def test_an_accountant_budgets_commits_and_invoices_and_the_execution_shows_both(
    client, accountant, cintra
):
    client = logged_in(client, accountant)

    # The CNRS notifies 10,000 for supplies.
    assert client.post(LINES + "add/", line_form(cintra, "OP-SUP", "10000.00")).status_code == 302
    line = BudgetLine.objects.get(lab=cintra, code="OP-SUP")
    assert (line.allocated, line.created_by) == (D("10000.00"), accountant)
    assert AuditEvent.objects.filter(action="budget_line.create", object_id=str(line.pk)).exists()

    # A purchase order reserves 4,000 of it.
    response = client.post(COMMITMENTS + "add/", commitment_form(line, "PO-2025-001", "4000.00"))
    assert response.status_code == 302
    order = Commitment.objects.get(reference="PO-2025-001")
    assert (order.lab, order.budget_line, order.status) == (cintra, line, "open")

    # The supplier's invoice of 2,500 names the budget line and settles part of the order.
    data = entry_form(
        cintra,
        [
            line_data(
                0,
                account(cintra, "6063").pk,
                "2500.00",
                "0",
                budget_line=str(line.pk),
                commitment=str(order.pk),
            ),
            line_data(1, account(cintra, "401").pk, "0", "2500.00", third_party="SUP-01"),
        ],
        piece_ref="INV-77",
    )
    assert client.post(ENTRIES + "add/", data).status_code == 302
    entry = JournalEntry.objects.get(piece_ref="INV-77")
    expense = entry.lines.get(account__code="6063")
    assert (expense.budget_line, expense.commitment) == (line, order)

    response = run_action(client, ENTRIES, "post_entries", entry)

    assert "Posted 1 entry: ACH-2025-000001" in messages_of(response)
    order.refresh_from_db()
    assert (order.status, order.settled) == ("partly_settled", D("2500.00"))
    # The director's page reads this selector: spent and committed move together.
    figures = book_figures(cintra, "OP-SUP")
    assert (figures.spent, figures.committed, figures.available) == (
        D("2500.00"),
        D("1500.00"),
        D("6000.00"),
    )
    # The list of lines shows the same figures.
    row = client.get(LINES).context["cl"].result_list.get(pk=line.pk)
    assert (row.spent_total, row.committed_total, row.available_total) == (
        D("2500.00"),
        D("1500.00"),
        D("6000.00"),
    )
    listing = client.get(LINES).content.decode()
    assert "10,000.00" in listing and "6,000.00" in listing and "40.0 %" in listing
    commitments = client.get(COMMITMENTS).content.decode()
    assert "PO-2025-001" in commitments and "2,500.00" in commitments and "1,500.00" in commitments
    # The commitment's page lists the invoice that settles it.
    assert "ACH-2025-000001" in client.get(f"{COMMITMENTS}{order.pk}/change/").content.decode()

    # On the posted entry the tags are shown, read-only.
    page = client.get(f"{ENTRIES}{entry.pk}/change/").content.decode()
    assert "OP-SUP Line OP-SUP" in page and "PO-2025-001" in page
    assert 'name="lines-0-budget_line"' not in page and 'name="lines-0-commitment"' not in page


def test_the_line_choices_of_an_entry_are_its_lab_s(client, accountant, cintra, majulab):
    own = budget_line(cintra, "OP-SUP", "100.00")
    budget_line(majulab, "OP-OTHER", "100.00")
    order = commit(accountant, own, "PO-7", "10.00")
    entry = draft(accountant, cintra, [("6064", "10", "0"), ("401", "0", "10")])
    client = logged_in(client, accountant)

    page = client.get(f"{ENTRIES}{entry.pk}/change/")

    form = page.context["inline_admin_formsets"][0].formset.forms[0]
    assert list(form.fields["budget_line"].queryset) == [own]
    assert list(form.fields["commitment"].queryset) == [order]
    html = page.content.decode()
    assert "CINTRA · OP-SUP Line OP-SUP" in html and "CINTRA · PO-7 Wafers" in html
    assert "OP-OTHER" not in html

    # A commitment of another line of the entry's lab is refused by the service.
    other = budget_line(cintra, "OP-MIS", "100.00")
    data = entry_form(
        cintra,
        [
            line_data(0, account(cintra, "6063").pk, "5.00", "0", budget_line=str(other.pk))
            | {"lines-0-commitment": str(order.pk)},
            line_data(1, account(cintra, "401").pk, "0", "5.00"),
        ],
        piece_ref="MIXED",
    )
    response = client.post(ENTRIES + "add/", data)
    assert response.status_code == 200
    assert "Commitment PO-7 is charged to budget line OP-SUP, not to OP-MIS" in (
        response.content.decode()
    )
    assert not JournalEntry.objects.filter(piece_ref="MIXED").exists()


def test_labels_and_policy_change_but_never_the_allocation(client, accountant, cintra):
    line = budget_line(cintra, "OP-SUP", "100.00")
    client = logged_in(client, accountant)
    page = client.get(f"{LINES}{line.pk}/change/").content.decode()
    assert 'name="policy"' in page and 'name="allocated"' not in page

    data = line_form(cintra, "OP-SUP", "99999.00", label_en="Supplies", policy="block")
    # The management form of the (read-only) amendments list, as the browser posts it.
    data |= {f"amendments-{k}": v for k, v in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0))}
    response = client.post(f"{LINES}{line.pk}/change/", data)

    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.label_en, line.policy, line.allocated) == ("Supplies", "block", D("100.00"))
    event = AuditEvent.objects.get(action="budget_line.update")
    assert event.before == {"label_en": "Line OP-SUP", "policy": "warn"}
    assert event.after == {"label_en": "Supplies", "policy": "block"}


def test_budget_line_update_is_audited_and_checks_the_role(accountant, director_cintra, cintra):
    line = budget_line(cintra, "OP-SUP", "100.00")
    same = {"label_fr": "Ligne OP-SUP", "label_en": "Line OP-SUP", "funder_category": ""}

    services.budget_line_update(
        acting_user=accountant, budget_line=line, policy="warn", **same
    )  # nothing changes: nothing written, nothing audited
    assert not AuditEvent.objects.filter(action="budget_line.update").exists()

    with pytest.raises(NotPermittedError, match="director_cintra may not manage budgets"):
        services.budget_line_update(
            acting_user=director_cintra, budget_line=line, policy="block", **same
        )
    line.refresh_from_db()
    assert line.policy == "warn"


def test_a_line_is_topped_up_and_cut_on_its_page(client, accountant, cintra):
    line = budget_line(cintra, "OP-SUP", "1000.00")
    services.entry_post(
        acting_user=accountant,
        entry=services.entry_create_draft(
            acting_user=accountant,
            lab=cintra,
            journal=journal(cintra, "ACH"),
            date=date(2025, 3, 10),
            label="Invoice",
            lines=[
                services.LineInput(
                    account=account(cintra, "6063"), debit=D("800.00"), budget_line=line
                ),
                services.LineInput(account=account(cintra, "401"), credit=D("800.00")),
            ],
        ),
    )
    client = logged_in(client, accountant)
    amend = f"{LINES}{line.pk}/amend/"
    assert amend in client.get(f"{LINES}{line.pk}/change/").content.decode()

    page = client.get(amend)
    assert page.status_code == 200
    assert "1,000.00 SGD" in page.content.decode() and "200.00 SGD" in page.content.decode()

    response = client.post(
        amend,
        {"kind": "top_up", "amount": "500.00", "date": "2025-04-01", "justification": "ANR"},
        follow=True,
    )

    assert response.redirect_chain[0][0] == f"{LINES}{line.pk}/change/"
    assert "Top-up of 500.00 SGD recorded on OP-SUP" in messages_of(response)
    assert "ANR" in response.content.decode()  # the amendment shows on the line's page
    amendment = BudgetAmendment.objects.get(budget_line=line)
    assert (amendment.kind, amendment.delta, amendment.created_by) == (
        "top_up",
        D("500.00"),
        accountant,
    )

    # Cutting more than is left is refused, with the service's message on the page.
    response = client.post(
        amend, {"kind": "cut", "amount": "800.00", "date": "2025-04-02", "justification": "Cut"}
    )

    assert response.status_code == 200
    assert (
        "Budget line OP-SUP (Line OP-SUP): cutting 800.00 exceeds the available amount "
        "by 100.00 SGD"
    ) in response.content.decode()
    assert BudgetAmendment.objects.filter(budget_line=line).count() == 1

    # A cut that fits goes through.
    client.post(
        amend, {"kind": "cut", "amount": "700.00", "date": "2025-04-02", "justification": "Cut"}
    )
    assert budget_availability(budget_line_ids=[line.pk]) == {line.pk: D("0.00")}


def test_budget_moves_to_another_line_of_the_same_lab_and_year(client, accountant, cintra, majulab):
    services.fiscal_year_open(acting_user=None, lab=cintra, year=2026)
    missions = budget_line(cintra, "OP-MIS", "5000.00", nature="missions")
    supplies = budget_line(cintra, "OP-SUP", "1000.00")
    next_year = budget_line(cintra, "OP-SUP-26", "1000.00", year=2026)
    elsewhere = budget_line(majulab, "OP-SUP", "1000.00")
    client = logged_in(client, accountant)
    transfer = f"{LINES}{missions.pk}/transfer/"

    page = client.get(transfer)

    assert list(page.context["adminform"].form.fields["target"].queryset) == [supplies]
    for other in (next_year, elsewhere):
        data = {
            "target": other.pk,
            "amount": "10.00",
            "date": "2025-03-21",
            "justification": "x",
        }
        response = client.post(transfer, data)
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()

    data = {
        "target": supplies.pk,
        "amount": "1000.00",
        "date": "2025-03-21",
        "justification": "Wafer prices rose",
    }
    response = client.post(transfer, data, follow=True)

    assert "Transferred 1,000.00 SGD from OP-MIS to OP-SUP" in messages_of(response)
    assert budget_availability(budget_line_ids=[missions.pk, supplies.pk]) == {
        missions.pk: D("4000.00"),
        supplies.pk: D("2000.00"),
    }
    listing = client.get(AMENDMENTS).content.decode()
    assert "to OP-SUP" in listing and "from OP-MIS" in listing

    response = client.post(transfer, data | {"amount": "4000.01"})

    assert "Budget line OP-MIS has only 4,000.00 SGD available to transfer" in (
        response.content.decode()
    )
    assert BudgetAmendment.objects.count() == 2


def test_amendments_are_read_only(client, accountant, cintra):
    line = budget_line(cintra, "OP-SUP", "100.00")
    amendment = services.budget_line_amend(
        acting_user=accountant,
        budget_line=line,
        amount=D("5.00"),
        on=date(2025, 2, 1),
        justification="Top-up",
    )
    client = logged_in(client, accountant)

    assert client.get(AMENDMENTS).status_code == 200
    assert client.get(f"{AMENDMENTS}{amendment.pk}/change/").status_code == 200
    assert client.get(AMENDMENTS + "add/").status_code == 403
    assert client.post(f"{AMENDMENTS}{amendment.pk}/change/", {"delta": "9"}).status_code == 403
    assert client.post(f"{AMENDMENTS}{amendment.pk}/delete/", {"post": "yes"}).status_code == 403
    amendment.refresh_from_db()
    assert amendment.delta == D("5.00")


def test_a_block_line_refuses_an_overspending_commitment(client, accountant, cintra):
    line = budget_line(cintra, "OP-SUP", "100.00", policy="block")
    client = logged_in(client, accountant)

    response = client.post(COMMITMENTS + "add/", commitment_form(line, "PO-9", "100.01"))

    assert response.status_code == 200
    assert (
        "Budget line OP-SUP (Line OP-SUP): commitment PO-9 exceeds the available amount by 0.01 SGD"
    ) in response.content.decode()
    assert not Commitment.objects.exists()
    assert not AuditEvent.objects.filter(action="commitment.create").exists()


def test_commitments_are_cancelled_with_a_reason(client, accountant, cintra):
    line = budget_line(cintra, "OP-SUP", "1000.00")
    first, second = (
        commit(accountant, line, "PO-1", "100.00"),
        commit(accountant, line, "PO-2", "50.00"),
    )
    client = logged_in(client, accountant)

    # The action asks for the reason first.
    page = run_action(client, COMMITMENTS, "cancel_commitments", first, second)
    html = page.content.decode()
    assert "Cancel commitments" in html and "PO-1" in html and "PO-2" in html
    assert 'name="reason"' in html

    form = {
        "action": "cancel_commitments",
        "_selected_action": [first.pk, second.pk],
        "apply": "Cancel",
        "reason": "",
    }
    assert "This field is required" in client.post(COMMITMENTS, form).content.decode()
    assert Commitment.objects.filter(status="open").count() == 2

    response = client.post(COMMITMENTS, form | {"reason": "Project stopped"}, follow=True)

    assert "Cancelled: PO-1, PO-2" in messages_of(response)
    assert set(Commitment.objects.values_list("status", "cancelled_reason")) == {
        ("cancelled", "Project stopped")
    }
    assert AuditEvent.objects.filter(action="commitment.cancel").count() == 2
    assert budget_availability(budget_line_ids=[line.pk]) == {line.pk: D("1000.00")}

    # A cancelled commitment cannot be cancelled again; the page says why.
    response = client.post(COMMITMENTS, form | {"reason": "Again"})
    assert "Commitment PO-1 is cancelled: it can no longer be cancelled" in (
        response.content.decode()
    )

    # Otherwise a commitment is read-only.
    view = client.get(f"{COMMITMENTS}{first.pk}/change/").content.decode()
    assert "Project stopped" in view and 'name="_save"' not in view
    assert client.post(f"{COMMITMENTS}{first.pk}/change/", {"amount": "1"}).status_code == 403
    assert client.post(f"{COMMITMENTS}{first.pk}/delete/", {"post": "yes"}).status_code == 403


def test_a_cancellation_is_all_or_nothing(client, accountant, cintra):
    line = budget_line(cintra, "OP-SUP", "1000.00")
    done = commit(accountant, line, "PO-1", "100.00")
    services.commitment_cancel(acting_user=accountant, commitment=done, reason="Gone")
    still_open = commit(accountant, line, "PO-2", "50.00")
    client = logged_in(client, accountant)
    form = {
        "action": "cancel_commitments",
        "_selected_action": [done.pk, still_open.pk],
        "apply": "Cancel",
        "reason": "Tidy up",
    }

    response = client.post(COMMITMENTS, form)

    assert "Commitment PO-1 is cancelled" in response.content.decode()
    still_open.refresh_from_db()
    assert still_open.status == "open"


@pytest.mark.parametrize("persona", ["director_cintra", "auditor"])
def test_directors_and_auditors_read_but_never_write(client, accountant, cintra, persona, request):
    line = budget_line(cintra, "OP-SUP", "1000.00")
    target = budget_line(cintra, "OP-MIS", "1000.00")
    order = commit(accountant, line, "PO-1", "100.00")
    client = logged_in(client, request.getfixturevalue(persona))

    listing = client.get(LINES).content.decode()
    assert "OP-SUP" in listing and LINES + "add/" not in listing
    assert 'value="amend_line"' not in listing
    page = client.get(f"{LINES}{line.pk}/change/").content.decode()
    assert f"{LINES}{line.pk}/amend/" not in page and 'name="_save"' not in page
    commitments = client.get(COMMITMENTS).content.decode()
    assert "PO-1" in commitments and 'value="cancel_commitments"' not in commitments

    assert client.get(LINES + "add/").status_code == 403
    assert client.post(LINES + "add/", line_form(cintra, "NEW", "1.00")).status_code == 403
    assert (
        client.post(f"{LINES}{line.pk}/change/", line_form(cintra, "OP-SUP", "1")).status_code
        == 403
    )
    assert client.get(f"{LINES}{line.pk}/amend/").status_code == 403
    assert client.get(f"{LINES}{line.pk}/transfer/").status_code == 403
    amend = {"kind": "top_up", "amount": "5", "date": "2025-04-01", "justification": "x"}
    assert client.post(f"{LINES}{line.pk}/amend/", amend).status_code == 403
    transfer = {"target": target.pk, "amount": "5", "date": "2025-04-01", "justification": "x"}
    assert client.post(f"{LINES}{line.pk}/transfer/", transfer).status_code == 403
    assert client.post(COMMITMENTS + "add/", commitment_form(line, "PO-2", "5")).status_code == 403
    client.post(
        COMMITMENTS,
        {
            "action": "cancel_commitments",
            "_selected_action": [order.pk],
            "apply": "Cancel",
            "reason": "x",
        },
    )

    order.refresh_from_db()
    assert order.status == "open"
    assert not BudgetAmendment.objects.exists()
    assert BudgetLine.objects.count() == 2 and Commitment.objects.count() == 1


def test_a_superuser_without_role_gets_the_service_s_refusal(client, cintra):
    line = budget_line(cintra, "OP-SUP", "1000.00")
    root = get_user_model().objects.create_superuser("root", password="pw-root")
    client = logged_in(client, root)

    response = client.post(
        f"{LINES}{line.pk}/amend/",
        {"kind": "top_up", "amount": "5", "date": "2025-04-01", "justification": "x"},
    )

    assert "root may not manage budgets in CINTRA" in response.content.decode()
    assert not BudgetAmendment.objects.exists()


def test_another_lab_s_budget_is_404(client, accountant, director_cintra, cintra, majulab):
    own = budget_line(cintra, "OP-SUP", "1000.00")
    other = budget_line(majulab, "OP-SUP", "1000.00")
    services.budget_line_amend(
        acting_user=accountant,
        budget_line=own,
        amount=D("1"),
        on=date(2025, 2, 1),
        justification="a",
    )
    elsewhere = services.budget_line_amend(
        acting_user=accountant,
        budget_line=other,
        amount=D("1"),
        on=date(2025, 2, 1),
        justification="b",
    )
    order = commit(accountant, other, "PO-MAJU", "10.00")
    client = logged_in(client, director_cintra)

    for url in (
        f"{LINES}{other.pk}/change/",
        f"{LINES}{other.pk}/amend/",
        f"{LINES}{other.pk}/transfer/",
        f"{LINES}999999/amend/",
        f"{AMENDMENTS}{elsewhere.pk}/change/",
        f"{COMMITMENTS}{order.pk}/change/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(f"{LINES}{own.pk}/change/").status_code == 200
    own_amendment = BudgetAmendment.objects.get(budget_line=own)
    assert client.get(f"{AMENDMENTS}{own_amendment.pk}/change/").status_code == 200
    assert "MAJULAB" not in client.get(LINES).content.decode()
    assert "PO-MAJU" not in client.get(COMMITMENTS).content.decode()
    assert "MAJULAB" not in client.get(AMENDMENTS).content.decode()


def test_the_line_list_filters_and_searches(client, accountant, cintra, majulab):
    services.fiscal_year_open(acting_user=None, lab=cintra, year=2026)
    budget_line(cintra, "OP-SUP", "100.00")
    budget_line(
        cintra, "EQ-MIC", "100.00", envelope="equipment", nature="equipment", policy="block"
    )
    budget_line(cintra, "NEXT-YEAR", "100.00", year=2026)
    budget_line(majulab, "MAJU-MIS", "100.00", nature="missions")
    client = logged_in(client, accountant)

    def shown(query: str) -> set[str]:
        return {line.code for line in client.get(LINES + query).context["cl"].result_list}

    assert shown("") == {"OP-SUP", "EQ-MIC", "NEXT-YEAR", "MAJU-MIS"}
    assert shown("?lab=MAJULAB") == {"MAJU-MIS"}
    assert shown("?year=2026") == {"NEXT-YEAR"}
    assert shown(f"?funding_source={funding(majulab).pk}") == {"MAJU-MIS"}
    assert shown("?envelope__exact=equipment") == {"EQ-MIC"}
    assert shown("?policy__exact=block") == {"EQ-MIC"}
    assert shown("?q=MIC") == {"EQ-MIC"}
    assert shown("?q=Line MAJU") == {"MAJU-MIS"}


def test_the_line_list_does_not_query_per_row(client, accountant, cintra, majulab):
    client = logged_in(client, accountant)

    def queries_for_list(page: str) -> int:
        client.get(page)  # warm up the session and the content types
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page)
        assert response.status_code == 200
        return len(captured)

    def line_with_activity(lab: Lab, n: int) -> None:
        line = budget_line(lab, f"L{n:02d}", "1000.00")
        services.budget_line_amend(
            acting_user=accountant,
            budget_line=line,
            amount=D("100.00"),
            on=date(2025, 2, 1),
            justification="Top-up",
        )
        commit(accountant, line, f"PO-{n}", "300.00")
        services.entry_post(
            acting_user=accountant,
            entry=services.entry_create_draft(
                acting_user=accountant,
                lab=lab,
                journal=journal(lab, "ACH"),
                date=date(2025, 3, 10),
                label="Invoice",
                lines=[
                    services.LineInput(
                        account=account(lab, "6063"), debit=D("250.00"), budget_line=line
                    ),
                    services.LineInput(account=account(lab, "401"), credit=D("250.00")),
                ],
            ),
        )

    pages = (LINES, COMMITMENTS, AMENDMENTS)
    for n in range(3):
        line_with_activity(cintra if n % 2 else majulab, n)
    with_three = [queries_for_list(page) for page in pages]
    for n in range(3, 30):
        line_with_activity(cintra if n % 2 else majulab, n)
    assert BudgetLine.objects.count() == Commitment.objects.count() == 30

    assert [queries_for_list(page) for page in pages] == with_three
    # The annotated figures are budget_availability's, line by line.
    rows = client.get(LINES + "?all=").context["cl"].result_list
    assert {r.pk: r.available_total for r in rows} == budget_availability(
        budget_line_ids=[r.pk for r in rows]
    )
    assert {r.available_total for r in rows} == {D("550.00")}


def test_the_list_actions_open_the_page_of_the_one_line_selected(client, accountant, cintra):
    supplies = budget_line(cintra, "OP-SUP", "100.00")
    missions = budget_line(cintra, "OP-MIS", "100.00")
    client = logged_in(client, accountant)

    def act(action: str, *lines: BudgetLine) -> Any:
        selected = [line.pk for line in lines]
        return client.post(LINES, {"action": action, "_selected_action": selected}, follow=True)

    response = act("transfer_from_line", supplies)

    assert response.redirect_chain[-1][0] == f"{LINES}{supplies.pk}/transfer/"
    assert response.context["title"] == "Transfer from OP-SUP to another line"

    response = act("amend_line", supplies, missions)

    assert "Select exactly one budget line." in messages_of(response)
    assert response.redirect_chain[-1][0] == LINES


def test_a_lab_accountant_budgets_in_their_lab_only(client, cintra, majulab):
    accountant_cintra = get_user_model().objects.create_user("accountant_cintra")
    irls_services.role_grant(
        acting_user=None, user=accountant_cintra, role=Role.ACCOUNTANT, lab=cintra
    )
    own = budget_line(cintra, "OP-SUP", "100.00")
    other = budget_line(majulab, "OP-SUP", "100.00")
    client = logged_in(client, accountant_cintra)

    form = client.get(COMMITMENTS + "add/").context["adminform"].form
    assert list(form.fields["budget_line"].queryset) == [own]
    assert "CINTRA · OP-SUP Line OP-SUP" in str(form["budget_line"])
    form = client.get(LINES + "add/").context["adminform"].form
    assert list(form.fields["lab"].queryset) == [cintra]

    response = client.post(COMMITMENTS + "add/", commitment_form(other, "PO-X", "5.00"))
    assert "Select a valid choice" in response.content.decode()
    assert client.get(f"{LINES}{other.pk}/amend/").status_code == 404
    assert not Commitment.objects.exists()
