"""What a user typed, shown back: escaped on every page, drawn as plain text in PDF
statements, kept as text (never a formula) in XLSX statements, while amounts stay
numbers."""

import io
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader

from ledger import services
from parties.models import ThirdParty
from reports.services import statement_issue
from tests.books import account, journal
from tests.security.world import World

MARKUP = '<script>alert("x")</script><b>bold</b>'
FORMULA = '=HYPERLINK("http://evil.example","click")'
COMMAND = "@SUM(1+1)*cmd|' /C calc'!A0"


@pytest.fixture
def typed(world: World):
    """A posted purchase of lab A whose texts are markup and formulas."""
    lab, user = world.a.lab, world.users["accountant"]
    # A third party's code is text typed by someone: a tab, and markup for its name.
    ThirdParty.objects.get_or_create(code="\tTAB", defaults={"name": MARKUP, "kind": "other"})
    entry = services.entry_create_draft(
        acting_user=user,
        lab=lab,
        journal=journal(lab, "ACH"),
        date=world.a["journalentry"].date,
        label=MARKUP,
        piece_ref=COMMAND,
        piece_date=world.a["journalentry"].date,
        lines=[
            services.LineInput(
                account=account(lab, "6063"),
                debit=Decimal("1234.56"),
                label=MARKUP,
                budget_line=world.a["budgetline"],
                third_party="\tTAB",
            ),
            services.LineInput(
                account=account(lab, "401"), credit=Decimal("1234.56"), label=FORMULA
            ),
        ],
    )
    return services.entry_post(acting_user=user, entry=entry)


def test_pages_show_typed_markup_as_text(world: World, typed):
    client = Client()
    client.force_login(world.users["office_head"])
    line = world.a["budgetline"]

    for url, shown in (
        (f"/labs/CINTRA/budget/2025/lines/{line.pk}/", True),
        (f"/admin/ledger/journalentry/{typed.pk}/change/", True),
        (f"/labs/{world.a.lab.code}/entries/{typed.pk}/", True),
        (f"/labs/{world.a.lab.code}/entries/?q=bold", True),
        ("/admin/ledger/journalentry/", True),
        ("/audit/trail/?action=entry.create", True),
        ("/admin/ledger/auditevent/", False),  # events show the entry's number
    ):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and "<b>bold</b>" not in html, url
        assert ("&lt;b&gt;bold&lt;/b&gt;" in html) is shown, url


def test_a_pdf_statement_draws_typed_text_as_it_is(world: World, typed):
    issued = statement_issue(
        acting_user=world.users["auditor"], lab=world.a.lab, kind="journal", year=2025
    )

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(issued.content)).pages)

    assert "<b>bold</b>" in text.replace("\n", "")
    assert "1,234.56" in text


def test_an_xlsx_statement_keeps_typed_text_as_text_and_amounts_as_numbers(world: World, typed):
    issued = statement_issue(
        acting_user=world.users["auditor"],
        lab=world.a.lab,
        kind="general-ledger",
        year=2025,
        format="xlsx",
    )

    sheet = load_workbook(io.BytesIO(issued.content)).worksheets[0]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]

    assert all(cell.data_type != "f" for cell in cells)
    risky = [c for c in cells if isinstance(c.value, str) and c.value[:1] in ("=", "@", "\t")]
    assert {c.value for c in risky} >= {FORMULA, COMMAND}
    assert all(c.data_type == "s" and c.quotePrefix for c in risky)
    amounts = [c for c in cells if c.value == Decimal("1234.56") or c.value == 1234.56]
    assert amounts and all(c.data_type == "n" for c in amounts)
