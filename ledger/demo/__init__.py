"""The demo data set: the four Singapore IRLs over 2025 (DOMAIN.md, "Demo data").

The data is in `fixtures/demo/` (CSV, one file a table; `data.py` documents the
columns); the rules that turn it into entries are in `scenario.py`, and into budget
lines, orders and amendments in `budget.py`; `load.py` and `book.py` write everything
through the real services, so the demo's entries are numbered, hashed and audited, and
its budgets checked, like any other. Amounts, rates, start dates and suppliers are illustrative;
people appear only as roles.
"""

from ledger.demo.data import DemoData, DemoDataError, demo_data_read
from ledger.demo.load import (
    YEAR,
    DemoLogin,
    DemoResult,
    chancellery_converter,
    demo_dir,
    demo_load,
)
from ledger.demo.scenario import LabPlan, lab_plan

__all__ = [
    "YEAR",
    "DemoData",
    "DemoDataError",
    "DemoLogin",
    "DemoResult",
    "LabPlan",
    "chancellery_converter",
    "demo_data_read",
    "demo_dir",
    "demo_load",
    "lab_plan",
]
