"""Third-party balance (balance auxiliaire): per third-party account and third party, the
opening balance, the debits and credits of the period and the closing balance, each
balance in a debit and a credit column; a total per account and a grand total.

The figures follow the trial balance's rule (any period, across fiscal years too; see
`reports.builders.common.account_figures`), grouped by third party as well: so each
account's total here is its line in the trial balance. Lines of a third-party account
that name no third party make a row of their own.
"""

from dataclasses import astuple, dataclass
from datetime import date
from decimal import Decimal
from itertools import groupby

from irls.models import Lab
from reports.builders.common import (
    ZERO,
    Figures,
    annex,
    common,
    currency_notes,
    lab_header,
    month_rates,
    now,
    statement_options,
    word,
)
from reports.builders.third_parties import (
    accounts_note,
    checked_party,
    party_accounts,
    party_figures,
    party_label,
    party_names,
    words,
)
from reports.statement import Column, Row, RowStyle, Section, Statement

KIND = "third-party-balance"

TEXT = {
    "en": {
        "title": "Third-party balance {year}",
        "opening_debit": "Opening debit",
        "opening_credit": "Opening credit",
        "closing_debit": "Closing debit",
        "closing_credit": "Closing credit",
        "account_total": "Total {code}",
        "how": (
            "Per account and third party, by the trial balance's rule: each account's total "
            "is its line in the trial balance of the same period. Balances are shown in the "
            "debit column when the third party owes the lab, in the credit column when the "
            "lab owes it."
        ),
        "converted": (
            "In EUR, each account and third party is converted per month: an account's total "
            "may differ by a few cents from the trial balance's, converted per account."
        ),
    },
    "fr": {
        "title": "Balance auxiliaire des tiers {year}",
        "opening_debit": "Solde d'ouverture débiteur",
        "opening_credit": "Solde d'ouverture créditeur",
        "closing_debit": "Solde de clôture débiteur",
        "closing_credit": "Solde de clôture créditeur",
        "account_total": "Total {code}",
        "how": (
            "Par compte et par tiers, selon la règle de la balance générale : le total de "
            "chaque compte est sa ligne dans la balance générale de la même période. Un solde "
            "figure au débit quand le tiers doit au laboratoire, au crédit quand le "
            "laboratoire lui doit."
        ),
        "converted": (
            "En EUR, chaque compte et chaque tiers est converti par mois : le total d'un "
            "compte peut différer de quelques centimes de celui de la balance générale, "
            "converti par compte."
        ),
    },
}


def third_party_balance_build(
    *,
    lab: Lab,
    year: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    language: str = "en",
    currency: str | None = None,
    third_party: str = "",
) -> Statement:
    """The third-party balance of `lab` for a fiscal year or any period (across years too),
    of every third party or of `third_party` alone."""
    options = statement_options(
        lab=lab,
        year=year,
        date_from=date_from,
        date_to=date_to,
        language=language,
        currency=currency,
        across_years=True,
    )
    lang = options.language
    code = checked_party(third_party)
    rates = month_rates(options)
    accounts = party_accounts(lab)
    figures = party_figures(options, rates, [a.id for a in accounts], code)
    names = party_names(party for _account, party in figures)
    by_account = {a.id: a for a in accounts}
    sections = []
    total = Balances()
    keys = sorted(figures, key=lambda k: (by_account[k[0]].code, k[1] is None, k[1] or ""))
    for account_id, pairs in groupby(keys, key=lambda k: k[0]):
        account = by_account[account_id]
        rows = []
        subtotal = Balances()
        for key in pairs:
            balances = Balances.of(figures[key])
            subtotal = subtotal + balances
            name = names.get(key[1], "") if key[1] else words(lang, "no_party")
            rows.append(_row(key[1] or "", name, balances))
        total = total + subtotal
        label = word(TEXT, lang, "account_total", code=account.code)
        rows.append(_row("", label, subtotal, "subtotal"))
        sections.append(Section(f"{account.code} {account.name(lang)}", tuple(rows)))
    notes = [
        *currency_notes(options),
        accounts_note(lang, accounts),
        word(TEXT, lang, "how"),
        common(lang, "posted_only"),
    ]
    if code:
        notes.append(words(lang, "one_party", party=party_label(code, names, lang)))
    if rates is not None:
        notes.append(word(TEXT, lang, "converted"))
    return Statement(
        kind=KIND,
        title=word(TEXT, lang, "title", year=options.year_label),
        lab=lab_header(lab),
        period_from=options.date_from,
        period_to=options.date_to,
        currency=options.currency,
        language=lang,
        generated_at=now(),
        columns=columns(lang),
        sections=tuple(sections),
        totals=(_row("", common(lang, "total"), total, "total"),),
        notes=tuple(notes),
        landscape=True,
        parameters=options.parameters(KIND, third_party=code),
        **annex(options, rates),
    )


@dataclass(frozen=True)
class Balances:
    """Opening and closing balances split into debit and credit columns, and the period's
    debits and credits; added up column by column (a total shows the debit balances and the
    credit balances of its rows, not their net)."""

    opening_debit: Decimal = ZERO
    opening_credit: Decimal = ZERO
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    closing_debit: Decimal = ZERO
    closing_credit: Decimal = ZERO

    @classmethod
    def of(cls, figures: Figures) -> "Balances":
        opening, closing = figures.opening, figures.closing
        return cls(
            max(opening, ZERO),
            max(-opening, ZERO),
            figures.debit,
            figures.credit,
            max(closing, ZERO),
            max(-closing, ZERO),
        )

    def cells(self) -> tuple[Decimal, ...]:
        return astuple(self)

    def __add__(self, other: "Balances") -> "Balances":
        return Balances(*(a + b for a, b in zip(self.cells(), other.cells(), strict=True)))


def columns(language: str) -> tuple[Column, ...]:
    return (
        # A code of up to 20 characters on one line; the amounts need no more than 12.
        Column("third_party", words(language, "third_party"), "text", 18),
        Column("name", words(language, "name"), "text", 28),
        Column("opening_debit", word(TEXT, language, "opening_debit"), "amount", 12),
        Column("opening_credit", word(TEXT, language, "opening_credit"), "amount", 12),
        Column("debit", common(language, "debit"), "amount", 12),
        Column("credit", common(language, "credit"), "amount", 12),
        Column("closing_debit", word(TEXT, language, "closing_debit"), "amount", 12),
        Column("closing_credit", word(TEXT, language, "closing_credit"), "amount", 12),
    )


def _row(code: str, label: str, balances: Balances, style: RowStyle = "normal") -> Row:
    return Row((code, label, *balances.cells()), style=style)
