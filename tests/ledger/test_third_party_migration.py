"""Migration ledger 0014: the free text of old in `JournalLine.third_party` becomes
third-party records, a blank becomes NULL, and the posted entries' hashes still verify.

The books are written with today's code, the schema is taken back to the free text
(ledger 0013) and the lines made as the old code wrote them (a blank for no third party,
codes with no record behind them), then migrated forward again."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ledger import db_guards, services
from ledger.models import Account, JournalLine
from ledger.selectors.books import ledger_verify
from parties.models import ThirdParty
from tests.books import account, journal, lab_with_books

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("ledger", "0013_third_party_fields")]


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def test_free_text_third_parties_become_records_and_the_chain_still_verifies(accountant):
    lab = lab_with_books("OLDLAB")
    ThirdParty.objects.create(code="Old Supplier & Co", name="x", kind="other")
    ThirdParty.objects.create(code="PARTNER-Z", name="x", kind="other")
    for party, code in (("Old Supplier & Co", "401"), ("PARTNER-Z", "411")):
        entry = services.entry_create_draft(
            acting_user=accountant,
            lab=lab,
            journal=journal(lab, "OD"),
            date=date(2025, 3, 14),
            label="Before third parties were records",
            lines=[
                services.LineInput(account=account(lab, "512"), debit=Decimal("10.00")),
                services.LineInput(
                    account=account(lab, code), credit=Decimal("10.00"), third_party=party
                ),
            ],
        )
        services.entry_post(acting_user=accountant, entry=entry)
    assert ledger_verify(lab=lab).ok
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    with db_guards.lifted(connection):
        _migrate(BEFORE)
        # As the old code left them: blanks, and codes that are only text.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE ledger_journalline SET third_party = '' WHERE third_party IS NULL"
            )
            cursor.execute("DELETE FROM parties_thirdparty")
            cursor.execute("UPDATE ledger_account SET needs_third_party = %s", [False])
        _migrate(latest)

    lines = JournalLine.objects.filter(lab=lab)
    assert set(lines.values_list("third_party", flat=True)) == {
        None,
        "Old Supplier & Co",
        "PARTNER-Z",
    }
    created = {t.code: (t.name, t.kind) for t in ThirdParty.objects.all()}
    assert created == {
        "Old Supplier & Co": ("Old Supplier & Co", "supplier"),
        "PARTNER-Z": ("PARTNER-Z", "customer"),
    }
    # The accounts of classes 40, 41, 42 and 46 ask for a third party from now on.
    flagged = set(
        Account.objects.filter(lab=lab, needs_third_party=True).values_list("code", flat=True)
    )
    assert flagged == {"401", "411"}
    assert ledger_verify(lab=lab).ok
