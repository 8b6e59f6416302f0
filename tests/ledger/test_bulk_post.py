"""Entries recorded and posted at once (`entries_create_posted`, the path of journal
imports): their hashes are computed from the values written, so they must be the ones
`ledger_verify` finds from the database, for every kind of value, on both databases.
The service runs in its caller's transaction (no savepoint, for speed): callers that go
on after a refusal wrap it in their own atomic block, as `import_file` does."""

import sys
from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from ledger.exceptions import InvalidLineError, PeriodClosedError
from ledger.models import AuditEvent, JournalEntry, LedgerChain
from ledger.selectors import ledger_verify
from ledger.services.entries_bulk import EntryDraft, LineDraft
from ledger.services.entries_bulk_post import _BackgroundHashing, entries_create_posted
from tests.books import account, close_months, journal, posted


def entry(lab, lines, *, on=date(2025, 3, 14), code="ACH", **fields):
    return EntryDraft(
        journal_id=journal(lab, code).pk,
        fiscal_year_id=lab.fiscal_years.get(year=on.year).pk,
        date=on,
        label=fields.pop("label", "Import"),
        lines=lines,
        **fields,
    )


def converted(lab, code, cents, side, foreign, rate, **fields):
    return LineDraft(
        account_id=account(lab, code).pk,
        debit=cents if side == "debit" else 0,
        credit=cents if side == "credit" else 0,
        currency=fields.pop("currency", "EUR"),
        amount_currency=Decimal(foreign),
        fx_rate=Decimal(rate),
        fx_rate_date=date(2025, 3, 1),
        fx_rate_source="chancellery",
        **fields,
    )


def plain(lab, code, debit=0, credit=0, **fields):
    return LineDraft(account_id=account(lab, code).pk, debit=debit, credit=credit, **fields)


def test_hashes_of_entries_posted_at_once_are_the_ones_verification_finds(accountant, cintra):
    first = posted(accountant, cintra)  # the import extends an existing chain
    entries = [
        entry(
            cintra,
            [
                converted(cintra, "6064", 99_999_999_999_999_99, "debit", "9999999999999.99", "1"),
                plain(cintra, "401", credit=99_999_999_999_999_99),
            ],
            label='Fournitures « labo » é\u00a0"x"\\ \t',
            piece_ref="F/2025-001",
            piece_date=date(2025, 3, 2),
        ),
        entry(
            cintra,
            [
                converted(cintra, "6064", 1, "debit", "18409.00", "0.00005432", currency="VND"),
                converted(cintra, "401", 1, "credit", "18409.00", "0.00005432", currency="VND"),
            ],
            code="OD",
            on=date(2025, 1, 2),
        ),
        entry(
            cintra,
            [
                plain(cintra, "512", debit=10, label="ç" * 200, third_party="T" * 40),
                plain(cintra, "401", credit=3),
                plain(cintra, "627", credit=7),
            ],
            code="BQS",
        ),
    ]
    ids = entries_create_posted(acting_user=accountant, lab=cintra, entries=entries)

    numbers = dict(JournalEntry.objects.filter(pk__in=ids).values_list("pk", "number"))
    assert [numbers[pk] for pk in ids] == ["ACH-2025-000002", "OD-2025-000001", "BQS-2025-000001"]
    # In date order on the chain: the January entry first, after the entry already posted.
    chain = list(
        JournalEntry.objects.filter(lab=cintra).order_by("chain_index").values_list("pk", flat=True)
    )
    assert chain == [first.pk, ids[1], ids[0], ids[2]]
    assert LedgerChain.objects.get(lab=cintra).length == 4
    assert ledger_verify(lab=cintra).ok
    assert AuditEvent.objects.filter(action="entry.post", object_id__in=map(str, ids)).count() == 3
    # The books go on after the import: numbers and chain follow.
    later = posted(accountant, cintra)
    assert later.number == "ACH-2025-000003" and later.chain_index == 5
    assert ledger_verify(lab=cintra).ok


@pytest.mark.parametrize(
    ("foreign", "rate", "problem"),
    [
        ("12.345", "1.45", "12.345 is not a foreign amount"),
        ("10000000000000.00", "1.45", "is not a foreign amount"),
        ("12.34", "1.123456789", "1.123456789 is not a rate"),
        ("12.34", "10000000", "is not a rate"),
    ],
)
def test_amounts_and_rates_that_would_lose_digits_are_refused(
    accountant, cintra, foreign, rate, problem
):
    lines = [
        converted(cintra, "6064", 1790, "debit", foreign, rate),
        plain(cintra, "401", credit=1790),
    ]
    with pytest.raises(InvalidLineError, match=problem), transaction.atomic():
        entries_create_posted(acting_user=accountant, lab=cintra, entries=[entry(cintra, lines)])
    assert not JournalEntry.objects.exists()


def test_a_closed_month_refuses_the_whole_batch(accountant, office_head, cintra):
    close_months(cintra, 3, user=office_head)  # March closed, February open
    lines = [plain(cintra, "512", debit=5), plain(cintra, "401", credit=5)]
    good = entry(cintra, lines, on=date(2025, 2, 3))
    closed = entry(cintra, lines)
    with (
        pytest.raises(PeriodClosedError, match="the period 2025-03 of CINTRA is closed"),
        transaction.atomic(),
    ):
        entries_create_posted(acting_user=accountant, lab=cintra, entries=[good, closed])
    assert not JournalEntry.objects.exists()
    assert not LedgerChain.objects.filter(lab=cintra, length__gt=0).exists()


def test_background_hashing_hands_its_failure_to_the_writer_and_restores_switching() -> None:
    interval = sys.getswitchinterval()

    def fail(report):
        report(1000)
        raise ValueError("hashing failed")

    with pytest.raises(ValueError, match="hashing failed"), _BackgroundHashing(fail) as hashing:
        assert sys.getswitchinterval() < interval
        hashing.wait(1000)  # reached before the failure
        hashing.wait(2000)
    assert sys.getswitchinterval() == interval


def test_background_hashing_stops_when_the_writer_gives_up() -> None:
    reports = []

    def hash_many(report):
        for n in range(1, 1_000_000):
            reports.append(n)
            if not report(n):
                return

    with pytest.raises(RuntimeError), _BackgroundHashing(hash_many) as hashing:
        hashing.wait(10)
        raise RuntimeError("the database refused a row")
    assert len(reports) < 1_000_000 - 1
