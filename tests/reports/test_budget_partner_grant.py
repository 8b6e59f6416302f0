"""Budget execution, partner and grant statements of the worked example."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from ledger import services
from ledger.models import BudgetLine, FiscalYear
from reports.builders import (
    budget_execution_build,
    grant_statement_build,
    partner_statement_build,
    statement_build,
)
from reports.exceptions import StatementError
from tests.reports.conftest import Books, post
from tests.reports.tables import cells, headings, row_of, sections

D = Decimal
Z = D("0.00")


def test_budget_execution_by_funding_source_envelope_and_line(books: Books):
    statement = budget_execution_build(lab=books.lab, year=2025)
    assert statement.title == "Budget execution 2025"
    assert headings(statement) == [
        "Code", "Budget line", "Allocated", "Amendments", "Committed", "Spent", "Available",
        "Consumed",
    ]  # fmt: skip
    by_source = sections(statement)
    assert list(by_source) == [
        "Agence nationale de la recherche funding (ANR-2D)",
        "Thales funding (THALES-25)",
    ]
    assert cells(by_source["Thales funding (THALES-25)"]) == [
        ("", "Operating", None, None, None, None, None, None),
        ("TH-MIS", "Line TH-MIS", D("5000.00"), Z, Z, D("2500.00"), D("2500.00"), D("0.5")),
        # Open purchase order of 2,000.00 reserves the line: (1,200 + 2,000) / 10,000.
        ("TH-SUP", "Line TH-SUP", D("10000.00"), Z, D("2000.00"), D("1200.00"), D("6800.00"),
         D("0.32")),
        ("", "Subtotal Operating", D("15000.00"), Z, D("2000.00"), D("3700.00"), D("9300.00"),
         D("0.38")),
        ("", "Total Thales funding", D("15000.00"), Z, D("2000.00"), D("3700.00"),
         D("9300.00"), D("0.38")),
    ]  # fmt: skip
    anr = by_source["Agence nationale de la recherche funding (ANR-2D)"]
    assert [row.cells[0] for row in anr if row.style == "normal"] == ["AN-EQ", "AN-IND", "AN-TRV"]
    travel = next(row for row in anr if row.cells[0] == "AN-TRV")
    # 800 spent of 4,000 + 500: 17.78 %, rounded half-up to 0.1 % as on the page.
    assert travel.cells[2:] == (D("4000.00"), D("500.00"), Z, D("800.00"), D("3700.00"),
                                D("0.178"))  # fmt: skip
    assert statement.totals[0].cells == (
        "", "Total", D("26000.00"), D("500.00"), D("2000.00"), D("6000.00"), D("18500.00"),
        D("0.302"),
    )  # fmt: skip


def test_budget_execution_in_eur_and_french(books: Books):
    statement = budget_execution_build(lab=books.lab, year=2025, currency="EUR", language="fr")
    assert statement.title == "Exécution budgétaire 2025"
    thales = sections(statement)["Thales funding (THALES-25)"]
    assert thales[0].cells[1] == "Fonctionnement"
    # Allocation notified in January (1.45), order of April (1.42), invoice of February (1.44).
    assert thales[2].cells[:7] == (
        "TH-SUP", "Ligne TH-SUP", D("6896.55"), Z, D("1408.45"), D("833.33"), D("4654.77"),
    )  # fmt: skip
    assert [row.cells[0] for row in statement.annex_rows] == [
        "01/2025", "02/2025", "03/2025", "04/2025", "05/2025",
    ]  # fmt: skip


def test_budget_execution_is_of_a_whole_year(books: Books):
    with pytest.raises(StatementError, match="covers a whole fiscal year"):
        budget_execution_build(lab=books.lab, year=2025, date_to=date(2025, 6, 30))


def test_partner_statement_of_thales(books: Books):
    statement = partner_statement_build(lab=books.lab, partner="THALES", year=2025)
    assert statement.title == "Contribution and expenditure statement 2025: Thales"
    parts = sections(statement)
    assert cells(parts["Contribution of Thales"]) == [
        ("Due at the start of the period (partner receivable 411)", Z),
        ("Contributions recorded as income in the period (accounts 74)", D("30000.00")),
        ("Invoiced in the period (411)", D("30000.00")),
        ("Received in the period", D("20000.00")),
        ("of which settlement of invoices (411)", D("20000.00")),
        ("of which received without invoice", Z),
        ("Still due at the end of the period (411)", D("10000.00")),
    ]
    assert cells(parts["Expenditure on the funding sources of Thales, by category"]) == [
        ("THALES-25 Thales funding", None),
        ("Personnel", Z),
        ("Travel", D("2500.00")),
        ("Equipment", Z),
        ("Other goods and services", D("1200.00")),
        ("Indirect costs", Z),
        ("Total THALES-25", D("3700.00")),
        ("Total expenditure", D("3700.00")),
    ]
    assert cells(list(statement.totals)) == [
        ("Contributions recorded in the period", D("30000.00")),
        ("Expenditure in the period", D("3700.00")),
        ("Balance left (contributions less expenditure)", D("26300.00")),
    ]


def test_partner_statement_of_a_direct_contribution_and_a_later_period(books: Books):
    cnrs = partner_statement_build(lab=books.lab, partner="CNRS", year=2025)
    contribution = cells(
        sections(cnrs)["Contribution of Centre national de la recherche scientifique"]
    )
    assert contribution[1] == ("Contributions recorded as income in the period (accounts 74)",
                               D("5000.00"))  # fmt: skip
    assert contribution[3] == ("Received in the period", D("5000.00"))
    assert contribution[5] == ("of which received without invoice", D("5000.00"))
    # From April on, the Thales invoice is due at the start and nothing more comes in.
    later = partner_statement_build(
        lab=books.lab, partner="THALES", year=2025, date_from=date(2025, 4, 1)
    )
    assert [row.cells[1] for row in sections(later)["Contribution of Thales"]] == [
        D("10000.00"), Z, Z, Z, Z, Z, D("10000.00"),
    ]  # fmt: skip
    assert later.totals[1].cells[1] == Z  # both Thales invoices were posted before April


def test_partner_statement_in_french_and_eur(books: Books):
    statement = partner_statement_build(
        lab=books.lab, partner="THALES", year=2025, language="fr", currency="EUR"
    )
    assert statement.title == "État des contributions et des dépenses 2025 : Thales"
    parts = sections(statement)
    assert parts["Contribution de Thales"][-1].cells == (
        "Restant dû en fin de période (411)", D("6703.65"),
    )  # fmt: skip
    assert statement.totals[-1].cells == (
        "Solde disponible (contributions moins dépenses)", D("18108.08"),
    )  # fmt: skip


def test_partner_statement_refuses_a_stranger(books: Books):
    with pytest.raises(StatementError) as error:
        partner_statement_build(lab=books.lab, partner="NUS", year=2025)
    assert str(error.value) == "'NUS' is not a partner institution or funder of CINTRA"


def test_grant_statement_by_cost_category(books: Books):
    statement = grant_statement_build(
        lab=books.lab, grant="ANR-2D", year=2025,
        date_from=date(2025, 5, 10), date_to=date(2025, 6, 30),
    )  # fmt: skip
    assert statement.title == (
        "Statement of expenditure 2025: Agence nationale de la recherche funding"
    )
    assert headings(statement) == [
        "Cost category", "Budget", "Spent before the period", "Spent in the period",
        "Cumulative spending", "Remaining budget",
    ]  # fmt: skip
    parts = sections(statement)
    assert cells(parts["Expenditure by cost category"]) == [
        ("Personnel", Z, Z, Z, Z, Z),
        # 4,000 + 500; the travel of 5 May was before the period.
        ("Travel", D("4500.00"), D("800.00"), Z, D("800.00"), D("3700.00")),
        ("Equipment", D("6000.00"), Z, D("1500.00"), D("1500.00"), D("4500.00")),
        ("Other goods and services", Z, Z, Z, Z, Z),
        ("Indirect costs", D("1000.00"), Z, Z, Z, D("1000.00")),
    ]
    assert [row.cells[0] for row in parts["Expenditure by budget line"]] == [
        "AN-EQ Line AN-EQ (Equipment)",
        "AN-IND Line AN-IND (Indirect costs)",
        "AN-TRV Line AN-TRV (Travel)",
    ]
    assert statement.totals[0].cells == (
        "Total", D("11500.00"), D("800.00"), D("1500.00"), D("2300.00"), D("9200.00"),
    )  # fmt: skip
    assert "reference REF-ANR-2D" in statement.notes[0]


def test_grant_statement_in_french_and_eur(books: Books):
    statement = grant_statement_build(
        lab=books.lab, grant="ANR-2D", year=2025, language="fr", currency="EUR"
    )
    assert statement.title == "État des dépenses 2025 : Agence nationale de la recherche funding"
    rows = sections(statement)["Dépenses par catégorie de coûts"]
    # 4,000 / 1.45 + 500 / 1.43 (amended in March); 800 / 1.41 spent in May.
    assert rows[1].cells == (
        "Déplacements", D("3108.27"), Z, D("567.38"), D("567.38"), D("2540.89"),
    )  # fmt: skip
    assert rows[4].cells[0] == "Coûts indirects"


def test_grant_statement_needs_a_funding_source_of_the_lab(books: Books):
    with pytest.raises(StatementError) as error:
        grant_statement_build(lab=books.lab, grant="ERC-X", year=2025)
    assert str(error.value) == "CINTRA has no funding source 'ERC-X'"


# A grant over several years (issue 11, items 6 and 7) --------------------------------------


def second_year(books: Books) -> dict[str, BudgetLine]:
    """2026: the ANR grant's lines (the 2025 unspent carried forward at closing, the Thales
    contribution lapsing), a travel invoice of February and a line notified in EUR."""
    lab, user = books.lab, books.user
    services.fiscal_year_open(acting_user=None, lab=lab, year=2026)
    fy_2026 = FiscalYear.objects.get(lab=lab, year=2026)
    grant = books.lines["AN-TRV"].funding_source

    def line_2026(code: str, amount: str, **extra: Any) -> BudgetLine:
        model = books.lines[code]
        return services.budget_line_create(
            acting_user=None,
            lab=lab,
            fiscal_year=fy_2026,
            funding_source=grant,
            code=code,
            label_fr=model.label_fr,
            label_en=model.label_en,
            envelope=model.envelope,
            nature=model.nature,
            funder_category=model.funder_category,
            allocated_on=date(2026, 1, 15),
            **({"allocated": D(amount) if amount else None} | extra),
        )

    lines = {
        "AN-TRV": line_2026("AN-TRV", "2000.00"),
        "AN-EQ": line_2026("AN-EQ", "1000.00"),
        "AN-IND": line_2026(
            "AN-IND",
            "",
            allocated=None,
            notified_currency="EUR",
            notified_amount=D("500.00"),
            notified_rate=D("1.40"),
        ),
    }
    services.budget_carry_forward(
        acting_user=user, fiscal_year=FiscalYear.objects.get(lab=lab, year=2025)
    )
    post(
        user,
        lab,
        "ACH",
        date(2026, 2, 3),
        "ANR travel, Paris",
        "INV-201",
        [
            ("6251", "300.00", "0", {"budget_line": lines["AN-TRV"], "third_party": "SUP-01"}),
            ("401", "0", "300.00", {}),
        ],
    )
    return lines


def test_budget_execution_of_a_grant_over_its_whole_life(books: Books):
    second_year(books)

    statement = budget_execution_build(lab=books.lab, year=2026, grant="ANR-2D")

    assert statement.title == (
        "Budget execution of Agence nationale de la recherche funding, 2025-01-01 to 2026-12-31"
    )
    assert (statement.period_from, statement.period_to) == (date(2025, 1, 1), date(2026, 12, 31))
    assert statement.parameters["grant"] == "ANR-2D"
    [title] = sections(statement)
    assert title == "Agence nationale de la recherche funding (ANR-2D)"
    rows = {row.cells[0]: row.cells[2:7] for row in sections(statement)[title] if row.cells[0]}
    # Travel: 4,000 + 2,000 allocated, the 500 top-up (the carry-over of 3,700 to 2026
    # cancels out over the grant's life), 800 spent in 2025 and 300 in 2026.
    assert rows["AN-TRV"] == (D("6000.00"), D("500.00"), Z, D("1100.00"), D("5400.00"))
    assert rows["AN-EQ"] == (D("7000.00"), Z, Z, D("1500.00"), D("5500.00"))
    assert rows["AN-IND"] == (D("1700.00"), Z, Z, Z, D("1700.00"))  # 500 EUR at 1.40
    assert statement.totals[0].cells[2:7] == (
        D("14700.00"), D("500.00"), Z, D("2600.00"), D("12600.00")
    )  # fmt: skip
    assert (
        "The whole life of funding source ANR-2D from its start on 2025-01-01"
        in (statement.notes[0])
    )

    # The year 2025 alone shows the carry-over leaving its lines; up to 2025, the life
    # of the grant shows the same money without it.
    year_2025 = budget_execution_build(lab=books.lab, year=2025)
    travel = row_of(sections(year_2025)[title], "AN-TRV")
    assert travel.cells[2:7] == (D("4000.00"), D("-3200.00"), Z, D("800.00"), Z)
    life_2025 = budget_execution_build(lab=books.lab, year=2025, grant="ANR-2D")
    travel = row_of(sections(life_2025)[title], "AN-TRV")
    assert travel.cells[2:7] == (D("4000.00"), D("500.00"), Z, D("800.00"), D("3700.00"))
    assert life_2025.period_to == date(2025, 12, 31)
    # As the command and the statements page ask for it (--grant with budget-execution).
    built = statement_build(kind="budget-execution", lab=books.lab, year=2026, grant="ANR-2D")
    assert built.title == statement.title and built.parameters["grant"] == "ANR-2D"
    with pytest.raises(StatementError, match="grant is only for the grant or budget-execution"):
        statement_build(kind="trial-balance", lab=books.lab, year=2026, grant="ANR-2D")


def test_budget_execution_in_eur_shows_an_allocation_as_notified(books: Books):
    second_year(books)
    statement = budget_execution_build(lab=books.lab, year=2026, grant="ANR-2D", currency="EUR")
    [rows] = sections(statement).values()
    assert row_of(rows, "AN-IND").cells[2] == D("1189.66")  # 1,000 / 1.45 + 500 EUR notified
    assert any("at the amount notified" in note for note in statement.notes)


def test_the_grant_statement_runs_since_the_grants_start(books: Books):
    second_year(books)

    statement = grant_statement_build(
        lab=books.lab,
        grant="ANR-2D",
        year=2026,
        date_from=date(2026, 1, 1),
        date_to=date(2026, 6, 30),
    )

    parts = sections(statement)
    categories = {row.cells[0]: row.cells[1:] for row in parts["Expenditure by cost category"]}
    # What was spent in 2025 is "before the period"; the budget is the grant's whole life.
    assert categories["Travel"] == (D("6500.00"), D("800.00"), D("300.00"), D("1100.00"),
                                    D("5400.00"))  # fmt: skip
    assert categories["Equipment"] == (D("7000.00"), D("1500.00"), Z, D("1500.00"),
                                       D("5500.00"))  # fmt: skip
    assert categories["Indirect costs"] == (D("1700.00"), Z, Z, Z, D("1700.00"))
    assert [row.cells[0] for row in parts["Expenditure by budget line"]] == [
        "AN-EQ Line AN-EQ (Equipment)",
        "AN-IND Line AN-IND (Indirect costs)",
        "AN-TRV Line AN-TRV (Travel)",
    ]
    assert statement.totals[0].cells == (
        "Total", D("15200.00"), D("2300.00"), D("300.00"), D("2600.00"), D("12600.00"),
    )  # fmt: skip
    assert "Cumulative since the start of the grant on 2025-01-01 (fiscal years 2025, 2026)." in (
        statement.notes
    )

    # In EUR the line notified in EUR counts its 500 EUR, not 700 SGD converted back.
    in_eur = grant_statement_build(lab=books.lab, grant="ANR-2D", year=2026, currency="EUR")
    indirect = row_of(sections(in_eur)["Expenditure by cost category"], "Indirect costs")
    assert indirect.cells[1] == D("1189.66")  # 1,000 SGD / 1.45 + 500 EUR
