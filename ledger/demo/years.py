"""Which two years the demo books, decided by the date of loading, and how the files'
reference years move to them.

The files of `fixtures/demo/` tell a two-year story written for REFERENCE_YEAR (2025,
the year that is closed) and the year after it (2026, the year in progress). Loaded on
`today`, the year in progress is the year of the last full month before `today` (in
January 2027 that is 2026) and the closed year the one before it; every date of the
files, and every four-digit year 20xx written in their text (labels, references), moves
by the same whole number of years. The year in progress is booked up to the end of its
last full month (`cutoff`): nothing is dated after it.
"""

import re
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from typing import Any, TypeVar

REFERENCE_YEAR = 2025
_YEAR_IN_TEXT = re.compile(r"\b20\d\d\b")

Row = TypeVar("Row")


@dataclass(frozen=True)
class DemoCalendar:
    """The demo's two fiscal years: `previous` closed, `current` open up to `cutoff`."""

    previous: int
    current: int
    cutoff: date  # the last day of the last full month before the date of loading

    @property
    def shift(self) -> int:
        """Years added to the files' dates (written for REFERENCE_YEAR and the year after)."""
        return self.previous - REFERENCE_YEAR

    @property
    def last_open_month(self) -> int:
        """The month of the current year left open (its drafts are there)."""
        return self.cutoff.month


def demo_calendar(today: date) -> DemoCalendar:
    """The years the demo books when loaded on `today`."""
    cutoff = today.replace(day=1) - timedelta(days=1)
    return DemoCalendar(previous=cutoff.year - 1, current=cutoff.year, cutoff=cutoff)


def shift_date(on: date, years: int) -> date:
    """`on` moved by whole years (29 February becomes the 28th in a common year)."""
    try:
        return on.replace(year=on.year + years)
    except ValueError:
        return on.replace(year=on.year + years, day=28)


def shift_text(text: str, years: int) -> str:
    """Every four-digit year 20xx in `text` moved by `years`."""
    if not years or not text:
        return text
    return _YEAR_IN_TEXT.sub(lambda m: str(int(m.group()) + years), text)


def shift_row(row: Row, years: int) -> Row:
    """A row of a dated table moved by `years`: its dates, its `year`, its text."""
    if not years:
        return row
    changes: dict[str, Any] = {}
    for spec in fields(row):  # type: ignore[arg-type]
        value = getattr(row, spec.name)
        if isinstance(value, date):
            changes[spec.name] = shift_date(value, years)
        elif isinstance(value, str):
            changes[spec.name] = shift_text(value, years)
        elif spec.name == "year" and isinstance(value, int):
            changes[spec.name] = value + years
    return replace(row, **changes)  # type: ignore[type-var]
