"""The lettering pages of a lab: choose an account, see its lines with their lettering,
letter by hand, unletter with a reason, propose and confirm the automatic lettering.

Accountants and the office head act; directors and auditors read and get 403 on every
form; another lab's people, accounts and letterings answer 404.
"""

from datetime import date
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ledger.models import AuditEvent
from parties.lettering.selectors import lettering_proposal
from parties.lettering.services import lettering_letter
from parties.models import Lettering
from tests.books import account
from tests.parties.lettering.books import invoice, payment, receivable
from tests.web.html import table_rows

PAGE = "/labs/CINTRA/lettering/"
LETTER = PAGE + "letter/"
UNLETTER = PAGE + "unletter/"
PROPOSE = PAGE + "propose/"
CONFIRM = PAGE + "confirm/"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def books(accountant, cintra):
    """Supplier SUP-A: INV-1 of 1,000.00 paid 400.00 (partial AA), INV-2 of 250.00 paid
    250.00 with its reference (to propose), INV-3 of 80.00 open."""
    inv1 = invoice(accountant, cintra, "1000.00", piece="INV-1", on=date(2025, 3, 1))
    part = payment(accountant, cintra, "400.00", on=date(2025, 3, 20))
    lettering_letter(acting_user=accountant, lab=cintra, line_ids=[inv1.pk, part.pk])
    inv2 = invoice(accountant, cintra, "250.00", piece="INV-2", on=date(2025, 3, 5))
    pay2 = payment(accountant, cintra, "250.00", piece="INV-2", on=date(2025, 4, 2))
    inv3 = invoice(accountant, cintra, "80.00", piece="INV-3", on=date(2025, 3, 9))
    return {"inv1": inv1, "part": part, "inv2": inv2, "pay2": pay2, "inv3": inv3}


def _supplier_page(client: Client, lang: str = "en", **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"account": "", **params}.items())
    response = client.get(f"{PAGE}?{query}", HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200, response.status_code
    return unescape(response.content.decode())


def test_the_accounts_overview(books, accountant, cintra):
    html = _supplier_page(logged_in(accountant))
    rows = table_rows(html, "figures")
    supplier = next(cells for _, cells in rows if cells and cells[0].startswith("401"))
    # 5 posted lines, all open (AA is partial): debit 650.00 - credit 1,330.00.
    assert supplier[1:] == ["5", "5", "-680.00"]
    assert any(cells and cells[0].startswith("411") for _, cells in rows)


def test_an_accounts_lines_with_their_lettering(books, accountant, cintra):
    supplier = account(cintra, "401").pk
    html = _supplier_page(logged_in(accountant), account=str(supplier), state="all")
    rows = [cells for _, cells in table_rows(html, "lettering-table")[1:] if len(cells) == 10]
    assert [(r[3], r[7], r[8], r[9].split()[0] if r[9] else "") for r in rows] == [
        ("INV-1", "", "1,000.00", "AA"),
        ("INV-2", "", "250.00", ""),
        ("INV-3", "", "80.00", ""),
        ("", "400.00", "", "AA"),
        ("INV-2", "250.00", "", ""),
    ]
    assert "partial" in rows[0][9]
    assert "letterings: 0 complete, 1 partial" in html
    assert 'name="line"' in html and "Letter the selected lines" in html
    # Filtered: one third party, lettered lines only.
    html = _supplier_page(
        logged_in(accountant), account=str(supplier), state="lettered", third_party="SUP-A"
    )
    rows = [cells for _, cells in table_rows(html, "lettering-table")[1:] if len(cells) == 10]
    assert len(rows) == 2


def test_the_page_in_french(books, accountant, cintra):
    supplier = account(cintra, "401").pk
    html = _supplier_page(logged_in(accountant), "fr", account=str(supplier))
    for words in ("Lettrage du compte 401", "Lettrer les lignes sélectionnées", "partiel",
                  "Proposer un lettrage automatique", "Délettrer"):  # fmt: skip
        assert words in html, words


def test_lettering_by_hand_from_the_page(books, accountant, cintra):
    client = logged_in(accountant)
    supplier = account(cintra, "401").pk
    back = f"account={supplier}&state=open"
    response = client.post(
        LETTER, {"line": [books["inv2"].pk, books["pay2"].pk], "back": back}, follow=True
    )
    assert response.redirect_chain[0] == (f"{PAGE}?account={supplier}&state=open", 302)
    assert "Lettered AB: the lines cancel out." in unescape(response.content.decode())
    assert Lettering.objects.get(code="AB").complete
    # Lines of two accounts: refused with the reason, nothing lettered.
    due = receivable(accountant, cintra, "80.00")
    response = client.post(LETTER, {"line": [books["inv3"].pk, due.pk]}, follow=True)
    assert (
        "The lines selected are on several accounts (401, 411): a lettering groups lines of "
        "one account" in unescape(response.content.decode())
    )
    assert Lettering.objects.count() == 2
    # Nothing selected: 400 with the reason.
    response = client.post(LETTER, {})
    assert response.status_code == 400
    assert "Select the lines to letter." in unescape(response.content.decode())


def test_unlettering_from_the_page_needs_a_reason(books, accountant, cintra):
    client = logged_in(accountant)
    lettering = Lettering.objects.get(code="AA")
    response = client.post(UNLETTER, {"lettering": lettering.pk, "reason": ""})
    assert response.status_code == 400
    response = client.post(UNLETTER, {"lettering": lettering.pk, "reason": "Wrong invoice"})
    assert response.status_code == 302
    assert not Lettering.objects.exists()
    assert AuditEvent.objects.get(action="lettering.unletter").after == {"reason": "Wrong invoice"}


def test_proposing_then_confirming_all(books, accountant, cintra):
    client = logged_in(accountant)
    supplier = account(cintra, "401").pk
    response = client.get(f"{PROPOSE}?account={supplier}")
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert "1 group proposed (1 by piece reference, 0 by amount), 2 lines" in html
    assert "piece INV-2" in html
    fingerprint = lettering_proposal(lab=cintra, account=account(cintra, "401")).fingerprint
    assert fingerprint in html
    response = client.post(
        CONFIRM, {"account": supplier, "all": "1", "fingerprint": fingerprint}, follow=True
    )
    assert "1 lettering made." in unescape(response.content.decode())
    lettering = Lettering.objects.get(code="AB")
    assert sorted(lettering.items.values_list("line_id", flat=True)) == sorted(
        [books["inv2"].pk, books["pay2"].pk]
    )


def test_confirming_the_groups_ticked(books, accountant, cintra):
    client = logged_in(accountant)
    key = f"{min(books['inv2'].pk, books['pay2'].pk)}-{max(books['inv2'].pk, books['pay2'].pk)}"
    response = client.post(CONFIRM, {"group": [key]})
    assert response.status_code == 302
    assert Lettering.objects.filter(code="AB", complete=True).exists()
    response = client.post(CONFIRM, {})
    assert response.status_code == 400


def test_readers_see_the_pages_and_never_write(books, accountant, director_cintra, auditor, cintra):
    supplier = account(cintra, "401").pk
    lettering = Lettering.objects.get(code="AA")
    for reader in (director_cintra, auditor):
        client = logged_in(reader)
        html = _supplier_page(client, account=str(supplier))
        assert 'name="line"' not in html and "Unletter" not in html
        assert client.get(f"{PROPOSE}?account={supplier}").status_code == 200
        posts = [
            (LETTER, {"line": [books["inv2"].pk, books["pay2"].pk]}),
            (UNLETTER, {"lettering": lettering.pk, "reason": "No"}),
            (CONFIRM, {"account": supplier, "all": "1", "fingerprint": "0" * 64}),
        ]
        for url, data in posts:
            assert client.post(url, data).status_code == 403
    assert Lettering.objects.count() == 1


def test_another_labs_people_accounts_and_letterings_answer_404(
    books, accountant, director_majulab, majulab, cintra
):
    client = logged_in(director_majulab)
    assert client.get(PAGE).status_code == 404
    assert client.get(PROPOSE).status_code == 404
    theirs = account(majulab, "401").pk
    client = logged_in(accountant)
    assert client.get(f"{PAGE}?account={theirs}").status_code == 404
    assert client.get(f"{PROPOSE}?account={theirs}").status_code == 404
    other = invoice(accountant, majulab, "5.00")
    paid = payment(accountant, majulab, "5.00")
    theirs_lettering = lettering_letter(
        acting_user=accountant, lab=majulab, line_ids=[other.pk, paid.pk]
    )
    response = client.post(UNLETTER, {"lettering": theirs_lettering.pk, "reason": "x"})
    assert response.status_code == 404
    assert Lettering.objects.filter(pk=theirs_lettering.pk).exists()


def test_the_lines_page_reads_a_bounded_number_of_queries(books, accountant, cintra):
    client = logged_in(accountant)
    supplier = account(cintra, "401").pk
    with CaptureQueriesContext(connection) as first:
        client.get(f"{PAGE}?account={supplier}&state=all")
    for n in range(5):
        invoice(accountant, cintra, "10.00", piece=f"MORE-{n}")
    with CaptureQueriesContext(connection) as second:
        client.get(f"{PAGE}?account={supplier}&state=all")
    assert len(second) == len(first) <= 20
