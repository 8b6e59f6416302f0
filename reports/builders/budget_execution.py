"""Budget execution (exécution budgétaire): by funding source, envelope and budget line,
what was allocated, amended, committed and spent, what is still available and how much
of the budget is consumed. Figures of one fiscal year (`ledger.selectors.budget_execution`)
or, given a funding source (`grant`), of its whole life from its start to the end of the
year asked (`ledger.selectors.funding_source_execution`)."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.utils import timezone

from irls.models import FundingSource, Lab
from ledger.selectors import (
    BudgetFigures,
    budget_execution,
    consumed_percent,
    funding_source_execution,
)
from ledger.selectors.budget import BudgetExecution, BudgetGroup, BudgetLineRow, RateUsed
from ledger.selectors.forecast import funding_source_forecast, line_forecasts, source_forecasts
from reports.builders.common import (
    MonthRates,
    StatementOptions,
    annex,
    common,
    lab_header,
    now,
    statement_options,
    word,
)
from reports.builders.forecast import execution_forecast, forecast_day
from reports.exceptions import NO_FUNDING_SOURCE, NO_RATE, WHOLE_YEAR_ONLY, StatementError
from reports.statement import (
    Column,
    Row,
    RowStyle,
    Schedule,
    Section,
    Statement,
    format_date,
)

KIND = "budget-execution"
RATIO_PLACES = Decimal("0.0001")

TEXT = {
    "en": {
        "title": "Budget execution {year}",
        "life_title": "Budget execution of {name}, {start} to {end}",
        "life": (
            "The whole life of funding source {code} from its start on {start}: the budget "
            "lines of the fiscal years {years}, summed by code. Unspent allocations carried "
            "from one year to the next are left out of the amendments (they cancel out over "
            "the life of the funding source)."
        ),
        "notified": (
            "Allocations notified in EUR are shown at the amount notified, not converted back."
        ),
        "code": "Code",
        "line": "Budget line",
        "allocated": "Allocated",
        "amendments": "Amendments",
        "committed": "Committed",
        "spent": "Spent",
        "available": "Available",
        "consumed": "Consumed",
        "subtotal": "Subtotal {name}",
        "source_total": "Total {name}",
        "personnel": "Personnel",
        "operating": "Operating",
        "equipment": "Equipment",
        "formula": (
            "Available = allocated + amendments - spent - open commitments; consumed = "
            "(spent + committed) / (allocated + amendments), computed in {book}, the book "
            "currency, and rounded to 0.1 %: the same percentage whatever the currency shown."
        ),
        "as_of": "Figures of the whole fiscal year as known on {day}: postings and open "
        "commitments.",
        "booked": "Amounts in {book}, the book currency.",
        "converted": (
            "Amounts converted from {book} to EUR at the chancellery rate of the French "
            "Treasury of each amount's month (allocation: month notified; amendments and "
            "commitments: their month; spending: month posted), summed and rounded half-up "
            "to the cent per budget line; the rates used are listed in the annex."
        ),
    },
    "fr": {
        "title": "Exécution budgétaire {year}",
        "life_title": "Exécution budgétaire de {name}, du {start} au {end}",
        "life": (
            "Toute la durée de l'origine de crédit {code} depuis son début le {start} : les "
            "lignes budgétaires des exercices {years}, additionnées par code. Les reports "
            "de crédits non consommés d'un exercice sur le suivant sont exclus des "
            "modifications (ils s'annulent sur la durée de l'origine de crédit)."
        ),
        "notified": (
            "Les dotations notifiées en EUR figurent pour le montant notifié, sans reconversion."
        ),
        "code": "Code",
        "line": "Ligne budgétaire",
        "allocated": "Alloué",
        "amendments": "Modifications",
        "committed": "Engagé",
        "spent": "Dépensé",
        "available": "Disponible",
        "consumed": "Consommé",
        "subtotal": "Sous-total {name}",
        "source_total": "Total {name}",
        "personnel": "Personnel",
        "operating": "Fonctionnement",
        "equipment": "Investissement",
        "formula": (
            "Disponible = alloué + modifications - dépensé - engagements ouverts ; consommé = "
            "(dépensé + engagé) / (alloué + modifications), calculé en {book}, devise de "
            "tenue des comptes, et arrondi à 0,1 % : le même pourcentage quelle que soit la "
            "devise affichée."
        ),
        "as_of": "Chiffres de tout l'exercice connus au {day} : écritures validées et "
        "engagements ouverts.",
        "booked": "Montants en {book}, devise de tenue des comptes.",
        "converted": (
            "Montants convertis de {book} en EUR au taux de chancellerie du Trésor du mois de "
            "chaque montant (dotation : mois de notification ; modifications et engagements : "
            "leur mois ; dépenses : mois de comptabilisation), additionnés et arrondis au "
            "centime le plus proche par ligne budgétaire ; les taux utilisés figurent en annexe."
        ),
    },
}


def budget_execution_build(
    *,
    lab: Lab,
    year: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    language: str = "en",
    currency: str | None = None,
    grant: str = "",
    on: date | None = None,
) -> Statement:
    """Budget execution of `lab`'s fiscal year, by funding source, envelope and line; with
    `grant` (a funding source's code), of that funding source over its whole life up to
    the end of the year. `on`: the day it is issued (today by default), which its figures
    are known on and, when the period holds it, its forecast at the current pace is as of."""
    options = statement_options(
        lab=lab,
        year=year,
        date_from=date_from,
        date_to=date_to,
        language=language,
        currency=currency,
    )
    if not options.whole_year:
        raise StatementError(WHOLE_YEAR_ONLY.format(kind=KIND))
    lang = options.language
    today = on or timezone.localdate()
    source = _funding_source(lab, grant) if grant else None
    if source is None:
        execution = budget_execution(lab=lab, fiscal_year=options.fiscal_year, on=today)
    else:
        execution = funding_source_execution(
            funding_source=source, until_year=options.fiscal_year.year, on=today
        )
    rates = _rates(options, execution.rates, execution.months_without_rate)
    pick = _picker(rates is not None)
    sections = []
    for group_of_source in execution.by_source:
        rows: list[Row] = []
        for group in (g for g in execution.groups if g.key[0] == group_of_source.key[0]):
            envelope = word(TEXT, lang, group.key[1])
            rows.append(Row(("", envelope, *(None,) * 6), style="heading"))
            rows.extend(_line_row(line, pick(line), lang) for line in group.lines)
            name = word(TEXT, lang, "subtotal", name=envelope)
            rows.append(_figures_row("", name, pick(group), _ratio(group)))
        rows.append(
            _figures_row(
                "",
                word(TEXT, lang, "source_total", name=group_of_source.label),
                pick(group_of_source),
                _ratio(group_of_source),
            )
        )
        sections.append(Section(f"{group_of_source.label} ({group_of_source.key[0]})", tuple(rows)))
    total = execution.total_eur if rates is not None else execution.total_book
    assert total is not None  # every month had a rate (checked in _rates)
    notes = [
        *_life_notes(execution, lang),
        word(TEXT, lang, "converted" if rates else "booked", book=lab.book_currency),
    ]
    if rates is not None and any(line.notified_in_eur for line in execution.lines):
        notes.append(word(TEXT, lang, "notified"))
    notes += [
        word(TEXT, lang, "formula", book=lab.book_currency),
        word(TEXT, lang, "as_of", day=format_date(today, lang)),
    ]
    period_from, period_to = options.date_from, options.date_to
    title = word(TEXT, lang, "title", year=options.fiscal_year.year)
    if execution.whole_life and execution.period_from and execution.period_to:
        period_from, period_to = execution.period_from, execution.period_to
        title = word(
            TEXT,
            lang,
            "life_title",
            name=execution.funding_source_name,
            start=format_date(period_from, lang),
            end=format_date(period_to, lang),
        )
    forecast_on = forecast_day(period_from, period_to, today)
    forecast = _forecast(options, execution, source, forecast_on) if forecast_on else None
    schedules = (forecast,) if forecast is not None and forecast.sections else ()
    return Statement(
        kind=KIND,
        title=title,
        lab=lab_header(lab),
        period_from=period_from,
        period_to=period_to,
        currency=options.currency,
        language=lang,
        generated_at=now(),
        columns=columns(lang),
        sections=tuple(sections),
        totals=(_figures_row("", common(lang, "total"), total, _ratio(execution), "total"),),
        notes=tuple(notes),
        landscape=True,
        parameters=options.parameters(KIND, grant=source.code if source else ""),
        schedules=schedules,
        **annex(options, rates),
    )


def _forecast(
    options: StatementOptions,
    execution: BudgetExecution,
    source: FundingSource | None,
    on: date,
) -> Schedule:
    """The forecast at the current pace (book currency) of the lab's funding sources and
    of the year's lines; of the one funding source over its whole life, given `source`."""
    if source is None:
        sources = source_forecasts(lab=options.lab, on=on)
        lines = execution.lines
        forecasts = line_forecasts(execution, fiscal_year=options.fiscal_year, on=on)
    else:
        found = funding_source_forecast(source, on=on)
        sources = [found] if found is not None else []
        lines, forecasts = (), {}
    return execution_forecast(
        sources=sources,
        lines=lines,
        line_forecasts=forecasts,
        on=on,
        language=options.language,
        book=options.book_currency,
        converting=options.converting,
    )


def _funding_source(lab: Lab, code: str) -> FundingSource:
    source = FundingSource.objects.filter(lab=lab, code=code).first()
    if source is None:
        raise StatementError(NO_FUNDING_SOURCE.format(lab=lab.code, code=code))
    return source


def _life_notes(execution: BudgetExecution, language: str) -> tuple[str, ...]:
    if not execution.whole_life or execution.period_from is None:
        return ()
    return (
        word(
            TEXT,
            language,
            "life",
            code=execution.funding_source,
            start=format_date(execution.period_from, language),
            years=", ".join(str(y) for y in execution.years) or "-",
        ),
    )


def columns(language: str) -> tuple[Column, ...]:
    def amount(key: str) -> Column:
        return Column(key, word(TEXT, language, key), "amount", 13)

    return (
        Column("code", word(TEXT, language, "code"), "text", 10),
        Column("line", word(TEXT, language, "line"), "text", 30),
        amount("allocated"),
        amount("amendments"),
        amount("committed"),
        amount("spent"),
        amount("available"),
        Column("consumed", word(TEXT, language, "consumed"), "percent", 9),
    )


def _rates(
    options: StatementOptions,
    used: tuple[RateUsed, ...],
    missing: tuple[date, ...],
) -> MonthRates | None:
    if not options.converting:
        return None
    if missing:
        raise StatementError(NO_RATE.format(currency=options.book_currency, month=missing[0]))
    rates = MonthRates(options.book_currency)
    for rate in used:
        rates.rate(rate.month)  # records the rate, its date and source for the annex
    return rates


def _picker(eur: bool) -> Callable[[BudgetLineRow | BudgetGroup], BudgetFigures]:
    def pick(item: BudgetLineRow | BudgetGroup) -> BudgetFigures:
        figures = item.eur if eur else item.book
        assert figures is not None  # every month had a rate (checked in _rates)
        return figures

    return pick


def _ratio(item: BudgetLineRow | BudgetGroup | BudgetExecution) -> Decimal | None:
    """The budget page's "% consumed" (`consumed_percent`: book-currency figures, one
    decimal), as the fraction the percent column holds."""
    percent = consumed_percent(item)
    return None if percent is None else (percent / 100).quantize(RATIO_PLACES)


def _cells(figures: BudgetFigures, ratio: Decimal | None) -> tuple[Decimal | None, ...]:
    return (
        figures.allocated,
        figures.amendments,
        figures.committed,
        figures.spent,
        figures.available,
        ratio,
    )


def _line_row(line: BudgetLineRow, figures: BudgetFigures, language: str) -> Row:
    label = line.label_fr if language == "fr" else line.label_en
    return Row((line.code, label, *_cells(figures, _ratio(line))))


def _figures_row(
    code: str,
    label: str,
    figures: BudgetFigures,
    ratio: Decimal | None,
    style: RowStyle = "subtotal",
) -> Row:
    return Row((code, label, *_cells(figures, ratio)), style=style)
