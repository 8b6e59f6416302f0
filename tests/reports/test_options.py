"""What every builder checks before reading the books: year, period, language, currency."""

from datetime import date

import pytest

from reports.builders import statement_build, trial_balance_build
from reports.exceptions import StatementError


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"year": 2031}, "CINTRA has no fiscal year 2031"),
        (
            {"year": 2025, "date_from": date(2025, 6, 1), "date_to": date(2025, 3, 1)},
            "The period starts on 2025-06-01, after its end on 2025-03-01",
        ),
        (
            {"year": 2025, "date_to": date(2026, 1, 31)},
            "The period 2025-01-01 to 2026-01-31 is not inside the fiscal year 2025 of CINTRA "
            "(2025-01-01 to 2025-12-31): give both dates without the year for a period across "
            "fiscal years",
        ),
        ({"year": 2025, "language": "de"}, "Language must be en or fr, not 'de'"),
        ({"year": 2025, "currency": "USD"}, "Currency must be SGD (as booked) or EUR, not 'USD'"),
        ({"date_from": date(2019, 1, 1)}, "CINTRA has no fiscal year containing 2019-01-01"),
    ],
)
def test_bad_options_are_refused_in_plain_words(cintra, options, message):
    with pytest.raises(StatementError) as error:
        trial_balance_build(lab=cintra, **options)
    assert str(error.value) == message


def test_the_year_is_found_from_the_dates(cintra):
    statement = trial_balance_build(lab=cintra, date_from=date(2025, 2, 1))
    assert (statement.period_from, statement.period_to) == (date(2025, 2, 1), date(2025, 12, 31))
    assert statement.parameters["year"] == "2025"


def test_statement_build_checks_the_kind_and_its_options(cintra):
    with pytest.raises(StatementError, match="Unknown statement 'ledger': choose one of"):
        statement_build(kind="ledger", lab=cintra, year=2025)
    with pytest.raises(StatementError, match="partner is only for the partner statement"):
        statement_build(kind="trial-balance", lab=cintra, year=2025, partner="THALES")
    with pytest.raises(StatementError, match="needs a partner institution"):
        statement_build(kind="partner", lab=cintra, year=2025)


def test_an_empty_year_gives_an_empty_but_valid_statement(cintra):
    statement = trial_balance_build(lab=cintra, year=2025)
    assert statement.sections == ()
    assert statement.totals[-1].cells[1] == "Total"
    assert statement.lab.code == "CINTRA"
    assert statement.lab.partners == ("CNRS",)
    assert statement.lab.unit_number == "IRL 0000"


def test_a_year_or_dates_are_needed(cintra):
    with pytest.raises(StatementError) as error:
        trial_balance_build(lab=cintra)
    assert str(error.value) == "Give the fiscal year of the statement, or the dates of its period"
