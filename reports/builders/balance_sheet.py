"""Balance sheet (bilan) at the end of the period, by PCG class (1 to 5) and two-digit
prefix, with the same date one year earlier beside it.

Assets: classes 2 and 3 (depreciation 28 deducted), and the prefixes of classes 4 and 5
with a debit balance. Liabilities and equity: class 1, the result of the period (classes
6 and 7, not yet allocated), and the prefixes of classes 4 and 5 with a credit balance.
"""

from datetime import date
from decimal import Decimal

from irls.models import Lab
from reports.builders.common import (
    ZERO,
    annex,
    class_title,
    common,
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

KIND = "balance-sheet"
Pair = tuple[Decimal, Decimal | None]

TEXT = {
    "en": {
        "title": "Balance sheet {year}",
        "assets": "Assets",
        "liabilities": "Liabilities and equity",
        "total_assets": "Total assets",
        "total_liabilities": "Total liabilities and equity",
        "result": "Result of the period (classes 6 and 7), not yet allocated",
        "how": (
            "Balances from the start of the fiscal year, opening entries included, to the "
            "end of the period. Classes 4 and 5 are shown by two-digit prefix on the side of "
            "their balance. The result of a year not yet closed is computed from classes 6 "
            "and 7; once the year is closed, its closing entry has moved the result to 120 "
            "(profit) or 129 (loss), under prefix 12, and classes 6 and 7 are nil."
        ),
    },
    "fr": {
        "title": "Bilan {year}",
        "assets": "Actif",
        "liabilities": "Passif",
        "total_assets": "Total de l'actif",
        "total_liabilities": "Total du passif",
        "result": "Résultat de la période (classes 6 et 7), non encore affecté",
        "how": (
            "Soldes depuis le début de l'exercice, à-nouveaux compris, jusqu'à la fin de la "
            "période. Les classes 4 et 5 figurent par préfixe à deux chiffres du côté de leur "
            "solde. Le résultat d'un exercice non encore clôturé est calculé sur les classes "
            "6 et 7 ; une fois l'exercice clôturé, l'écriture de clôture l'a porté au compte "
            "120 (bénéfice) ou 129 (perte), sous le préfixe 12, et les classes 6 et 7 sont "
            "soldées."
        ),
    },
}


def balance_sheet_build(
    *,
    lab: Lab,
    year: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    language: str = "en",
    currency: str | None = None,
) -> Statement:
    """The balance sheet of `lab` at the end of the period, beside the year before."""
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
    balances = prefix_balances(options, rates, cumulative=True)
    result = _result(balances)
    assets: list[Row] = []
    liabilities: list[Row] = []
    total_assets = _class_block(assets, balances, ("2", "3", "4", "5"), lang, side=1)
    total_liabilities = _class_block(liabilities, balances, ("1",), lang, side=-1, result=result)
    total_liabilities = _add(
        total_liabilities, _class_block(liabilities, balances, ("4", "5"), lang, side=-1)
    )
    assets.append(_row("", word(TEXT, lang, "total_assets"), total_assets, "total"))
    if rates is not None:
        gap = _sub(total_assets, total_liabilities)
        liabilities.append(_row("", common(lang, "rounding"), gap, "note"))
        total_liabilities = _add(total_liabilities, gap)
    liabilities.append(_row("", word(TEXT, lang, "total_liabilities"), total_liabilities, "total"))
    previous = balances.previous_options
    return Statement(
        kind=KIND,
        title=word(TEXT, lang, "title", year=options.fiscal_year.year),
        lab=lab_header(lab),
        period_from=options.fiscal_year.start_date,
        period_to=options.date_to,
        currency=options.currency,
        language=lang,
        generated_at=now(),
        columns=(
            Column("code", word(PCG_TEXT, lang, "code"), "text", 6),
            Column("heading", word(PCG_TEXT, lang, "heading"), "text", 40),
            Column("current", column_heading(options, at_end=True, year=0), "amount", 16),
            Column(
                "previous",
                column_heading(previous, at_end=True, year=options.fiscal_year.year - 1),
                "amount",
                16,
            ),
        ),
        sections=(
            Section(word(TEXT, lang, "assets"), tuple(assets)),
            Section(word(TEXT, lang, "liabilities"), tuple(liabilities)),
        ),
        notes=(
            *currency_notes(options),
            word(TEXT, lang, "how"),
            *no_previous_note(options, balances),
        ),
        parameters=options.parameters(KIND),
        **annex(options, rates),
    )


def _result(balances: PrefixBalances) -> Pair:
    """Income less expenses of a year not yet closed: minus the balances of classes 6 and
    7 (nil after the closing entry, which has moved them to 120/129)."""
    current = -sum((v for p, v in balances.current.items() if p[0] in "67"), ZERO)
    if balances.previous is None:
        return current, None
    previous = -sum((v for p, v in balances.previous.items() if p[0] in "67"), ZERO)
    return current, previous


def _side(balances: PrefixBalances, prefix: str) -> int:
    """1 for a debit balance (asset), -1 for a credit balance; by this period's balance,
    or last year's when this period's is nil."""
    current, previous = balances.get(prefix)
    reference = current or previous or ZERO
    return 1 if reference >= 0 else -1


def _class_block(
    rows: list[Row],
    balances: PrefixBalances,
    classes: tuple[str, ...],
    language: str,
    *,
    side: int,
    result: Pair | None = None,
) -> Pair:
    """Append the rows of `classes` on `side` (prefixes of classes 4 and 5 only when
    their balance is on that side); return their total."""
    nil: Pair = (ZERO, None if balances.previous is None else ZERO)
    total = nil
    for pcg_class in classes:
        prefixes = [
            p
            for p in balances.prefixes(pcg_class)
            if pcg_class not in "45" or _side(balances, p) == side
        ]
        if not prefixes and result is None:
            continue
        rows.append(Row(("", class_title(language, pcg_class), None, None), style="heading"))
        subtotal = nil
        for prefix in prefixes:
            current, previous = balances.get(prefix)
            amounts = (side * current, None if previous is None else side * previous)
            rows.append(_row(prefix, prefix_name(prefix, language), amounts))
            subtotal = _add(subtotal, amounts)
        if result is not None and (result[0] or result[1]):
            # Nil once the year is closed: its result is then on 12 (one of `prefixes`).
            rows.append(_row("", word(TEXT, language, "result"), result))
            subtotal = _add(subtotal, result)
        rows.append(_row("", common(language, "subtotal_class", n=pcg_class), subtotal, "subtotal"))
        total = _add(total, subtotal)
    return total


def _add(a: Pair, b: Pair) -> Pair:
    return a[0] + b[0], None if a[1] is None or b[1] is None else a[1] + b[1]


def _sub(a: Pair, b: Pair) -> Pair:
    return a[0] - b[0], None if a[1] is None or b[1] is None else a[1] - b[1]


def _row(code: str, label: str, amounts: Pair, style: RowStyle = "normal") -> Row:
    # + 0 turns a negated zero (-0.00, from a credit balance of nothing) into 0.00.
    return Row((code, label, *(None if a is None else a + 0 for a in amounts)), style=style)
