"""General ledger and journals of the worked example: lines, running balances, totals,
streaming, and the EUR conversion of each line reconciled with the month groups."""

import inspect
from datetime import date
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.builders import general_ledger_build, journal_build
from tests.reports.conftest import Books, post
from tests.reports.tables import cells, headings, sections

D = Decimal


def test_general_ledger_lists_each_line_with_a_running_balance(books: Books):
    statement = general_ledger_build(lab=books.lab, year=2025)
    assert statement.title == "General ledger 2025"
    assert statement.landscape
    assert headings(statement) == [
        "Date", "Entry", "Piece", "Label", "Debit", "Credit", "Balance",
    ]  # fmt: skip
    assert statement.columns[-1].running
    accounts = sections(statement)
    assert list(accounts) == [
        "101 Capital", "401 Suppliers", "411 Partner receivables", "512 Bank SGD",
        "6063 Small equipment", "6251 Travel", "627 Bank charges", "741 Operating subsidies",
    ]  # fmt: skip
    assert cells(accounts["512 Bank SGD"]) == [
        (None, "", "", "Opening balance", None, None, D("10000.00")),
        (date(2025, 2, 6), "BQS-2025-000001", "CNRS-N1", "CNRS allocation",
         D("5000.00"), None, D("15000.00")),
        (date(2025, 3, 4), "BQS-2025-000002", "VT-001", "Receipt from Thales",
         D("20000.00"), None, D("35000.00")),
        (date(2025, 6, 2), "BQS-2025-000003", "PAY-01", "Suppliers paid",
         None, D("3700.00"), D("31300.00")),
        (date(2025, 6, 30), "BQS-2025-000004", "BANK-06", "Bank charges",
         None, D("15.03"), D("31284.97")),
        (None, "", "", "Period total and closing balance", D("25000.00"), D("3715.03"),
         D("31284.97")),
    ]  # fmt: skip
    assert cells(list(statement.totals)) == [
        (None, "", "", "Total", D("64715.03"), D("64715.03"), None),
    ]


def test_general_ledger_sections_are_streamed(books: Books):
    """Building reads totals only: the lines are read when a section is iterated, so the
    number of queries does not grow with the ledger."""
    with CaptureQueriesContext(connection) as first:
        statement = general_ledger_build(lab=books.lab, year=2025)
    assert all(inspect.isgenerator(section.rows) for section in statement.sections)
    for day in range(1, 21):
        post(books.user, books.lab, "BQS", date(2025, 7, day), "Charges", f"B-{day}",
             [("627", "1.00", "0", {}), ("512", "0", "1.00", {})])  # fmt: skip
    with CaptureQueriesContext(connection) as second:
        statement = general_ledger_build(lab=books.lab, year=2025)
    assert len(second) == len(first)
    bank = next(s for s in statement.sections if s.title == "627 Bank charges")
    assert len(list(bank.rows)) == 1 + 21 + 1


def test_general_ledger_in_eur_reconciles_lines_with_the_month_groups(books: Books):
    statement = general_ledger_build(lab=books.lab, year=2025, currency="EUR", language="fr")
    assert statement.title == "Grand livre 2025"
    bank = sections(statement)["512 Banque SGD"]
    assert cells(bank) == [
        (None, "", "", "Solde d'ouverture", None, None, D("6896.55")),
        (date(2025, 2, 6), "BQS-2025-000001", "CNRS-N1", "CNRS allocation",
         D("3472.22"), None, D("10368.77")),
        (date(2025, 3, 4), "BQS-2025-000002", "VT-001", "Receipt from Thales",
         D("13986.01"), None, D("24354.78")),
        (date(2025, 6, 2), "BQS-2025-000003", "PAY-01", "Suppliers paid",
         None, D("2642.86"), D("21711.92")),
        (date(2025, 6, 30), "BQS-2025-000004", "BANK-06", "Bank charges",
         None, D("10.74"), D("21701.18")),
        # June's credits, 3,715.03 / 1.40 = 2,653.59 as one group, 2,653.60 line by line.
        (None, "", "", "Écart d'arrondi de conversion des lignes (EUR)", D("0.00"),
         D("-0.01"), D("21701.19")),
        (None, "", "", "Total de la période et solde de clôture", D("17458.23"),
         D("2653.59"), D("21701.19")),
    ]  # fmt: skip
    # Closing balances agree with the trial balance in EUR, and the totals balance.
    assert cells(list(statement.totals)) == [
        (None, "", "", "Écart d'arrondi de conversion (EUR)", D("0.00"), D("0.01"), None),
        (None, "", "", "Total", D("45014.28"), D("45014.28"), None),
    ]


def test_journals_list_entries_in_number_order_with_totals(books: Books):
    statement = journal_build(lab=books.lab, year=2025)
    assert statement.title == "Journals 2025"
    journals = sections(statement)
    # The opening journal first, then the others by code.
    assert list(journals) == [
        "AN Opening balances", "ACH Purchases", "BQS Bank SGD", "OD Miscellaneous",
    ]  # fmt: skip
    # Entries in number order, lines of an entry together.
    assert [row.cells[1] for row in journals["BQS Bank SGD"]][:-1:2] == [
        "BQS-2025-000001", "BQS-2025-000002", "BQS-2025-000003", "BQS-2025-000004",
    ]  # fmt: skip
    assert cells(journals["OD Miscellaneous"]) == [
        (date(2025, 1, 20), "OD-2025-000001", "VT-001", "411", "Partner receivables",
         "Invoice: Thales contribution 2025", D("30000.00"), None),
        (date(2025, 1, 20), "OD-2025-000001", "VT-001", "741", "Operating subsidies",
         "Invoice: Thales contribution 2025", None, D("30000.00")),
        (None, "", "", "", "", "Total OD", D("30000.00"), D("30000.00")),
    ]  # fmt: skip
    assert journals["ACH Purchases"][-1].cells[5:] == ("Total ACH", D("6000.00"), D("6000.00"))
    # The opening entry (10,000.00) counts in the journals, not in the period's movements.
    assert cells(list(statement.totals)) == [
        (None, "", "", "", "", "Total", D("74715.03"), D("74715.03")),
    ]
    assert all(inspect.isgenerator(section.rows) for section in statement.sections)


def test_journals_in_eur_and_french(books: Books):
    statement = journal_build(lab=books.lab, year=2025, currency="EUR", language="fr")
    assert statement.title == "Journaux 2025"
    assert headings(statement)[4:] == ["Intitulé du compte", "Libellé", "Débit", "Crédit"]
    bank = sections(statement)["BQS Banque SGD"]
    # Each journal and month balances, so the group totals balance; the lines of June
    # (2,642.86 + 10.74 each side) exceed the June group (2,653.59) by a cent.
    assert bank[-2].cells[5:] == (
        "Écart d'arrondi de conversion des lignes (EUR)", D("-0.01"), D("-0.01"),
    )  # fmt: skip
    assert bank[-1].cells[5:] == ("Total BQS", D("20111.82"), D("20111.82"))
    assert statement.totals[-1].cells[5:] == ("Total", D("51910.82"), D("51910.82"))
    assert len(statement.totals) == 1  # no rounding between debits and credits


def test_journals_of_a_period(books: Books):
    statement = journal_build(
        lab=books.lab, year=2025, date_from=date(2025, 6, 1), date_to=date(2025, 6, 30)
    )
    assert list(sections(statement)) == ["BQS Bank SGD"]
    assert statement.totals[-1].cells[6:] == (D("3715.03"), D("3715.03"))
