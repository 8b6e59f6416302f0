"""The canonical form of a posted entry is a contract: every hash already stored in a
ledger was computed from it, so the same entry must always give the same bytes."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from ledger.hashing import canonical_form, chain_hash, chain_hash_plain

ENTRY: dict[str, Any] = {
    "id": 7,
    "lab__code": "CINTRA",
    "journal__code": "ACH",
    "number": "ACH-2025-000001",
    "date": date(2025, 3, 14),
    "label": 'Fournitures « labo » é\u00a0"quoted"\n',
    "piece_ref": "F-1",
    "piece_date": None,
    "posted_by_id": 3,
    "posted_at": datetime(2025, 3, 14, 17, 5, 9, 123456, tzinfo=timezone(timedelta(hours=8))),
    "reversal_of__number": None,
    "chain_index": 1,
    "prev_hash": "",
    "hash": "",
}
LINES: list[dict[str, Any]] = [
    {
        "entry_id": 7,
        "account__code": "6064",
        "label": "Papier",
        "debit": Decimal("1200.00"),
        "credit": Decimal("0.00"),
        "amount_currency": Decimal("827.59"),
        "amount_currency_currency": "EUR",
        "fx_rate": Decimal("1.45000000"),
        "fx_rate_date": date(2025, 3, 1),
        "fx_rate_source": "chancellery",
        "third_party": "SUP-1",
    },
    {
        "entry_id": 7,
        "account__code": "401",
        "label": "",
        "debit": Decimal("0.00"),
        "credit": Decimal("1200.00"),
        "amount_currency": None,
        "amount_currency_currency": None,
        "fx_rate": None,
        "fx_rate_date": None,
        "fx_rate_source": "",
        "third_party": "",
    },
]


def test_the_canonical_form_keeps_its_bytes() -> None:
    assert canonical_form(ENTRY, LINES) == (
        '{"chain_index":1,"date":"2025-03-14","journal__code":"ACH","lab__code":"CINTRA",'
        '"label":"Fournitures « labo » é\u00a0\\"quoted\\"\\n","lines":[["6064","Papier",'
        '"1200.00","0.00","827.59","EUR","1.45000000","2025-03-01","chancellery","SUP-1"],'
        '["401","","0.00","1200.00",null,null,null,null,"",""]],"number":"ACH-2025-000001",'
        '"piece_date":null,"piece_ref":"F-1","posted_at":"2025-03-14T09:05:09.123456+00:00",'
        '"posted_by_id":3,"reversal_of__number":null}'
    )


def test_the_hash_chains_the_previous_hash() -> None:
    assert (
        chain_hash("ab" * 32, ENTRY, LINES)
        == "b3027f89b5d7d2c6bd7fa541748d1118c1aac86797d5b8f6c00a4bb971652426"
    )
    assert chain_hash("", ENTRY, LINES) != chain_hash("ab" * 32, ENTRY, LINES)


def test_bulk_postings_hash_the_same_plain_values() -> None:
    """The bulk path hashes values it has at hand, in their plain form."""
    entry = (
        "CINTRA",
        "ACH",
        "ACH-2025-000001",
        "2025-03-14",
        ENTRY["label"],
        "F-1",
        None,
        3,
        "2025-03-14T09:05:09.123456+00:00",
        None,
        1,
    )
    lines: list[list[Any]] = [
        [
            "6064",
            "Papier",
            "1200.00",
            "0.00",
            "827.59",
            "EUR",
            "1.45000000",
            "2025-03-01",
            "chancellery",
            "SUP-1",
        ],
        ["401", "", "0.00", "1200.00", None, None, None, None, "", ""],
    ]
    assert chain_hash_plain("ab" * 32, entry, lines) == chain_hash("ab" * 32, ENTRY, LINES)
