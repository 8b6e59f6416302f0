"""The alert thresholds of a budget line: whole percentages of its budget consumed (spent
and open commitments, `consumed_percent`) at which the lab's director and accountants are
alerted (the `alerts` app). Written "80,100": at most five, from 1 to 999, in increasing
order; empty for a line that alerts nobody."""

import itertools
import re

from django.core.exceptions import ValidationError

from ledger.exceptions import ALERT_THRESHOLDS_INVALID

DEFAULT_ALERT_THRESHOLDS = "80,100"
MAX_ALERT_THRESHOLDS = 5
_THRESHOLD = re.compile(r"[0-9]{1,3}")


def alert_thresholds_parse(text: str) -> tuple[int, ...]:
    """The thresholds written in `text` ("80,100", spaces allowed around the commas), in
    increasing order; ValidationError (naming the field) when they are not thresholds."""
    written = (text or "").strip()
    if not written:
        return ()
    parts = [part.strip() for part in written.split(",")]
    if len(parts) > MAX_ALERT_THRESHOLDS or not all(_THRESHOLD.fullmatch(p) for p in parts):
        raise _invalid(written)
    values = tuple(int(part) for part in parts)
    increasing = all(a < b for a, b in itertools.pairwise(values))
    if not increasing or not all(1 <= value <= 999 for value in values):
        raise _invalid(written)
    return values


def alert_thresholds_text(text: str) -> str:
    """`text` written the one way the line keeps it ("80, 100 " -> "80,100")."""
    return ",".join(str(value) for value in alert_thresholds_parse(text))


def validate_alert_thresholds(value: str) -> None:
    """The model field's validator."""
    alert_thresholds_parse(value)


def _invalid(written: str) -> ValidationError:
    return ValidationError(
        ALERT_THRESHOLDS_INVALID.format(value=written[:40]), code="invalid_alert_thresholds"
    )
