"""The canonical form of a posted entry and its place in the lab's hash chain.

Posting and verification both build the canonical form from rows read back from the
database, so the same bytes are hashed whatever the database's storage quirks.
"""

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

ENTRY_FIELDS = (
    "id",
    "lab__code",
    "journal__code",
    "number",
    "date",
    "label",
    "piece_ref",
    "piece_date",
    "posted_by_id",
    "posted_at",
    "reversal_of__number",
    "chain_index",
    "prev_hash",
    "hash",
)
LINE_FIELDS = (
    "entry_id",
    "account__code",
    "label",
    "debit",
    "credit",
    "amount_currency",
    "amount_currency_currency",
    "fx_rate",
    "fx_rate_date",
    "fx_rate_source",
    "third_party",
    "due_date",
)
HASHED_ENTRY_KEYS = (
    "lab__code",
    "journal__code",
    "number",
    "date",
    "label",
    "piece_ref",
    "piece_date",
    "posted_by_id",
    "posted_at",
    "reversal_of__number",
    "chain_index",
)
# The line's values in this order; then its due date, only when it has one (lines
# hashed before due dates existed keep their canonical form).
HASHED_LINE_KEYS = LINE_FIELDS[1:-1]


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is int or value is None:  # most values: no conversion
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# One encoder for every entry (json.dumps with options builds a new one each call).
_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def canonical_form(entry: dict[str, Any], lines: list[dict[str, Any]]) -> str:
    """One JSON text for an entry and its lines (lines in id order)."""
    body = {key: _plain(entry[key]) for key in HASHED_ENTRY_KEYS}
    body["lines"] = [_line_values(line) for line in lines]
    return _encode(body)


def _line_values(line: dict[str, Any]) -> list[Any]:
    values = [_plain(line[key]) for key in HASHED_LINE_KEYS]
    if values[-1] is None:  # no third party: the blank text of the lines of old
        values[-1] = ""
    if line.get("due_date") is not None:
        values.append(_plain(line["due_date"]))
    return values


def chain_hash(prev_hash: str, entry: dict[str, Any], lines: list[dict[str, Any]]) -> str:
    """sha256 of the previous hash of the lab followed by the entry's canonical form."""
    payload = prev_hash + canonical_form(entry, lines)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def chain_hash_plain(prev_hash: str, entry: Sequence[Any], lines: list[list[Any]]) -> str:
    """`chain_hash` of values already in their plain form (text, int, None): `entry` in
    the order of HASHED_ENTRY_KEYS, each line in the order of HASHED_LINE_KEYS. For bulk
    postings, which have the values at hand and hash many entries."""
    body: dict[str, Any] = dict(zip(HASHED_ENTRY_KEYS, entry, strict=True))
    body["lines"] = lines
    payload = prev_hash + _encode(body)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
