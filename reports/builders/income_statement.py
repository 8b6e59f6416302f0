"""Income statement (compte de résultat) of the period, by PCG class (6 expenses, 7 income)
and two-digit prefix, with the same period one year earlier beside it (N and N-1, the
previous year's figures whether it is closed or not). The closing entry of a year is left
out: it settles classes 6 and 7 into 120/129, and would bring the result to zero."""

from datetime import date
from decimal import Decimal

from irls.models import Lab
from reports.builders.common import (
    ZERO,
    annex,
    class_title,
    currency_notes,
    lab_header,
    month_rates,
    now,
    statement_options,
    word,
)
from reports.builders.pcg import TEXT as PCG_TEXT
from reports.builders.pcg import (
    PrefixBalances,
    column_heading,
    no_previous_note,
    prefix_balances,
    prefix_name,
)
from reports.statement import Column, Row, RowStyle, Section, Statement

KIND = "income-statement"
Pair = tuple[Decimal, Decimal | None]

TEXT = {
    "en": {
        "title": "Income statement {year}",
        "expenses": "Expenses",
        "income": "Income",
        "total_expenses": "Total expenses",
        "total_income": "Total income",
        "result": "Result of the period: surplus (+) or deficit (-)",
        "how": "Movements of the period on classes 6 and 7 (debit less credit for expenses, "
        "credit less debit for income), without the closing entry of the year, which moves "
        "them to the result (120/129).",
    },
    "fr": {
        "title": "Compte de résultat {year}",
        "expenses": "Charges",
        "income": "Produits",
        "total_expenses": "Total des charges",
        "total_income": "Total des produits",
        "result": "Résultat de la période : excédent (+) ou déficit (-)",
        "how": "Mouvements de la période sur les classes 6 et 7 (débit moins crédit pour les "
        "charges, crédit moins débit pour les produits), hors écriture de clôture de "
        "l'exercice, qui les solde dans le résultat (120/129).",
    },
}


def income_statement_build(
    *,
    lab: Lab,
    year: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    language: str = "en",
    currency: str | None = None,
) -> Statement:
    """Expenses and income of `lab` over the period, beside the same period a year before."""
    options = statement_options(
        lab=lab,
        year=year,
        date_from=date_from,
        date_to=date_to,
        language=language,
        currency=currency,
    )
    lang = options.language
    rates = month_rates(options)
    balances = prefix_balances(options, rates, cumulative=False)
    expenses, total_expenses = _class_rows(balances, "6", lang, side=1)
    income, total_income = _class_rows(balances, "7", lang, side=-1)
    expenses.append(_row("", word(TEXT, lang, "total_expenses"), total_expenses, "subtotal"))
    income.append(_row("", word(TEXT, lang, "total_income"), total_income, "subtotal"))
    result = (
        total_income[0] - total_expenses[0],
        None
        if total_income[1] is None or total_expenses[1] is None
        else total_income[1] - total_expenses[1],
    )
    previous = balances.previous_options
    return Statement(
        kind=KIND,
        title=word(TEXT, lang, "title", year=options.fiscal_year.year),
        lab=lab_header(lab),
        period_from=options.date_from,
        period_to=options.date_to,
        currency=options.currency,
        language=lang,
        generated_at=now(),
        columns=(
            Column("code", word(PCG_TEXT, lang, "code"), "text", 6),
            Column("heading", word(PCG_TEXT, lang, "heading"), "text", 40),
            Column("current", column_heading(options, at_end=False, year=0), "amount", 16),
            Column(
                "previous",
                column_heading(previous, at_end=False, year=options.fiscal_year.year - 1),
                "amount",
                16,
            ),
        ),
        sections=(
            Section(word(TEXT, lang, "expenses"), tuple(expenses)),
            Section(word(TEXT, lang, "income"), tuple(income)),
        ),
        totals=(_row("", word(TEXT, lang, "result"), result, "total"),),
        notes=(
            *currency_notes(options),
            word(TEXT, lang, "how"),
            *no_previous_note(options, balances),
        ),
        parameters=options.parameters(KIND),
        **annex(options, rates),
    )


def _class_rows(
    balances: PrefixBalances, pcg_class: str, language: str, *, side: int
) -> tuple[list[Row], Pair]:
    rows = [Row(("", class_title(language, pcg_class), None, None), style="heading")]
    total: Pair = (ZERO, None if balances.previous is None else ZERO)
    for prefix in balances.prefixes(pcg_class):
        current, previous = balances.get(prefix)
        amounts = (side * current, None if previous is None else side * previous)
        rows.append(_row(prefix, prefix_name(prefix, language), amounts))
        total = (
            total[0] + amounts[0],
            None if total[1] is None or amounts[1] is None else total[1] + amounts[1],
        )
    return rows, total


def _row(code: str, label: str, amounts: Pair, style: RowStyle = "normal") -> Row:
    return Row((code, label, amounts[0], amounts[1]), style=style)
