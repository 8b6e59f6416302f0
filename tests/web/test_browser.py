"""The director's budget page in a real browser: Debian's chromium driven by Playwright,
against pytest-django's live server.

Playwright's own browser download cannot work here; the tests use the system chromium
and skip, saying how to get it, where it is missing. Screenshots go to /tmp.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.conftest import BudgetYear

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = Path("/tmp")
NBSP = "\u00a0"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"browser tests need Debian's chromium at {CHROMIUM}: apt-get install chromium",
)


@pytest.fixture
def browser_page(
    monkeypatch: pytest.MonkeyPatch, live_server, budget_year: BudgetYear, director_cintra
) -> Iterator:
    """A chromium page, opened once the books and the users are written.

    Playwright's sync API keeps an event loop running in this thread while the browser is
    open. Django then refuses ORM calls here unless DJANGO_ALLOW_ASYNC_UNSAFE is set, and a
    call made anyway would open a second database connection, never closed (PostgreSQL then
    cannot drop the test database). So every fixture that writes comes before this one.
    """
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="en-GB")
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            browser.close()


def test_a_director_reads_the_budget_switches_to_french_and_drills_down(
    browser_page, live_server, budget_year: BudgetYear, director_cintra
):
    page = browser_page
    page.goto(f"{live_server.url}/labs/CINTRA/budget/2025/")
    assert page.url.endswith("/login/?next=/labs/CINTRA/budget/2025/")

    page.get_by_label("Username").fill("director_cintra")
    page.get_by_label("Password").fill("pw-director_cintra")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/labs/CINTRA/budget/2025/")
    assert page.locator("h1").inner_text() == "Budget execution 2025"
    total = page.locator("tfoot tr.total td").first
    assert total.inner_text() == "40,500.00"
    # The stylesheet is served and applied (no asset from the internet).
    assert page.locator(".topbar").evaluate("e => getComputedStyle(e).display") == "flex"
    page.screenshot(path=str(SCREENSHOTS / "irl-budget-en.png"), full_page=True)

    page.get_by_role("button", name="Français").click()
    page.wait_for_selector("html[lang=fr]")
    assert page.locator("h1").inner_text() == "Exécution budgétaire 2025"
    assert total.inner_text() == f"40{NBSP}500,00"
    overspent = page.locator("tr.is-overspent th").first
    assert "Dépassement" in overspent.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "irl-budget-fr.png"), full_page=True)

    page.get_by_role("link", name="EUR", exact=True).click()
    page.wait_for_url("**/budget/2025/?currency=EUR")
    assert "Conversion en EUR" in page.locator("#rates-title").inner_text()
    # 8,620.69 + 3,448.28 + 2,068.97 + 13,793.10: each allocation at the January rate 1.45
    assert total.inner_text() == f"27{NBSP}931,04"
    page.screenshot(path=str(SCREENSHOTS / "irl-budget-eur-fr.png"), full_page=True)

    page.get_by_role("link", name="OP-SUP Ligne OP-SUP").click()
    page.wait_for_url(re.compile(rf"/lines/{budget_year.supplies.pk}/\?currency=EUR$"))
    postings = page.locator("table.postings tbody")
    assert budget_year.first_invoice.number in postings.inner_text()
    assert "PO-2025-001" in page.locator("table.commitments").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "irl-budget-line-fr.png"), full_page=True)
