"""The demo data set: the four Singapore IRLs over 2025 (DOMAIN.md, "Demo data").

The data is in `fixtures/demo/` (CSV, one file a table; `data.py` documents the
columns); the rules that turn it into entries are in `scenario.py`; `load.py` writes
everything through the real services, so the demo's entries are numbered, hashed and
audited like any other. Amounts, rates, start dates and suppliers are illustrative;
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
from ledger.demo.scenario import lab_plan

__all__ = [
    "YEAR",
    "DemoData",
    "DemoDataError",
    "DemoLogin",
    "DemoResult",
    "chancellery_converter",
    "demo_data_read",
    "demo_dir",
    "demo_load",
    "lab_plan",
]
