"""Journals (journaux): per journal, its posted entries of the period in number order,
line by line, with the journal's totals.

Lines are streamed (one generator a journal, `.iterator()`); the totals come from one
SQL aggregation per journal and month. Every entry balances and lies in one journal and
one month, so converted month groups balance too: the EUR totals need no rounding row,
only the lines' own conversions may differ from them (shown on a row of each journal).

Any period, across fiscal years too: a journal lists every entry it holds in the period,
the opening entries (AN) of a later year included, since they are entries of that
journal; entries run by fiscal year, then by number. Journals add up entries, not
balances, so nothing is counted twice (the balances are the trial balance's).
"""

from collections import defaultdict
from collections.abc import Iterator
from datetime import date

from django.db.models import Case, IntegerField, Value, When

from irls.models import Lab
from ledger.models import Journal, JournalLine
from reports.builders.common import (
    ZERO,
    Figures,
    MonthRates,
    MonthStart,
    StatementOptions,
    annex,
    cents_sum,
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

KIND = "journal"
CHUNK = 2000

TEXT = {
    "en": {
        "title": "Journals {year}",
        "date": "Date",
        "entry": "Entry",
        "piece": "Piece",
        "account_name": "Account name",
        "label": "Label",
        "journal_total": "Total {code}",
        "line_rounding": "Conversion rounding of the lines (EUR)",
        "lines_converted": (
            "Each line is converted at the rate of its month; a journal's totals are "
            "converted per month, and the difference is shown as the rounding of the lines."
        ),
    },
    "fr": {
        "title": "Journaux {year}",
        "date": "Date",
        "entry": "Écriture",
        "piece": "Pièce",
        "account_name": "Intitulé du compte",
        "label": "Libellé",
        "journal_total": "Total {code}",
        "line_rounding": "Écart d'arrondi de conversion des lignes (EUR)",
        "lines_converted": (
            "Chaque ligne est convertie au taux de son mois ; les totaux d'un journal sont "
            "convertis par mois, et l'écart figure comme arrondi des lignes."
        ),
    },
}


def journal_build(
    *,
    lab: Lab,
    year: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    language: str = "en",
    currency: str | None = None,
) -> Statement:
    """Every journal of `lab` with posted entries in the period (any period, across years
    too), entries in number order."""
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
    figures = _journal_totals(options, rates)
    journals = (
        Journal.objects.filter(id__in=list(figures))
        .annotate(
            first=Case(
                When(kind=Journal.Kind.OPENING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("first", "code")
    )
    sections = tuple(
        Section(
            f"{journal.code} {journal.name_fr if lang == 'fr' else journal.name_en}",
            _journal_rows(options, journal, figures[journal.pk], rates),
        )
        for journal in journals
    )
    total = sum(figures.values(), Figures())
    totals: list[Row] = []
    if rates is not None and total.debit != total.credit:
        rounding = rounding_figures(total)
        totals.append(_total_row(common(lang, "rounding"), rounding, "note"))
        total += rounding
    totals.append(_total_row(common(lang, "total"), total, "total"))
    notes = [*currency_notes(options), common(lang, "posted_only")]
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
        Column("piece", word(TEXT, language, "piece"), "text", 13),
        Column("account", common(language, "account"), "text", 8),
        Column("account_name", word(TEXT, language, "account_name"), "text", 20),
        Column("label", word(TEXT, language, "label"), "text", 28),
        Column("debit", common(language, "debit"), "amount", 13),
        Column("credit", common(language, "credit"), "amount", 13),
    )


def _journal_totals(options: StatementOptions, rates: MonthRates | None) -> dict[int, Figures]:
    """Debits and credits per journal: one GROUP BY journal (and month when converting)."""
    lines = JournalLine.objects.filter(
        lab=options.lab, entry_date__gte=options.date_from, entry_date__lte=options.date_to
    )
    keys = ["entry__journal_id"]
    if rates is not None:
        lines = lines.annotate(month=MonthStart("entry_date"))
        keys.append("month")
    totals: dict[int, Figures] = defaultdict(Figures)
    for group in (
        lines.values(*keys)
        .annotate(debit=cents_sum("debit"), credit=cents_sum("credit"))
        .order_by()
    ):
        debit, credit = group["debit"], group["credit"]
        if rates is not None:
            debit, credit = (
                rates.to_eur(debit, group["month"]),
                rates.to_eur(credit, group["month"]),
            )
        totals[group["entry__journal_id"]] += Figures(ZERO, debit, credit)
    return dict(totals)


def _total_row(label: str, figures: Figures, style: RowStyle = "subtotal") -> Row:
    return Row((None, "", "", "", "", label, figures.debit, figures.credit), style=style)


def _journal_rows(
    options: StatementOptions, journal: Journal, figures: Figures, rates: MonthRates | None
) -> Iterator[Row]:
    """One row a line of the journal's posted entries, in number order; then its totals."""
    lang = options.language
    name = "account__name_fr" if lang == "fr" else "account__name_en"
    # Numbers start again each fiscal year: across years, the year orders first.
    order = ("entry__fiscal_year__start_date",) if options.across_years else ()
    lines = (
        JournalLine.objects.filter(
            lab=options.lab,
            entry__journal=journal,
            entry_date__gte=options.date_from,
            entry_date__lte=options.date_to,
        )
        .order_by(*order, "entry__seq", "id")
        .values_list(
            "entry_date",
            "entry__number",
            "entry__piece_ref",
            "account__code",
            name,
            "label",
            "entry__label",
            "debit",
            "credit",
        )
    )
    debits, credits = ZERO, ZERO
    for on, number, piece, code, account_name, label, entry_label, debit, credit in lines.iterator(
        CHUNK
    ):
        if rates is not None:
            debit, credit = rates.to_eur(debit, on), rates.to_eur(credit, on)
        debits += debit
        credits += credit
        yield Row(
            (
                on,
                number,
                piece,
                code,
                account_name,
                label or entry_label,
                debit or None,
                credit or None,
            )
        )
    if (debits, credits) != (figures.debit, figures.credit):
        gap = Figures(ZERO, figures.debit - debits, figures.credit - credits)
        yield _total_row(word(TEXT, lang, "line_rounding"), gap, "note")
    yield _total_row(word(TEXT, lang, "journal_total", code=journal.code), figures)
