"""Issue 11's "Done when", walked in a real browser (Debian's chromium driven by
Playwright, as in test_browser.py) against pytest-django's live server.

The demo is loaded as on 3 December 2026: 2025 closed, 2026 booked to 30 November,
November left open with two drafts. As the accountant: the Closing page shows 2025
closed and January-October 2026 closed; closing November is refused, naming its drafts;
the 2026 checklist fails and its close button waits; the 2025 closing statement
downloads with the chain head of 2025; in French the page speaks French. As the CINTRA
director: the page has no form and closing a month answers 403.

The live server needs committed data, and pytest-django empties the tables after every
test that uses it: the demo (~1,000 entries a lab) is loaded once, for this one test.
Passwords are hashed with MD5 (tests/conftest.py), so the demo's logins are cheap.
"""

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import pytest
from django.utils import translation
from pypdf import PdfReader

from irls.models import Lab
from ledger.demo import demo_data_read, demo_dir, demo_load
from ledger.exceptions import PERIOD_HAS_DRAFTS
from ledger.models import FiscalYear, JournalEntry, Period
from ledger.selectors.years import year_heads
from ledger.services.entries import entry_ref
from ledger.services.years import fiscal_year_checklist
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS

TODAY = date(2026, 12, 3)
PAGE = "/labs/CINTRA/closing/"
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
MOIS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
HEX64 = re.compile(r"[0-9a-f]{64}")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"browser tests need Debian's chromium at {CHROMIUM}: apt-get install chromium",
)


@dataclass(frozen=True)
class Office:
    """The demo as the pages should show it, read from the database before the browser
    opens (Playwright's event loop keeps the ORM out of this thread while it runs)."""

    lab: Lab
    passwords: dict[str, str]
    november_refusal: str
    november_drafts: tuple[str, ...]  # "<ref> «<label>»", as the refusal names them
    head_2025: str
    failing_2026: set[str]
    checklist_en: tuple[str, ...]
    checklist_fr: tuple[str, ...]


@pytest.fixture
def office(transactional_db: None) -> Office:
    demo_load(today=TODAY)
    lab = Lab.objects.get(code="CINTRA")
    november = Period.objects.get(lab=lab, fiscal_year__year=2026, month=11)
    drafts = list(
        JournalEntry.objects.filter(
            lab=lab,
            status=JournalEntry.Status.DRAFT,
            date__range=(november.start_date, november.end_date),
        )
        .select_related("journal")
        .order_by("date", "id")
    )
    named = tuple(f"{entry_ref(entry)} «{entry.label}»" for entry in drafts)
    refusal = PERIOD_HAS_DRAFTS.format(
        period="2026-11", lab="CINTRA", count=len(drafts), drafts="; ".join(named)
    )
    heads = {head.year: head.hash for head in year_heads(lab.pk)}
    fiscal_2026 = FiscalYear.objects.get(lab=lab, year=2026)
    with translation.override("en"):
        checklist = fiscal_year_checklist(fiscal_2026)
    with translation.override("fr"):
        checklist_fr = fiscal_year_checklist(fiscal_2026)
    users = demo_data_read(demo_dir()).users
    return Office(
        lab=lab,
        passwords={row.username: row.password for row in users},
        november_refusal=refusal,
        november_drafts=named,
        head_2025=heads[2025],
        failing_2026={item.code for item in checklist.failing},
        checklist_en=tuple(item.message for item in checklist.items),
        checklist_fr=tuple(item.message for item in checklist_fr.items),
    )


@contextmanager
def chromium(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """The system chromium; every ORM call of the test comes before or after it."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def log_in(browser, live_server, office: Office, username: str):
    """A fresh browser session of `username`, on the Closing page."""
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="en-GB")
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}{PAGE}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(office.passwords[username])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{PAGE}")
    return page


def month_rows(page, year: int) -> list[tuple[str, str]]:
    """(month, status) of each row of the year's months table."""
    rows = page.locator(f"#year-{year} table.months-table tbody tr")
    names = rows.locator("th").all_inner_texts()
    states = rows.locator("td:nth-child(2)").all_inner_texts()
    return [(name.strip(), state.strip()) for name, state in zip(names, states, strict=True)]


def expected_months(names: list[str], year: int, closed: int, words: tuple[str, str]):
    done, todo = words
    return [
        (f"{name} {year} {year}-{n:02d}", done if n <= closed else todo)
        for n, name in enumerate(names, start=1)
    ]


def test_the_accountant_walks_the_year_boundary_and_the_director_only_reads(
    office: Office, live_server, monkeypatch: pytest.MonkeyPatch
):
    with chromium(monkeypatch) as browser:
        page = log_in(browser, live_server, office, "accountant")

        # 1. 2025 closed; 2026 open, January-October closed, November the next to close.
        assert page.locator("h1").inner_text() == "Month and year closing"
        assert "Closed" in page.locator("#year-2025-title").inner_text()
        assert "Open" in page.locator("#year-2026-title").inner_text()
        assert month_rows(page, 2025) == expected_months(MONTHS, 2025, 12, ("Closed", "Open"))
        assert month_rows(page, 2026) == expected_months(MONTHS, 2026, 10, ("Closed", "Open"))
        november = page.locator("#year-2026 tr.month-row").nth(10)
        assert november.locator("td.num").inner_text() == str(len(office.november_drafts))
        page.screenshot(path=str(SCREENSHOTS / "irl-closing-en.png"), full_page=True)

        # 2. Closing November is refused: the page names its two drafts; it stays open.
        assert len(office.november_drafts) == 2
        november.get_by_role("button", name="Close November 2026").click()
        page.wait_for_url(f"**{PAGE}#year-2026")
        refusal = page.locator(".closing-messages .alert-error")
        assert refusal.inner_text() == office.november_refusal
        for draft in office.november_drafts:
            assert draft in refusal.inner_text()
        assert month_rows(page, 2026)[10] == ("November 2026 2026-11", "Open")
        assert page.get_by_role("button", name="Close November 2026").is_visible()

        # 3. The checklist of 2026 fails where it should; the close button waits for it.
        checklist = page.locator("#year-2026 .checklist")
        failing = checklist.locator("li.check-fail")
        assert set(failing.evaluate_all("items => items.map(i => i.dataset.item)")) == (
            office.failing_2026
        )
        assert {"months", "drafts"} <= office.failing_2026
        drafts_item = checklist.locator("li[data-item=drafts]").inner_text()
        for draft in office.november_drafts:
            assert draft.split(" «")[0] in drafts_item
        close_year = checklist.get_by_role("button", name="Close the fiscal year 2026")
        assert close_year.is_disabled()
        assert page.locator("#year-2025 .checklist").count() == 0

        # 4. The 2025 closing statement downloads; its chain head is 2025's.
        page.goto(f"{live_server.url}/labs/CINTRA/statements/")
        page.get_by_label("Statement", exact=True).select_option("closing")
        page.get_by_label("Fiscal year").select_option("2025")
        page.get_by_label("Format").select_option("pdf")
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Issue and download").click()
        download = download_info.value
        assert download.suggested_filename.endswith(".pdf")
        pdf = download.path().read_bytes()
        assert pdf.startswith(b"%PDF")
        text = "".join(page_.extract_text() for page_ in PdfReader(io.BytesIO(pdf)).pages)
        assert HEX64.fullmatch(office.head_2025)
        assert office.head_2025 in re.sub(r"\s+", "", text)

        # 5. In French, the Closing page speaks French, its checklist too.
        page.goto(f"{live_server.url}{PAGE}")
        page.get_by_role("button", name="Français").click()
        page.wait_for_selector("html[lang=fr]")
        assert page.locator("h1").inner_text() == "Clôture des mois et de l'exercice"
        assert month_rows(page, 2026) == expected_months(MOIS, 2026, 10, ("Clos", "Ouvert"))
        assert "Clos" in page.locator("#year-2025-title").inner_text()
        shown = page.locator("#year-2026 .checklist .check-message").all_inner_texts()
        assert [message.strip() for message in shown] == list(office.checklist_fr)
        body = page.locator("body").inner_text()
        english = [m for m in office.checklist_en if m in body and m not in office.checklist_fr]
        assert english == []
        states = checklist.locator("li.check-fail .check-state").all_text_contents()
        assert states == ["À faire"] * len(office.failing_2026)  # shown upper-case
        assert "To do" not in page.locator("body").text_content()
        page.screenshot(path=str(SCREENSHOTS / "irl-closing-fr.png"), full_page=True)

        # The director reads the page and may not close a month.
        director = log_in(browser, live_server, office, "director_cintra")
        assert director.locator("main form").count() == 0
        assert director.get_by_role("button", name=re.compile("^Close")).count() == 0
        assert "closing and reopening are for the office" in director.locator("main").inner_text()
        token = director.locator("input[name=csrfmiddlewaretoken]").first.input_value()
        refused = director.request.post(
            f"{live_server.url}{PAGE}month/close/",
            form={"csrfmiddlewaretoken": token, "month": "2026-11"},
            headers={"Referer": f"{live_server.url}{PAGE}"},
        )
        assert refused.status == 403
        assert "Access denied" in refused.text()  # the role check, not a stale CSRF token

    # After the browser (the ORM is back): November is still open, nothing was closed.
    november_period = Period.objects.get(lab=office.lab, fiscal_year__year=2026, month=11)
    assert november_period.status == Period.Status.OPEN
    assert FiscalYear.objects.get(lab=office.lab, year=2026).status == FiscalYear.Status.OPEN
