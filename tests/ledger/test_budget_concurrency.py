"""A 'block' budget line is never overspent, even when postings and commitments race
for it from several app servers (PostgreSQL, one process each)."""

import multiprocessing
import traceback
from datetime import date
from decimal import Decimal
from multiprocessing.synchronize import Barrier

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import connections

from irls import services as irls_services
from irls.models import Lab, Role
from ledger import services
from ledger.exceptions import BudgetExceededError
from ledger.models import Account, BudgetLine, Journal
from ledger.selectors import budget_availability
from tests.books import budget_line, lab_with_books

PROCESSES = 6
ATTEMPTS = 8  # per process, alternating invoices and purchase orders
AMOUNT = Decimal("50.00")
ALLOCATED = Decimal("1000.00")  # room for exactly 20 of the 48 attempts
TIMEOUT = 120


def _consume(worker: int, user_id: int, line_id: int, barrier: Barrier) -> tuple[int, int]:
    """Try ATTEMPTS consumptions of AMOUNT; return (accepted, refused)."""
    user = User.objects.get(pk=user_id)
    line = BudgetLine.objects.select_related("lab").get(pk=line_id)
    lab: Lab = line.lab
    journal = Journal.objects.get(lab=lab, code="ACH")
    expense = Account.objects.get(lab=lab, code="6063")
    supplier = Account.objects.get(lab=lab, code="401")
    drafts = [
        services.entry_create_draft(
            acting_user=user,
            lab=lab,
            journal=journal,
            date=date(2025, 5, 1 + i),
            label=f"Invoice {worker}-{i}",
            piece_ref=f"W{worker}-{i}",
            lines=[
                services.LineInput(account=expense, debit=AMOUNT, budget_line=line),
                services.LineInput(account=supplier, credit=AMOUNT),
            ],
        )
        for i in range(0, ATTEMPTS, 2)
    ]
    barrier.wait(timeout=TIMEOUT)
    accepted = refused = 0
    for i in range(ATTEMPTS):
        try:
            if i % 2 == 0:
                services.entry_post(acting_user=user, entry=drafts[i // 2])
            else:
                services.commitment_create(
                    acting_user=user,
                    budget_line=line,
                    kind="purchase_order",
                    reference=f"PO-{worker}-{i}",
                    third_party="S",
                    label="Race",
                    amount=AMOUNT,
                    on=date(2025, 5, 1),
                )
            accepted += 1
        except BudgetExceededError:
            refused += 1
    return accepted, refused


def _main(
    results: "multiprocessing.Queue[tuple[int, int] | str]",
    barrier: Barrier,
    worker: int,
    user_id: int,
    line_id: int,
) -> None:
    connections.close_all()
    try:
        results.put(_consume(worker, user_id, line_id, barrier))
    except BaseException:
        barrier.abort()
        results.put(traceback.format_exc())
    finally:
        connections.close_all()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_block_line_is_never_overspent_under_concurrent_postings() -> None:
    lab = lab_with_books("RACEPG")
    user = get_user_model().objects.create_user(username="racer")
    irls_services.role_grant(acting_user=None, user=user, role=Role.ACCOUNTANT, lab=lab)
    line = budget_line(lab, "EQ-BLOCK", str(ALLOCATED), policy="block")
    context = multiprocessing.get_context("fork")
    results: multiprocessing.Queue[tuple[int, int] | str] = context.Queue()
    barrier = context.Barrier(PROCESSES)
    connections.close_all()
    processes = [
        context.Process(target=_main, args=(results, barrier, w, user.pk, line.pk), daemon=True)
        for w in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=TIMEOUT) for _ in processes]
    for process in processes:
        process.join(timeout=TIMEOUT)
    errors = [o for o in outcomes if isinstance(o, str)]
    assert not errors, errors[0]
    accepted = sum(o[0] for o in outcomes if isinstance(o, tuple))
    refused = sum(o[1] for o in outcomes if isinstance(o, tuple))
    assert (accepted, refused) == (20, PROCESSES * ATTEMPTS - 20)
    assert budget_availability(budget_line_ids=[line.pk]) == {line.pk: Decimal("0.00")}
