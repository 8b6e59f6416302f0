"""Trial balance (balance générale): per account, opening balance, debits and credits
of the period, closing balance; subtotals per PCG class and grand totals.

Any period, inside a fiscal year or across several (2025-07-01 to 2026-06-30): the
opening balance is the one at the period's first day (its fiscal year's opening entries
and lines before that day), the movements are every posted line of the period, and the
opening entries (AN) of a later fiscal year of the period are left out, since they only
restate the balances of the year before, already counted. Closing entries are
movements like any other: after a year is closed, its classes 6 and 7 show settled into
120/129. See `reports.builders.common.account_figures`.
"""

from datetime import date
from itertools import groupby

from irls.models import Lab
from reports.builders.common import (
    AccountInfo,
    Figures,
    MonthRates,
    StatementOptions,
    account_figures,
    accounts_by_id,
    annex,
    class_title,
    common,
    currency_notes,
    lab_header,
    month_rates,
    now,
    rounding_figures,
    statement_options,
    word,
)
from reports.statement import Column, Row, RowStyle, Section, Statement

KIND = "trial-balance"

TEXT = {
    "en": {"title": "Trial balance {year}"},
    "fr": {"title": "Balance générale {year}"},
}


def trial_balance_build(
    *,
    lab: Lab,
    year: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    language: str = "en",
    currency: str | None = None,
) -> Statement:
    """The trial balance of `lab` for a fiscal year, or any period (across years too)."""
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
    balances = trial_balance_figures(options, rates)
    sections = []
    total = Figures()
    for pcg_class, members in groupby(balances, key=lambda pair: pair[0].code[0]):
        members_list = list(members)
        rows = [_row(account, figures, lang) for account, figures in members_list]
        subtotal = sum((figures for _account, figures in members_list), Figures())
        total += subtotal
        rows.append(_figures_row("", common(lang, "subtotal_class", n=pcg_class), subtotal))
        sections.append(Section(class_title(lang, pcg_class), tuple(rows)))
    totals: list[Row] = []
    if rates is not None:
        rounding = rounding_figures(total)
        totals.append(_figures_row("", common(lang, "rounding"), rounding, style="note"))
        total += rounding
    totals.append(_figures_row("", common(lang, "total"), total, style="total"))
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
        totals=tuple(totals),
        notes=(
            *currency_notes(options),
            common(lang, "signs"),
            common(lang, "posted_only"),
        ),
        landscape=True,
        parameters=options.parameters(KIND),
        **annex(options, rates),
    )


def trial_balance_figures(
    options: StatementOptions, rates: MonthRates | None
) -> list[tuple[AccountInfo, Figures]]:
    """Per account, ordered by code: its opening balance, debits and credits of the
    period (the statement's rows; the API's account balances)."""
    figures = account_figures(options, rates)
    return [(account, figures[account.id]) for account in accounts_by_id(figures)]


def columns(language: str) -> tuple[Column, ...]:
    return (
        Column("account", common(language, "account"), "text", 8),
        Column("name", common(language, "name"), "text", 30),
        Column("opening", common(language, "opening"), "amount", 14),
        Column("debit", common(language, "debit"), "amount", 14),
        Column("credit", common(language, "credit"), "amount", 14),
        Column("closing", common(language, "closing"), "amount", 14),
    )


def _row(account: AccountInfo, figures: Figures, language: str) -> Row:
    return _figures_row(account.code, account.name(language), figures)


def _figures_row(code: str, label: str, figures: Figures, style: RowStyle = "subtotal") -> Row:
    return Row(
        (code, label, figures.opening, figures.debit, figures.credit, figures.closing),
        style="normal" if code else style,
    )
