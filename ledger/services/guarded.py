"""Turn a refusal by the database guards into the matching LedgerError."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError

from ledger.exceptions import from_integrity_error


@contextmanager
def db_guarded() -> Iterator[None]:
    """Re-raise an IntegrityError raised by a ledger trigger as its LedgerError."""
    try:
        yield
    except IntegrityError as exc:
        error = from_integrity_error(exc)
        if error is None:
            raise
        raise error from exc
