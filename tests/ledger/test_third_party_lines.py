"""A line on a third-party account names its third party (issue 14): the posting
rulebook, every way of posting, the journal import's preview and the database guards
(raw SQL on both databases); due dates from the third party's payment terms; the hash
of lines written before third parties were records still verifies."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from ledger import services
from ledger.exceptions import ThirdPartyError
from ledger.hashing import HASHED_ENTRY_KEYS, canonical_form
from ledger.models import Account, JournalEntry, JournalLine
from ledger.selectors.books import ledger_verify
from parties.models import ThirdParty
from tests.books import account, draft, journal
from tests.ledger.rawsql import raw_post_sql, refused
from tests.ledger.test_guards_per_statement import (
    posting_update,
    three_drafts,
    three_entries,
    three_entries_ahead,
)
from tests.ledger.test_invariants_at_once import (
    MARCH,
    entry_at_once,
    free_id,
    lines_ahead,
    rolled_back,
)

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def suppliers_named(cintra):
    """401 asks for a third party (the test chart's accounts do not, by default)."""
    Account.objects.filter(lab=cintra, code="401").update(needs_third_party=True)
    ThirdParty.objects.filter(code="SUP-01").update(payment_terms_days=45)
    return cintra


def invoice(user, lab, *, third_party="", due=None, journal_code="ACH", on=date(2025, 3, 14)):
    return services.entry_create_draft(
        acting_user=user,
        lab=lab,
        journal=journal(lab, journal_code),
        date=on,
        label="Wafers",
        piece_ref="INV-7",
        piece_date=on - timedelta(days=4),
        lines=[
            services.LineInput(account=account(lab, "6064"), debit=D("120.00")),
            services.LineInput(
                account=account(lab, "401"),
                credit=D("120.00"),
                third_party=third_party,
                due_date=due,
            ),
        ],
    )


def test_an_account_of_class_40_41_42_46_is_created_asking_for_a_third_party(accountant, cintra):
    for code, needs in (("4011", True), ("4111", True), ("4211", True), ("4671", True)):
        created = services.account_create(
            acting_user=None, lab=cintra, code=code, name_fr=code, name_en=code
        )
        assert created.needs_third_party is needs
    for code in ("4456", "5121", "6064"):
        created = services.account_create(
            acting_user=None, lab=cintra, code=code + "9", name_fr=code, name_en=code
        )
        assert created.needs_third_party is False


def test_a_supplier_line_without_third_party_is_not_posted(accountant, suppliers_named):
    entry = invoice(accountant, suppliers_named)
    with pytest.raises(ThirdPartyError) as info:
        services.entry_post(acting_user=accountant, entry=entry)
    assert str(info.value).endswith(
        ", line 2 (account 401): name the third party (supplier, customer, partner or staff"
        " member) this line is with"
    )
    entry.refresh_from_db()
    assert entry.status == "draft"


def test_an_unknown_third_party_is_refused_by_name(accountant, suppliers_named):
    with pytest.raises(ThirdPartyError, match=r"^Third party NOBODY does not exist"):
        invoice(accountant, suppliers_named, third_party="NOBODY")
    assert not JournalEntry.objects.exists()


def test_an_invoice_line_falls_due_by_the_third_partys_terms(accountant, suppliers_named):
    entry = invoice(accountant, suppliers_named, third_party="SUP-01")
    services.entry_post(acting_user=accountant, entry=entry)
    supplier = entry.lines.get(account__code="401")
    # 45 days after the invoice's date (its piece date, 10 March), not the entry's.
    assert supplier.due_date == date(2025, 3, 10) + timedelta(days=45)
    assert entry.lines.get(account__code="6064").due_date is None
    assert ledger_verify(lab=suppliers_named).ok


def test_a_due_date_given_is_kept_and_hashed(accountant, suppliers_named):
    entry = invoice(accountant, suppliers_named, third_party="SUP-01", due=date(2025, 6, 30))
    services.entry_post(acting_user=accountant, entry=entry)
    assert entry.lines.get(account__code="401").due_date == date(2025, 6, 30)
    # The due date is part of the hashed form: changing it (guards dropped) breaks the chain.
    from ledger import db_guards

    db_guards.drop(connection)
    try:
        JournalLine.objects.filter(entry=entry, account__code="401").update(
            due_date=date(2025, 7, 1)
        )
        assert not ledger_verify(lab=suppliers_named).ok
    finally:
        db_guards.install(connection)


def test_a_payment_takes_no_due_date(accountant, suppliers_named):
    entry = invoice(accountant, suppliers_named, third_party="SUP-01", journal_code="BQS")
    assert entry.lines.get(account__code="401").due_date is None


def test_a_reversal_carries_its_third_party_and_due_date(accountant, suppliers_named):
    entry = invoice(accountant, suppliers_named, third_party="SUP-01")
    services.entry_post(acting_user=accountant, entry=entry)
    reversal = services.entry_reverse(
        acting_user=accountant, entry=entry, date=date(2025, 3, 20), reason="Wrong supplier"
    )
    line = reversal.lines.get(account__code="401")
    assert (line.third_party_id, line.debit) == ("SUP-01", D("120.00"))
    assert line.due_date == entry.lines.get(account__code="401").due_date


def test_lines_hashed_before_third_parties_were_records_keep_their_form():
    """A line of old had '' for no third party; the column now holds NULL: the same text
    is hashed, and no due date is added to a line without one."""
    entry = dict.fromkeys(HASHED_ENTRY_KEYS)
    line = {
        "account__code": "512",
        "label": "",
        "debit": D("1.00"),
        "credit": D("0.00"),
        "amount_currency": None,
        "amount_currency_currency": None,
        "fx_rate": None,
        "fx_rate_date": None,
        "fx_rate_source": "",
    }
    old = canonical_form(entry, [line | {"third_party": ""}])
    assert canonical_form(entry, [line | {"third_party": None, "due_date": None}]) == old
    assert '"512","","1.00","0.00",null,null,null,null,"",""]' in old


# Raw SQL: the database refuses what the rulebook refuses ----------------------------------

MISSING = [("6064", 1000, 0), ("401", 0, 1000)]


def test_raw_sql_cannot_post_a_draft_whose_supplier_line_names_no_one(accountant, suppliers_named):
    entry = invoice(accountant, suppliers_named)
    assert "LEDGER_THIRD_PARTY_MISSING" in refused(*raw_post_sql(entry, seq=1))


def test_raw_sql_cannot_write_such_an_entry_posted_at_once(accountant, suppliers_named):
    with rolled_back():
        entry_id = free_id()
        lines_ahead(entry_id, suppliers_named, MISSING)
        assert "LEDGER_THIRD_PARTY_MISSING" in refused(
            *entry_at_once(entry_id, suppliers_named, accountant)
        )


def test_raw_sql_cannot_hide_one_among_many_entries(accountant, suppliers_named):
    with rolled_back():
        first = free_id()
        ids = [first, first + 1, first + 2]
        three_entries_ahead(suppliers_named, ids, MISSING)
        assert "LEDGER_THIRD_PARTY_MISSING" in refused(
            *three_entries(accountant, suppliers_named, ids)
        )


def test_raw_sql_cannot_post_one_among_many_drafts(accountant, suppliers_named):
    # The other two drafts name their supplier; the middle one names no one.
    ThirdParty.objects.get_or_create(code="SUP-01")
    drafts = three_drafts(
        accountant, suppliers_named, [("6064", "10.00", "0"), ("401", "0", "10.00")]
    )
    JournalLine.objects.filter(entry__in=[drafts[0], drafts[2]], account__code="401").update(
        third_party="SUP-01"
    )
    assert "LEDGER_THIRD_PARTY_MISSING" in refused(*posting_update(drafts))
    assert JournalEntry.objects.filter(status="posted").count() == 0


def test_raw_sql_cannot_name_a_third_party_that_does_not_exist(accountant, suppliers_named):
    """A foreign key, checked at commit (as a COMMIT would, here in a savepoint)."""
    entry = invoice(accountant, suppliers_named, third_party="SUP-01")
    with pytest.raises(IntegrityError, match=r"(?i)foreign key"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE ledger_journalline SET third_party = 'NOBODY' WHERE entry_id = %s",
                [entry.pk],
            )
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        connection.check_constraints(table_names=["ledger_journalline"])


def test_a_posted_lines_third_party_and_due_date_are_frozen(accountant, suppliers_named):
    entry = invoice(accountant, suppliers_named, third_party="SUP-01")
    services.entry_post(acting_user=accountant, entry=entry)
    for sql in (
        "UPDATE ledger_journalline SET third_party = 'X' WHERE entry_id = %s",
        "UPDATE ledger_journalline SET third_party = NULL WHERE entry_id = %s",
        "UPDATE ledger_journalline SET due_date = '2030-01-01' WHERE entry_id = %s",
    ):
        assert "LEDGER_FROZEN" in refused(sql, [entry.pk])


def test_a_draft_may_wait_for_its_third_party(accountant, suppliers_named):
    """Drafts are work in progress: the requirement is a posting rule."""
    entry = draft(accountant, suppliers_named, [("6064", "5.00", "0"), ("401", "0", "5.00")])
    assert entry.lines.get(account__code="401").third_party_id is None
    assert entry.date == MARCH
