"""The burn-rate forecast in the budget-execution and grant statements: the figures of
`ledger.selectors.forecast` (the budget page's) as a schedule after the statement's own,
with the method stated, in the statement's language and in book currency.

A statement shows the forecast as of the day it is issued, when its period holds that
day. A period over or not begun shows none: the budget selectors give the spending and
commitments known today, so a forecast "as of" another day would mix today's figures
with that day's pace.
"""

from collections.abc import Iterable, Mapping
from datetime import date

from babel.dates import format_date as babel_date
from django.utils import translation

from ledger.selectors.budget import BudgetLineRow
from ledger.selectors.forecast import FORECAST_METHOD, Forecast, SourceForecast, Status
from reports.builders.common import word
from reports.statement import (
    CellValue,
    Column,
    ColumnKind,
    Row,
    Schedule,
    Section,
    format_amount,
    format_date,
)

TEXT = {
    "en": {
        "title": "Forecast at the current pace ({book})",
        "short_title": "Forecast",
        "by_source": "By funding source",
        "by_line": "By budget line, to the year end",
        "code": "Code",
        "name": "Funding source or budget line",
        "source": "Funding source",
        "budget": "Budget",
        "spent": "Spent",
        "committed": "Committed",
        "available": "Available",
        "pace": "Pace a month",
        "projected": "Projected at the end",
        "left": "Left at the end",
        "run_out": "Run-out month",
        "early": "Months early",
        "end": "End",
        "status": "Forecast",
        "whole_life": "{name} (whole life from {start})",
        "this_year": "{name} (this fiscal year)",
        "as_of": "As of {day}, in {book}, the book currency.",
        "as_of_converted": (
            "As of {day}. The forecast is in {book}, the book currency, not converted to "
            "EUR like the figures above."
        ),
        "reading": (
            "Left at the end: the budget less the projected spending (negative: the "
            "excess). A grant or contract that carries its unspent money over to the next "
            "year is forecast over its whole life, to its end date; any other funding "
            "source over the fiscal year."
        ),
        "flagged": "{name} ({code}): {verdict}",
        "runs_out_one": "Runs out in {month}, 1 month before the end ({end})",
        "runs_out_many": "Runs out in {month}, {months} months before the end ({end})",
        "overspent_by": "Overspent by {excess} {book}",
        "unspent_left": "{left} {book} would remain unspent at the end ({end})",
        "on_track_until": "On track: used up in {month}",
        "on_track_carried": (
            "On track: {left} {book} left at the year end, carried over to next year"
        ),
        "on_track_left": "On track: {left} {book} left at the end ({end})",
        "too_early_yet": "Too early to forecast: no month complete yet",
    },
    "fr": {
        "title": "Prévision au rythme actuel ({book})",
        "short_title": "Prévision",
        "by_source": "Par origine de crédit",
        "by_line": "Par ligne budgétaire, jusqu'à la fin de l'exercice",
        "code": "Code",
        "name": "Origine de crédit ou ligne budgétaire",
        "source": "Origine de crédit",
        "budget": "Budget",
        "spent": "Dépensé",
        "committed": "Engagé",
        "available": "Disponible",
        "pace": "Rythme mensuel",
        "projected": "Projeté à la fin",
        "left": "Reste à la fin",
        "run_out": "Épuisement",
        "early": "Mois d'avance",
        "end": "Fin",
        "status": "Prévision",
        "whole_life": "{name} (toute sa durée depuis le {start})",
        "this_year": "{name} (cet exercice)",
        "as_of": "Au {day}, en {book}, devise de tenue des comptes.",
        "as_of_converted": (
            "Au {day}. La prévision est en {book}, devise de tenue des comptes, sans "
            "conversion en EUR contrairement aux chiffres ci-dessus."
        ),
        "reading": (
            "Reste à la fin : le budget moins les dépenses projetées (négatif : le "
            "dépassement). Un financement ou un contrat qui reporte ses crédits non "
            "consommés sur l'exercice suivant est prévu sur toute sa durée, jusqu'à sa date "
            "de fin ; toute autre origine de crédit sur l'exercice."
        ),
        "flagged": "{name} ({code}) : {verdict}",
        "runs_out_one": "Épuisé en {month}, 1 mois avant la fin ({end})",
        "runs_out_many": "Épuisé en {month}, {months} mois avant la fin ({end})",
        "overspent_by": "Dépassé de {excess} {book}",
        "unspent_left": "{left} {book} resteraient non dépensés à la fin ({end})",
        "on_track_until": "Conforme : consommé en {month}",
        "on_track_carried": (
            "Conforme : {left} {book} restants à la fin de l'exercice, reportés sur l'exercice "
            "suivant"
        ),
        "on_track_left": "Conforme : {left} {book} restants à la fin ({end})",
        "too_early_yet": "Trop tôt pour prévoir : aucun mois complet encore",
    },
}


def forecast_day(period_from: date, period_to: date, today: date) -> date | None:
    """The day a statement of `period_from`..`period_to` issued `today` forecasts from:
    today when the period holds it, none otherwise (see the module's docstring)."""
    return today if period_from <= today <= period_to else None


def month_name(month: date, language: str) -> str:
    """'October 2027', 'octobre 2027'."""
    return babel_date(month, "MMMM y", locale=language)


def long_date(day: date, language: str) -> str:
    """'31 December 2027', '31 décembre 2027'."""
    return babel_date(day, "d MMMM y", locale=language)


def method(language: str) -> str:
    """The forecast's method (the budget page's paragraph) in `language`."""
    with translation.override(language):
        return str(FORECAST_METHOD)


def label(found: Forecast, language: str) -> str:
    """The forecast's status as the budget page names it ('Runs out before the end'), in
    `language`."""
    with translation.override(language):
        return found.label


def verdict(found: Forecast, language: str, book: str) -> str:
    """What the forecast says, in a sentence: 'Runs out in October 2027, 2 months before
    the end (31 December 2027)'."""
    end = long_date(found.end, language)
    status = found.status
    if status == Status.RUNS_OUT and found.run_out is not None:
        key = "runs_out_one" if found.months_early == 1 else "runs_out_many"
        month = month_name(found.run_out, language)
        return word(TEXT, language, key, month=month, months=found.months_early, end=end)
    left = format_amount(found.remaining_at_end, language)
    if status == Status.OVERSPENT:
        excess = format_amount(found.overspent_by, language)
        return word(TEXT, language, "overspent_by", excess=excess, book=book)
    if status == Status.UNSPENT:
        return word(TEXT, language, "unspent_left", left=left, book=book, end=end)
    if status == Status.ON_TRACK:
        # As the budget page says it: used up by the end, or what is left then.
        if found.run_out is not None and found.run_out <= found.end:
            month = month_name(found.run_out, language)
            return word(TEXT, language, "on_track_until", month=month)
        key = "on_track_carried" if found.carries_over else "on_track_left"
        return word(TEXT, language, key, left=left, book=book, end=end)
    if status == Status.TOO_EARLY:
        return word(TEXT, language, "too_early_yet")
    return label(found, language)


def _notes(on: date, language: str, book: str, converting: bool) -> tuple[str, ...]:
    as_of = word(
        TEXT,
        language,
        "as_of_converted" if converting else "as_of",
        day=long_date(on, language),
        book=book,
    )
    return (as_of, word(TEXT, language, "reading"), method(language))


def _outlook(found: Forecast, language: str) -> tuple[CellValue, ...]:
    """Pace, projected spending, what is left at the end, run-out month, months early,
    end date and status: the cells every forecast row ends with."""
    return (
        found.pace,
        found.projected,
        found.remaining_at_end,
        month_name(found.run_out, language) if found.run_out is not None else None,
        found.months_early if found.status == Status.RUNS_OUT else None,
        found.end,
        label(found, language),
    )


def _outlook_columns(language: str) -> tuple[Column, ...]:
    def column(key: str, kind: ColumnKind, width: int) -> Column:
        return Column(key, word(TEXT, language, key), kind, width)

    return (
        column("pace", "amount", 12),
        column("projected", "amount", 13),
        column("left", "amount", 13),
        column("run_out", "text", 14),
        column("early", "number", 8),
        column("end", "date", 10),
        column("status", "text", 20),
    )


def source_label(found: SourceForecast, language: str) -> str:
    """'ANR grant (whole life from 2025-01-01)', 'CNRS allocation (this fiscal year)'."""
    if found.whole_life:
        start = format_date(found.forecast.start, language)
        return word(TEXT, language, "whole_life", name=found.name, start=start)
    return word(TEXT, language, "this_year", name=found.name)


def execution_forecast(
    *,
    sources: Iterable[SourceForecast],
    lines: Iterable[BudgetLineRow],
    line_forecasts: Mapping[int, Forecast],
    on: date,
    language: str,
    book: str,
    converting: bool,
) -> Schedule:
    """The budget-execution statement's forecast: each funding source (its whole life for
    a multi-year grant, as `funding_source_forecast` gives it), then each budget line of
    the year, with the flagged funding sources' sentences first."""
    shown = [found for found in sources if found.forecast.status != Status.ENDED]
    source_rows = tuple(
        Row(
            (
                found.code,
                source_label(found, language),
                found.forecast.budget,
                found.forecast.available,
                *_outlook(found.forecast, language),
            )
        )
        for found in shown
    )
    line_rows = tuple(
        Row(
            (
                line.code,
                line.label_fr if language == "fr" else line.label_en,
                line_forecasts[line.id].budget,
                line_forecasts[line.id].available,
                *_outlook(line_forecasts[line.id], language),
            )
        )
        for line in lines
        if line.id in line_forecasts
    )
    sections = []
    if source_rows:
        sections.append(Section(word(TEXT, language, "by_source"), source_rows))
    if line_rows:
        sections.append(Section(word(TEXT, language, "by_line"), line_rows))
    lead = tuple(
        word(
            TEXT,
            language,
            "flagged",
            name=found.name,
            code=found.code,
            verdict=verdict(found.forecast, language, book),
        )
        for found in shown
        if found.forecast.flagged
    )
    return Schedule(
        title=word(TEXT, language, "title", book=book),
        short_title=word(TEXT, language, "short_title"),
        columns=(
            Column("code", word(TEXT, language, "code"), "text", 17),
            Column("name", word(TEXT, language, "name"), "text", 25),
            Column("budget", word(TEXT, language, "budget"), "amount", 13),
            Column("available", word(TEXT, language, "available"), "amount", 13),
            *_outlook_columns(language),
        ),
        sections=tuple(sections),
        lead=lead,
        notes=_notes(on, language, book, converting),
    )


def grant_forecast(
    found: SourceForecast, *, on: date, language: str, book: str, converting: bool
) -> Schedule:
    """The grant statement's forecast of its funding source (`funding_source_forecast`):
    budget, spent, committed and available, then the outlook, and the verdict first."""
    figures = found.forecast
    row = Row(
        (
            figures.budget,
            figures.spent,
            figures.committed,
            figures.available,
            *_outlook(figures, language),
        )
    )
    columns = tuple(
        Column(key, word(TEXT, language, key), "amount", 12)
        for key in ("budget", "spent", "committed", "available")
    )
    return Schedule(
        title=word(TEXT, language, "title", book=book),
        short_title=word(TEXT, language, "short_title"),
        columns=(*columns, *_outlook_columns(language)),
        sections=(Section(source_label(found, language), (row,)),),
        lead=(verdict(figures, language, book),),
        notes=_notes(on, language, book, converting),
    )
