"""What a director reaches and reads (issue 12, item 5): the statements page from the
menu, and one "% consumed" on the budget page and in the budget-execution statement."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client

from irls import services as irls_services
from ledger import services
from ledger.models import FiscalYear
from ledger.selectors import budget_execution, consumed_percent
from reports.builders import budget_execution_build
from reports.render.xlsx import render_xlsx
from tests.books import budget_line
from tests.web.conftest import chancellery_rates, invoice
from tests.web.html import row_starting, table_rows

D = Decimal
STATEMENTS = "/labs/CINTRA/statements/"


@pytest.fixture
def director(client: Client, director_cintra) -> Client:
    client.force_login(director_cintra)
    return client


def test_a_director_finds_the_statements_from_the_top_bar_and_the_budget_page(
    director, budget_year
):
    html = director.get("/labs/CINTRA/budget/2025/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    topbar = html.split('<header class="topbar">', 1)[1].split("</header>", 1)[0]
    assert f'<a class="topbar-link" href="{STATEMENTS}">Statements</a>' in topbar
    page_links = html.split('<p class="lab-links">', 1)[1].split("</p>", 1)[0]
    assert f'href="{STATEMENTS}"' in page_links
    statements = director.get(STATEMENTS, HTTP_ACCEPT_LANGUAGE="fr")
    assert statements.status_code == 200
    # In French, and marked as the page the director is on.
    assert f'href="{STATEMENTS}" aria-current="page">États</a>' in statements.content.decode()


def test_the_statements_of_a_lab_without_a_fiscal_year_are_linked_too(client, office_head):
    irls_services.lab_create(
        acting_user=None,
        code="IPAL",
        name="IPAL laboratory",
        unit_number="IRL 2955",
        field="artificial intelligence",
        start_date=date(2025, 1, 1),
        fec_identifier="180089013",
    )
    client.force_login(office_head)
    html = client.get("/labs/IPAL/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No fiscal year yet" in html
    assert 'href="/labs/IPAL/statements/">Statements</a>' in html


def test_the_home_page_of_a_user_without_a_lab_links_no_statements(client, office_head):
    client.force_login(office_head)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "/statements/" not in html.split("</header>", 1)[0]


def test_the_page_and_the_statement_show_the_same_eur_percent_consumed(
    director, accountant, cintra
):
    """A line topped up in June, spent in March and September at other rates: its EUR
    figures divide to 64.1 %, its SGD ones to 58.3 %. Page and statement (XLSX too) both
    show 58.3 %, the book-currency share of the budget, in SGD and in EUR."""
    chancellery_rates((1, "1.4500"), (3, "1.4000"), (6, "1.6000"), (9, "1.3000"))
    line = budget_line(cintra, "OP-FX", "10000.00")
    services.budget_line_amend(
        acting_user=accountant,
        budget_line=line,
        amount=D("2000.00"),
        on=date(2025, 6, 10),
        justification="Top-up of June",
    )
    invoice(accountant, cintra, "3000.00", line=line, on=date(2025, 3, 10), ref="FX-1")
    invoice(accountant, cintra, "4000.00", line=line, on=date(2025, 9, 10), ref="FX-2")

    fiscal_year = FiscalYear.objects.get(lab=cintra, year=2025)
    row = budget_execution(lab=cintra, fiscal_year=fiscal_year, on=date(2025, 12, 31)).lines[0]
    assert row.eur is not None
    # 6,896.55 + 1,250.00 EUR allocated; 2,142.86 + 3,076.92 EUR spent: the EUR ratio drifts.
    assert (row.eur.allocated, row.eur.amendments, row.eur.spent) == (
        D("6896.55"), D("1250.00"), D("5219.78"),
    )  # fmt: skip
    assert row.eur.consumed * 100 / row.eur.budget > D("64")
    assert consumed_percent(row) == D("58.3")  # 7,000 / 12,000 SGD

    for currency in ("SGD", "EUR"):
        query = "?currency=EUR" if currency == "EUR" else ""
        html = director.get(f"/labs/CINTRA/budget/2025/{query}", HTTP_ACCEPT_LANGUAGE="en")
        _, cells = row_starting(table_rows(html.content.decode(), "budget-table"), "OP-FX")
        assert cells[6] == "58.3%", currency  # the "Consumed" column

        statement = budget_execution_build(lab=cintra, year=2025, currency=currency)
        statement_row = next(
            r for section in statement.sections for r in section.rows if r.cells[0] == "OP-FX"
        )
        assert statement_row.cells[7] == D("0.583"), currency
        assert statement.totals[0].cells[7] == D("0.583"), currency

        sheet = openpyxl.load_workbook(io.BytesIO(render_xlsx(statement))).active
        xlsx_row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "OP-FX")
        assert D(str(xlsx_row[7])) == D("0.583"), currency
