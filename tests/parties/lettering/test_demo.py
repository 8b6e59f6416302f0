"""The demo's lettering hook: the automatic proposal confirmed, then the invoices paid in
part lettered partially with their payments; running it again letters nothing."""

from datetime import date

from parties.lettering.demo import letter_demo
from parties.models import Lettering
from tests.parties.lettering.books import invoice, payment, receipt, receivable


def test_letter_demo_letters_full_and_partial_payments_once(accountant, cintra):
    invoice(accountant, cintra, "500.00", piece="INV-1", on=date(2025, 3, 1))
    payment(accountant, cintra, "500.00", piece="INV-1", on=date(2025, 3, 30))
    invoice(accountant, cintra, "800.00", piece="INV-2", on=date(2025, 3, 2))
    payment(accountant, cintra, "300.00", piece="INV-2", on=date(2025, 4, 2))
    invoice(accountant, cintra, "90.00", piece="INV-3", on=date(2025, 3, 3))
    receivable(accountant, cintra, "1000.00", on=date(2025, 3, 4))
    receipt(accountant, cintra, "1000.00", on=date(2025, 4, 5))
    done = letter_demo(cintra, accountant)
    assert (done.complete, done.partial) == (2, 1)
    letterings = Lettering.objects.order_by("account__code", "code")
    assert [(x.account.code, x.code, x.complete, x.items.count()) for x in letterings] == [
        ("401", "AA", True, 2),
        ("401", "AB", False, 2),
        ("411", "AA", True, 2),
    ]
    assert {x.lettered_on for x in letterings} == {date(2025, 4, 5)}
    assert letter_demo(cintra, accountant) == type(done)(0, 0)
    assert Lettering.objects.count() == 3
