"""The words and figures a renderer prints, in the statement's language.

The statement fixes its own language (an English statement can be asked for from a
French session), so these texts are chosen by `Statement.language`, not by the active
translation.
"""

from datetime import date, datetime
from decimal import Decimal

from reports.statement import CellValue, ColumnKind, Statement, format_amount, format_date

NBSP = "\u00a0"

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "unit": "Unit",
        "partners": "Partners",
        "period": "Period",
        "period_range": "{start} to {end}",
        "currency": "Currency",
        "generated": "Generated {when}",
        "page": "Page {page} of ",
        "carried_forward": "Carried forward",
        "brought_forward": "Brought forward",
        "continued": "(continued)",
        "notes": "Notes",
        "annex": "Annex",
        "colon": ":",
    },
    "fr": {
        "unit": "Unité",
        "partners": "Partenaires",
        "period": "Période",
        "period_range": "du {start} au {end}",
        "currency": "Devise",
        "generated": "Édité le {when}",
        "page": "Page {page} sur ",
        "carried_forward": "À reporter",
        "brought_forward": "Report",
        "continued": "(suite)",
        "notes": "Notes",
        "annex": "Annexe",
        # French typography: a no-break space before the colon.
        "colon": NBSP + ":",
    },
}


def word(language: str, key: str) -> str:
    """The fixed text `key` in `language` (English when the language is unknown)."""
    return _WORDS.get(language, _WORDS["en"])[key]


def labelled(language: str, key: str, value: str) -> str:
    """'Period: 2025-01-01 to 2025-12-31', 'Période : du 01/01/2025 au 31/12/2025'."""
    return f"{word(language, key)}{word(language, 'colon')} {value}"


def format_datetime(value: datetime, language: str) -> str:
    """The generation time to the minute, with its time zone when it has one."""
    text = f"{format_date(value.date(), language)} {value:%H:%M}"
    zone = value.tzname()
    return f"{text} {zone}" if zone else text


def period_text(statement: Statement) -> str:
    start = format_date(statement.period_from, statement.language)
    end = format_date(statement.period_to, statement.language)
    return word(statement.language, "period_range").format(start=start, end=end)


def title_lines(statement: Statement) -> list[str]:
    """The title block as lines: lab, unit and partners, then period, currency, time."""
    lab, language = statement.lab, statement.language
    lab_line = f"{lab.code} — {lab.name}" if lab.name else lab.code
    unit_parts = []
    if lab.unit_number:
        unit_parts.append(labelled(language, "unit", lab.unit_number))
    if lab.partners:
        unit_parts.append(labelled(language, "partners", ", ".join(lab.partners)))
    facts = [
        labelled(language, "period", period_text(statement)),
        labelled(language, "currency", statement.currency),
        word(language, "generated").format(when=format_datetime(statement.generated_at, language)),
    ]
    return [lab_line, " · ".join(unit_parts), statement.title, " · ".join(facts)]


def _group(text: str, language: str) -> str:
    """Thousands separators of `text` (as from f'{x:,}') in the language's way."""
    if language == "fr":
        return text.replace(",", NBSP).replace(".", ",")
    return text


def format_number(value: int | Decimal, language: str) -> str:
    """A count or quantity with thousands separators, keeping the decimals it has."""
    return _group(f"{value:,}", language)


def format_percent(value: int | Decimal, language: str) -> str:
    """A ratio as a percentage: Decimal('0.1234') -> '12.34%' / '12,34 %'."""
    text = _group(f"{Decimal(value) * 100:,.2f}", language)
    return f"{text}{NBSP}%" if language == "fr" else f"{text}%"


def format_cell(value: CellValue, kind: ColumnKind, language: str) -> str:
    """The text a printed statement shows for one cell value of a column of `kind`.

    Percent columns hold ratios (0.25 is 25 %), as spreadsheets do.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return format_datetime(value, language)
    if isinstance(value, date):
        return format_date(value, language)
    if isinstance(value, bool) or kind in ("text", "date"):
        return str(value)  # an entry number, say: no thousands separator
    if kind == "amount":
        return format_amount(Decimal(value), language)
    if kind == "percent":
        return format_percent(value, language)
    return format_number(value, language)
