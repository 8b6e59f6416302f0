"""What the third-party statements share (ageing, third-party ledger, third-party
balance): the lab's third-party accounts, the third parties' names, the lettering of a
line as it stood on a date, balances per account and third party, and the reading of one
ordered query section by section.

Third-party accounts are the lab's accounts flagged `needs_third_party` (by default those
under LEDGER_THIRD_PARTY_CLASSES: 40 suppliers, 41 customers and partners, 42 staff, 46
other debtors and creditors). Lines of such an account booked without a third party (before
third parties were required, or carried by a year-end entry) are grouped under "no third
party", so that the totals still equal the trial balance's.
"""

from collections.abc import Callable, Hashable, Iterable, Iterator
from datetime import date
from typing import Any, cast

from django.db.models import F, OrderBy, Q, QuerySet

from irls.models import Lab
from ledger.models import Account, JournalLine
from parties.lettering.codes import code_shown
from parties.models import ThirdParty
from reports.builders.common import (
    AccountInfo,
    Figures,
    MonthRates,
    StatementOptions,
    cents_sum,
    grouped_sums,
    opening_condition,
    period_lines,
    when_cents,
    word,
)
from reports.exceptions import NO_THIRD_PARTY, StatementError

# The kinds that take a third party (--third-party): one third party's lines only.
THIRD_PARTY_KINDS: tuple[str, ...] = (
    "payables-ageing",
    "receivables-ageing",
    "third-party-ledger",
    "third-party-balance",
)
# A line's lettering columns (a line is in one lettering at most: a LEFT JOIN).
LETTERING = (
    "lettered__lettering__code",
    "lettered__lettering__complete",
    "lettered__lettering__lettered_on",
)

TEXT = {
    "en": {
        "no_party": "(no third party)",
        "third_party": "Third party",
        "name": "Name",
        "date": "Date",
        "journal": "Jnl",
        "entry": "Entry",
        "piece": "Piece",
        "label": "Label",
        "due": "Due date",
        "lettering": "Lett.",
        "accounts": (
            "Third-party accounts: the lab's accounts whose lines name a third party "
            "(suppliers 40, customers and partners 41, staff 42, other debtors and "
            "creditors 46, unless configured otherwise){codes}."
        ),
        "lettering_note": (
            "Lettering codes (Lett.) as they stood on {date}: upper case for a complete "
            "lettering (its lines sum to zero), lower case for a partial one."
        ),
        "one_party": "One third party only: {party}.",
    },
    "fr": {
        "no_party": "(sans tiers)",
        "third_party": "Tiers",
        "name": "Nom",
        "date": "Date",
        "journal": "Jal",
        "entry": "Écriture",
        "piece": "Pièce",
        "label": "Libellé",
        "due": "Échéance",
        "lettering": "Let.",
        "accounts": (
            "Comptes de tiers : les comptes du laboratoire dont les lignes nomment un tiers "
            "(fournisseurs 40, clients et partenaires 41, personnel 42, débiteurs et "
            "créditeurs divers 46, sauf autre paramétrage){codes}."
        ),
        "lettering_note": (
            "Codes de lettrage (Let.) tels qu'au {date} : en majuscules pour un lettrage "
            "complet (ses lignes se soldent), en minuscules pour un lettrage partiel."
        ),
        "one_party": "Un seul tiers : {party}.",
    },
}


def words(language: str, key: str, **values: Any) -> str:
    return word(TEXT, language, key, **values)


def checked_party(code: str) -> str:
    """`code` when it names a third party (or is empty: every third party)."""
    if code and not ThirdParty.objects.filter(code=code).exists():
        raise StatementError(NO_THIRD_PARTY.format(code=code))
    return code


def party_accounts(lab: Lab) -> list[AccountInfo]:
    """The lab's third-party accounts, by code."""
    return [
        AccountInfo(**row)
        for row in Account.objects.filter(lab=lab, needs_third_party=True)
        .order_by("code")
        .values("id", "code", "name_fr", "name_en")
    ]


def accounts_note(language: str, accounts: Iterable[AccountInfo]) -> str:
    codes = ", ".join(account.code for account in accounts)
    return words(language, "accounts", codes=f" ({codes})" if codes else "")


def party_names(codes: Iterable[str | None]) -> dict[str, str]:
    """The names of the third parties `codes` (one query)."""
    wanted = {code for code in codes if code}
    return dict(ThirdParty.objects.filter(code__in=wanted).values_list("code", "name"))


def party_label(code: str | None, names: dict[str, str], language: str) -> str:
    """'SUP-01 Supplier One Pte Ltd', or '(no third party)'."""
    if not code:
        return words(language, "no_party")
    return f"{code} {names.get(code, '')}".strip()


def lettering_text(code: str | None, complete: bool | None, on: date | None, at: date) -> str:
    """A line's lettering code as it stood on `at`: 'AB' complete, 'ab' partial, '' none
    (or lettered after `at`)."""
    if on is None or on > at:
        return ""
    return code_shown(code, complete)


def party_order(field: str = "third_party_id") -> OrderBy:
    """Third parties by code, the lines without one last (on both databases)."""
    return F(field).asc(nulls_last=True)


PartyKey = tuple[int, str | None]  # (account id, third party code or None)


def party_lines(
    options: StatementOptions, account_ids: list[int], third_party: str
) -> QuerySet[JournalLine]:
    """The posted lines that make the balances of the period (the trial balance's rule)
    on `account_ids`, of `third_party` alone when given."""
    return of_party(period_lines(options).filter(account_id__in=account_ids), third_party)


def party_figures(
    options: StatementOptions,
    rates: MonthRates | None,
    account_ids: list[int],
    third_party: str = "",
) -> dict[PartyKey, Figures]:
    """Per third-party account and third party: opening balance, debits and credits of the
    period, by the trial balance's rule (`reports.builders.common.account_figures`), so that
    an account's third parties add up to its trial-balance figures. One GROUP BY."""
    opening = opening_condition(options)
    groups = grouped_sums(
        party_lines(options, account_ids, third_party),
        ["account_id", "third_party_id"],
        {
            "open_debit": cents_sum(when_cents(opening, "debit")),
            "open_credit": cents_sum(when_cents(opening, "credit")),
            "debit": cents_sum(when_cents(~opening, "debit")),
            "credit": cents_sum(when_cents(~opening, "credit")),
        },
        rates,
    )
    return {
        (key[0], key[1]): Figures(s["open_debit"] - s["open_credit"], s["debit"], s["credit"])
        for key, s in groups.items()
    }


def party_keys(
    options: StatementOptions, account_ids: list[int], third_party: str
) -> list[PartyKey]:
    """The (account, third party) pairs of `party_figures`, in the order the database
    sorts them (account code, then third party, none last): the order in which
    `RunReader` hands out the lines of a query sorted the same way."""
    return ordered_keys(party_lines(options, account_ids, third_party))


def ordered_keys(lines: QuerySet[JournalLine]) -> list[PartyKey]:
    """The (account, third party) pairs of `lines`, sorted by the database: account code,
    then third party, none last (one GROUP BY)."""
    rows = (
        lines.values("account__code", "account_id", "third_party_id")
        .distinct()
        .order_by("account__code", party_order())
    )
    # The third party's key is its code (a foreign key to ThirdParty.code).
    return [(row["account_id"], cast(str | None, row["third_party_id"])) for row in rows]


def of_party(lines: QuerySet[JournalLine], code: str) -> QuerySet[JournalLine]:
    """The lines of third party `code`; all of them when `code` is empty."""
    return lines.filter(Q(third_party_id=code)) if code else lines


_END: Any = object()


class RunReader:
    """Rows of one query sorted by a key, handed out as runs: `run(key)` yields the rows
    of `key`, which must be asked for in the query's own order (each section of a
    statement reads its run in turn, as a renderer reads the sections). One query for
    all the sections, streamed, instead of one query a section."""

    def __init__(self, rows: Callable[[], Iterator[tuple[Any, ...]]], key: Callable[..., Hashable]):
        self._open = rows
        self._rows: Iterator[tuple[Any, ...]] | None = None
        self._key = key
        self._next: Any = _END

    def run(self, key: Hashable) -> Iterator[tuple[Any, ...]]:
        if self._rows is None:  # the query runs when the first section is read
            self._rows = self._open()
            self._next = next(self._rows, _END)
        while self._next is not _END and self._key(self._next) == key:
            yield self._next
            self._next = next(self._rows, _END)
