"""Automatic lettering on a worked example: which groups are proposed, in which order,
and what confirming them (all, or some) letters.

Supplier account 401 of CINTRA, March-April 2025:

| line | third party | date | piece | 401 |
|---|---|---|---|---|
| inv10 | SUP-A | 03-01 | INV-10 | credit 1,000.00 |
| pay10a | SUP-A | 03-20 | INV-10 | debit 600.00 |
| pay10b | SUP-A | 04-05 | INV-10 | debit 400.00 |
| inv11 | SUP-A | 03-03 | INV-11 | credit 250.00 |
| inv12 | SUP-A | 03-10 | INV-12 | credit 250.00 |
| pay_a | SUP-A | 03-25 | | debit 250.00 |
| pay_b | SUP-A | 04-15 | | debit 250.00 |
| inv13 | SUP-A | 03-12 | INV-13 | credit 99.00 (nothing pays it) |
| inv20 | SUP-01 | 03-05 | INV-20 | credit 500.00 |
| pay20 | SUP-01 | 04-01 | INV-20 | debit 500.00 |
| pay_c | SUP-01 | 04-02 | | debit 250.00 (no SUP-01 invoice of 250) |
| inv21 | SUP-01 | 03-06 | INV-21 | credit 120.00 |
| pay21 | SUP-01 | 04-03 | INV-21 | debit 100.00 (does not cancel INV-21) |

By piece reference, first: SUP-01 INV-20 (inv20, pay20), then SUP-A INV-10 (inv10,
pay10a, pay10b); INV-21 does not sum to zero. By amount, among the lines left: SUP-A's
oldest 250 invoice with its oldest 250 payment (inv11, pay_a), then the second with the
second (inv12, pay_b); SUP-01's payment of 250 has no invoice of SUP-01 to meet.
"""

from datetime import date
from decimal import Decimal

import pytest

from ledger.models import AuditEvent, JournalLine
from parties.lettering.exceptions import (
    ALREADY_LETTERED,
    LETTERED_MEANWHILE,
    NOT_COMPLETE,
    PROPOSAL_CHANGED,
    LetteringError,
    LetteringLineError,
    LetteringUnbalancedError,
)
from parties.lettering.selectors import (
    RULE_AMOUNT,
    RULE_PIECE,
    lettering_proposal,
    proposal_keep,
)
from parties.lettering.services import (
    lettering_confirm,
    lettering_confirm_proposal,
    lettering_letter,
)
from parties.models import Lettering
from tests.books import account
from tests.parties.lettering.books import invoice, payment, receipt, receivable


@pytest.fixture
def lines(accountant, cintra):
    def bill(amount, party, month, day, piece):
        return invoice(
            accountant, cintra, amount, party=party, on=date(2025, month, day), piece=piece
        )

    def pay(amount, party, month, day, piece=""):
        return payment(
            accountant, cintra, amount, party=party, on=date(2025, month, day), piece=piece
        )

    return {
        "inv10": bill("1000.00", "SUP-A", 3, 1, "INV-10"),
        "inv11": bill("250.00", "SUP-A", 3, 3, "INV-11"),
        "inv20": bill("500.00", "SUP-01", 3, 5, "INV-20"),
        "inv21": bill("120.00", "SUP-01", 3, 6, "INV-21"),
        "inv12": bill("250.00", "SUP-A", 3, 10, "INV-12"),
        "inv13": bill("99.00", "SUP-A", 3, 12, "INV-13"),
        "pay10a": pay("600.00", "SUP-A", 3, 20, "INV-10"),
        "pay_a": pay("250.00", "SUP-A", 3, 25),
        "pay20": pay("500.00", "SUP-01", 4, 1, "INV-20"),
        "pay_c": pay("250.00", "SUP-01", 4, 2),
        "pay21": pay("100.00", "SUP-01", 4, 3, "INV-21"),
        "pay10b": pay("400.00", "SUP-A", 4, 5, "INV-10"),
        "pay_b": pay("250.00", "SUP-A", 4, 15),
    }


def _ids(lines, *names):
    return tuple(sorted(lines[name].pk for name in names))


def test_the_proposal_of_the_worked_example(lines, cintra):
    proposal = lettering_proposal(lab=cintra, account=account(cintra, "401"))
    shown = [(g.rule, g.third_party, g.piece_ref, g.line_ids, g.amount) for g in proposal.groups]
    assert shown == [
        (RULE_PIECE, "SUP-01", "INV-20", _ids(lines, "inv20", "pay20"), Decimal("500.00")),
        (
            RULE_PIECE,
            "SUP-A",
            "INV-10",
            _ids(lines, "inv10", "pay10a", "pay10b"),
            Decimal("1000.00"),
        ),
        (RULE_AMOUNT, "SUP-A", "", _ids(lines, "inv11", "pay_a"), Decimal("250.00")),
        (RULE_AMOUNT, "SUP-A", "", _ids(lines, "inv12", "pay_b"), Decimal("250.00")),
    ]
    assert [g.first_date for g in proposal.groups] == [
        date(2025, 3, 5),
        date(2025, 3, 1),
        date(2025, 3, 3),
        date(2025, 3, 10),
    ]
    assert proposal.lines == 9
    assert (proposal.count(RULE_PIECE), proposal.count(RULE_AMOUNT)) == (2, 2)
    # One third party only.
    only = lettering_proposal(lab=cintra, account=account(cintra, "401"), third_party="SUP-01")
    assert [g.line_ids for g in only.groups] == [_ids(lines, "inv20", "pay20")]


def test_confirming_the_whole_proposal_letters_every_group_in_order(lines, accountant, cintra):
    supplier = account(cintra, "401")
    proposal = lettering_proposal(lab=cintra, account=supplier)
    done = lettering_confirm_proposal(
        acting_user=accountant,
        lab=cintra,
        account=supplier,
        fingerprint=proposal.fingerprint,
        lettered_on=date(2025, 6, 30),
    )
    assert [(d.code, d.complete) for d in done] == [
        ("AA", True),
        ("AB", True),
        ("AC", True),
        ("AD", True),
    ]
    letterings = Lettering.objects.filter(account=supplier).order_by("code")
    assert [tuple(sorted(x.items.values_list("line_id", flat=True))) for x in letterings] == [
        g.line_ids for g in proposal.groups
    ]
    assert [x.third_party_id for x in letterings] == ["SUP-01", "SUP-A", "SUP-A", "SUP-A"]
    assert all(x.complete and x.lettered_on == date(2025, 6, 30) for x in letterings)
    # One audit event for the confirmation (each lettering's lines are in its rows).
    [event] = AuditEvent.objects.filter(action="lettering.confirm")
    assert (event.actor, event.lab) == (accountant, cintra)
    assert event.after == {
        "letterings": 4,
        "complete": 4,
        "lines": 9,
        "rules": {"piece": 2, "amount": 2},
        "codes": {"401": "AA - AD"},
        "lettered_on": "2025-06-30",
    }
    # Nothing left to propose; what is left open is what is still due.
    assert lettering_proposal(lab=cintra, account=supplier).groups == ()


def test_confirming_some_groups(lines, accountant, cintra):
    supplier = account(cintra, "401")
    proposal = lettering_proposal(lab=cintra, account=supplier)
    chosen = [list(proposal.groups[2].line_ids)]
    [done] = lettering_confirm(acting_user=accountant, lab=cintra, groups=chosen)
    assert done.code == "AA"
    assert [g.line_ids for g in lettering_proposal(lab=cintra, account=supplier).groups] == [
        g.line_ids for i, g in enumerate(proposal.groups) if i != 2
    ]
    with pytest.raises(LetteringLineError) as refused:
        lettering_confirm(acting_user=accountant, lab=cintra, groups=chosen)
    inv11 = lines["inv11"]
    assert str(refused.value) == ALREADY_LETTERED.format(
        line=inv11.pk, ref=inv11.entry.number, code="AA"
    )
    with pytest.raises(LetteringUnbalancedError) as unbalanced:
        lettering_confirm(
            acting_user=accountant, lab=cintra, groups=[_ids(lines, "inv21", "pay21")]
        )
    group = _ids(lines, "inv21", "pay21")
    assert str(unbalanced.value) == NOT_COMPLETE.format(
        lines=f"{group[0]}, {group[1]}", balance=Decimal("-20.00")
    )


def test_a_proposal_that_changed_is_not_confirmed(lines, accountant, cintra):
    supplier = account(cintra, "401")
    proposal = lettering_proposal(lab=cintra, account=supplier)
    # Meanwhile someone letters INV-13 with a new payment: the groups are the same...
    late = payment(accountant, cintra, "99.00", on=date(2025, 4, 20))
    lettering_letter(acting_user=accountant, lab=cintra, line_ids=[lines["inv13"].pk, late.pk])
    done = lettering_confirm_proposal(
        acting_user=accountant, lab=cintra, account=supplier, fingerprint=proposal.fingerprint
    )
    assert len(done) == 4
    # ...but a proposal shown before a posting that changes it is refused.
    proposal = lettering_proposal(lab=cintra, account=supplier)
    assert proposal.groups == ()
    pay_c_invoice = invoice(accountant, cintra, "250.00", party="SUP-01", piece="INV-22")
    fresh = lettering_proposal(lab=cintra, account=supplier)
    assert [g.line_ids for g in fresh.groups] == [
        tuple(sorted((lines["pay_c"].pk, pay_c_invoice.pk)))
    ]
    with pytest.raises(LetteringError) as refused:
        lettering_confirm_proposal(
            acting_user=accountant, lab=cintra, account=supplier, fingerprint=proposal.fingerprint
        )
    assert str(refused.value) == str(PROPOSAL_CHANGED)


def test_every_third_party_account_at_once(lines, accountant, cintra):
    due = receivable(accountant, cintra, "700.00")
    got = receipt(accountant, cintra, "700.00")
    proposal = lettering_proposal(lab=cintra)
    assert [(proposal.accounts[g.account_id], g.rule) for g in proposal.groups] == [
        ("401", RULE_PIECE),
        ("401", RULE_PIECE),
        ("401", RULE_AMOUNT),
        ("401", RULE_AMOUNT),
        ("411", RULE_AMOUNT),
    ]
    assert proposal.groups[-1].line_ids == tuple(sorted((due.pk, got.pk)))
    done = lettering_confirm_proposal(acting_user=accountant, lab=cintra)
    # Each account its own codes.
    assert [d.code for d in done] == ["AA", "AB", "AC", "AD", "AA"]


def test_lines_of_drafts_other_labs_and_lettered_lines_are_not_proposed(
    accountant, cintra, majulab
):
    bill = invoice(accountant, cintra, "40.00", piece="INV-1")
    invoice(accountant, majulab, "40.00", piece="INV-1")
    payment(accountant, majulab, "40.00", piece="INV-1")
    draft = invoice(accountant, cintra, "40.00", piece="INV-2", post=False)
    assert draft.entry.status == "draft"
    assert lettering_proposal(lab=cintra, account=account(cintra, "401")).groups == ()
    paid = payment(accountant, cintra, "40.00", piece="INV-1")
    proposal = lettering_proposal(lab=cintra, account=account(cintra, "401"))
    assert [g.line_ids for g in proposal.groups] == [tuple(sorted((bill.pk, paid.pk)))]
    lettering_letter(acting_user=accountant, lab=cintra, line_ids=[bill.pk, paid.pk])
    assert lettering_proposal(lab=cintra, account=account(cintra, "401")).groups == ()


def test_the_proposal_shown_is_the_one_confirmed(lines, accountant, cintra):
    """Confirming letters the groups the accountant saw (kept with the page), not a
    proposal computed again; a group whose line was lettered meanwhile is refused whole."""
    supplier = account(cintra, "401")
    shown = lettering_proposal(lab=cintra, account=supplier)
    proposal_keep(shown)
    # A new SUP-01 invoice of 250.00 meanwhile: it would pair with SUP-01's payment.
    late = invoice(accountant, cintra, "250.00", party="SUP-01", piece="INV-22")
    assert len(lettering_proposal(lab=cintra, account=supplier).groups) == 5
    done = lettering_confirm_proposal(
        acting_user=accountant, lab=cintra, account=supplier, fingerprint=shown.fingerprint
    )
    assert [d.code for d in done] == ["AA", "AB", "AC", "AD"]
    # The next proposal: the new pair; lettered by hand before it is confirmed.
    shown = lettering_proposal(lab=cintra, account=supplier)
    proposal_keep(shown)
    lettering_letter(acting_user=accountant, lab=cintra, line_ids=[late.pk, lines["pay_c"].pk])
    with pytest.raises(LetteringLineError) as refused:
        lettering_confirm_proposal(
            acting_user=accountant, lab=cintra, account=supplier, fingerprint=shown.fingerprint
        )
    assert str(refused.value) == str(LETTERED_MEANWHILE)
    assert Lettering.objects.count() == 5


def test_an_invoice_of_december_is_lettered_with_its_payment_of_january(accountant, cintra):
    """Across the year boundary the items are the invoice and the payment themselves: the
    opening entry of the new year only restates the balance per third party, so it is
    never proposed nor lettered by hand (the ageing's rule: carried_openings), and after
    lettering nothing is open on the supplier in either year."""
    from ledger import services
    from ledger.models import FiscalYear
    from ledger.services.years import fiscal_year_close
    from parties.lettering.exceptions import LetteringLineError
    from tests.books import close_months

    december = invoice(accountant, cintra, "300.00", piece="INV-50", on=date(2025, 12, 10))
    small = invoice(accountant, cintra, "75.00", piece="INV-51", on=date(2025, 12, 11))
    services.fiscal_year_open(acting_user=accountant, lab=cintra, year=2026)
    close_months(cintra, *range(1, 13), user=accountant)
    fiscal_year_close(
        acting_user=accountant, fiscal_year=FiscalYear.objects.get(lab=cintra, year=2025)
    )
    supplier = account(cintra, "401")
    carried = JournalLine.objects.filter(
        lab=cintra, account=supplier, entry__year_end="opening"
    ).get()
    assert carried.credit == Decimal("375.00")
    paid = payment(accountant, cintra, "300.00", piece="INV-50", on=date(2026, 1, 15))
    paid_small = payment(accountant, cintra, "75.00", on=date(2026, 1, 16))
    proposal = lettering_proposal(lab=cintra, account=supplier)
    assert [g.line_ids for g in proposal.groups] == [
        tuple(sorted((december.pk, paid.pk))),
        tuple(sorted((small.pk, paid_small.pk))),
    ]
    with pytest.raises(LetteringLineError) as refused:
        lettering_letter(acting_user=accountant, lab=cintra, line_ids=[carried.pk, paid.pk])
    assert f"Line {carried.pk} is in an opening entry" in str(refused.value)
    lettering_confirm_proposal(acting_user=accountant, lab=cintra, account=supplier)
    assert Lettering.objects.filter(account=supplier, complete=True).count() == 2
    assert lettering_proposal(lab=cintra, account=supplier).groups == ()
