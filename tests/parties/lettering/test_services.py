"""Lettering by hand: complete and partial letterings, codes, unlettering, the rules.

A supplier's story: invoice INV-1 of 1,000.00 on 14 March, a first payment of 400.00 on
10 April (partial lettering AA), the balance of 600.00 on 2 May (AA complete).
"""

from datetime import date
from decimal import Decimal

import pytest

from ledger.exceptions import NotPermittedError
from ledger.models import AuditEvent
from parties.lettering.codes import lettering_code, lettering_number
from parties.lettering.exceptions import (
    ACCOUNTS_DIFFER,
    ALREADY_LETTERED,
    LINE_NOT_FOUND,
    LINE_NOT_POSTED,
    REASON_MISSING,
    THIRD_PARTIES_DIFFER,
    TOO_FEW_LINES,
    TWO_LETTERINGS,
    LetteringError,
    LetteringLineError,
)
from parties.lettering.services import (
    lettering_balance,
    lettering_letter,
    lettering_unletter,
)
from parties.models import LetteredLine, Lettering, LetteringCounter
from tests.parties.lettering.books import invoice, payment, receivable

TODAY = date(2025, 6, 30)


def _letter(user, lab, *lines, on=TODAY):
    return lettering_letter(
        acting_user=user, lab=lab, line_ids=[line.pk for line in lines], lettered_on=on
    )


def test_an_invoice_and_its_payment_are_lettered_complete(accountant, cintra):
    bill = invoice(accountant, cintra, "1000.00")
    paid = payment(accountant, cintra, "1000.00")
    lettering = _letter(accountant, cintra, bill, paid)
    assert (lettering.code, lettering.complete, lettering.lettered_on) == ("AA", True, TODAY)
    assert lettering.account.code == "401"
    assert lettering.third_party_id == "SUP-A"
    assert sorted(lettering.items.values_list("line_id", flat=True)) == sorted([bill.pk, paid.pk])
    event = AuditEvent.objects.get(action="lettering.letter")
    assert event.after is not None
    assert event.after["code"] == "AA"
    assert event.after["complete"] is True
    assert sorted(event.after["lines"]) == sorted([bill.pk, paid.pk])


def test_a_partial_payment_is_a_partial_lettering_completed_by_the_balance(accountant, cintra):
    bill = invoice(accountant, cintra, "1000.00")
    first = payment(accountant, cintra, "400.00")
    lettering = _letter(accountant, cintra, bill, first, on=date(2025, 4, 10))
    assert (lettering.code, lettering.complete) == ("AA", False)
    assert lettering_balance(lettering) == Decimal("-600.00")

    rest = payment(accountant, cintra, "600.00", on=date(2025, 5, 2))
    # The accountant ticks the lettered invoice and the new payment: it joins AA.
    lettering = _letter(accountant, cintra, bill, rest, on=date(2025, 5, 2))
    assert (lettering.code, lettering.complete, lettering.lettered_on) == (
        "AA",
        True,
        date(2025, 5, 2),
    )
    assert lettering.items.count() == 3
    assert Lettering.objects.count() == 1
    event = AuditEvent.objects.get(action="lettering.add")
    assert event.after is not None
    assert event.after["lines_added"] == [rest.pk]
    assert event.after["complete"] is True
    assert event.before == {"balance": "-600.00", "complete": False}


def test_codes_follow_on_per_account_and_are_never_given_again(accountant, cintra):
    codes = []
    for n in range(3):
        bill = invoice(accountant, cintra, f"{100 + n}.00", piece=f"INV-{n}")
        paid = payment(accountant, cintra, f"{100 + n}.00")
        codes.append(_letter(accountant, cintra, bill, paid).code)
    assert codes == ["AA", "AB", "AC"]
    # AC undone: the next lettering is AD, AC is never given again.
    lettering_unletter(
        acting_user=accountant, lettering=Lettering.objects.get(code="AC"), reason="Wrong payment"
    )
    bill = invoice(accountant, cintra, "50.00", piece="INV-9")
    paid = payment(accountant, cintra, "50.00")
    assert _letter(accountant, cintra, bill, paid).code == "AD"
    # Another account counts on its own (two calls for funds lettered together: partial).
    due = receivable(accountant, cintra, "70.00")
    other = receivable(accountant, cintra, "70.00")
    assert (
        _letter(accountant, cintra, due, other).code,
        Lettering.objects.get(account__code="411").complete,
    ) == ("AA", False)
    counter = LetteringCounter.objects.get(account__code="401", account__lab=cintra)
    assert counter.last_number == 4


def test_the_code_sequence():
    assert [lettering_code(n) for n in (1, 2, 26, 27, 52, 676, 677, 678, 18252, 18253)] == [
        "AA",
        "AB",
        "AZ",
        "BA",
        "BZ",
        "ZZ",
        "AAA",
        "AAB",
        "ZZZ",
        "AAAA",
    ]
    assert all(lettering_number(lettering_code(n)) == n for n in range(1, 20000, 7))
    with pytest.raises(ValueError):
        lettering_code(475229)


def test_unlettering_is_audited_with_its_code_lines_and_reason(accountant, cintra):
    bill = invoice(accountant, cintra, "250.00")
    paid = payment(accountant, cintra, "250.00")
    lettering = _letter(accountant, cintra, bill, paid)
    with pytest.raises(LetteringError) as refused:
        lettering_unletter(acting_user=accountant, lettering=lettering, reason="  ")
    assert str(refused.value) == REASON_MISSING.format(code="AA")
    lettering_unletter(acting_user=accountant, lettering=lettering, reason="Paid another invoice")
    assert not Lettering.objects.exists()
    assert not LetteredLine.objects.exists()
    event = AuditEvent.objects.get(action="lettering.unletter")
    assert event.object_repr == "AA"
    assert event.before is not None
    assert event.before["code"] == "AA"
    assert event.before["account"] == "401"
    assert event.before["third_party"] == "SUP-A"
    assert event.before["complete"] is True
    assert sorted(event.before["lines"]) == sorted([bill.pk, paid.pk])
    assert event.after == {"reason": "Paid another invoice"}
    # The lines can be lettered again, under a new code.
    assert _letter(accountant, cintra, bill, paid).code == "AB"


def test_lines_of_two_accounts_or_two_third_parties_are_refused(accountant, cintra):
    bill = invoice(accountant, cintra, "300.00")
    other = payment(accountant, cintra, "300.00", party="SUP-01")
    due = receivable(accountant, cintra, "300.00")
    with pytest.raises(LetteringLineError) as refused:
        _letter(accountant, cintra, bill, due)
    assert str(refused.value) == ACCOUNTS_DIFFER.format(accounts="401, 411")
    with pytest.raises(LetteringLineError) as refused:
        _letter(accountant, cintra, bill, other)
    assert str(refused.value) == THIRD_PARTIES_DIFFER.format(third_parties="SUP-01, SUP-A")
    assert not Lettering.objects.exists()


def test_a_draft_another_labs_line_and_a_single_line_are_refused(accountant, cintra, majulab):
    bill = invoice(accountant, cintra, "80.00")
    draft = invoice(accountant, cintra, "80.00", post=False)
    theirs = invoice(accountant, majulab, "80.00")
    with pytest.raises(LetteringLineError) as refused:
        _letter(accountant, cintra, bill, draft)
    assert str(refused.value) == LINE_NOT_POSTED.format(line=draft.pk, ref=f"ACH #{draft.entry_id}")
    with pytest.raises(LetteringLineError) as refused:
        _letter(accountant, cintra, bill, theirs)
    assert str(refused.value) == LINE_NOT_FOUND.format(line=theirs.pk, lab="CINTRA")
    with pytest.raises(LetteringError) as too_few:
        _letter(accountant, cintra, bill)
    assert str(too_few.value) == str(TOO_FEW_LINES)


def test_lines_of_a_complete_lettering_or_of_two_partial_ones_are_refused(accountant, cintra):
    bill = invoice(accountant, cintra, "500.00")
    paid = payment(accountant, cintra, "500.00")
    done = _letter(accountant, cintra, bill, paid)
    extra = payment(accountant, cintra, "20.00")
    with pytest.raises(LetteringLineError) as refused:
        _letter(accountant, cintra, paid, extra)
    assert str(refused.value) == ALREADY_LETTERED.format(
        line=paid.pk, ref=paid.entry.number, code=done.code
    )
    a = invoice(accountant, cintra, "100.00", piece="INV-A")
    a_paid = payment(accountant, cintra, "40.00")
    b = invoice(accountant, cintra, "200.00", piece="INV-B")
    b_paid = payment(accountant, cintra, "50.00")
    _letter(accountant, cintra, a, a_paid)
    _letter(accountant, cintra, b, b_paid)
    with pytest.raises(LetteringLineError) as refused:
        _letter(accountant, cintra, a, b)
    assert str(refused.value) == TWO_LETTERINGS.format(codes="AB, AC")


def test_directors_and_auditors_read_but_never_letter(accountant, director_cintra, auditor, cintra):
    bill = invoice(accountant, cintra, "90.00")
    paid = payment(accountant, cintra, "90.00")
    for reader in (director_cintra, auditor):
        with pytest.raises(NotPermittedError):
            _letter(reader, cintra, bill, paid)
    lettering = _letter(accountant, cintra, bill, paid)
    for reader in (director_cintra, auditor):
        with pytest.raises(NotPermittedError):
            lettering_unletter(acting_user=reader, lettering=lettering, reason="No")
    assert Lettering.objects.filter(pk=lettering.pk).exists()


def test_refusals_are_said_in_french(accountant, director_cintra, cintra):
    from django.utils import translation

    from parties.lettering.exceptions import ACTIONS

    bill = invoice(accountant, cintra, "300.00")
    due = receivable(accountant, cintra, "300.00")
    with translation.override("fr"):
        assert all(translation.gettext(action) != action for action in ACTIONS)
        with pytest.raises(NotPermittedError) as refused:
            _letter(director_cintra, cintra, bill, due)
        assert str(refused.value) == "director_cintra ne peut pas lettrer des lignes dans CINTRA"
        with pytest.raises(LetteringLineError) as other:
            _letter(accountant, cintra, bill, due)
        assert str(other.value) == (
            "Les lignes sélectionnées sont sur plusieurs comptes (401, 411) : un lettrage "
            "regroupe des lignes d'un seul compte"
        )
