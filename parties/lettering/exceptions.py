"""Errors of lettering (part of the LedgerError hierarchy), in an accountant's words.

Messages are translated module constants with named `{placeholders}`, formatted where
raised (tests assert their exact text). `from_integrity_error` turns a refusal by the
database guards (parties/db_guards.py, tags LETTERING_...) or by the lettering tables'
own constraints back into these classes.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from ledger.exceptions import DATABASE_REFUSED, LedgerError

# What `{user} may not {action} in {lab}` says (require_role; translated when refused).
ACTIONS = (
    gettext_noop("letter lines"),
    gettext_noop("unletter lines"),
)

TOO_FEW_LINES = _("Select at least two lines to letter them together")
LINE_NOT_FOUND = _(
    "Line {line} is not a line of {lab}: reload the page, the lines may have changed"
)
LINE_NOT_POSTED = _(
    "Line {line} belongs to a draft ({ref}): only posted lines are lettered; post the entry first"
)
LINE_RESTATED = _(
    "Line {line} is in an opening entry ({ref}), which restates the balances of the year "
    "before: letter the invoice or payment of that year instead"
)
ACCOUNTS_DIFFER = _(
    "The lines selected are on several accounts ({accounts}): a lettering groups lines of "
    "one account"
)
THIRD_PARTIES_DIFFER = _(
    "The lines selected name several third parties ({third_parties}): a lettering groups "
    "lines of one third party"
)
NO_THIRD_PARTY = _("no third party")
ALREADY_LETTERED = _(
    "Line {line} ({ref}) is already lettered {code}, which is complete: unletter {code} first"
)
TWO_LETTERINGS = _(
    "The lines selected belong to two partial letterings ({codes}): unletter one of them "
    "first, then letter the lines again"
)
NOTHING_NEW = _("Every line selected is already in lettering {code}: select the lines to add")
REASON_MISSING = _("Say why {code} is unlettered: the reason is kept in the audit trail")
NOT_COMPLETE = _(
    "The group of lines {lines} does not sum to zero ({balance}): letter it by hand on the "
    "lettering page (partial lettering)"
)
PROPOSAL_CHANGED = _(
    "The lines have changed since the proposal was shown (another lettering, a new "
    "posting): look at the proposal again, then confirm it"
)
LETTERED_MEANWHILE = _(
    "Some of these lines were lettered meanwhile (by someone else?): reload the page and "
    "letter again"
)
CODES_EXHAUSTED = _("Account {account} has used every lettering code (AA to ZZZZ)")


class LetteringError(LedgerError):
    """Lines cannot be lettered or unlettered as asked."""


class LetteringLineError(LetteringError):
    """A line that cannot be in this lettering: a draft's, of another lab, account or
    third party, or already in a complete lettering."""


class LetteringUnbalancedError(LetteringError):
    """A lettering marked complete whose lines do not sum to zero (or that has fewer
    than two lines)."""


class LetteringCodeError(LetteringError):
    """A lettering code of the wrong shape, given twice on an account, or changed."""


# The guards' tags, and the lettering tables' constraints as both databases name them.
_TAGS: dict[str, type[LetteringError]] = {
    "LETTERING_UNBALANCED": LetteringUnbalancedError,
    "LETTERING_LINE": LetteringLineError,
    "LETTERING_FROZEN": LetteringCodeError,
    "lettering_code_shape": LetteringCodeError,
    "lettering_code_once": LetteringCodeError,
    "parties_lettering.account_id, parties_lettering.code": LetteringCodeError,
}
# A line in two letterings (its unique key, SQLite's and PostgreSQL's words): two
# accountants lettering the same line at once, the second one is told so.
_LINE_TWICE = ("parties_letteredline.line_id", "parties_letteredline_line_id_key")


def from_integrity_error(error: IntegrityError) -> LetteringError | None:
    """The lettering error a database guard or constraint raised, or None for another."""
    text = str(error)
    if any(key in text for key in _LINE_TWICE):
        return LetteringLineError(str(LETTERED_MEANWHILE))
    for tag, cls in _TAGS.items():
        if tag in text:
            detail = text[text.index(tag) :].splitlines()[0]
            return cls(DATABASE_REFUSED.format(detail=detail))
    return None


@contextmanager
def lettering_guarded() -> Iterator[None]:
    """Re-raise an IntegrityError of the lettering guards as its LetteringError."""
    try:
        yield
    except IntegrityError as exc:
        error = from_integrity_error(exc)
        if error is None:
            raise
        raise error from exc
