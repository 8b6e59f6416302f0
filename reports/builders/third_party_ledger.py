"""Third-party ledger (grand livre auxiliaire): per third-party account and third party,
the opening balance, every posted line of the period in date order (journal, number,
piece, label, due date, lettering) with a running balance, and the closing balance.

The general ledger's rule over any period, across fiscal years too: each third party
opens with its balance on the period's first day, and the opening entries of the
fiscal years of the period are not listed as lines. The balances come from the same
GROUP BY as the third-party balance (so from the trial balance's rule); the lines are
read in one sorted, streamed query, handed to each section in turn.
"""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any, cast

from irls.models import Lab
from ledger.models import JournalLine
from reports.builders.common import (
    ZERO,
    AccountInfo,
    Figures,
    MonthRates,
    StatementOptions,
    annex,
    common,
    currency_notes,
    lab_header,
    month_rates,
    now,
    opening_entries,
    statement_options,
    word,
)
from reports.builders.third_parties import (
    LETTERING,
    PartyKey,
    RunReader,
    accounts_note,
    checked_party,
    lettering_text,
    of_party,
    party_accounts,
    party_figures,
    party_keys,
    party_label,
    party_names,
    party_order,
    words,
)
from reports.statement import Column, Row, RowStyle, Section, Statement
from reports.statement import format_date as format_day

KIND = "third-party-ledger"
CHUNK = 2000

TEXT = {
    "en": {
        "title": "Third-party ledger {year}",
        "closing_row": "Period total and closing balance",
        "account_total": "Total {code} {name}",
        "line_rounding": "Conversion rounding of the lines (EUR)",
        "lines_converted": (
            "Each line is converted at the rate of its month; the totals are converted per "
            "month, as in the trial balance, and the difference is shown as the rounding of "
            "the lines."
        ),
        "how": (
            "Per account and third party, the general ledger's rule: the balance on the "
            "period's first day, then every posted line of the period with a running "
            "balance. Due date: when an invoice line falls due (by the third party's terms)."
        ),
    },
    "fr": {
        "title": "Grand livre auxiliaire des tiers {year}",
        "closing_row": "Total de la période et solde de clôture",
        "account_total": "Total {code} {name}",
        "line_rounding": "Écart d'arrondi de conversion des lignes (EUR)",
        "lines_converted": (
            "Chaque ligne est convertie au taux de son mois ; les totaux sont convertis par "
            "mois, comme dans la balance, et l'écart figure comme arrondi des lignes."
        ),
        "how": (
            "Par compte et par tiers, selon la règle du grand livre : le solde au premier jour "
            "de la période, puis chaque ligne validée de la période avec son solde progressif. "
            "Échéance : date à laquelle une ligne de facture est due (conditions du tiers)."
        ),
    },
}


def third_party_ledger_build(
    *,
    lab: Lab,
    year: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    language: str = "en",
    currency: str | None = None,
    third_party: str = "",
) -> Statement:
    """The third-party ledger of `lab` for a fiscal year or any period (across years too),
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
    by_account = {a.id: a for a in accounts}
    account_ids = list(by_account)
    figures = party_figures(options, rates, account_ids, code)
    keys = party_keys(options, account_ids, code)
    names = party_names(party for _account, party in keys)
    reader = RunReader(lambda: _lines(options, account_ids, code), key=lambda row: (row[0], row[1]))
    sections = tuple(
        Section(
            f"{by_account[key[0]].code} · {party_label(key[1], names, lang)}",
            _party_rows(options, reader, key, figures[key], rates),
        )
        for key in keys
    )
    totals = _totals(lang, [by_account[a] for a in dict.fromkeys(k[0] for k in keys)], figures)
    notes = [
        *currency_notes(options),
        accounts_note(lang, accounts),
        word(TEXT, lang, "how"),
        words(lang, "lettering_note", date=format_day(options.date_to, lang)),
        common(lang, "signs"),
        common(lang, "posted_only"),
    ]
    if code:
        notes.append(words(lang, "one_party", party=party_label(code, names, lang)))
    if rates is not None:
        notes.append(word(TEXT, lang, "lines_converted"))
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
        sections=sections,
        totals=tuple(totals),
        notes=tuple(notes),
        landscape=True,
        parameters=options.parameters(KIND, third_party=code),
        **annex(options, rates),
    )


def columns(language: str) -> tuple[Column, ...]:
    return (
        Column("date", words(language, "date"), "date", 9),
        Column("journal", words(language, "journal"), "text", 5),
        Column("entry", words(language, "entry"), "text", 14),
        Column("piece", words(language, "piece"), "text", 11),
        Column("label", words(language, "label"), "text", 30),
        Column("due", words(language, "due"), "date", 9),
        Column("lettering", words(language, "lettering"), "text", 5),
        Column("debit", common(language, "debit"), "amount", 13),
        Column("credit", common(language, "credit"), "amount", 13),
        Column("balance", common(language, "balance"), "amount", 14, running=True),
    )


def _row(
    label: str,
    debit: Decimal | None,
    credit: Decimal | None,
    balance: Decimal | None,
    style: RowStyle = "subtotal",
) -> Row:
    return Row((None, "", "", "", label, None, "", debit, credit, balance), style=style)


def _totals(
    language: str, accounts: list[AccountInfo], figures: dict[PartyKey, Figures]
) -> list[Row]:
    """A total per account (debits, credits, closing balance), then the grand total."""
    rows, total = [], Figures()
    for account in accounts:
        subtotal = sum((f for key, f in figures.items() if key[0] == account.id), Figures())
        total += subtotal
        label = word(
            TEXT, language, "account_total", code=account.code, name=account.name(language)
        )
        rows.append(_row(label, subtotal.debit, subtotal.credit, subtotal.closing))
    rows.append(_row(common(language, "total"), total.debit, total.credit, total.closing, "total"))
    return rows


def _lines(
    options: StatementOptions, account_ids: list[int], third_party: str
) -> Iterator[tuple[Any, ...]]:
    """The lines of the period on the third-party accounts, sorted as `party_keys` sorts
    the sections (account code, third party), then by date."""
    lines = JournalLine.objects.filter(
        lab=options.lab,
        account_id__in=account_ids,
        entry_date__gte=options.date_from,
        entry_date__lte=options.date_to,
    ).exclude(entry_id__in=opening_entries(options))
    lines = of_party(lines, third_party)
    return (
        lines.order_by("account__code", party_order(), "entry_date", "entry__number", "id")
        .values_list(
            "account_id",
            "third_party_id",
            "entry_date",
            "entry__journal__code",
            "entry__number",
            "entry__piece_ref",
            "label",
            "entry__label",
            "due_date",
            "debit",
            "credit",
            *LETTERING,
        )
        .iterator(CHUNK)
    )


def _party_rows(
    options: StatementOptions,
    reader: RunReader,
    key: PartyKey,
    figures: Figures,
    rates: MonthRates | None,
) -> Iterator[Row]:
    """Opening row, one row a posted line of the period (running balance), closing row."""
    lang, at = options.language, options.date_to
    yield _row(common(lang, "opening"), None, None, figures.opening)
    balance, debits, credits = figures.opening, ZERO, ZERO
    for row in reader.run(key):
        (_a, _p, on, journal, number, piece, label, entry_label, due, debit, credit,
         let_code, let_complete, let_on) = row  # fmt: skip
        if rates is not None:
            month = cast(date, on)
            debit, credit = rates.to_eur(debit, month), rates.to_eur(credit, month)
        balance += debit - credit
        debits += debit
        credits += credit
        yield Row(
            (
                on,
                journal,
                number,
                piece,
                label or entry_label,
                due,
                lettering_text(let_code, let_complete, let_on, at),
                debit or None,
                credit or None,
                balance,
            )
        )
    if (debits, credits) != (figures.debit, figures.credit):
        # EUR only: the lines' own conversions against the month groups of the totals.
        yield _row(
            word(TEXT, lang, "line_rounding"),
            figures.debit - debits,
            figures.credit - credits,
            figures.closing,
            "note",
        )
    yield _row(word(TEXT, lang, "closing_row"), figures.debit, figures.credit, figures.closing)
