"""Grant statement (état des dépenses): for one funding source, the budget and the spending
by the funder's cost categories (personnel, travel, equipment, other goods and services,
indirect costs) for a reporting period, with what was spent before it in the fiscal year,
the cumulative spending and the remaining budget; then the same by budget line."""

from datetime import date
from decimal import Decimal

from django.db.models import Case, F, IntegerField, Q, Value, When

from irls.models import FundingSource, Lab
from ledger.models import BudgetAmendment, BudgetLine, JournalLine
from reports.builders.categories import category_name, category_of, shown
from reports.builders.common import (
    ZERO,
    MonthRates,
    MonthStart,
    StatementOptions,
    annex,
    cents_sum,
    currency_notes,
    grouped_sums,
    lab_header,
    month_rates,
    now,
    opening_entries,
    statement_options,
    word,
)
from reports.exceptions import GRANT_NEEDED, NO_FUNDING_SOURCE, StatementError
from reports.statement import Column, Row, RowStyle, Section, Statement

KIND = "grant"
FIGURES = ("budget", "before", "period", "cumulative", "remaining")

TEXT = {
    "en": {
        "title": "Statement of expenditure {year}: {name}",
        "category": "Cost category",
        "budget": "Budget",
        "before": "Spent before the period",
        "period": "Spent in the period",
        "cumulative": "Cumulative spending",
        "remaining": "Remaining budget",
        "by_category": "Expenditure by cost category",
        "by_line": "Expenditure by budget line",
        "total": "Total",
        "reference": "Funding source {code}, funded by {funder}; reference {reference}.",
        "how": (
            "Budget: allocations and amendments of the fiscal year's budget lines of the "
            "funding source up to the end of the period. Spending: posted lines on those "
            "budget lines since the start of the fiscal year. Cost category: the budget line's "
            "funder category, or its nature (missions are travel, fixed-term staff personnel, "
            "equipment equipment, the rest other goods and services)."
        ),
    },
    "fr": {
        "title": "État des dépenses {year} : {name}",
        "category": "Catégorie de coûts",
        "budget": "Budget",
        "before": "Dépensé avant la période",
        "period": "Dépensé sur la période",
        "cumulative": "Dépenses cumulées",
        "remaining": "Budget restant",
        "by_category": "Dépenses par catégorie de coûts",
        "by_line": "Dépenses par ligne budgétaire",
        "total": "Total",
        "reference": "Origine de crédit {code}, financée par {funder} ; référence {reference}.",
        "how": (
            "Budget : dotations et modifications des lignes budgétaires de l'exercice de "
            "l'origine de crédit jusqu'à la fin de la période. Dépenses : lignes validées "
            "imputées sur ces lignes budgétaires depuis le début de l'exercice. Catégorie : "
            "celle du financeur indiquée sur la ligne budgétaire, sinon sa nature (missions : "
            "déplacements ; CDD : personnel ; équipement : équipement ; le reste : autres biens "
            "et services)."
        ),
    },
}


def grant_statement_build(
    *,
    lab: Lab,
    grant: str,
    year: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    language: str = "en",
    currency: str | None = None,
) -> Statement:
    """Spending of funding source `grant` (its code) by cost category over the period."""
    options = statement_options(
        lab=lab,
        year=year,
        date_from=date_from,
        date_to=date_to,
        language=language,
        currency=currency,
    )
    if not grant:
        raise StatementError(GRANT_NEEDED)
    source = FundingSource.objects.filter(lab=lab, code=grant).select_related("funder").first()
    if source is None:
        raise StatementError(NO_FUNDING_SOURCE.format(lab=lab.code, code=grant))
    lang = options.language
    rates = month_rates(options)
    lines = list(
        BudgetLine.objects.filter(
            lab=lab, fiscal_year=options.fiscal_year, funding_source=source
        ).order_by("code")
    )
    figures = _line_figures(options, lines, rates)
    by_category: dict[str, dict[str, Decimal]] = {}
    for line in lines:
        category = category_of(line.funder_category, line.nature)
        _add(by_category.setdefault(category, _zeros()), figures[line.pk])
    category_rows = tuple(
        _row(category_name(c, lang), by_category.get(c, _zeros())) for c in shown(set(by_category))
    )
    line_rows = tuple(
        _row(
            f"{line.code} {line.label_fr if lang == 'fr' else line.label_en} "
            f"({category_name(category_of(line.funder_category, line.nature), lang)})",
            figures[line.pk],
        )
        for line in lines
    )
    total = _zeros()
    for line in lines:
        _add(total, figures[line.pk])
    reference = word(
        TEXT,
        lang,
        "reference",
        code=source.code,
        funder=source.funder.name,
        reference=source.reference or "-",
    )
    return Statement(
        kind=KIND,
        title=word(TEXT, lang, "title", year=options.fiscal_year.year, name=source.name),
        lab=lab_header(lab),
        period_from=options.date_from,
        period_to=options.date_to,
        currency=options.currency,
        language=lang,
        generated_at=now(),
        columns=(
            Column("category", word(TEXT, lang, "category"), "text", 34),
            *(Column(key, word(TEXT, lang, key), "amount", 14) for key in FIGURES),
        ),
        sections=(
            Section(word(TEXT, lang, "by_category"), category_rows),
            Section(word(TEXT, lang, "by_line"), line_rows),
        ),
        totals=(_row(word(TEXT, lang, "total"), total, "total"),),
        notes=(reference, *currency_notes(options), word(TEXT, lang, "how")),
        landscape=True,
        parameters=options.parameters(KIND, grant=source.code),
        **annex(options, rates),
    )


def _zeros() -> dict[str, Decimal]:
    return dict.fromkeys(FIGURES, ZERO)


def _add(into: dict[str, Decimal], figures: dict[str, Decimal]) -> None:
    for key in FIGURES:
        into[key] += figures[key]


def _row(label: str, figures: dict[str, Decimal], style: RowStyle = "normal") -> Row:
    return Row((label, *(figures[key] for key in FIGURES)), style=style)


def _line_figures(
    options: StatementOptions, lines: list[BudgetLine], rates: MonthRates | None
) -> dict[int, dict[str, Decimal]]:
    """Budget and spending of each budget line: two GROUP BY queries (amendments,
    spending) and the lines' own allocations."""
    ids = [line.pk for line in lines]
    result = {line.pk: _zeros() for line in lines}
    for line in lines:
        if line.allocated_on <= options.date_to:
            amount = line.allocated
            result[line.pk]["budget"] += (
                rates.to_eur(amount, line.allocated_on) if rates is not None else amount
            )
    amendments = BudgetAmendment.objects.filter(budget_line_id__in=ids, date__lte=options.date_to)
    keys = ["budget_line_id", *(["month"] if rates is not None else [])]
    if rates is not None:
        amendments = amendments.annotate(month=MonthStart("date"))
    for group in amendments.values(*keys).annotate(delta=cents_sum("delta")).order_by():
        delta = group["delta"]
        if rates is not None:
            delta = rates.to_eur(delta, group["month"])
        result[group["budget_line_id"]]["budget"] += delta
    spending = grouped_sums(
        JournalLine.objects.filter(
            ~Q(entry_id__in=opening_entries(options)),
            lab=options.lab,
            budget_line_id__in=ids,
            entry_date__gte=options.fiscal_year.start_date,
            entry_date__lte=options.date_to,
        ).annotate(
            before=Case(
                When(entry_date__lt=options.date_from, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        ),
        ["budget_line_id", "before"],
        {"net": cents_sum(F("debit") - F("credit"))},
        rates,
    )
    for (line_id, before), sums in spending.items():
        result[line_id]["before" if before else "period"] += sums["net"]
    for figures in result.values():
        figures["cumulative"] = figures["before"] + figures["period"]
        figures["remaining"] = figures["budget"] - figures["cumulative"]
    return result
