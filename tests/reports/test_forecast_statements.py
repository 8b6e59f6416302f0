"""The burn-rate forecast in the budget-execution and grant statements (PDF and XLSX, in
English and French): the budget page's figures (ledger.selectors.forecast), as of the
day the statement is issued, with the method stated.

CINTRA's 2026, worked by hand. Issued on Saturday 5 December 2026.

Funding: ANR grant ANR-FC, 1 January 2026 to 30 June 2027, carrying its unspent money
over (line GR-SUP 15,000.00, with an open purchase order of 1,500.00); CNRS allocation
CNRS-26 for 2026, which lapses at the year end (line CN-SUP 6,000.00).
Spending: on the 10th of each month, January to November, 1,000.00 on GR-SUP and 200.00
on CN-SUP; nothing yet in December.

ANR-FC over its whole life, to 30 June 2027:
  spent 11 x 1,000 = 11,000.00; committed 1,500.00; available 15,000 - 12,500 = 2,500.00
  pace: June-November (the 6 complete months before December) 6,000 / 6 = 1,000.00
  projected: 11,000 + 1,500 + rest of December 1,000 + January-June 2027 6 x 1,000
             = 19,500.00, so 4,500.00 over the budget (left at the end -4,500.00)
  run-out: December takes 1,000, then 1,500 / 1,000 = 1.5, rounded up to 2 months:
           February 2027, 4 months before June 2027 -> runs out early
CNRS-26 over 2026: spent 2,200.00, pace 200.00, projected 2,200 + 200 = 2,400.00,
  left 3,600.00, more than 10 % of 6,000 -> will remain unspent (run-out at that pace:
  (3,800 - 200) / 200 = 18 months after December: June 2028).
Line GR-SUP to the year end (31 December 2026): projected 12,500 + 1,000 = 13,500.00,
  left 1,500.00, run-out February 2027; the grant carries it over: on track.
Line CN-SUP: as CNRS-26.
"""

import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import translation
from django.utils.translation.reloader import translation_file_changed
from pypdf import PdfReader

from irls import services as irls_services
from irls.models import FundingSource, Lab
from ledger import services
from ledger.models import BudgetLine, FiscalYear
from ledger.selectors import budget_execution
from ledger.selectors.forecast import (
    FORECAST_METHOD,
    Forecast,
    Status,
    funding_source_forecast,
    line_forecasts,
)
from reports.builders import budget_execution_build, grant_statement_build
from reports.builders.forecast import verdict
from reports.render.pdf import render_pdf
from reports.render.xlsx import render_xlsx
from reports.statement import CellValue, Schedule, Statement, format_amount
from tests.reports.conftest import chancellery_rates, institution, post
from tests.reports.tables import cells

D = Decimal
Z = D("0.00")
NBSP = "\u00a0"
ISSUED = date(2026, 12, 5)
GRANT_NAME = "ANR <2D> photonics (R&D)"  # printed as typed, never read as markup


@pytest.fixture(scope="module", autouse=True)
def _french_catalog() -> None:
    """The French catalog the method paragraph is translated from, compiled and reloaded
    (a process may have read the catalog before it was compiled)."""
    call_command("compile_translations", verbosity=0)
    translation_file_changed(sender=None, file_path=Path("django.mo"))


def source(lab: Lab, code: str, name: str, kind: str, end: date | None) -> FundingSource:
    funder = institution("ANR", "Agence nationale de la recherche", kind="agency")
    return irls_services.funding_source_create(
        acting_user=None,
        lab=lab,
        code=code,
        name=name,
        funder=funder,
        kind=kind,
        reference=f"REF-{code}",
        start_date=date(2026, 1, 1),
        end_date=end,
        carries_over=end is not None,
    )


def line(lab: Lab, funding: FundingSource, code: str, allocated: str, label: str) -> BudgetLine:
    return services.budget_line_create(
        acting_user=None,
        lab=lab,
        fiscal_year=FiscalYear.objects.get(lab=lab, year=2026),
        funding_source=funding,
        code=code,
        label_fr=f"Fr {label}",
        label_en=label,
        envelope="operating",
        nature="supplies",
        allocated=D(allocated),
        allocated_on=date(2026, 1, 15),
    )


@pytest.fixture
def year_2026(accountant: User, cintra: Lab) -> Lab:
    lab = cintra
    services.fiscal_year_open(acting_user=None, lab=lab, year=2026)
    chancellery_rates({1: "1.5000"}, year=2026)
    grant = source(lab, "ANR-FC", GRANT_NAME, "grant", date(2027, 6, 30))
    cnrs = source(lab, "CNRS-26", "CNRS allocation 2026", "cnrs_allocation", None)
    grant_line = line(lab, grant, "GR-SUP", "15000.00", "Cleanroom supplies")
    cnrs_line = line(lab, cnrs, "CN-SUP", "6000.00", "=1+1 consumables")
    services.commitment_create(
        acting_user=accountant,
        budget_line=grant_line,
        kind="purchase_order",
        reference="PO-26",
        third_party="SUP-01",
        label="Wafers",
        amount=D("1500.00"),
        on=date(2026, 11, 20),
    )
    for month in range(1, 12):
        post(
            accountant,
            lab,
            "ACH",
            date(2026, month, 10),
            "Supplies",
            f"INV-26{month:02}",
            [
                ("6063", "1000.00", "0", {"budget_line": grant_line, "third_party": "SUP-01"}),
                ("6063", "200.00", "0", {"budget_line": cnrs_line, "third_party": "SUP-01"}),
                ("401", "0", "1200.00", {}),
            ],
        )
    return lab


def the_schedule(statement: Statement) -> Schedule:
    [schedule] = statement.schedules
    return schedule


def schedule_rows(schedule: Schedule) -> dict[str, list[tuple[CellValue, ...]]]:
    return {section.title: cells(list(section.rows)) for section in schedule.sections}


def pdf_text(data: bytes) -> str:
    """The text of every page, whitespace runs made single spaces (no-break spaces kept)."""
    pages = PdfReader(io.BytesIO(data)).pages
    text = " ".join(page.extract_text() for page in pages)
    return " ".join(text.replace(NBSP, "\0").split()).replace("\0", NBSP)


def plain(text: str) -> str:
    """`text` with every run of spaces (no-break ones too: the PDF binds a French colon to
    its word) made one space."""
    return " ".join(text.replace(NBSP, " ").split())


def sheet_rows(data: bytes, name: str) -> list[list[Any]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data))[name]
    return [[c.value for c in row if c.value is not None] for row in sheet.iter_rows()]


def outlook(found: Forecast, run_out: str, status: str) -> tuple[object, ...]:
    early = found.months_early if found.status == Status.RUNS_OUT else None
    return (found.pace, found.projected, found.remaining_at_end, run_out, early, found.end, status)


def method(language: str) -> str:
    with translation.override(language):
        return str(FORECAST_METHOD)


# The grant statement ------------------------------------------------------------------


def test_the_grant_statement_shows_the_grants_forecast(year_2026: Lab):
    statement = grant_statement_build(lab=year_2026, grant="ANR-FC", year=2026, on=ISSUED)

    schedule = the_schedule(statement)
    assert schedule.title == "Forecast at the current pace (SGD)"
    assert schedule.lead == ("Runs out in February 2027, 4 months before the end (30 June 2027)",)
    assert schedule_rows(schedule) == {
        f"{GRANT_NAME} (whole life from 2026-01-01)": [
            (D("15000.00"), D("11000.00"), D("1500.00"), D("2500.00"),  # budget .. available
             D("1000.00"), D("19500.00"), D("-4500.00"), "February 2027", 4, date(2027, 6, 30),
             "Runs out before the end"),
        ]
    }  # fmt: skip
    # The budget page's figures, from the same selector.
    found = funding_source_forecast(FundingSource.objects.get(code="ANR-FC"), on=ISSUED)
    assert found is not None and found.whole_life
    f = found.forecast
    [[row]] = schedule_rows(schedule).values()
    assert row == (f.budget, f.spent, f.committed, f.available,
                   *outlook(f, "February 2027", "Runs out before the end"))  # fmt: skip
    assert schedule.notes == (
        "As of 5 December 2026, in SGD, the book currency.",
        schedule.notes[1],
        method("en"),
    )
    assert schedule.notes[2].startswith("Forecast at the current pace: the average monthly")


def test_the_grant_statement_pdf_states_the_forecast_and_its_method(year_2026: Lab):
    english = pdf_text(
        render_pdf(grant_statement_build(lab=year_2026, grant="ANR-FC", year=2026, on=ISSUED))
    )
    forecast = english[english.index("Forecast at the current pace (SGD)") :]
    assert forecast.startswith(
        "Forecast at the current pace (SGD) "
        "Runs out in February 2027, 4 months before the end (30 June 2027)"
    )
    assert (
        f"{GRANT_NAME} (whole life from 2026-01-01) 15,000.00 11,000.00 1,500.00 2,500.00 "
        "1,000.00 19,500.00 -4,500.00 February 2027 4 2027-06-30 Runs out before the end"
    ) in forecast
    assert "As of 5 December 2026, in SGD, the book currency." in forecast
    assert plain(method("en")) in plain(forecast)

    french = pdf_text(
        render_pdf(
            grant_statement_build(
                lab=year_2026, grant="ANR-FC", year=2026, language="fr", on=ISSUED
            )
        )
    )
    forecast = french[french.index("Prévision au rythme actuel (SGD)") :]
    assert "Épuisé en février 2027, 4 mois avant la fin (30 juin 2027)" in forecast
    amounts = " ".join(
        format_amount(D(a), "fr")
        for a in ("15000", "11000", "1500", "2500", "1000", "19500", "-4500")
    )
    assert f"{amounts} février 2027 4 30/06/2027 Épuisé avant la fin" in forecast
    assert "Au 5 décembre 2026, en SGD, devise de tenue des comptes." in forecast
    assert method("fr").startswith("Prévision au rythme actuel : la dépense mensuelle")
    assert plain(method("fr")) in plain(forecast)


def test_the_grant_statement_xlsx_has_the_forecast_on_its_own_sheet(year_2026: Lab):
    for language, name, sentence, run_out in (
        ("en", "Forecast", "Runs out in February 2027, 4 months before the end (30 June 2027)",
         "February 2027"),
        ("fr", "Prévision", "Épuisé en février 2027, 4 mois avant la fin (30 juin 2027)",
         "février 2027"),
    ):  # fmt: skip
        statement = grant_statement_build(
            lab=year_2026, grant="ANR-FC", year=2026, language=language, on=ISSUED
        )
        data = render_xlsx(statement)
        rows = sheet_rows(data, name)
        assert rows[0] == [statement.schedules[0].title]
        assert [sentence] in rows
        figures = next(row for row in rows if row and row[0] == 15000)
        # Numbers stay numbers (a date a date); text stays text.
        assert figures[:7] == [15000, 11000, 1500, 2500, 1000, 19500, -4500]
        assert figures[7:9] == [run_out, 4]
        assert figures[9].date() == date(2027, 6, 30)
        assert [method(language)] in rows
        book = openpyxl.load_workbook(io.BytesIO(data))
        assert book.sheetnames[1] == name  # after the statement, before the notes


def test_a_grant_statement_in_eur_says_the_forecast_is_in_sgd(year_2026: Lab):
    statement = grant_statement_build(
        lab=year_2026, grant="ANR-FC", year=2026, currency="EUR", on=ISSUED
    )
    schedule = the_schedule(statement)
    assert schedule.title == "Forecast at the current pace (SGD)"
    assert schedule.notes[0] == (
        "As of 5 December 2026. The forecast is in SGD, the book currency, not converted to "
        "EUR like the figures above."
    )
    [[row]] = schedule_rows(schedule).values()
    assert row[:4] == (D("15000.00"), D("11000.00"), D("1500.00"), D("2500.00"))


def test_a_period_that_does_not_hold_the_day_of_issue_has_no_forecast(year_2026: Lab):
    first_half = grant_statement_build(
        lab=year_2026,
        grant="ANR-FC",
        year=2026,
        date_from=date(2026, 1, 1),
        date_to=date(2026, 6, 30),
        on=ISSUED,
    )
    assert first_half.schedules == ()
    assert "Forecast" not in pdf_text(render_pdf(first_half))
    # The year over: issued in January 2027, the statement of 2026 forecasts nothing.
    after = budget_execution_build(lab=year_2026, year=2026, on=date(2027, 1, 10))
    assert after.schedules == ()
    text = pdf_text(render_pdf(after))
    assert "Forecast at the current pace" not in text and "February 2027" not in text
    assert openpyxl.load_workbook(io.BytesIO(render_xlsx(after))).sheetnames[1:] == ["Notes"]
    # Nor does a year not begun.
    assert budget_execution_build(lab=year_2026, year=2026, on=date(2025, 12, 20)).schedules == ()


# The budget-execution statement -------------------------------------------------------


def test_the_budget_execution_shows_each_funding_source_and_line(year_2026: Lab):
    statement = budget_execution_build(lab=year_2026, year=2026, on=ISSUED)

    schedule = the_schedule(statement)
    assert schedule.lead == (
        f"{GRANT_NAME} (ANR-FC): Runs out in February 2027, 4 months before the end (30 June 2027)",
        "CNRS allocation 2026 (CNRS-26): 3,600.00 SGD would remain unspent at the end "
        "(31 December 2026)",
    )
    rows = schedule_rows(schedule)
    assert rows == {
        "By funding source": [
            ("ANR-FC", f"{GRANT_NAME} (whole life from 2026-01-01)", D("15000.00"),
             D("2500.00"), D("1000.00"), D("19500.00"), D("-4500.00"), "February 2027", 4,
             date(2027, 6, 30), "Runs out before the end"),
            ("CNRS-26", "CNRS allocation 2026 (this fiscal year)", D("6000.00"),
             D("3800.00"), D("200.00"), D("2400.00"), D("3600.00"), "June 2028", None,
             date(2026, 12, 31), "Will remain unspent"),
        ],
        "By budget line, to the year end": [
            ("GR-SUP", "Cleanroom supplies", D("15000.00"), D("2500.00"), D("1000.00"),
             D("13500.00"), D("1500.00"), "February 2027", None, date(2026, 12, 31),
             "On track"),
            ("CN-SUP", "=1+1 consumables", D("6000.00"), D("3800.00"), D("200.00"),
             D("2400.00"), D("3600.00"), "June 2028", None, date(2026, 12, 31),
             "Will remain unspent"),
        ],
    }  # fmt: skip
    # The budget page's figures, from the same selectors.
    fiscal_year = FiscalYear.objects.get(lab=year_2026, year=2026)
    execution = budget_execution(lab=year_2026, fiscal_year=fiscal_year, on=ISSUED, eur=False)
    by_line = line_forecasts(execution, fiscal_year=fiscal_year, on=ISSUED)
    for row in rows["By budget line, to the year end"]:
        found = by_line[BudgetLine.objects.get(code=row[0]).id]
        assert row[2:4] == (found.budget, found.available)
        assert row[4:7] == (found.pace, found.projected, found.remaining_at_end)
    for row in rows["By funding source"]:
        grant = funding_source_forecast(FundingSource.objects.get(code=row[0]), on=ISSUED)
        assert grant is not None
        assert row[2:7] == (
            grant.forecast.budget,
            grant.forecast.available,
            grant.forecast.pace,
            grant.forecast.projected,
            grant.forecast.remaining_at_end,
        )


def test_the_budget_execution_pdf_and_xlsx_in_english_and_french(year_2026: Lab):
    english = budget_execution_build(lab=year_2026, year=2026, on=ISSUED)
    text = pdf_text(render_pdf(english))
    forecast = text[text.index("Forecast at the current pace (SGD)") :]
    assert "Runs out in February 2027, 4 months before the end (30 June 2027)" in forecast
    assert "15,000.00 2,500.00 1,000.00 19,500.00 -4,500.00 February 2027 4 2027-06-30" in (
        forecast
    )
    assert "13,500.00 1,500.00 February 2027 2026-12-31 On track" in forecast
    assert plain(method("en")) in plain(forecast)

    french = budget_execution_build(
        lab=year_2026, year=2026, language="fr", currency="EUR", on=ISSUED
    )
    text = pdf_text(render_pdf(french))
    forecast = text[text.index("Prévision au rythme actuel (SGD)") :]
    assert "Épuisé en février 2027, 4 mois avant la fin (30 juin 2027)" in forecast
    assert f"{format_amount(D('3600'), 'fr')} SGD resteraient non dépensés à la fin" in forecast
    assert "Par origine de crédit" in forecast and "Fr Cleanroom supplies" in forecast
    assert "La prévision est en SGD, devise de tenue des comptes, sans conversion" in forecast
    assert plain(method("fr")) in plain(forecast)

    data = render_xlsx(french)
    rows = sheet_rows(data, "Prévision")
    line_row = next(row for row in rows if row and row[0] == "GR-SUP")
    assert line_row == ["GR-SUP", "Fr Cleanroom supplies", 15000, 2500, 1000, 13500, 1500,
                        "février 2027", line_row[8], "Conforme"]  # fmt: skip
    assert line_row[8].date() == date(2026, 12, 31)
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Prévision"]
    label = next(c for row in sheet.iter_rows() for c in row if c.value == "Fr =1+1 consumables")
    assert label.data_type == "s"

    english_data = render_xlsx(english)
    sheet = openpyxl.load_workbook(io.BytesIO(english_data))["Forecast"]
    label = next(c for row in sheet.iter_rows() for c in row if c.value == "=1+1 consumables")
    # Text a spreadsheet could read as a formula is stored as text, shown as typed.
    assert label.data_type == "s" and label.quotePrefix


def test_the_budget_execution_of_a_grants_whole_life_forecasts_the_grant(year_2026: Lab):
    statement = budget_execution_build(lab=year_2026, year=2026, grant="ANR-FC", on=ISSUED)
    assert schedule_rows(the_schedule(statement)) == {
        "By funding source": [
            ("ANR-FC", f"{GRANT_NAME} (whole life from 2026-01-01)", D("15000.00"),
             D("2500.00"), D("1000.00"), D("19500.00"), D("-4500.00"), "February 2027", 4,
             date(2027, 6, 30), "Runs out before the end"),
        ]
    }  # fmt: skip


# The verdict's sentence ---------------------------------------------------------------


def _forecast(status: str, **changes: Any) -> Forecast:
    figures: dict[str, Any] = {
        "on": date(2026, 12, 5),
        "start": date(2026, 1, 1),
        "end": date(2027, 6, 30),
        "budget": D("15000.00"),
        "spent": D("11000.00"),
        "committed": D("1500.00"),
        "pace": D("1000.00"),
        "window": (),
        "projected": D("19500.00"),
        "run_out": date(2027, 5, 1),
        "status": status,
        "months_early": 1,
    }
    return Forecast(**{**figures, **changes})


@pytest.mark.parametrize(
    ("status", "changes", "english", "french"),
    [
        (Status.RUNS_OUT, {}, "Runs out in May 2027, 1 month before the end (30 June 2027)",
         "Épuisé en mai 2027, 1 mois avant la fin (30 juin 2027)"),
        (Status.OVERSPENT, {"spent": D("16234.50")}, "Overspent by 2,734.50 SGD",
         f"Dépassé de 2{NBSP}734,50 SGD"),
        (Status.UNSPENT, {"projected": D("9000.00")},
         "6,000.00 SGD would remain unspent at the end (30 June 2027)",
         f"6{NBSP}000,00 SGD resteraient non dépensés à la fin (30 juin 2027)"),
        (Status.ON_TRACK, {"run_out": date(2027, 6, 1)}, "On track: used up in June 2027",
         "Conforme : consommé en juin 2027"),
        (Status.ON_TRACK, {"run_out": None, "projected": D("14000.00")},
         "On track: 1,000.00 SGD left at the end (30 June 2027)",
         f"Conforme : 1{NBSP}000,00 SGD restants à la fin (30 juin 2027)"),
        (Status.ON_TRACK, {"run_out": date(2027, 9, 1), "projected": D("14000.00"),
                           "carries_over": True},
         "On track: 1,000.00 SGD left at the year end, carried over to next year",
         f"Conforme : 1{NBSP}000,00 SGD restants à la fin de l'exercice, reportés sur "
         "l'exercice suivant"),
        (Status.TOO_EARLY, {"run_out": None}, "Too early to forecast: no month complete yet",
         "Trop tôt pour prévoir : aucun mois complet encore"),
    ],
)  # fmt: skip
def test_the_verdict_reads_in_the_statements_language(
    status: str, changes: dict[str, Any], english: str, french: str
) -> None:
    found = _forecast(status, **changes)
    assert verdict(found, "en", "SGD") == english
    assert verdict(found, "fr", "SGD") == french
