"""The director's budget page and its drill-down to a budget line (issue 3, items 6 and 7)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from irls import services as irls_services
from ledger import services, views
from ledger.selectors import budget_execution, budget_line_postings
from ledger.selectors.budget import PostingsByDate
from ledger.templatetags.ledger_format import amount, percent
from tests.books import account, budget_line, journal
from tests.web.conftest import BudgetYear, budget_year_book, chancellery_rates, invoice
from tests.web.html import row_starting, table_rows

D = Decimal
NBSP = "\u00a0"
BUDGET = "/labs/CINTRA/budget/2025/"
HEAD = ["Allocated", "Amendments", "Committed", "Spent", "Available", "Consumed"]


def page(client: Client, url: str, lang: str = "en") -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def director(client: Client, director_cintra) -> Client:
    client.force_login(director_cintra)
    return client


# What the page shows -----------------------------------------------------------------


def test_budget_page_shows_each_line_grouped_with_subtotals(director, budget_year):
    rows = table_rows(page(director, BUDGET), "budget-table")
    assert rows[0][1][:7] == ["Budget line", *HEAD]
    assert rows[0][1][7] == "Spent in December 2025"
    # Funding source, then envelope, then lines, with a subtotal at each level.
    firsts = [cells[0] for _, cells in rows[1:]]
    assert firsts == [
        "Dotation CNRS CNRS-DOT",
        "Equipment",
        "EQ-LAB Line EQ-LAB Overspent",
        "Subtotal Equipment",
        "Operating",
        "OP-MIS Line OP-MIS Over 90% used",
        "OP-SUP Line OP-SUP",
        "Subtotal Operating",
        "Total Dotation CNRS",
        "Thales contribution THALES-25",
        "Operating",
        "TH-SUP Thales supplies",
        "Subtotal Operating",
        "Total Thales contribution",
        "Total CINTRA",
    ]
    figures = {cells[0]: cells[1:] for _, cells in rows[1:]}
    assert figures["OP-SUP Line OP-SUP"] == [
        "12,500.00", "0.00", "1,500.00", "2,500.00", "8,500.00", "32.0%", "0.00"
    ]  # fmt: skip
    assert figures["EQ-LAB Line EQ-LAB Overspent"] == [
        "3,000.00", "0.00", "0.00", "3,234.56", "-234.56", "107.8%", "3,234.56"
    ]  # fmt: skip
    assert figures["Total Dotation CNRS"] == [
        "20,500.00", "0.00", "1,500.00", "10,485.06", "8,514.94", "58.5%", "3,234.56"
    ]  # fmt: skip
    assert figures["Total CINTRA"] == [
        "40,500.00", "0.00", "1,500.00", "11,719.62", "27,280.38", "32.6%", "3,234.56"
    ]  # fmt: skip


def test_every_figure_on_the_page_is_the_selectors(director, budget_year):
    execution = budget_execution(lab=budget_year.lab, fiscal_year=budget_year.fiscal_year)
    html = page(director, BUDGET)
    rows = table_rows(html, "budget-table")

    def shown(figures):
        return [
            amount(figures.allocated),
            amount(figures.amendments),
            amount(figures.committed),
            amount(figures.spent),
            amount(figures.available),
            percent(figures.percent),
            amount(figures.spent_this_month),
        ]

    with translation.override("en"):
        for line in execution.lines:
            assert row_starting(rows, f"{line.code} ")[1][1:] == shown(line.book)
        for source in execution.by_source:
            assert row_starting(rows, f"Total {source.label}")[1][1:] == shown(source.book)
        assert row_starting(rows, "Total CINTRA")[1][1:] == shown(execution.total_book)
        envelopes = table_rows(html.split('id="envelopes-title"')[1], "figures")
        for group in execution.by_envelope:
            label = group.key[0].capitalize()
            assert row_starting(envelopes, label)[1][1:] == shown(group.book)


def test_watch_and_overspent_lines_say_so_in_words_not_only_colour(director, budget_year):
    rows = table_rows(page(director, BUDGET), "budget-table")
    classes = {cells[0].split()[0]: css for css, cells in rows if css.startswith("line")}
    assert classes == {
        "EQ-LAB": "line is-overspent",
        "OP-MIS": "line is-watch",
        "OP-SUP": "line",
        "TH-SUP": "line",
    }
    assert row_starting(rows, "EQ-LAB")[1][0].endswith("Overspent")
    assert row_starting(rows, "OP-MIS")[1][0].endswith("Over 90% used")


def test_bars_stack_spent_and_committed_with_css_widths_in_every_language(director, budget_year):
    for lang in ("en", "fr"):
        html = page(director, BUDGET, lang)
        # OP-SUP: spent 2,500 and committed 1,500 of 12,500.
        assert 'class="bar-spent" style="width: 20.0%"' in html
        assert 'class="bar-committed" style="width: 12.0%"' in html
        # EQ-LAB is overspent: the bar is scaled to what it consumed, the budget marked.
        assert 'class="bar-limit" style="left: 92.7%"' in html


def test_budget_page_in_french(director, budget_year):
    html = page(director, BUDGET, "fr")
    assert "<h1>Exécution budgétaire 2025</h1>" in html
    rows = table_rows(html, "budget-table")
    assert rows[0][1][:7] == [
        "Ligne budgétaire", "Alloué", "Modifications", "Engagé", "Dépensé", "Disponible",
        "Consommé",
    ]  # fmt: skip
    assert rows[0][1][7] == "Dépensé en décembre 2025"
    assert row_starting(rows, "OP-SUP")[1] == [
        "OP-SUP Ligne OP-SUP",
        f"12{NBSP}500,00", "0,00", f"1{NBSP}500,00", f"2{NBSP}500,00", f"8{NBSP}500,00",
        f"32,0{NBSP}%", "0,00",
    ]  # fmt: skip
    assert row_starting(rows, "OP-MIS")[1][0] == f"OP-MIS Ligne OP-MIS Consommé à plus de 90{NBSP}%"
    assert row_starting(rows, "Total CINTRA")[1][1] == f"40{NBSP}500,00"
    assert "Fonctionnement" in html and "Sous-total Équipement" in html


def test_eur_figures_name_the_chancellery_rates_used(director, budget_year):
    html = page(director, BUDGET + "?currency=EUR")
    rows = table_rows(html, "budget-table")
    # 12,500.00 allocated in January at 1.45; 2,500.00 spent in March at 1.44.
    cells = row_starting(rows, "OP-SUP")[1]
    assert cells[1] == "8,620.69" and cells[4] == "1,736.11"
    assert "Amounts in EUR." in html
    assert "Conversion to EUR" in html and "SGD per 1 EUR" in html
    for month, rate in (
        ("January", "1.4500"),
        ("February", "1.4500"),
        ("March", "1.4400"),
        ("December", "1.4250"),
    ):
        assert f'{month} 2025</span> <span class="rate-value">{rate}</span>' in html
    # Percentages and flags stay those of the books.
    assert row_starting(rows, "OP-MIS")[1][6] == "95.0%"
    # The links keep the currency.
    assert f"/lines/{budget_year.supplies.pk}/?currency=EUR" in html


def test_a_month_without_rate_shows_a_dash_and_says_why(director, accountant, cintra):
    chancellery_rates((3, "1.4400"))  # nothing for January and February
    budget_year_book(accountant, cintra)
    html = page(director, BUDGET + "?currency=EUR")
    rows = table_rows(html, "budget-table")
    assert row_starting(rows, "OP-SUP")[1][1:6] == ["—"] * 5
    assert row_starting(rows, "Total CINTRA")[1][1] == "—"
    assert "No chancellery rate is recorded for:" in html
    assert "January 2025, February 2025." in html
    assert "cannot be converted: they show “—”" in html
    assert "a month of these amounts has no chancellery rate" in html
    # In book currency nothing is missing.
    assert row_starting(table_rows(page(director, BUDGET), "budget-table"), "OP-SUP")[1][1] == (
        "12,500.00"
    )


def test_year_picker_lists_the_labs_fiscal_years(director, budget_year):
    services.fiscal_year_open(acting_user=None, lab=budget_year.lab, year=2026)
    html = page(director, BUDGET)
    assert 'href="/labs/CINTRA/budget/2025/" aria-current="page">2025</a>' in html
    assert 'href="/labs/CINTRA/budget/2026/">2026</a>' in html
    assert "No budget line has been opened for this year yet." in page(
        director, "/labs/CINTRA/budget/2026/"
    )


def test_lab_page_opens_the_budget_of_the_year_under_way(director, budget_year):
    response = director.get("/labs/CINTRA/")
    assert response.status_code == 302 and response.url == BUDGET


# Drill-down ---------------------------------------------------------------------------


def line_url(budget_year: BudgetYear, line=None) -> str:
    return f"{BUDGET}lines/{(line or budget_year.supplies).pk}/"


def test_line_page_shows_its_postings_and_open_commitments(director, budget_year):
    html = page(director, line_url(budget_year))
    assert "Line OP-SUP" in html and "Dotation CNRS" in html
    postings = table_rows(html, "postings")
    assert postings[0][1] == [
        "Date", "Entry", "Piece ref.", "Label", "Account", "Debit", "Credit", "Commitment"
    ]  # fmt: skip
    assert postings[1][1] == [
        "10/03/2025",
        budget_year.first_invoice.number,
        "INV-77",
        "Invoice INV-77",
        "6063 Small equipment",
        "2,500.00",
        "",
        "PO-2025-001",
    ]
    commitments = table_rows(html, "commitments")
    assert commitments[1][1] == [
        "PO-2025-001 Purchase order",
        "WAFER-CO",
        "03/02/2025",
        "Clean-room wafers",
        "4,000.00",
        "2,500.00",
        "1,500.00",
    ]
    assert commitments[-1][1] == ["Total open", "1,500.00"]


def test_line_page_in_french(director, budget_year):
    html = page(director, line_url(budget_year), "fr")
    postings = table_rows(html, "postings")
    assert postings[0][1][:3] == ["Date", "Écriture", "Réf. pièce"]
    assert postings[1][1][0] == "10/03/2025"
    assert postings[1][1][4] == "6063 Petit équipement"
    assert "notifiée le" in html and "15 janvier 2025" in html
    assert postings[1][1][5] == f"2{NBSP}500,00"
    assert "Engagements en cours" in html and "Bon de commande" in html


def test_line_page_lists_reversals_and_pages_through_postings(
    director, budget_year, accountant, monkeypatch
):
    monkeypatch.setattr(views, "POSTINGS_PER_PAGE", 2)
    for i in range(3):
        invoice(accountant, budget_year.lab, "10.00", line=budget_year.supplies, ref=f"S-{i}")
    reversal = services.entry_reverse(
        acting_user=accountant, entry=budget_year.first_invoice, date=date(2025, 3, 28)
    )
    first = page(director, line_url(budget_year))
    assert "Page 1 of 3" in first and 'href="?page=2"' in first
    last = page(director, line_url(budget_year) + "?page=3&currency=EUR")
    assert "Page 3 of 3" in last and 'href="?page=2&amp;currency=EUR"' in last
    rows = table_rows(last, "postings")
    assert rows[-1][1][1] == reversal.number and rows[-1][1][6] == "2,500.00"


def test_line_page_reads_a_page_of_postings_by_its_dates(accountant, budget_year):
    """PostingsByDate: the postings of the query cut by OFFSET, in the same order (date,
    entry number, id), on every page whatever its size, several postings a date."""
    lab, line = budget_year.lab, budget_year.supplies
    drafts = [
        services.entry_create_draft(
            acting_user=accountant,
            lab=lab,
            journal=journal(lab, "ACH"),
            date=date(2025, 4, day),
            label=f"Invoice D-{i}",
            piece_ref=f"D-{i}",
            piece_date=date(2025, 4, day),
            lines=[
                services.LineInput(account=account(lab, "6063"), debit=D(i + 1), budget_line=line),
                services.LineInput(account=account(lab, "401"), credit=D(i + 1)),
            ],
        )
        for i, day in enumerate((3, 3, 3, 7, 7, 12, 12, 12, 12, 20))
    ]
    for draft in reversed(drafts):  # numbers in the reverse order of the lines' ids
        services.entry_post(acting_user=accountant, entry=draft)
    services.entry_reverse(
        acting_user=accountant, entry=budget_year.first_invoice, date=date(2025, 4, 7)
    )
    query = list(budget_line_postings(budget_line=line))
    assert [p.entry.piece_ref for p in query[1:4]] == ["D-2", "D-1", "D-0"]
    postings = PostingsByDate(line)
    assert postings.count() == len(postings) == len(query) == 12
    assert list(postings) == query
    for size in range(1, 6):
        for start in range(0, len(query) + 1, size):
            assert postings[start : start + size] == query[start : start + size], (start, size)
    assert postings[5] == query[5]
    with pytest.raises(IndexError):
        postings[len(query)]


def test_line_page_shows_figures_in_eur_on_request(director, budget_year):
    html = page(director, line_url(budget_year) + "?currency=EUR")
    assert "8,620.69 <small>EUR</small>" in html  # allocated 12,500 at 1.45
    assert "Conversion to EUR" in html


# Access: the wall between labs ----------------------------------------------------------


@pytest.fixture
def majulab_line(majulab):
    return budget_line(majulab, "OP-SUP", "777.00")


def test_a_director_of_another_lab_gets_404_everywhere(
    client, director_cintra, budget_year, majulab_line
):
    client.force_login(director_cintra)
    other = majulab_line.pk
    for url in (
        "/labs/MAJULAB/",
        "/labs/MAJULAB/budget/2025/",
        "/labs/MAJULAB/budget/2025/?currency=EUR",
        f"/labs/MAJULAB/budget/2025/lines/{other}/",
        f"/labs/CINTRA/budget/2025/lines/{other}/",  # a MAJULAB line under one's own lab
        f"/labs/CINTRA/budget/2024/lines/{budget_year.supplies.pk}/",  # another year
        "/labs/CINTRA/budget/1999/",
        "/labs/NOPE/budget/2025/",
        f"/labs/CINTRA/budget/2025/lines/{other + 1000}/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"777" not in response.content
        assert b"Page not found" in response.content


def test_anyone_with_a_read_role_opens_the_page(
    client, budget_year, director_majulab, accountant, auditor, office_head
):
    for user in (accountant, auditor, office_head):
        client.force_login(user)
        assert client.get(BUDGET).status_code == 200
        assert client.get(line_url(budget_year)).status_code == 200
    client.force_login(director_majulab)
    assert client.get(BUDGET).status_code == 404
    assert client.get(line_url(budget_year)).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, budget_year):
    for url in ("/", "/labs/CINTRA/", BUDGET, line_url(budget_year)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/login/?next=")


# Queries: constant whatever the number of lines -------------------------------------------


def test_budget_page_queries_do_not_grow_with_the_lines(
    director, accountant, budget_year, django_assert_max_num_queries
):
    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert director.get(url).status_code == 200
        return len(captured)

    few = queries(BUDGET)
    few_eur = queries(BUDGET + "?currency=EUR")
    for i in range(20):
        line = budget_line(
            budget_year.lab, f"X-{i:02}", "100.00", envelope=["operating", "equipment"][i % 2]
        )
        invoice(accountant, budget_year.lab, "10.00", line=line, ref=f"X-{i}")
        services.commitment_create(
            acting_user=accountant,
            budget_line=line,
            kind="purchase_order",
            reference=f"PO-X-{i}",
            third_party="S",
            label="x",
            amount=Decimal("5.00"),
            on=date(2025, 3, 1),
        )
    assert queries(BUDGET) == few
    assert queries(BUDGET + "?currency=EUR") == few_eur
    with django_assert_max_num_queries(15):
        director.get(BUDGET)


def test_line_page_queries_do_not_grow_with_the_postings(director, accountant, budget_year):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert director.get(line_url(budget_year)).status_code == 200
        return len(captured)

    few = queries()
    for i in range(8):
        invoice(accountant, budget_year.lab, "10.00", commitment=budget_year.order, ref=f"P-{i}")
    assert queries() == few


# Over several years (issue 11, item 6) ---------------------------------------------------

SOURCE = "/labs/CINTRA/budget/source/CNRS-DOT/"


@pytest.fixture
def two_years(accountant, budget_year: BudgetYear) -> BudgetYear:
    """2026 opened with its supplies line; the purchase order of 2025 carried over."""
    lab = budget_year.lab
    services.fiscal_year_open(acting_user=None, lab=lab, year=2026)
    budget_line(lab, "OP-SUP", "6000.00", year=2026)
    services.commitment_carry_over(acting_user=accountant, commitment=budget_year.order)
    return budget_year


def test_a_funding_source_over_its_whole_life(director, two_years):
    year_page = page(director, BUDGET)
    assert f'href="{SOURCE}" title="Dotation CNRS">CNRS-DOT</a>' in year_page
    html = page(director, SOURCE)
    assert "Dotation CNRS: the whole life" in html
    assert "fiscal years 2025, 2026 summed by code" in html
    rows = table_rows(html, "budget-table")
    figures = {cells[0]: cells[1:] for _, cells in rows[1:]}
    # 12,500 + 6,000 allocated; the 1,500 still open of the order, now in 2026, counted once.
    assert figures["OP-SUP Line OP-SUP 2025, 2026"][:5] == [
        "18,500.00", "0.00", "1,500.00", "2,500.00", "14,500.00"
    ]  # fmt: skip
    assert figures["EQ-LAB Line EQ-LAB 2025 Overspent"][:5] == [
        "3,000.00", "0.00", "0.00", "3,234.56", "-234.56"
    ]  # fmt: skip
    assert "Thales" not in rows.__repr__()
    # Lines link to the line of their latest year.
    supplies_2026 = two_years.order.carried_to.budget_line
    assert f'href="/labs/CINTRA/budget/2026/lines/{supplies_2026.pk}/"' in html
    # The 2026 line shows where its commitment comes from.
    line_2026 = page(director, f"/labs/CINTRA/budget/2026/lines/{supplies_2026.pk}/")
    assert "PO-2025-001/2026" in line_2026 and "carried over from PO-2025-001" in line_2026
    assert f'href="{SOURCE}"' in line_2026


def test_the_whole_life_page_is_behind_the_lab_wall(client, director_majulab, two_years):
    client.force_login(director_majulab)
    for url in (SOURCE, "/labs/MAJULAB/budget/source/CNRS-DOT/"):
        assert client.get(url).status_code == 404, url
    client.force_login(two_years.order.created_by)
    assert client.get("/labs/CINTRA/budget/source/NOPE/").status_code == 404


def test_the_eur_view_shows_an_allocation_as_notified(director, budget_year):
    line = services.budget_line_create(
        acting_user=None,
        lab=budget_year.lab,
        fiscal_year=budget_year.fiscal_year,
        funding_source=budget_year.supplies.funding_source,
        code="CNRS-EQ",
        label_fr="Équipement notifié",
        label_en="Notified equipment",
        envelope="equipment",
        nature="equipment",
        allocated_on=date(2025, 1, 20),
        notified_currency="EUR",
        notified_amount=Decimal("10000.00"),
        notified_rate=Decimal("1.4567"),
    )
    rows = table_rows(page(director, BUDGET + "?currency=EUR"), "budget-table")
    # 14,567.00 SGD booked; the EUR view shows the 10,000.00 notified, not 14,567 / 1.45.
    assert row_starting(rows, "CNRS-EQ")[1][1] == "10,000.00"
    assert row_starting(table_rows(page(director, BUDGET), "budget-table"), "CNRS-EQ")[1][1] == (
        "14,567.00"
    )
    html = page(director, f"{BUDGET}lines/{line.pk}/")
    assert "Allocation as notified" in html
    assert "10,000.00 EUR, booked at 1.4567 SGD per EUR (rate of 20 January 2025)" in html


def test_a_funding_source_code_with_a_slash_has_its_page(director, budget_year):
    source = services.budget_line_create(
        acting_user=None,
        lab=budget_year.lab,
        fiscal_year=budget_year.fiscal_year,
        funding_source=irls_services.funding_source_create(
            acting_user=None,
            lab=budget_year.lab,
            code="ANR/24",
            name="ANR 2024",
            funder=budget_year.supplies.funding_source.funder,
            kind="grant",
            start_date=date(2024, 10, 1),
        ),
        code="AN-1",
        label_fr="x",
        label_en="ANR line",
        envelope="operating",
        nature="other",
        allocated=Decimal("900.00"),
        allocated_on=date(2025, 1, 15),
    ).funding_source
    assert 'href="/labs/CINTRA/budget/source/ANR/24/"' in page(director, BUDGET)
    html = page(director, "/labs/CINTRA/budget/source/ANR/24/")
    assert "ANR 2024: the whole life" in html and source.carries_over
    assert row_starting(table_rows(html, "budget-table"), "AN-1")[1][1] == "900.00"
