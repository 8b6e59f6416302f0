"""Balance sheet and income statement by PCG class and prefix, beside the year before."""

from datetime import date
from decimal import Decimal

from ledger import services
from reports.builders import balance_sheet_build, income_statement_build
from tests.reports.conftest import Books, post
from tests.reports.tables import cells, headings, sections

D = Decimal


def test_balance_sheet_at_the_end_of_the_year(books: Books):
    statement = balance_sheet_build(lab=books.lab, year=2025)
    assert statement.title == "Balance sheet 2025"
    assert headings(statement) == ["Code", "Heading", "At 2025-12-31", "2024"]
    parts = sections(statement)
    assert cells(parts["Assets"]) == [
        ("", "Class 4: Third parties", None, None),
        ("41", "Customers and partners", D("10000.00"), None),
        ("", "Total class 4", D("10000.00"), None),
        ("", "Class 5: Financial accounts", None, None),
        ("51", "Banks", D("31284.97"), None),
        ("", "Total class 5", D("31284.97"), None),
        ("", "Total assets", D("41284.97"), None),
    ]
    assert cells(parts["Liabilities and equity"]) == [
        ("", "Class 1: Equity and long-term liabilities", None, None),
        ("10", "Capital and reserves", D("10000.00"), None),
        # 35,000.00 of subsidies less 2,700.00 + 3,315.03 of expenses.
        ("", "Result of the period (classes 6 and 7), not yet allocated", D("28984.97"), None),
        ("", "Total class 1", D("38984.97"), None),
        ("", "Class 4: Third parties", None, None),
        ("40", "Suppliers", D("2300.00"), None),
        ("", "Total class 4", D("2300.00"), None),
        ("", "Total liabilities and equity", D("41284.97"), None),
    ]
    assert "The books hold no fiscal year 2024: no comparative figures." in statement.notes


def test_balance_sheet_in_eur_balances_with_a_rounding_row(books: Books):
    statement = balance_sheet_build(lab=books.lab, year=2025, currency="EUR", language="fr")
    assert statement.title == "Bilan 2025"
    assert headings(statement)[2] == "Au 31/12/2025"
    parts = sections(statement)
    assert parts["Actif"][-1].cells == ("", "Total de l'actif", D("28404.84"), None)
    assert cells(parts["Passif"][-2:]) == [
        ("", "Écart d'arrondi de conversion (EUR)", D("0.01"), None),
        ("", "Total du passif", D("28404.84"), None),
    ]


def test_income_statement_of_the_year(books: Books):
    statement = income_statement_build(lab=books.lab, year=2025)
    assert statement.title == "Income statement 2025"
    parts = sections(statement)
    assert cells(parts["Expenses"]) == [
        ("", "Class 6: Expenses", None, None),
        ("60", "Purchases", D("2700.00"), None),
        ("62", "Other external services", D("3315.03"), None),
        ("", "Total expenses", D("6015.03"), None),
    ]
    assert cells(parts["Income"]) == [
        ("", "Class 7: Income", None, None),
        ("74", "Operating subsidies", D("35000.00"), None),
        ("", "Total income", D("35000.00"), None),
    ]
    assert statement.totals[0].cells == (
        "", "Result of the period: surplus (+) or deficit (-)", D("28984.97"), None,
    )  # fmt: skip


def test_statements_show_the_previous_year_beside(books: Books):
    services.fiscal_year_open(acting_user=None, lab=books.lab, year=2024)
    post(books.user, books.lab, "BQS", date(2024, 6, 1), "Grant", "G-24",
         [("512", "100.00", "0", {}), ("741", "0", "100.00", {})])  # fmt: skip
    post(books.user, books.lab, "BQS", date(2024, 6, 30), "Charges", "C-24",
         [("627", "10.00", "0", {}), ("512", "0", "10.00", {})])  # fmt: skip
    income = income_statement_build(lab=books.lab, year=2025, language="fr")
    assert headings(income) == ["Code", "Rubrique", "2025", "2024"]
    parts = sections(income)
    assert parts["Charges"][2].cells == ("62", "Autres services extérieurs", D("3315.03"),
                                         D("10.00"))  # fmt: skip
    assert parts["Charges"][1].cells == ("60", "Achats", D("2700.00"), D("0.00"))
    assert income.totals[0].cells[2:] == (D("28984.97"), D("90.00"))
    balance = balance_sheet_build(lab=books.lab, year=2025)
    assert headings(balance)[3] == "At 2024-12-31"
    assets = sections(balance)["Assets"]
    assert [row.cells for row in assets if row.cells[0] == "51"] == [
        ("51", "Banks", D("31284.97"), D("90.00"))
    ]


def test_income_statement_of_part_of_the_year(books: Books):
    statement = income_statement_build(
        lab=books.lab, year=2025, date_from=date(2025, 5, 1), date_to=date(2025, 6, 30)
    )
    assert headings(statement)[2] == "2025-05-01 – 2025-06-30"
    parts = sections(statement)
    assert cells(parts["Expenses"])[1:] == [
        ("60", "Purchases", D("1500.00"), None),
        ("62", "Other external services", D("815.03"), None),
        ("", "Total expenses", D("2315.03"), None),
    ]
    assert statement.totals[0].cells[2] == D("-2315.03")
