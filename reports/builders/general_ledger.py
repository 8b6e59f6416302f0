"""General ledger (grand livre): per account, its opening balance, every posted line of
the period in date order with a running balance, and its closing balance.

The lines are streamed: each account's section is a generator reading its lines with
`.iterator()`, so a ledger of a million lines is never held in memory. Account totals
come from the same SQL aggregation as the trial balance, so both statements agree.

Any period, across fiscal years too, by the trial balance's rule: each account opens
with its balance at the period's first day; the opening entries of every fiscal year of
the period are not listed as lines (the first year's are in the opening balance, a
later year's restate balances the ledger already holds).
"""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import cast

from irls.models import Lab
from ledger.models import JournalLine
from reports.builders.common import (
    ZERO,
    AccountInfo,
    Figures,
    MonthRates,
    StatementOptions,
    account_figures,
    accounts_by_id,
    annex,
    common,
    currency_notes,
    lab_header,
    month_rates,
    now,
    opening_entries,
    rounding_figures,
    statement_options,
    word,
)
from reports.statement import Column, Row, Section, Statement

KIND = "general-ledger"
CHUNK = 2000

TEXT = {
    "en": {
        "title": "General ledger {year}",
        "date": "Date",
        "entry": "Entry",
        "piece": "Piece",
        "label": "Label",
        "closing_row": "Period total and closing balance",
        "line_rounding": "Conversion rounding of the lines (EUR)",
        "lines_converted": (
            "Each line is converted at the rate of its month; the account's totals are "
            "converted per month, as in the trial balance, and the difference is shown as "
            "the rounding of the lines."
        ),
    },
    "fr": {
        "title": "Grand livre {year}",
        "date": "Date",
        "entry": "Écriture",
        "piece": "Pièce",
        "label": "Libellé",
        "closing_row": "Total de la période et solde de clôture",
        "line_rounding": "Écart d'arrondi de conversion des lignes (EUR)",
        "lines_converted": (
            "Chaque ligne est convertie au taux de son mois ; les totaux du compte sont "
            "convertis par mois, comme dans la balance, et l'écart figure comme arrondi "
            "des lignes."
        ),
    },
}


def general_ledger_build(
    *,
    lab: Lab,
    year: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    language: str = "en",
    currency: str | None = None,
) -> Statement:
    """The general ledger of `lab` for a fiscal year, or any period (across years too)."""
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
    rates = month_rates(options)
    figures = account_figures(options, rates)
    opening = opening_entries(options)
    sections = tuple(
        Section(
            f"{account.code} {account.name(lang)}",
            _account_rows(options, account, figures[account.id], rates, opening),
        )
        for account in accounts_by_id(figures)
    )
    total = sum(figures.values(), Figures())
    totals: list[Row] = []
    if rates is not None:
        rounding = rounding_figures(total)
        totals.append(_row(common(lang, "rounding"), rounding.debit, rounding.credit, None, "note"))
        total += rounding
    totals.append(_row(common(lang, "total"), total.debit, total.credit, None, "total"))
    notes = [*currency_notes(options), common(lang, "signs"), common(lang, "posted_only")]
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
        parameters=options.parameters(KIND),
        **annex(options, rates),
    )


def columns(language: str) -> tuple[Column, ...]:
    return (
        Column("date", word(TEXT, language, "date"), "date", 10),
        Column("entry", word(TEXT, language, "entry"), "text", 15),
        Column("piece", word(TEXT, language, "piece"), "text", 14),
        Column("label", word(TEXT, language, "label"), "text", 34),
        Column("debit", common(language, "debit"), "amount", 13),
        Column("credit", common(language, "credit"), "amount", 13),
        Column("balance", common(language, "balance"), "amount", 14, running=True),
    )


def _row(
    label: str,
    debit: Decimal | None,
    credit: Decimal | None,
    balance: Decimal | None,
    style: str = "subtotal",
) -> Row:
    return Row((None, "", "", label, debit, credit, balance), style=style)  # type: ignore[arg-type]


def _account_rows(
    options: StatementOptions,
    account: AccountInfo,
    figures: Figures,
    rates: MonthRates | None,
    opening: list[int],
) -> Iterator[Row]:
    """Opening row, one row a posted line of the period (running balance), closing row."""
    lang = options.language
    yield _row(common(lang, "opening"), None, None, figures.opening)
    balance, debits, credits = figures.opening, ZERO, ZERO
    lines = (
        JournalLine.objects.filter(
            lab=options.lab,
            account_id=account.id,
            entry_date__gte=options.date_from,
            entry_date__lte=options.date_to,
        )
        .exclude(entry_id__in=opening)
        .order_by("entry_date", "entry__number", "id")
        .values_list(
            "entry_date",
            "entry__number",
            "entry__piece_ref",
            "label",
            "entry__label",
            "debit",
            "credit",
        )
    )
    for on, number, piece_ref, label, entry_label, debit, credit in lines.iterator(CHUNK):
        if rates is not None:
            month = cast(date, on)  # a posted line always has its entry's date
            debit, credit = rates.to_eur(debit, month), rates.to_eur(credit, month)
        balance += debit - credit
        debits += debit
        credits += credit
        yield Row(
            (on, number, piece_ref, label or entry_label, debit or None, credit or None, balance)
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
