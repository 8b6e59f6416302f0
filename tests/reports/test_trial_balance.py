"""Trial balance of the worked example (tests/reports/conftest.py), in SGD and in EUR."""

from datetime import date
from decimal import Decimal

import pytest

from reports.builders import trial_balance_build
from reports.exceptions import StatementError
from tests.reports.conftest import Books
from tests.reports.tables import cells, headings, row_of, sections

D = Decimal


def test_trial_balance_of_the_year_in_sgd(books: Books):
    statement = trial_balance_build(lab=books.lab, year=2025)
    assert statement.title == "Trial balance 2025"
    assert statement.currency == "SGD"
    assert statement.landscape
    assert headings(statement) == [
        "Account", "Name", "Opening balance", "Debit", "Credit", "Closing balance",
    ]  # fmt: skip
    by_class = sections(statement)
    assert list(by_class) == [
        "Class 1: Equity and long-term liabilities",
        "Class 4: Third parties",
        "Class 5: Financial accounts",
        "Class 6: Expenses",
        "Class 7: Income",
    ]
    # The opening balance of the year is the AN entry, though it is dated 1 January.
    assert cells(by_class["Class 5: Financial accounts"]) == [
        ("512", "Bank SGD", D("10000.00"), D("25000.00"), D("3715.03"), D("31284.97")),
        ("", "Total class 5", D("10000.00"), D("25000.00"), D("3715.03"), D("31284.97")),
    ]
    assert cells(by_class["Class 4: Third parties"]) == [
        ("401", "Suppliers", D("0.00"), D("3700.00"), D("6000.00"), D("-2300.00")),
        ("411", "Partner receivables", D("0.00"), D("30000.00"), D("20000.00"), D("10000.00")),
        ("", "Total class 4", D("0.00"), D("33700.00"), D("26000.00"), D("7700.00")),
    ]
    assert row_of(by_class["Class 6: Expenses"], "627").cells[3] == D("15.03")
    assert row_of(by_class["Class 7: Income"], "741").cells[5] == D("-35000.00")
    assert cells(list(statement.totals)) == [
        ("", "Total", D("0.00"), D("64715.03"), D("64715.03"), D("0.00")),
    ]
    assert statement.totals[0].style == "total"
    assert statement.annex_rows == ()


def test_trial_balance_of_a_period_opens_with_what_came_before(books: Books):
    statement = trial_balance_build(
        lab=books.lab, year=2025, date_from=date(2025, 3, 1), date_to=date(2025, 12, 31)
    )
    rows = [row for rows in sections(statement).values() for row in rows]
    assert row_of(rows, "512").cells[2:] == (
        D("15000.00"), D("20000.00"), D("3715.03"), D("31284.97"),
    )  # fmt: skip
    assert row_of(rows, "401").cells[2:] == (
        D("-1200.00"), D("3700.00"), D("4800.00"), D("-2300.00"),
    )  # fmt: skip
    assert row_of(rows, "411").cells[2:] == (
        D("30000.00"), D("0.00"), D("20000.00"), D("10000.00"),
    )  # fmt: skip
    assert statement.totals[-1].cells[2:] == (
        D("0.00"), D("28515.03"), D("28515.03"), D("0.00"),
    )  # fmt: skip
    assert (statement.period_from, statement.period_to) == (date(2025, 3, 1), date(2025, 12, 31))


def test_trial_balance_in_eur_converts_each_account_and_month_and_shows_the_rounding(
    books: Books,
):
    statement = trial_balance_build(lab=books.lab, year=2025, currency="EUR")
    assert statement.currency == "EUR"
    rows = [row for rows in sections(statement).values() for row in rows]
    # 10,000.00 / 1.45 (January, AN) = 6,896.55; then 5,000 / 1.44 and 20,000 / 1.43
    # in; 3,715.03 / 1.40 out in June.
    assert row_of(rows, "512").cells[2:] == (
        D("6896.55"), D("17458.23"), D("2653.59"), D("21701.19"),
    )  # fmt: skip
    # 1,200 / 1.44 + 2,500 / 1.43 + 2,300 / 1.41 (both May invoices in one month group).
    assert row_of(rows, "401").cells[2:] == (
        D("0.00"), D("2642.86"), D("4212.79"), D("-1569.93"),
    )  # fmt: skip
    assert row_of(rows, "627").cells[3] == D("10.74")
    # June: 3,700 / 1.40 = 2,642.86 and 15.03 / 1.40 = 10.74 debited, but 3,715.03 / 1.40
    # = 2,653.59 credited: the columns differ by one cent, shown on its own row.
    assert cells(list(statement.totals)) == [
        ("", "Conversion rounding (EUR)", D("0.00"), D("0.00"), D("0.01"), D("-0.01")),
        ("", "Total", D("0.00"), D("45014.28"), D("45014.28"), D("0.00")),
    ]
    assert [row.cells[:3] for row in statement.annex_rows] == [
        ("2025-01", D("1.4500"), date(2025, 1, 1)),
        ("2025-02", D("1.4400"), date(2025, 2, 1)),
        ("2025-03", D("1.4300"), date(2025, 3, 1)),
        ("2025-05", D("1.4100"), date(2025, 5, 1)),
        ("2025-06", D("1.4000"), date(2025, 6, 1)),
    ]
    assert statement.annex_title == "Chancellery rates used (SGD per 1 EUR)"
    assert any("chancellery rate" in note for note in statement.notes)


def test_trial_balance_in_french(books: Books):
    statement = trial_balance_build(lab=books.lab, year=2025, language="fr", currency="EUR")
    assert statement.title == "Balance générale 2025"
    assert statement.language == "fr"
    assert headings(statement) == [
        "Compte", "Intitulé", "Solde d'ouverture", "Débit", "Crédit", "Solde de clôture",
    ]  # fmt: skip
    by_class = sections(statement)
    assert "Classe 4 : Comptes de tiers" in by_class
    assert row_of(by_class["Classe 4 : Comptes de tiers"], "411").cells[1] == (
        "Partenaires - créances"
    )
    assert statement.totals[0].cells[1] == "Écart d'arrondi de conversion (EUR)"
    assert statement.annex_rows[0].cells[0] == "01/2025"
    assert statement.annex_title == "Taux de chancellerie utilisés (SGD pour 1 EUR)"


def test_a_missing_rate_is_named(accountant, cintra):
    from tests.reports.conftest import post

    post(accountant, cintra, "BQS", date(2025, 2, 6), "Charges", "B-1",
         [("627", "1.00", "0", {}), ("512", "0", "1.00", {})])  # fmt: skip
    with pytest.raises(StatementError) as error:
        trial_balance_build(lab=cintra, year=2025, currency="EUR")
    assert str(error.value) == (
        "No chancellery rate of SGD is in force on 2025-02-01: "
        "record it before asking for a statement in EUR"
    )


def test_drafts_are_left_out(books: Books):
    from tests.books import draft

    draft(books.user, books.lab, [("627", "99.00", "0"), ("512", "0", "99.00")])
    statement = trial_balance_build(lab=books.lab, year=2025)
    rows = [row for rows in sections(statement).values() for row in rows]
    assert row_of(rows, "627").cells[3] == D("15.03")
