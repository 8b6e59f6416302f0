"""The demo data set: the four Singapore IRLs as a live office, over two fiscal years
decided by the date of loading (DOMAIN.md, "Demo data"; `years.py`).

Loaded on any day of December 2026 (or in January 2027), the demo shows:

- 2025, closed through the year-end services: every month closed in order; the
  December error (laboratory consumables booked to office supplies) and the year-end
  cut-off (an invoice not received, a ticket paid for January) posted; the purchase
  orders still open carried over to 2026 (the laptops, workstations, incubator and
  optical table delivered in January-February, the last microscopy hours, the third run
  of a Thales framework order, postponed to December) or cancelled with a reason (a
  third helium delivery, a third cloud tranche); then the year closed: closing entry
  into 120/129, the opening entry of 2026 in journal AN, the unspent allocation of each
  multi-year grant (ANR, NRF, Horizon Europe, CNRS@CREATE, ERC) carried to its 2026 line,
  the CNRS and partner allocations lapsing.
- 2026, open: budget lines notified on 5-20 January (the CNRS and the ANR in EUR), the
  cut-off reversed on 1 January, the December error reversed and rebooked on 8 January,
  the carried orders invoiced on the commitments they were carried to, and the year
  booked to the end of the last full month before the date of loading; the months
  before it closed, that month left open with two drafts (one unbalanced) that keep it
  from closing.

Loaded another year, the same story moves by whole years (loaded in February 2028,
2027 is closed and 2028 holds January).

The data is in `fixtures/demo/` (CSV, one file a table; `data.py` documents the
columns); the rules that turn it into entries are in `scenario.py` and `purchases.py`,
and into budget lines, orders and amendments in `budget.py`; `load.py` and `book.py`
write everything through the real services, so the demo's entries are numbered, hashed
and audited, and its budgets checked, like any other. Amounts, rates, start dates and
suppliers are illustrative; people appear only as roles.
"""

from ledger.demo.data import DemoData, DemoDataError, demo_data_read
from ledger.demo.load import (
    DemoLogin,
    DemoResult,
    chancellery_converter,
    demo_dir,
    demo_load,
)
from ledger.demo.scenario import LabPlan, lab_plan
from ledger.demo.years import REFERENCE_YEAR, DemoCalendar, demo_calendar

__all__ = [
    "REFERENCE_YEAR",
    "DemoCalendar",
    "DemoData",
    "DemoDataError",
    "DemoLogin",
    "DemoResult",
    "LabPlan",
    "chancellery_converter",
    "demo_calendar",
    "demo_data_read",
    "demo_dir",
    "demo_load",
    "lab_plan",
]
