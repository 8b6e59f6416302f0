"""A small office, served live and browsed in French: the fixtures of the French browser
journeys (tests/web/test_browser_fr.py) and of any later one (the accountant's entry
journey: `fr_accountant_page`).

The books are demo-like but small, written through the services
(the demo itself takes ~30 s to load):

- CINTRA, fiscal year 2025 (tests/web/conftest.py's `budget_year_book`: supplies, missions,
  an overspent equipment line, a Thales contribution, an order half invoiced) with a
  draft purchase of February left in it, and fiscal year 2026, the year under way (today
  is whatever the machine says; the pages default to it): supplies OP-SUP 12,500.00 and
  missions OP-MIS 6,000.00 (operating), and two equipment lines, EQ-LAB 8,000.00 (an
  invoice of 2,345.67 and an open order of 1,500.00) and EQ-IT 5,000.00 (an invoice of
  1,000.00).
- MAJULAB, a second lab with its chart and journals (so that the home page lists labs).
- SGD chancellery rates for every month of 2025 and 2026 (units per euro).
- Users (password `pw-<username>`): `accountant` (office-wide, staff: the admin's import
  pages), `director_cintra`, `office_head` (staff).

The books are written for each test (pytest-django's `live_server` empties the database
after every test that uses it; a module-wide set of books would need the tests to hold no
database fixture, and then pytest-django would not even create the test database for a
test run alone): ~1 s; opening chromium ~3 s.

No ORM call may run in the test's thread while Playwright runs: its sync API keeps an
event loop running there, Django then refuses ORM calls (SynchronousOnlyOperation), and
with DJANGO_ALLOW_ASYNC_UNSAFE the call would open a second connection that is never
closed. So what a test checks against the database is read before the browser opens
(`FrenchSite`), checked through the pages, or read after `chromium()` is closed.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from irls import services as irls_services
from irls.models import Lab, Role
from ledger import services
from ledger.models import BudgetLine, FiscalYear
from ledger.selectors import budget_execution
from ledger.templatetags.ledger_format import amount
from tests.books import budget_line, draft, lab_with_books

D = Decimal
CHROMIUM = Path("/usr/bin/chromium")  # Debian's, as tests/web/test_browser.py launches it
LAB = "CINTRA"
YEAR = 2026
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# SGD per euro, first day of each month: 1.45 in January 2025, a little lower each month.
SGD_PER_EUR = {
    (year, month): D("1.4500") - D("0.0025") * ((year - 2025) * 12 + month - 1)
    for year in (2025, 2026)
    for month in range(1, 13)
}

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"browser tests need Debian's chromium at {CHROMIUM}: apt-get install chromium",
)


@dataclass(frozen=True)
class FrenchSite:
    """The live site and what its pages should show, read before any browser opens."""

    url: str
    passwords: dict[str, str]
    year: int
    equipment_available: str  # the equipment envelope's available amount, as shown in French
    equipment_lines: dict[str, int] = field(default_factory=dict)  # code -> budget line id
    budget_line_ids: dict[str, int] = field(default_factory=dict)  # 2026 line code -> id
    february_draft: str = ""  # the label of 2025's February draft


def _person(username: str, role: str, lab: Lab | None, *, staff: bool = False) -> Any:
    user = get_user_model().objects.create_user(
        username=username, password=f"pw-{username}", is_staff=staff
    )
    irls_services.role_grant(acting_user=None, user=user, role=role, lab=lab)
    return user


def _rates() -> None:
    for (year, month), units in SGD_PER_EUR.items():
        services.exchange_rate_set(
            acting_user=None,
            currency="SGD",
            valid_from=date(year, month, 1),
            units_per_eur=units,
            source="chancellery",
        )


def _year_under_way(accountant: Any, lab: Lab) -> dict[str, BudgetLine]:
    """Fiscal year 2026 of the module docstring, through the services."""
    from tests.web.conftest import invoice  # the conftest imports this module

    services.fiscal_year_open(acting_user=None, lab=lab, year=YEAR)
    lines = {
        "OP-SUP": budget_line(lab, "OP-SUP", "12500.00", year=YEAR),
        "OP-MIS": budget_line(lab, "OP-MIS", "6000.00", nature="missions", year=YEAR),
        "EQ-LAB": budget_line(
            lab, "EQ-LAB", "8000.00", envelope="equipment", nature="equipment", year=YEAR
        ),
        "EQ-IT": budget_line(
            lab, "EQ-IT", "5000.00", envelope="equipment", nature="equipment", year=YEAR
        ),
    }
    services.commitment_create(
        acting_user=accountant,
        budget_line=lines["EQ-LAB"],
        kind="purchase_order",
        reference="PO-2026-014",
        third_party="OPTIQUE-SG",
        label="Banc optique",
        amount=D("1500.00"),
        on=date(YEAR, 4, 2),
    )
    for line, total, ref, on in (
        ("EQ-LAB", "2345.67", "EQ-26-1", date(YEAR, 3, 9)),
        ("EQ-IT", "1000.00", "IT-26-1", date(YEAR, 5, 20)),
        ("OP-SUP", "845.20", "SUP-26-1", date(YEAR, 6, 3)),
    ):
        invoice(accountant, lab, total, line=lines[line], ref=ref, on=on)
    return lines


def build_french_site() -> FrenchSite:
    """Write the books of the module docstring; return what the pages should show."""
    from tests.web.conftest import budget_year_book  # the conftest imports this module

    _rates()
    cintra = lab_with_books(LAB)
    lab_with_books("MAJULAB")
    accountant = _person("accountant", Role.ACCOUNTANT, None, staff=True)
    _person("director_cintra", Role.DIRECTOR, cintra)
    _person("office_head", Role.OFFICE_HEAD, None, staff=True)
    budget_year_book(accountant, cintra)
    february = draft(
        accountant,
        cintra,
        [("6064", "120.00", "0"), ("401", "0", "120.00")],
        on=date(2025, 2, 11),
        label="Cartouches d'encre",
        piece_ref="FEV-07",
    )
    lines = _year_under_way(accountant, cintra)
    fiscal_year = FiscalYear.objects.get(lab=cintra, year=YEAR)
    execution = budget_execution(lab=cintra, fiscal_year=fiscal_year)
    equipment = next(g for g in execution.by_envelope if g.key == ("equipment",))
    with translation.override("fr"):
        shown = amount(equipment.book.available)
    return FrenchSite(
        url="",
        passwords={u: f"pw-{u}" for u in ("accountant", "director_cintra", "office_head")},
        year=YEAR,
        equipment_available=shown,
        equipment_lines={code: lines[code].pk for code in ("EQ-LAB", "EQ-IT")},
        budget_line_ids={code: line.pk for code, line in lines.items()},
        february_draft=february.label,
    )


@pytest.fixture
def french_site(live_server: Any, settings: Any, tmp_path: Path) -> FrenchSite:
    """The books of the module docstring, committed for pytest-django's live server
    (which empties the database after the test); uploads and documents in `tmp_path`."""
    settings.IMPORT_UPLOAD_DIR = tmp_path / "imports"
    settings.MEDIA_ROOT = tmp_path / "media"
    return replace(build_french_site(), url=live_server.url)


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's chromium through Playwright's sync API; no ORM call in this thread until
    it is closed (see the module docstring)."""
    from playwright.sync_api import sync_playwright

    # Imported here: tests/web/test_browser.py imports the conftest, which imports this.
    from tests.web.test_browser import CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def fr_browser(french_site: FrenchSite) -> Iterator[Any]:
    """A chromium, opened once the books are written."""
    with chromium() as browser:
        yield browser


def new_page(browser: Any, *, locale: str = "fr-FR", phone: bool = False) -> Any:
    """A page in a fresh browser context (no cookie): French by the browser's language
    (Accept-Language) unless `locale` says otherwise; a phone's screen if `phone`."""
    if phone:
        context = browser.new_context(viewport=PHONE, locale=locale, is_mobile=True, has_touch=True)
    else:
        context = browser.new_context(viewport=DESKTOP, locale=locale, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def log_in(page: Any, site: FrenchSite, username: str, path: str = "/") -> Any:
    """Log `username` in through the login form, landing on `path` (or where the home
    page sends them when `path` is "/")."""
    page.goto(f"{site.url}/login/?next={path}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(site.passwords[username])
    page.locator("form.stacked-form button[type=submit]").click()
    page.wait_for_load_state()
    if path != "/":
        page.wait_for_url(f"**{path}")
    return page


def invoice_pdf(text: str = "Facture LASERCO-2026-118 : 1 000,00 EUR") -> bytes:
    """A one-page PDF invoice (reportlab), to attach as a supporting document:
    `page.set_input_files({"name": "facture.pdf", "mimeType": "application/pdf",
    "buffer": invoice_pdf()})`."""
    import io

    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    sheet = canvas.Canvas(out)
    sheet.drawString(72, 760, text)
    sheet.save()
    return out.getvalue()


@pytest.fixture
def fr_accountant_page(fr_browser: Any, french_site: FrenchSite) -> Iterator[Any]:
    """The office-wide accountant, logged in, in French (the browser's language), on
    CINTRA's Closing page of the live `french_site` (desktop, 1280 x 800; downloads
    accepted); its browser context is closed after the test.

    For the entry journey: CINTRA's 2025 and 2026 are open, every month of 2026 open,
    EUR chancellery rates for every month (`SGD_PER_EUR`), 2026 budget lines OP-SUP
    (12,500.00, 845.20 spent) and EQ-LAB/EQ-IT in `french_site.budget_line_ids`, accounts
    401 and 6064/6063 (6063 asks for a budget line), journal ACH; `invoice_pdf()` for the
    supporting document. Check the database through the pages, or read it once
    `fr_browser` is closed (see the module docstring)."""
    page = new_page(fr_browser)
    try:
        log_in(page, french_site, "accountant", f"/labs/{LAB}/closing/")
        page.wait_for_selector("html[lang=fr]")
        yield page
    finally:
        page.context.close()
