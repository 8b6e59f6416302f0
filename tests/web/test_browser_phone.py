"""The director's budget page on a phone (issue 12, item 5): Debian's chromium driven by
Playwright at 390 px wide, against pytest-django's live server.

Skipped, saying how to get it, where Debian's chromium is missing.
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.web.conftest import BudgetYear
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

PHONE: "ViewportSize" = {"width": 390, "height": 844}

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"browser tests need Debian's chromium at {CHROMIUM}: apt-get install chromium",
)


@pytest.fixture
def phone_page(
    monkeypatch: pytest.MonkeyPatch, live_server, budget_year: BudgetYear, director_cintra
) -> Iterator:
    """A chromium page at a phone's width, opened once the books and users are written
    (see tests/web/test_browser.py: no ORM call once Playwright runs)."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True)
        page.set_default_timeout(15_000)
        try:
            page.goto(f"{live_server.url}/login/?next=/labs/CINTRA/budget/2025/")
            page.get_by_label("Username").fill("director_cintra")
            page.get_by_label("Password").fill("pw-director_cintra")
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url("**/labs/CINTRA/budget/2025/")
            yield page
        finally:
            browser.close()


def _scroll_width(page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_the_budget_page_fits_a_phone_with_the_key_figures_first(phone_page):
    page = phone_page
    # Nothing wider than the screen: the top bar wraps, the tables scroll inside their box.
    assert _scroll_width(page) <= PHONE["width"]
    topbar = page.locator(".topbar").bounding_box()
    assert topbar is not None and topbar["x"] + topbar["width"] <= PHONE["width"]
    # How much is still available, and how much is consumed, come before the other cards.
    cards = page.locator(".summary .card")
    boxes = {
        cards.nth(i).locator(".card-label").inner_text().split()[0]: cards.nth(i).bounding_box()
        for i in range(cards.count())
    }
    tops = sorted(boxes, key=lambda label: (boxes[label]["y"], boxes[label]["x"]))
    assert tops[:2] == ["AVAILABLE", "CONSUMED"]
    available = boxes["AVAILABLE"]
    assert available["y"] + available["height"] <= PHONE["height"]  # seen without scrolling
    page.screenshot(path=str(SCREENSHOTS / "irl-budget-phone.png"), full_page=True)

    page.goto(page.url + "?currency=EUR")
    assert _scroll_width(page) <= PHONE["width"]


def test_the_line_column_stays_while_the_figures_scroll(phone_page):
    page = phone_page
    wrap = page.locator(".budget-table").locator("xpath=..")
    first = page.locator(".budget-table tr.line th").first
    figure = page.locator(".budget-table tr.line td.available").first
    first.scroll_into_view_if_needed()
    before = first.bounding_box()
    figure_before = figure.bounding_box()
    assert before is not None and figure_before is not None
    # The table is wider than the phone: it scrolls inside its box.
    assert wrap.evaluate("e => e.scrollWidth > e.clientWidth")

    wrap.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    page.wait_for_function("e => e.scrollLeft > 0", arg=wrap.element_handle(), polling="raf")
    after = first.bounding_box()
    figure_after = figure.bounding_box()
    assert after is not None and figure_after is not None
    # The figures moved left; the line's label did not move and is still on screen.
    assert figure_after["x"] < figure_before["x"]
    assert after["x"] == pytest.approx(before["x"], abs=1)
    assert after["x"] >= 0 and after["x"] + after["width"] <= PHONE["width"]
    # ... and it is painted above the figures that slide under it.
    middle_x = after["x"] + after["width"] / 2
    middle_y = after["y"] + after["height"] / 2
    on_top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('th') !== null",
        [middle_x, middle_y],
    )
    assert on_top
    assert _scroll_width(page) <= PHONE["width"]
    page.screenshot(path=str(SCREENSHOTS / "irl-budget-phone-scrolled.png"), full_page=True)
