"""Issue 12's "Done when", walked in chromium, in French: the accountant records a
1,000.00 EUR supplier invoice on CINTRA's equipment line with its PDF, without
converting anything by hand, posts it from the keyboard, finds it in the entries list,
and reverses it the next month with a date and a reason. axe-core and the search for
English words run on every page of the journey; the form fits 1,280 px without a
horizontal scroll.

The books are tests/web/french_site.py's (CINTRA 2026 open, SGD per EUR chancellery
rates for every month: 1.4500 - 0.0025 a month since January 2025, so 1.3975 from
November 2026).
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tests.web.french_site import LAB, SGD_PER_EUR, FrenchSite, invoice_pdf, needs_chromium
from tests.web.test_browser_fr import BOOKS_DATA, check_page

pytestmark = needs_chromium

NBSP = "\u00a0"
LABEL = "Facture LASERCO 118"
SUPPLIER = "LASERCO"
REASON = "Fournisseur erroné"
DATA = (LABEL, SUPPLIER, REASON, "LC-118", "facture.pdf", *BOOKS_DATA)


def french(amount: Decimal) -> str:
    whole, cents = f"{amount:,.2f}".split(".")
    return whole.replace(",", NBSP) + "," + cents


def test_the_accountant_records_posts_and_reverses_a_eur_invoice(
    fr_accountant_page: Any, french_site: FrenchSite
) -> None:
    site, page = french_site, fr_accountant_page
    rate = SGD_PER_EUR[(2026, 11)]
    book = (Decimal("1000.00") * rate).quantize(Decimal("0.01"), ROUND_HALF_UP)
    equipment = site.budget_line_ids["EQ-LAB"]

    page.goto(f"{site.url}/labs/{LAB}/entries/new/")
    assert page.locator("h1").inner_text() == "Nouvelle écriture"
    check_page(page, "entry-form", data=DATA)
    page.get_by_label("Journal").select_option(label="ACH · Achats")
    page.get_by_label("Date", exact=True).fill("2026-11-10")
    page.get_by_label("Référence de la pièce").fill("LC-118")
    page.get_by_label("Libellé", exact=True).first.fill(LABEL)

    first, second = page.locator("[data-line]").nth(0), page.locator("[data-line]").nth(1)
    first.locator("[data-field=account]").fill("6063")
    first.locator("[data-field=label]").fill(LABEL)
    first.locator("[data-field=debit]").fill("1 000,00")
    first.locator("[data-field=currency]").select_option("EUR")
    first.locator("[data-field=budget_line]").select_option(str(equipment))
    conversion = first.locator("[data-conversion]").inner_text()
    assert conversion.startswith(f"= {french(book)} SGD au taux de "), conversion
    assert "taux de chancellerie, 2026-11-01" in conversion
    assert "Disponible" in first.locator("[data-available]").inner_text()

    second.locator("[data-field=account]").fill("401")
    second.locator("[data-field=credit]").fill("1000")
    second.locator("[data-field=currency]").select_option("EUR")
    second.locator("[data-field=third_party]").fill(SUPPLIER)
    # Enter adds a line; its × removes it again.
    second.locator("[data-field=third_party]").press("Enter")
    assert page.locator("[data-line]").count() == 3
    page.locator("[data-line]").nth(2).locator("[data-remove]").click()
    assert page.locator("[data-line]").count() == 2
    assert page.locator("#total-debit").inner_text() == french(book)
    assert page.locator("#total-credit").inner_text() == french(book)
    assert page.locator("#balance-state").inner_text() == "Équilibrée"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    check_page(page, "entry-form-filled", data=DATA)

    # Ctrl+Enter saves and posts.
    second.locator("[data-field=third_party]").press("Control+Enter")
    page.wait_for_url(f"**/labs/{LAB}/entries/*/")
    status = page.locator(".page-messages [role=status]").inner_text()
    assert status.startswith("Écriture ACH-2026-") and status.endswith(" validée."), status
    number = status.removeprefix("Écriture ").removesuffix(" validée.")
    assert number in page.locator("h1").inner_text()
    lines = page.locator("section[aria-labelledby=lines-title] table").inner_text()
    assert f"1{NBSP}000,00 EUR" in lines and french(book) in lines and "EQ-LAB" in lines
    check_page(page, "entry-posted", data=(*DATA, number))

    # The supporting PDF.
    page.locator("#document-file").set_input_files(
        {"name": "facture.pdf", "mimeType": "application/pdf", "buffer": invoice_pdf()}
    )
    page.locator("form.document-upload button[type=submit]").click()
    page.wait_for_load_state()
    assert "facture.pdf" in page.locator("body").inner_text()
    check_page(page, "entry-document", data=(*DATA, number))
    entry_url = page.url.split("#")[0]

    # Found in the entries list by its piece reference.
    page.goto(f"{site.url}/labs/{LAB}/entries/?q=LC-118")
    assert number in page.locator("main").inner_text()
    check_page(page, "entries-list", data=(*DATA, number))

    # Reversed the next month, with a reason.
    page.goto(entry_url)
    page.get_by_label("Date de la contre-passation").fill("2026-12-02")
    page.get_by_label("Motif").fill(REASON)
    page.get_by_role("button", name="Contre-passer").click()
    page.wait_for_url(f"**/labs/{LAB}/entries/*/")
    assert page.url.split("#")[0] != entry_url
    facts = page.locator(".entry-facts").inner_text()
    assert "Contre-passation de" in facts and number in facts
    assert "2 déc. 2026" in facts or "2 décembre 2026" in facts
    assert REASON in page.locator(".lede").inner_text()
    check_page(page, "entry-reversal", data=(*DATA, number))
