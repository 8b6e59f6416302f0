"""The burn-rate forecast on worked examples computed by hand (ledger.selectors.forecast).

Each example states the figures a director would see and the arithmetic behind them:
the pace is the average of the last six complete months, the month under way spends the
pace less what it has spent so far, each later month to the end spends the pace, open
commitments count as spent now.
"""

from datetime import date
from decimal import Decimal

import pytest

from ledger.selectors.budget import BudgetFigures
from ledger.selectors.forecast import (
    Status,
    add_months,
    forecast,
    months_between,
)

D = Decimal


def _months(year: int, amounts: dict[int, str]) -> dict[date, Decimal]:
    return {date(year, month, 1): D(amount) for month, amount in amounts.items()}


def test_a_steady_burn_spends_exactly_its_budget_by_the_end() -> None:
    # 120,000 for 2026; 10,000 a month January-June; nothing yet in July.
    # Pace: 60,000 / 6 = 10,000. Projected: 60,000 + July 10,000 + Aug-Dec 5 x 10,000
    # = 120,000. Available 60,000: July takes 10,000, then 50,000 / 10,000 = 5 more
    # months: December, the end's month. On track, nothing left.
    spent = _months(2026, dict.fromkeys(range(1, 7), "10000"))
    result = forecast(
        BudgetFigures(allocated=D("120000"), spent=D("60000")),
        spent,
        on=date(2026, 7, 10),
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
    )
    assert result.pace == D("10000.00")
    assert result.window == tuple(date(2026, m, 1) for m in range(1, 7))
    assert result.projected == D("120000")
    assert result.run_out == date(2026, 12, 1)
    assert result.status == Status.ON_TRACK
    assert result.remaining_at_end == 0


def test_a_faster_steady_burn_runs_out_two_months_early() -> None:
    # 12,000 a month January-June: 72,000 spent. Available 48,000: July 12,000, then
    # 36,000 / 12,000 = 3 months: October, two months before December.
    # Projected: 72,000 + 12,000 + 5 x 12,000 = 144,000, 24,000 over the budget.
    spent = _months(2026, dict.fromkeys(range(1, 7), "12000"))
    result = forecast(
        BudgetFigures(allocated=D("120000"), spent=D("72000")),
        spent,
        on=date(2026, 7, 10),
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
    )
    assert result.pace == D("12000.00")
    assert result.run_out == date(2026, 10, 1)
    assert (result.status, result.months_early) == (Status.RUNS_OUT, 2)
    assert result.projected == D("144000")
    assert result.remaining_at_end == D("-24000")
    assert result.flagged


def test_open_commitments_count_as_spent_now() -> None:
    # Same as the steady burn, with an order of 20,000 not yet invoiced: available
    # 40,000; July 10,000, then 30,000 / 10,000 = 3: October.
    spent = _months(2026, dict.fromkeys(range(1, 7), "10000"))
    result = forecast(
        BudgetFigures(allocated=D("120000"), spent=D("60000"), committed=D("20000")),
        spent,
        on=date(2026, 7, 10),
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
    )
    assert result.projected == D("140000")
    assert (result.run_out, result.status, result.months_early) == (
        date(2026, 10, 1),
        Status.RUNS_OUT,
        2,
    )


def test_a_december_spike_weighs_in_the_pace_for_six_months() -> None:
    # A two-year grant (2026-2027) of 100,000: 1,000 a month in 2026 and 7,000 in December
    # (the year-end rush), 500 so far in January 2027. Pace on 15 January 2027: the six
    # months July-December, (5 x 1,000 + 7,000) / 6 = 2,000. January spends 2,000 - 500
    # = 1,500 more, February-December 11 x 2,000 = 22,000. Projected: 18,500 + 1,500 +
    # 22,000 = 42,000: 58,000 (58 %) would remain unspent at the end.
    spent = _months(2026, {m: "1000" for m in range(1, 12)} | {12: "7000"})
    spent[date(2027, 1, 1)] = D("500")
    result = forecast(
        BudgetFigures(allocated=D("100000"), spent=D("18500"), spent_this_month=D("500")),
        spent,
        on=date(2027, 1, 15),
        start=date(2026, 1, 1),
        end=date(2027, 12, 31),
    )
    assert result.window == tuple(date(2026, m, 1) for m in range(7, 13))
    assert result.pace == D("2000.00")
    assert result.projected == D("42000")
    assert result.remaining_at_end == D("58000")
    assert result.status == Status.UNSPENT
    # At that pace the 81,500 available would last until May 2030: (81,500 - 1,500) /
    # 2,000 = 40 months after January 2027.
    assert result.run_out == date(2030, 5, 1)


def test_a_line_that_carries_over_is_not_flagged_unspent() -> None:
    # The same figures on one year of a grant whose unspent allocation goes on to next
    # year's line: nothing is lost at the year end.
    spent = _months(2026, {m: "1000" for m in range(1, 12)})
    result = forecast(
        BudgetFigures(allocated=D("100000"), spent=D("11000")),
        spent,
        on=date(2026, 12, 2),
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
        carries_over=True,
    )
    assert result.status == Status.ON_TRACK


def test_no_spending_yet_is_too_early_in_the_first_month() -> None:
    # Lines notified in January, nothing spent or committed on 20 January: no complete
    # month to take a pace from.
    result = forecast(
        BudgetFigures(allocated=D("50000")),
        {},
        on=date(2026, 1, 20),
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
    )
    assert (result.status, result.pace, result.projected, result.run_out) == (
        Status.TOO_EARLY,
        D("0.00"),
        D("0"),
        None,
    )
    assert not result.flagged


def test_no_spending_after_three_months_leaves_the_whole_budget_unspent() -> None:
    # Still nothing on 10 April: the pace of January-March is 0, so the whole 50,000
    # would remain at the end.
    result = forecast(
        BudgetFigures(allocated=D("50000")),
        {},
        on=date(2026, 4, 10),
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
    )
    assert len(result.window) == 3
    assert (result.status, result.projected, result.run_out) == (Status.UNSPENT, D("0"), None)
    assert result.remaining_at_end == D("50000")


def test_an_overspent_line_is_flagged_at_once() -> None:
    # 30,000 allocated, 28,000 spent (7,000 a month January-April) and an order of 4,000:
    # 2,000 over already. On 15 May the pace is 28,000 / 4 = 7,000; projected 32,000 +
    # 7,000 + June-December 7 x 7,000 = 88,000.
    spent = _months(2026, dict.fromkeys(range(1, 5), "7000"))
    result = forecast(
        BudgetFigures(allocated=D("30000"), spent=D("28000"), committed=D("4000")),
        spent,
        on=date(2026, 5, 15),
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
    )
    assert result.available == D("-2000")
    assert (result.status, result.run_out) == (Status.OVERSPENT, date(2026, 5, 1))
    assert result.pace == D("7000.00")
    assert result.projected == D("88000")


def test_amendments_are_part_of_the_budget_forecast() -> None:
    # The faster burn with a top-up of 24,000: 72,000 available; July 12,000, then
    # 60,000 / 12,000 = 5: December. On track.
    spent = _months(2026, dict.fromkeys(range(1, 7), "12000"))
    result = forecast(
        BudgetFigures(allocated=D("120000"), amendments=D("24000"), spent=D("72000")),
        spent,
        on=date(2026, 7, 10),
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
    )
    assert (result.run_out, result.status) == (date(2026, 12, 1), Status.ON_TRACK)


def test_a_period_already_ended_has_no_forecast() -> None:
    result = forecast(
        BudgetFigures(allocated=D("1000"), spent=D("400")),
        {},
        on=date(2027, 1, 5),
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
    )
    assert (result.status, result.projected, result.run_out) == (Status.ENDED, D("400"), None)


@pytest.mark.parametrize(
    ("month", "n", "expected"),
    [
        (date(2026, 1, 1), -1, date(2025, 12, 1)),
        (date(2026, 11, 1), 2, date(2027, 1, 1)),
        (date(2026, 12, 1), 40, date(2030, 4, 1)),
    ],
)
def test_months_are_counted_across_years(month: date, n: int, expected: date) -> None:
    assert add_months(month, n) == expected
    assert months_between(month, expected) == n
