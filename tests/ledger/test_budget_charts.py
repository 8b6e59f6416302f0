"""The budget pages' charts (issue 16, item 1): their figures are the page's.

CINTRA's 2025, told through the services:
- the CNRS allocation: supplies (operating) 12,000.00 with a purchase order of 4,000.00,
  2,500.50 of it invoiced in March, and 1,000.00 in February and 300.00 in June;
  lab equipment 5,000.00, 3,234.56 spent in March and 100.00 in December;
- the ANR grant (2025-2027, multi-year): travel 8,000.00 topped up by 250.00, 500.00
  spent in January, 700.00 in April, 3,000.00 in November, a mission order of 600.00.
"""

import io
import itertools
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from irls import services as irls_services
from irls.models import FundingSource, Lab
from ledger import services
from ledger.models import BudgetLine, FiscalYear, JournalEntry
from ledger.selectors import budget_execution, funding_source_execution
from ledger.selectors.charts import budget_charts
from ledger.selectors.forecast import funding_source_forecast
from tests.books import anr, budget_line, charged_invoice

D = Decimal
BUDGET = "/labs/CINTRA/budget/2025/"
LIFE = "/labs/CINTRA/budget/source/ANR-2D/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ON = date(2025, 12, 10)  # the day the selectors' figures are asked for
MARKUP = '<script>alert("x")</script>'
FORMULA = '=HYPERLINK("http://evil.example","click")'


def invoice(user, lab: Lab, amount: str, line: BudgetLine, on: date, commitment=None):
    return charged_invoice(
        user,
        lab,
        amount,
        line,
        on=on,
        ref=f"INV-{line.code}-{on:%m%d}",
        label=f"Invoice {line.code} {on}",
        commitment=commitment,
    )


def source(lab: Lab, code: str, name: str, **extra) -> FundingSource:
    return irls_services.funding_source_create(
        acting_user=None,
        lab=lab,
        code=code,
        name=name,
        funder=anr(),
        kind="grant",
        start_date=date(2025, 1, 1),
        **extra,
    )


def line_of(lab: Lab, funding_source: FundingSource, code: str, allocated: str) -> BudgetLine:
    return services.budget_line_create(
        acting_user=None,
        lab=lab,
        fiscal_year=FiscalYear.objects.get(lab=lab, year=2025),
        funding_source=funding_source,
        code=code,
        label_fr=f"Ligne {code}",
        label_en=f"Line {code}",
        envelope="operating",
        nature="missions",
        allocated=D(allocated),
        allocated_on=date(2025, 1, 15),
    )


def order(user, line: BudgetLine, reference: str, amount: str, on: date):
    return services.commitment_create(
        acting_user=user,
        budget_line=line,
        kind="purchase_order",
        reference=reference,
        third_party="WAFER-CO",
        label="Order",
        amount=D(amount),
        on=on,
    )


@pytest.fixture
def year_2025(accountant, cintra):
    """The story of the module docstring."""
    supplies = budget_line(cintra, "OP-SUP", "12000.00")
    equipment = budget_line(cintra, "EQ-LAB", "5000.00", envelope="equipment", nature="equipment")
    grant = source(cintra, "ANR-2D", "ANR 2D materials", end_date=date(2027, 12, 31))
    travel = line_of(cintra, grant, "AN-TRV", "8000.00")
    services.budget_line_amend(
        acting_user=accountant,
        budget_line=travel,
        amount=D("250.00"),
        on=date(2025, 3, 1),
        justification="Top-up",
    )
    wafers = order(accountant, supplies, "PO-1", "4000.00", date(2025, 2, 3))
    order(accountant, travel, "MO-1", "600.00", date(2025, 11, 20))
    invoice(accountant, cintra, "1000.00", supplies, date(2025, 2, 10))
    invoice(accountant, cintra, "2500.50", supplies, date(2025, 3, 12), commitment=wafers)
    invoice(accountant, cintra, "300.00", supplies, date(2025, 6, 3))
    invoice(accountant, cintra, "3234.56", equipment, date(2025, 3, 20))
    invoice(accountant, cintra, "100.00", equipment, date(2025, 12, 1))
    invoice(accountant, cintra, "500.00", travel, date(2025, 1, 20))
    invoice(accountant, cintra, "700.00", travel, date(2025, 4, 2))
    invoice(accountant, cintra, "3000.00", travel, date(2025, 11, 5))
    return grant


def year_figures(lab: Lab, on: date = ON):
    fiscal_year = FiscalYear.objects.get(lab=lab, year=2025)
    execution = budget_execution(lab=lab, fiscal_year=fiscal_year, on=on)
    return execution, budget_charts(lab=lab, execution=execution, fiscal_year=fiscal_year, on=on)


def months_of(year: int) -> list[date]:
    return [date(year, month, 1) for month in range(1, 13)]


# The figures: the page's ---------------------------------------------------------------


def test_the_year_charts_add_up_to_the_budget_pages_figures(year_2025, cintra):
    execution, charts = year_figures(cintra)
    bars = charts.by_envelope
    assert bars is not None and charts.currency == "SGD" and charts.month == date(2025, 12, 1)
    # Twelve months of the year, in order, up to the month under way (December).
    assert [m.month for m in bars.months] == months_of(2025)
    assert not any(m.to_come for m in bars.months)
    assert bars.envelopes == ("operating", "equipment")
    by_month = {m.month: m.amounts for m in bars.months}
    assert by_month[date(2025, 3, 1)] == (D("2500.50"), D("3234.56"))
    assert by_month[date(2025, 11, 1)] == (D("3000.00"), D(0))
    assert by_month[date(2025, 5, 1)] == (D(0), D(0))
    # Each envelope's months add up to the page's "By envelope" spent, all to its total.
    spent_by_envelope = {g.key[0]: g.book.spent for g in execution.by_envelope}
    assert dict(zip(bars.envelopes, bars.totals, strict=True)) == spent_by_envelope
    assert bars.total == execution.total_book.spent == D("11335.06")

    # Cumulative by funding source: the page's spent, budget and open commitments.
    assert [c.code for c in charts.by_source] == [g.key[0] for g in execution.by_source]
    for chart, group in zip(charts.by_source, execution.by_source, strict=True):
        assert [m.month for m in chart.months] == months_of(2025)
        assert chart.spent == group.book.spent
        assert chart.months[-1].cumulative == group.book.spent
        assert chart.budget == group.book.budget
        assert chart.committed == group.book.committed
        assert chart.name == group.label
        cumulative = [m.cumulative for m in chart.months]
        assert cumulative == sorted(cumulative)  # nothing refunded: it only grows
    grant = next(c for c in charts.by_source if c.code == "ANR-2D")
    assert (grant.budget, grant.spent, grant.committed) == (D("8250.00"), D("4200.00"), D("600"))
    assert grant.months[3].cumulative == D("1200.00")  # January 500 + April 700
    assert not grant.has_projection  # a year's chart: no projection


def test_spending_after_the_month_under_way_is_counted_as_the_page_counts_it(year_2025, cintra):
    execution, charts = year_figures(cintra, on=date(2025, 6, 15))
    bars = charts.by_envelope
    assert bars is not None and bars.current == date(2025, 6, 1)
    # November and December have spending (posted ahead): shown, so that the months
    # still add up to the page's "spent".
    assert not any(m.to_come for m in bars.months)
    assert bars.total == execution.total_book.spent
    for chart in charts.by_source:
        assert chart.current == date(2025, 6, 1)
        assert chart.months[-1].cumulative == chart.spent


def test_a_month_with_nothing_yet_is_to_come(accountant, cintra):
    supplies = budget_line(cintra, "OP-SUP", "12000.00")
    invoice(accountant, cintra, "1000.00", supplies, date(2025, 2, 10))
    _, charts = year_figures(cintra, on=date(2025, 4, 15))
    bars = charts.by_envelope
    assert bars is not None
    assert [m.month for m in bars.shown] == months_of(2025)[:4]
    assert [m.to_come for m in bars.months] == [False] * 4 + [True] * 8
    [cnrs] = charts.by_source
    assert [m.cumulative for m in cnrs.months[:5]] == [D(0), D(1000), D(1000), D(1000), None]


def test_the_whole_life_chart_is_the_pages_figures_and_its_forecast(year_2025, cintra):
    grant = year_2025
    execution = funding_source_execution(funding_source=grant, on=ON)
    charts = budget_charts(lab=cintra, execution=execution, funding_source=grant, on=ON)
    life = charts.whole_life
    assert life is not None and charts.by_envelope is None and not charts.by_source
    # From the grant's start to its end date, month by month.
    assert [m.month for m in life.months] == months_of(2025) + months_of(2026) + months_of(2027)
    assert life.spent == execution.total_book.spent == D("4200.00")
    assert life.budget == execution.total_book.budget == D("8250.00")
    assert life.committed == execution.total_book.committed == D("600.00")
    assert life.months[11].cumulative == D("4200.00")
    assert all(m.to_come for m in life.months[12:])
    # The forecast at the current pace, computed by hand: the pace is the average of
    # June-November, 3,000 / 6 = 500; December spends 500, each of the 24 months to
    # December 2027 500 more: 4,200 + 600 committed + 500 + 24 x 500 = 17,300. The
    # 3,450 available last December (500) and 6 more months (2,950 / 500, rounded up):
    # June 2026.
    found = funding_source_forecast(grant, on=ON)
    assert found is not None
    forecast = found.forecast
    assert (life.pace, life.projected, life.run_out) == (
        D("500.00"),
        D("17300.00"),
        date(2026, 6, 1),
    )
    assert (life.pace, life.projected, life.run_out, life.status) == (
        forecast.pace,
        forecast.projected,
        forecast.run_out,
        forecast.status,
    )
    projected = [m.projected for m in life.months]
    assert projected[:11] == [None] * 11
    assert projected[11] == D("5300.00")  # spent, committed and the rest of December
    assert projected[-1] == forecast.projected
    ahead = [p for p in projected[11:] if p is not None]
    assert len(ahead) == 25  # December 2025 to December 2027
    assert all(b - a == D("500.00") for a, b in itertools.pairwise(ahead))


def test_a_grant_whose_period_is_over_draws_no_projection(year_2025, cintra):
    grant = year_2025
    later = date(2028, 3, 1)
    execution = funding_source_execution(funding_source=grant, on=later)
    life = budget_charts(lab=cintra, execution=execution, funding_source=grant, on=later).whole_life
    assert life is not None and not life.has_projection and life.pace is None


# The page ------------------------------------------------------------------------------


@pytest.fixture
def director(client: Client, director_cintra) -> Client:
    client.force_login(director_cintra)
    return client


def test_the_page_draws_the_charts_of_its_own_figures(director, year_2025):
    response = director.get(BUDGET)
    assert response.status_code == 200
    charts, execution = response.context["charts"], response.context["execution"]
    assert charts.by_envelope.total == execution.total_book.spent
    for chart, group in zip(charts.by_source, execution.by_source, strict=True):
        assert (chart.spent, chart.budget, chart.committed) == (
            group.book.spent,
            group.book.budget,
            group.book.committed,
        )
    html = response.content.decode()
    assert html.count('role="img"') == 1 + len(execution.by_source)
    assert 'aria-labelledby="chart-envelopes-title chart-envelopes-desc"' in html
    assert '<title id="chart-envelopes-title">Spending per month by envelope</title>' in html
    assert "Spent in all: 11,335.06 (Operating 8,000.50, Equipment 3,334.56)" in html
    # The figures as a table, and as a spreadsheet.
    assert '<summary id="chart-envelopes-figures">Figures of this chart</summary>' in html
    assert '<th scope="row">March 2025</th>' in html
    assert html.count('href="/labs/CINTRA/budget/2025/charts.xlsx"') == 1 + len(execution.by_source)
    # No inline style in the drawings (the page's policy allows no <style> element).
    svg = html[html.index("<svg") : html.rindex("</svg>")]
    assert "style=" not in svg and "<style" not in svg and "<script" not in svg


def test_the_whole_life_page_draws_the_grants_life(director, year_2025):
    response = director.get(LIFE)
    assert response.status_code == 200
    life, execution = response.context["charts"].whole_life, response.context["execution"]
    assert (life.spent, life.budget, life.committed) == (
        execution.total_book.spent,
        execution.total_book.budget,
        execution.total_book.committed,
    )
    html = response.content.decode()
    assert "ANR 2D materials over its whole life: cumulative spending against the budget" in html
    assert 'href="/labs/CINTRA/budget/source/ANR-2D/charts.xlsx"' in html


@pytest.fixture
def french_catalog():
    """The French catalog compiled from the sources, read afresh (changing LOCALE_PATHS
    makes Django forget the catalogs it has read)."""
    call_command("compile_translations", verbosity=0)
    with override_settings(LOCALE_PATHS=list(settings.LOCALE_PATHS)):
        yield


def test_the_charts_speak_french(director, year_2025, french_catalog):
    html = director.get(BUDGET, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<title id="chart-envelopes-title">Dépenses mensuelles par enveloppe</title>' in html
    assert "Dépensé en tout : 11\u00a0335,06 (Fonctionnement 8\u00a0000,50" in html
    assert '<th scope="row">mars 2025</th>' in html
    assert ">janv</text>" in html and ">déc</text>" in html  # the months on the axis
    assert "Télécharger les chiffres (XLSX)" in html


def test_typed_names_are_escaped_in_the_drawings(director, accountant, cintra):
    hostile = source(cintra, "HOSTILE", MARKUP)
    line = line_of(cintra, hostile, "HO-1", "1000.00")
    invoice(accountant, cintra, "10.00", line, date(2025, 5, 5))
    for url in (BUDGET, "/labs/CINTRA/budget/source/HOSTILE/"):
        html = director.get(url).content.decode()
        assert MARKUP not in html
        svg = html[html.index('<svg class="chart-svg"') : html.rindex("</svg>")]
        escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
        assert "<title id=" in svg and svg.count(escaped) >= 2  # its title and description


# The spreadsheet -----------------------------------------------------------------------


def workbook_of(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith("attachment")
    return load_workbook(io.BytesIO(response.content))


def rows_of(sheet) -> list[list]:
    """The cells of each row, up to its last one that holds something."""
    rows = []
    for row in sheet.iter_rows():
        cells = list(row)
        while cells and cells[-1].value is None:
            cells.pop()
        rows.append(cells)
    return rows


def test_the_years_figures_download_as_a_workbook(director, year_2025):
    response = director.get(BUDGET + "charts.xlsx")
    book = workbook_of(response)
    assert book.sheetnames == ["By envelope", "By funding source"]
    sheet = book["By envelope"]
    values = [[c.value for c in row] for row in rows_of(sheet)]
    assert values[0] == ["CINTRA · Budget execution 2025"]
    assert values[1] == ["Amounts in SGD"]
    assert values[3] == ["Month", "Operating", "Equipment", "Total"]
    march = rows_of(sheet)[6]
    assert march[0].value.date() == date(2025, 3, 1) and march[0].number_format == "mmm yyyy"
    assert [D(str(c.value)) for c in march[1:]] == [D("2500.5"), D("3234.56"), D("5735.06")]
    assert march[1].number_format == "#,##0.00"
    assert values[-1][0] == "Total" and D(str(values[-1][-1])) == D("11335.06")

    sheet = book["By funding source"]
    values = [[c.value for c in row] for row in rows_of(sheet)]
    assert values[3] == [
        "Funding source", "Name", "Month", "Spent in the month", "Spent since the start",
        "Committed", "Budget",
    ]  # fmt: skip
    anr = [row for row in values[4:] if row[0] == "ANR-2D"]
    assert len(anr) == 12
    assert [D(str(v)) for v in anr[10][3:5]] == [D("3000"), D("4200")]  # November
    assert D(str(anr[11][5])) == D("600") and anr[10][5] is None  # committed: December's row
    assert {D(str(row[6])) for row in anr} == {D("8250")}


@pytest.fixture
def on_the_10th_of_december(monkeypatch):
    """The pages' "today" (the office's date) is 10 December 2025."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: ON)


def test_the_whole_life_downloads_with_its_projection(director, year_2025, on_the_10th_of_december):
    book = workbook_of(director.get(LIFE + "charts.xlsx"))
    assert book.sheetnames == ["Whole life"]
    values = [[c.value for c in row] for row in rows_of(book["Whole life"])]
    assert values[0] == ["CINTRA · ANR 2D materials: the whole life"]
    facts = {row[0]: row[1] for row in values[3:7]}
    assert {k: D(str(v)) for k, v in facts.items()} == {
        "Budget": D("8250"),
        "Spent": D("4200"),
        "Committed": D("600"),
        "Available": D("3450"),
    }
    assert [(row[0], D(str(row[1]))) for row in values[7:9]] == [
        ("Average monthly spending (the current pace)", D("500")),
        ("Projected at the end date, at the current pace", D("17300")),
    ]
    assert values[10] == ["Runs out", "June 2026"]
    header = next(i for i, row in enumerate(values) if row and row[0] == "Month")
    assert values[header] == [
        "Month", "Spent in the month", "Spent since the start", "Projected at the current pace"
    ]  # fmt: skip
    months = values[header + 1 :]
    assert months[0][0].date() == date(2025, 1, 1) and D(str(months[0][1])) == D("500")
    december = [D(str(v)) for v in months[11][1:]]
    assert december == [D("0"), D("4200"), D("5300")]  # spent, since the start, projected
    assert months[-1][0].date() == date(2027, 12, 1) and months[-1][1:3] == [None, None]
    assert D(str(months[-1][3])) == D("17300")


def test_the_workbook_speaks_french_and_keeps_formulas_as_text(director, accountant, cintra):
    hostile = source(cintra, "F-1", FORMULA)
    line = line_of(cintra, hostile, "FO-1", "1000.00")
    invoice(accountant, cintra, "10.00", line, date(2025, 5, 5))
    book = workbook_of(director.get(BUDGET + "charts.xlsx", HTTP_ACCEPT_LANGUAGE="fr"))
    assert book.sheetnames == ["Par enveloppe", "Par origine de crédit"]
    rows = rows_of(book["Par origine de crédit"])
    assert [c.value for c in rows[3]][:3] == ["Origine de crédit", "Nom", "Mois"]
    name = rows[4][1]
    assert (name.value, name.data_type, name.quotePrefix) == (FORMULA, "s", True)


def test_another_labs_director_gets_404(client, director_majulab, year_2025):
    client.force_login(director_majulab)
    for url in (
        BUDGET + "charts.xlsx",
        LIFE + "charts.xlsx",
        "/labs/MAJULAB/budget/source/ANR-2D/charts.xlsx",  # not a source of MAJULAB
        "/labs/MAJULAB/budget/2031/charts.xlsx",  # not a year of MAJULAB
    ):
        assert client.get(url).status_code == 404, url


# Queries -------------------------------------------------------------------------------


def more_lines_and_months(user, lab: Lab, grant: FundingSource) -> None:
    """Six more lines, spending in every month of the year."""
    for n in range(3):
        line = budget_line(lab, f"OP-X{n}", "50000.00")
        personnel = budget_line(
            lab, f"PE-X{n}", "50000.00", envelope="personnel", nature="fixed_term_staff"
        )
        grant_line = line_of(lab, grant, f"AN-X{n}", "50000.00")
        for month in range(1, 13):
            for each in (line, personnel, grant_line):
                invoice(user, lab, "10.00", each, date(2025, month, 2 + n))


def test_the_charts_cost_the_same_queries_whatever_the_lines_and_months(
    director, accountant, cintra, year_2025, django_assert_max_num_queries
):
    grant = year_2025

    def queries(run) -> int:
        with CaptureQueriesContext(connection) as captured:
            run()
        return len(captured)

    def year() -> None:
        fiscal_year = FiscalYear.objects.get(lab=cintra, year=2025)
        execution = budget_execution(lab=cintra, fiscal_year=fiscal_year, on=ON, eur=False)
        with CaptureQueriesContext(connection) as captured:
            budget_charts(lab=cintra, execution=execution, fiscal_year=fiscal_year, on=ON)
        assert len(captured) == 1  # the year's spending by month, envelope and source

    def life() -> None:
        execution = funding_source_execution(funding_source=grant, on=ON, eur=False)
        budget_charts(lab=cintra, execution=execution, funding_source=grant, on=ON)

    year()
    life_before = queries(life)
    pages_before = [queries(lambda url=url: director.get(url)) for url in (BUDGET, LIFE)]
    more_lines_and_months(accountant, cintra, grant)
    assert JournalEntry.objects.filter(lab=cintra).count() > 100
    year()
    assert queries(life) == life_before
    for url, before in zip((BUDGET, LIFE), pages_before, strict=True):
        with django_assert_max_num_queries(before):
            assert director.get(url).status_code == 200
