"""The auditor's journey in a real browser (Debian's chromium driven by Playwright, as in
tests/web/test_browser.py): log in, filter the audit trail and export it, run the ledger
verification, download a statement; and no page breaks the Content-Security-Policy."""

import hashlib
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.security.world import PASSWORD, World
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"browser tests need Debian's chromium at {CHROMIUM}: apt-get install chromium",
)


@pytest.fixture
def browser_page(monkeypatch: pytest.MonkeyPatch, live_server, world: World) -> Iterator:
    """A chromium page, opened once the world is written (see tests/web/test_browser.py:
    no ORM call from this thread while the browser is open). Collects the console's
    Content-Security-Policy complaints and the pages' script errors on `page.problems`."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1440, "height": 900}, locale="en-GB", accept_downloads=True
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        problems: list[str] = []
        page.on(
            "console",
            lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.problems = problems  # type: ignore[attr-defined]
        try:
            yield page
        finally:
            browser.close()


def test_the_auditor_filters_the_trail_verifies_the_ledger_and_downloads_a_statement(
    browser_page, live_server, world: World, tmp_path: Path
):
    page = browser_page
    statement = world.a["statement"]
    page.goto(f"{live_server.url}/audit/")
    assert page.url.endswith("/login/?next=/audit/")

    page.get_by_label("Username").fill("auditor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/audit/")
    assert page.locator("h1").inner_text() == "Audit"
    assert page.get_by_role("link", name="Audit", exact=True).is_visible()  # the top bar

    # The trail, filtered: the postings of CINTRA by the accountant.
    page.get_by_role("link", name="Audit trail").first.click()
    page.wait_for_url("**/audit/trail/")
    page.get_by_label("Lab", exact=True).select_option("CINTRA")
    page.get_by_label("User", exact=True).fill("accountant")
    page.get_by_label("Action", exact=True).select_option("entry.post")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"/audit/trail/\?lab=CINTRA&user=accountant&action=entry.post"))
    rows = page.locator("table.audit-trail > tbody > tr")
    assert rows.count() == 1
    # The action in words, its code on hover.
    assert "Entry posted" in rows.first.inner_text() and "CINTRA" in rows.first.inner_text()
    assert rows.first.locator("span.action").get_attribute("title") == "entry.post"
    assert world.a["journalentry"].number in rows.first.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "irl-audit-trail.png"), full_page=True)

    with page.expect_download() as exported:
        page.get_by_role("link", name="Export to XLSX").click()
    saved = tmp_path / exported.value.suggested_filename
    exported.value.save_as(saved)
    assert saved.suffix == ".xlsx"
    sheet = load_workbook(io.BytesIO(saved.read_bytes())).active
    assert [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["entry.post"]

    # An invalid filter says why.
    page.goto(f"{live_server.url}/audit/trail/?date_from=2025-12-31&date_to=2025-01-01")
    assert "The start date is after the end date." in page.locator("#filter-errors").inner_text()

    # The ledger verification.
    page.get_by_role("link", name="Ledger verification").first.click()
    page.wait_for_url("**/audit/verify/")
    page.get_by_role("button", name="Run the verification").click()
    page.wait_for_selector("table.verification")
    results = page.locator("table.verification tbody tr")
    assert results.count() == 2
    for index in range(2):
        assert "OK" in results.nth(index).inner_text()
    page.screenshot(path=str(SCREENSHOTS / "irl-audit-verify.png"), full_page=True)

    # The statements archive of CINTRA, from the overview; the file downloaded is the one
    # archived, byte for byte.
    page.get_by_role("link", name="Overview").click()
    page.locator("table.audit-labs tr", has_text="CINTRA").get_by_role(
        "link", name="Statements"
    ).click()
    page.wait_for_url("**/labs/CINTRA/statements/")
    with page.expect_download() as downloaded:
        page.get_by_role("link", name=statement.file_name).click()
    assert downloaded.value.suggested_filename == statement.file_name
    target = tmp_path / statement.file_name
    downloaded.value.save_as(target)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == statement.sha256

    # The admin's pages hold to the policy as well.
    page.goto(f"{live_server.url}/admin/ledger/journalentry/")
    page.goto(f"{live_server.url}/admin/ledger/journalentry/{world.a['draft'].pk}/change/")
    assert page.problems == []
