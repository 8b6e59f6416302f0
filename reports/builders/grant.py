"""Grant statement (état des dépenses): for one funding source, the budget and the spending
by the funder's cost categories (personnel, travel, equipment, other goods and services,
indirect costs) for a reporting period, with what was spent before it since the grant's
start (over every fiscal year of the grant), the cumulative spending and the remaining
budget; then the same by budget line (the lines of one code summed over the years)."""

from datetime import date
from decimal import Decimal

from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils import timezone

from irls.models import FundingSource, Lab
from ledger.models import BudgetAmendment, BudgetLine, Journal, JournalEntry, JournalLine
from ledger.selectors.budget import CARRY_KINDS
from ledger.selectors.forecast import Status, funding_source_forecast
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
    statement_options,
    word,
)
from reports.builders.forecast import forecast_day, grant_forecast
from reports.exceptions import GRANT_NEEDED, NO_FUNDING_SOURCE, StatementError
from reports.statement import (
    Column,
    Row,
    RowStyle,
    Schedule,
    Section,
    Statement,
    format_date,
)

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
        "since": "Cumulative since the start of the grant on {start} (fiscal years {years}).",
        "notified": "Allocations notified in EUR are counted at the amount notified.",
        "how": (
            "Budget: allocations and amendments of the funding source's budget lines of "
            "every fiscal year up to the end of the period; unspent allocations carried from "
            "one year to the next are left out (they stay within the grant). Spending: "
            "posted lines on those budget lines since the grant's start. Cost category: the "
            "budget line's funder category, or its nature (missions are travel, fixed-term "
            "staff personnel, equipment equipment, the rest other goods and services)."
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
        "since": "Cumul depuis le début du financement le {start} (exercices {years}).",
        "notified": "Les dotations notifiées en EUR comptent pour le montant notifié.",
        "how": (
            "Budget : dotations et modifications des lignes budgétaires de l'origine de "
            "crédit de tous les exercices jusqu'à la fin de la période ; les reports de "
            "crédits non consommés d'un exercice sur le suivant sont exclus (ils restent dans "
            "le financement). Dépenses : lignes validées imputées sur ces lignes budgétaires "
            "depuis le début du financement. Catégorie : celle du financeur indiquée sur la "
            "ligne budgétaire, sinon sa nature (missions : déplacements ; CDD : personnel ; "
            "équipement : équipement ; le reste : autres biens et services)."
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
    on: date | None = None,
) -> Statement:
    """Spending of funding source `grant` (its code) by cost category over the period,
    and its forecast at the current pace as of `on` (the day it is issued, today by
    default) when the period holds that day."""
    options = statement_options(
        lab=lab,
        year=year,
        date_from=date_from,
        date_to=date_to,
        language=language,
        currency=currency,
    )
    if not grant:
        raise StatementError(str(GRANT_NEEDED))
    source = FundingSource.objects.filter(lab=lab, code=grant).select_related("funder").first()
    if source is None:
        raise StatementError(NO_FUNDING_SOURCE.format(lab=lab.code, code=grant))
    lang = options.language
    rates = month_rates(options)
    # Every fiscal year of the grant up to the end of the period, oldest first.
    lines = list(
        BudgetLine.objects.filter(
            lab=lab, funding_source=source, fiscal_year__start_date__lte=options.date_to
        )
        .select_related("fiscal_year")
        .order_by("fiscal_year__year", "code")
    )
    figures = _line_figures(options, lines, rates)
    by_code: dict[str, dict[str, Decimal]] = {}
    latest: dict[str, BudgetLine] = {}
    for line in lines:
        _add(by_code.setdefault(line.code, _zeros()), figures[line.pk])
        latest[line.code] = line
    by_category: dict[str, dict[str, Decimal]] = {}
    for code, line in latest.items():
        category = category_of(line.funder_category, line.nature)
        _add(by_category.setdefault(category, _zeros()), by_code[code])
    category_rows = tuple(
        _row(category_name(c, lang), by_category.get(c, _zeros())) for c in shown(set(by_category))
    )
    line_rows = tuple(
        _row(
            f"{line.code} {line.label_fr if lang == 'fr' else line.label_en} "
            f"({category_name(category_of(line.funder_category, line.nature), lang)})",
            by_code[code],
        )
        for code, line in sorted(latest.items())
    )
    total = _zeros()
    for code in by_code:
        _add(total, by_code[code])
    years = sorted({line.fiscal_year.year for line in lines})
    since = word(
        TEXT,
        lang,
        "since",
        start=format_date(source.start_date, lang),
        years=", ".join(str(y) for y in years) or "-",
    )
    notified = (
        (word(TEXT, lang, "notified"),)
        if rates is not None and any(line.notified_in_eur for line in lines)
        else ()
    )
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
        notes=(reference, since, *currency_notes(options), *notified, word(TEXT, lang, "how")),
        landscape=True,
        parameters=options.parameters(KIND, grant=source.code),
        schedules=_forecast(options, source, on or timezone.localdate()),
        **annex(options, rates),
    )


def _forecast(
    options: StatementOptions, source: FundingSource, today: date
) -> tuple[Schedule, ...]:
    """The funding source's forecast at the current pace (book currency), as the budget
    page shows it: none for a period that does not hold `today`, or a source ended."""
    on = forecast_day(options.date_from, options.date_to, today)
    found = funding_source_forecast(source, on=on) if on is not None else None
    if on is None or found is None or found.forecast.status == Status.ENDED:
        return ()
    return (
        grant_forecast(
            found,
            on=on,
            language=options.language,
            book=options.book_currency,
            converting=options.converting,
        ),
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
    """Budget and spending of each budget line (of any year of the grant): two GROUP BY
    queries (amendments, spending) and the lines' own allocations. A line notified in
    EUR counts its notified amount in EUR."""
    ids = [line.pk for line in lines]
    result = {line.pk: _zeros() for line in lines}
    for line in lines:
        if line.allocated_on <= options.date_to:
            amount = line.allocated
            if rates is not None:
                amount = (
                    line.notified_amount
                    if line.notified_in_eur and line.notified_amount is not None
                    else rates.to_eur(amount, line.allocated_on)
                )
            result[line.pk]["budget"] += amount
    amendments = BudgetAmendment.objects.filter(
        budget_line_id__in=ids, date__lte=options.date_to
    ).exclude(kind__in=CARRY_KINDS)
    keys = ["budget_line_id", *(["month"] if rates is not None else [])]
    if rates is not None:
        amendments = amendments.annotate(month=MonthStart("date"))
    for group in amendments.values(*keys).annotate(delta=cents_sum("delta")).order_by():
        delta = group["delta"]
        if rates is not None:
            delta = rates.to_eur(delta, group["month"])
        result[group["budget_line_id"]]["budget"] += delta
    # The opening entries (AN) of every year: a handful, told apart by id without a join.
    openings = JournalEntry.objects.filter(
        lab=options.lab, journal__kind=Journal.Kind.OPENING, status=JournalEntry.Status.POSTED
    ).values_list("id", flat=True)
    spending = grouped_sums(
        JournalLine.objects.filter(
            ~Q(entry_id__in=list(openings)),
            lab=options.lab,
            budget_line_id__in=ids,
            entry_date__isnull=False,
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
