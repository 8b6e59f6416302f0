"""A budget sheet may give each line its alert thresholds (optional column
`alert_thresholds`, French header "seuils d'alerte"); without it, lines alert at 80 and
100 %, and a sheet without the column imports as before."""

from ledger.models import BudgetLine
from ledger.services.imports import import_file
from tests.books import funding
from tests.imports.sheets import csv_bytes

HEADER = [
    "code",
    "year",
    "funding_source",
    "label_fr",
    "label_en",
    "envelope",
    "nature",
    "allocated",
    "allocated_on",
]


def row(code: str) -> list[str]:
    return [code, "2025", "CNRS-DOT", code, code, "operating", "supplies", "900.00", "2025-01-15"]


def test_a_budget_sheet_gives_each_line_its_thresholds(accountant, cintra):
    funding(cintra)
    sheet = csv_bytes(
        [
            [*HEADER, "seuils d'alerte"],
            [*row("OP-A"), "50, 90"],
            [*row("OP-B"), ""],
        ]
    )
    outcome = import_file(
        acting_user=accountant, lab=cintra, kind="budget", file_name="b.csv", data=sheet
    )
    assert outcome.ok, outcome.problems
    thresholds = dict(BudgetLine.objects.values_list("code", "alert_thresholds"))
    assert thresholds == {"OP-A": "50,90", "OP-B": "80,100"}


def test_thresholds_that_are_not_thresholds_are_a_problem_of_their_row(accountant, cintra):
    funding(cintra)
    sheet = csv_bytes([[*HEADER, "alert_thresholds"], [*row("OP-A"), "90,50"]])
    outcome = import_file(
        acting_user=accountant, lab=cintra, kind="budget", file_name="b.csv", data=sheet
    )
    [problem] = outcome.problems
    assert problem.message.startswith("Row 2, column alert_thresholds: Alert thresholds: write")
    assert not BudgetLine.objects.exists()


def test_a_budget_sheet_without_the_column_imports_as_before(accountant, cintra):
    funding(cintra)
    sheet = csv_bytes([HEADER, row("OP-A")])
    outcome = import_file(
        acting_user=accountant, lab=cintra, kind="budget", file_name="b.csv", data=sheet
    )
    assert outcome.ok and BudgetLine.objects.get().alert_thresholds == "80,100"
