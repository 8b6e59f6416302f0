"""The real-world corpus's template cases (tests/imports/test_realworld.py): the template
the import page hands out, saved by Excel and LibreOffice, imports into the demo data set
as it comes. Its own module: the demo is loaded once for it, and no other books may be
open in the database meanwhile."""

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import override_settings
from pytest_django import DjangoDbBlocker

from irls import services as irls_services
from irls.models import Lab
from ledger.models import JournalEntry
from tests.imports.realworld.cases import Booked, Case
from tests.imports.test_realworld import CENT, DEMO_CASES, data, landed_lines, run, sheet_rows


def template_lines(data: bytes) -> list[Booked]:
    """The rows of the template's first sheet, as the accountant means them."""
    header, *rows = sheet_rows(data)
    names = [str(name).strip() for name in header]
    lines = []
    for values in rows:
        row = dict(zip(names, values, strict=False))
        debit, credit = row.get("debit", ""), row.get("credit", "")
        assert debit != "" or credit != "", "the template's example rows give book amounts"
        on = row["date"]
        on = on.date() if isinstance(on, datetime) else on
        assert isinstance(on, date)
        account = row["account"]
        foreign = row.get("amount_currency", "")
        lines.append(
            Booked(
                on.isoformat(),
                str(row["journal"]).strip(),
                str(int(account)) if isinstance(account, float) else str(account).strip(),
                str(row["label"]).strip(),
                str(Decimal(str(debit or 0)).quantize(CENT)),
                str(Decimal(str(credit or 0)).quantize(CENT)),
                str(Decimal(str(foreign)).quantize(CENT)) if foreign != "" else "",
                str(row.get("currency", "")).strip() if foreign != "" else "",
            )
        )
    return sorted(lines)


# The template's example is dated 14 November 2025: loaded on 3 December 2025, the demo
# has 2024 closed and 2025 booked to 30 November, November open (with its drafts).
DEMO_TODAY = date(2025, 12, 3)


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """The demo data set, loaded once for the template cases (the last tests of this
    module), inside a transaction rolled back after the module."""
    from ledger.demo import demo_load

    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        demo_load(today=DEMO_TODAY)
        yield
        transaction.set_rollback(True)


@pytest.mark.parametrize("case", DEMO_CASES, ids=[case.name for case in DEMO_CASES])
def test_the_template_imports_into_the_demo_as_it_comes(
    case: Case, demo_loaded: None, db: None
) -> None:
    lab = Lab.objects.get(code="CINTRA")
    user = User.objects.create_user(username="realworld_accountant", password="pw")
    irls_services.role_grant(acting_user=None, user=user, role="accountant", lab=lab)
    expected = template_lines(data(case))

    preview = run(case, lab, user, dry_run=True)
    outcome = run(case, lab, user)

    assert [p.message for p in preview.problems] == []
    assert [p.message for p in outcome.problems] == []
    assert outcome.batch is not None
    assert landed_lines(outcome.batch) == expected
    # Posted in the demo's open November, the expense line on the budget line it names.
    entry = JournalEntry.objects.get(import_batch=outcome.batch)
    assert entry.status == JournalEntry.Status.POSTED
    assert str(entry.date) == "2025-11-14" and (entry.number or "").startswith("ACH-2025-")
    budgeted = entry.lines.filter(account__code="6064")
    assert set(budgeted.values_list("budget_line__code", "budget_line__fiscal_year__year")) == {
        ("CNRS-OP-SUP", 2025)
    }
