"""A faster budget page and budget line page, measured by `bench/budget_page.py
--proposal` against the current ones (same requests, same rounds, pages taking turns).

Where the time goes (bench/README.md): SQL is a few ms; the budget page is two thirds
template (about 1,500 nodes, 700 nested includes, 1,800 amounts formatted, derived
figures recomputed at each use) and one third `budget_execution` in Python; the line
page spends half its time computing the execution of all 200 lines to show one.

What would change in ledger/ and templates/ (prototyped here, nothing there is touched):

1. `ledger/selectors/budget.py`: `budget_execution(..., line_ids=None, eur=True)`:
   `line_ids` reads the figures of those lines only (the line page asks for one), and
   `eur=False` skips the conversion to EUR (the page in SGD never shows it). The budget
   lines are read as values, not model instances.
2. `BudgetFigures`: the derived figures (budget, available, consumed, percent, shares,
   overspent, watch) are `functools.cached_property`, computed once instead of at each
   use in the templates (a frozen dataclass allows it: the cache is written to the
   instance's __dict__, not through __setattr__).
3. `ledger/templatetags/ledger_format.py`: `amount` formats with Python's grouping and
   the separators of the active language, looked up once per language (same text as
   `number_format(value, decimal_pos=2, force_grouping=True)`, checked here on random
   amounts in English and French); and two tags, `budget_cells` and `budget_flag`, that
   write the cells of a figures row and the flag in Python, in place of the includes of
   `_cells.html` + `_bar.html` and `_flag.html` for every row of the budget table.
4. `templates/ledger/budget/execution.html`: the tags instead of the includes
   (`bench/proposal_templates/ledger/budget/execution.html`); the other partials stay.
5. The line page's postings: an index on journal lines (budget_line, entry_date)
   (`INDEX_SQL`; in ledger/models/books.py, `JournalLine.Meta.indexes`, where it can
   replace the foreign key's own index on budget_line alone), and the page read by
   `PostingsByDate` instead of LIMIT/OFFSET over the whole line: the dates that bound
   the page come from that index alone, then only the lines of those dates are read,
   joined and sorted. Same rows, same order (date, entry number, id).

The proposed pages are checked to give the same HTML as the current ones (whitespace
between tags and the CSRF token aside).
"""

import functools
import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any, cast

from django import template
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.backends.django import DjangoTemplates
from django.urls import URLPattern, URLResolver, path
from django.utils import translation
from django.utils.formats import get_format, number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_GET

from irls.access import lab_for_user_or_404
from irls.models import Lab
from ledger import views
from ledger.fields import CentsField, round_cents
from ledger.models import (
    BudgetAmendment,
    BudgetLine,
    BudgetSpending,
    Commitment,
    FiscalYear,
    JournalLine,
)
from ledger.selectors import budget_line_commitments, budget_line_postings
from ledger.selectors.budget import (
    OPEN_STATUSES,
    WATCH_PERCENT,
    ZERO,
    BudgetExecution,
    BudgetFigures,
    BudgetGroup,
    BudgetLineRow,
    _month_of,
    _Rates,
)
from ledger.templatetags import ledger_format

TEMPLATES = Path(__file__).resolve().parent / "proposal_templates"
PREFIX = "bench-proposal/"


# -- 2. Derived figures computed once ------------------------------------------------


class Figures(BudgetFigures):
    """BudgetFigures whose derived figures are computed once."""

    @functools.cached_property
    def budget(self) -> Decimal:
        return self.allocated + self.amendments

    @functools.cached_property
    def available(self) -> Decimal:
        return self.budget - self.spent - self.committed

    @functools.cached_property
    def consumed(self) -> Decimal:
        return self.spent + self.committed

    @functools.cached_property
    def percent(self) -> Decimal | None:
        if self.budget <= 0:
            return None
        return (self.consumed * 100 / self.budget).quantize(Decimal("0.1"))

    @functools.cached_property
    def spent_percent(self) -> Decimal:
        return self._share(self.spent)

    @functools.cached_property
    def committed_percent(self) -> Decimal:
        return self._share(self.committed)

    @functools.cached_property
    def overspent(self) -> bool:
        return self.available < 0

    @functools.cached_property
    def watch(self) -> bool:
        return not self.overspent and self.percent is not None and self.percent > WATCH_PERCENT

    def __add__(self, other: BudgetFigures) -> "Figures":
        return Figures(
            self.allocated + other.allocated,
            self.amendments + other.amendments,
            self.committed + other.committed,
            self.spent + other.spent,
            self.spent_this_month + other.spent_this_month,
        )


# -- 1. The selector: some lines only, EUR only when shown ------------------------------


def budget_execution(
    *,
    lab: Lab,
    fiscal_year: FiscalYear,
    on: date | None = None,
    line_ids: Iterable[int] | None = None,
    eur: bool = True,
) -> BudgetExecution:
    """`ledger.selectors.budget_execution`, with `line_ids` (only those lines) and `eur`
    (False: no conversion; every `eur` figure is then None, as are `total_eur`)."""
    on = min(max(on or date.today(), fiscal_year.start_date), fiscal_year.end_date)
    month = _month_of(on)
    line_filter: dict[str, Any] = {"lab": lab, "fiscal_year": fiscal_year}
    scope: dict[str, Any] = {"budget_line__lab": lab, "budget_line__fiscal_year": fiscal_year}
    if line_ids is not None:
        ids = list(line_ids)
        line_filter["id__in"] = ids
        scope = {"budget_line_id__in": ids}
    lines = list(
        BudgetLine.objects.filter(**line_filter)
        .order_by("funding_source__code", "envelope", "code")
        .values(
            "id",
            "code",
            "label_fr",
            "label_en",
            "envelope",
            "nature",
            "funder_category",
            "policy",
            "allocated",
            "allocated_on",
            "funding_source__code",
            "funding_source__name",
        )
    )
    amendments = (
        BudgetAmendment.objects.filter(**scope)
        .values("budget_line_id", "date")
        .annotate(total=Sum("delta"))
        .order_by()
        .values_list("budget_line_id", "date", "total")
    )
    spending = BudgetSpending.objects.filter(**scope).values_list(
        "budget_line_id", "month", "amount"
    )
    commitments = (
        Commitment.objects.filter(status__in=OPEN_STATUSES, **scope)
        .values("budget_line_id", "date")
        .annotate(open=Sum(F("amount") - F("settled"), output_field=CentsField()))
        .order_by()
        .values_list("budget_line_id", "date", "open")
    )
    rates = _Rates(lab.book_currency, fiscal_year.end_date) if eur else None

    dated: dict[int, list[tuple[str, date, Decimal]]] = defaultdict(list)
    for line in lines:
        dated[line["id"]].append(("allocated", line["allocated_on"], line["allocated"]))
    for kind, amounts in (
        ("amendments", amendments),
        ("spent", spending),
        ("committed", commitments),
    ):
        for line_id, on_date, amount in amounts:
            dated[line_id].append((kind, on_date, amount))

    rows = tuple(_line_row(line, dated[line["id"]], month, rates) for line in lines)
    return BudgetExecution(
        lab=lab.code,
        year=fiscal_year.year,
        month=month,
        book_currency=lab.book_currency,
        lines=rows,
        groups=_grouped(
            rows,
            lambda r: (r.funding_source, r.envelope),
            lambda r: f"{r.funding_source} / {r.envelope}",
            keep_lines=True,
        ),
        by_source=_grouped(rows, lambda r: (r.funding_source,), lambda r: r.funding_source_name),
        by_envelope=_grouped(rows, lambda r: (r.envelope,), lambda r: r.envelope),
        total_book=sum((r.book for r in rows), Figures()),
        total_eur=_sum_eur(rows),
        rates=tuple(rates.used[m] for m in sorted(rates.used)) if rates else (),
        months_without_rate=tuple(sorted(rates.missing)) if rates else (),
    )


KINDS = ("allocated", "amendments", "committed", "spent")


def _line_row(
    line: Mapping[str, Any],
    amounts: list[tuple[str, date, Decimal]],
    month: date,
    rates: _Rates | None,
) -> BudgetLineRow:
    book: dict[str, Decimal] = dict.fromkeys((*KINDS, "spent_this_month"), ZERO)
    eur = dict(book)
    convertible = rates is not None
    for kind, on, amount in amounts:
        book[kind] += amount
        this_month = kind == "spent" and on.year == month.year and on.month == month.month
        if this_month:
            book["spent_this_month"] += amount
        if rates is None:
            continue
        converted = rates.to_eur(amount, on)
        if converted is None:
            convertible = False
        else:
            eur[kind] += converted
            if this_month:
                eur["spent_this_month"] += converted
    return BudgetLineRow(
        id=line["id"],
        code=line["code"],
        label_fr=line["label_fr"],
        label_en=line["label_en"],
        funding_source=line["funding_source__code"],
        funding_source_name=line["funding_source__name"],
        envelope=line["envelope"],
        nature=line["nature"],
        funder_category=line["funder_category"],
        policy=line["policy"],
        book=Figures(
            book["allocated"],
            book["amendments"],
            book["committed"],
            book["spent"],
            book["spent_this_month"],
        ),
        eur=(
            Figures(
                round_cents(eur["allocated"]),
                round_cents(eur["amendments"]),
                round_cents(eur["committed"]),
                round_cents(eur["spent"]),
                round_cents(eur["spent_this_month"]),
            )
            if convertible
            else None
        ),
    )


def _sum_eur(rows: Iterable[BudgetLineRow]) -> BudgetFigures | None:
    total = Figures()
    for row in rows:
        if row.eur is None:
            return None
        total += row.eur
    return total


def _grouped(
    rows: tuple[BudgetLineRow, ...],
    key: Callable[[BudgetLineRow], tuple[str, ...]],
    label: Callable[[BudgetLineRow], str],
    keep_lines: bool = False,
) -> tuple[BudgetGroup, ...]:
    groups: dict[tuple[str, ...], list[BudgetLineRow]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return tuple(
        BudgetGroup(
            key=k,
            label=label(members[0]),
            book=sum((m.book for m in members), Figures()),
            eur=_sum_eur(members),
            lines=tuple(members) if keep_lines else (),
        )
        for k, members in sorted(groups.items())
    )


# -- 3. Formatting and the cells of a row in Python -----------------------------------

register = template.Library()
CENT = Decimal("0.01")
NOT_AVAILABLE = ledger_format.NOT_AVAILABLE


@functools.lru_cache
def _separators(language: str | None) -> dict[int, str]:
    """`str.translate` table from Python's "1,234.56" to the language's separators."""
    if get_format("NUMBER_GROUPING", language) != 3:
        raise ValueError(f"grouping of {language} is not by thousands")
    return str.maketrans(
        {
            ",": str(get_format("THOUSAND_SEPARATOR", language)),
            ".": str(get_format("DECIMAL_SEPARATOR", language)),
        }
    )


@register.filter
def amount(value: Decimal | str | None) -> str:
    """`ledger_format.amount`, faster: the same text (two decimals, cut not rounded, as
    Django's number_format does; below a cent is 0.00)."""
    if value is None or value == "":
        return NOT_AVAILABLE
    number = value if isinstance(value, Decimal) else Decimal(value)
    if -CENT < number < CENT:
        number = ZERO
    text = f"{number.quantize(CENT, rounding=ROUND_DOWN):,.2f}"
    return text.translate(_separators(get_language()))


def check_amount(samples: int = 20_000, seed: int = 1) -> int:
    """Compare `amount` with Django's number_format on random amounts, in English and in
    French; return how many were compared (raise at the first difference)."""
    r = random.Random(seed)
    values: list[Any] = [Decimal("-0.00"), Decimal("-0.004"), Decimal("0.005"), 0, 12, "3.456"]
    values += [
        Decimal(r.randint(-(10**13), 10**13)).scaleb(-r.randint(0, 4)) for _ in range(samples)
    ]
    for language in ("en", "fr"):
        with translation.override(language):
            for value in values:
                expected = number_format(value, decimal_pos=2, force_grouping=True)
                if amount(value) != expected:
                    raise AssertionError(f"{language} {value!r}: {amount(value)} != {expected}")
    return 2 * len(values)


@functools.lru_cache
def _not_converted(language: str | None) -> str:
    title = escape(gettext("Not converted: a month of these amounts has no chancellery rate"))
    return f'<td class="num not-available"><abbr title="{title}">—</abbr></td>'


@functools.lru_cache
def _flags(language: str | None) -> tuple[str, str]:
    icon = '<span class="flag-icon" aria-hidden="true"></span>'
    return (
        f'<span class="flag flag-over">{icon}{escape(gettext("Overspent"))}</span>',
        f'<span class="flag flag-watch">{icon}{escape(gettext("Over 90% used"))}</span>',
    )


@register.simple_tag
def budget_flag(figures: BudgetFigures) -> SafeString:
    """`_flag.html`."""
    over, watch = _flags(get_language())
    return mark_safe(over if figures.overspent else watch if figures.watch else "")


def _bar(figures: BudgetFigures) -> str:
    """`_bar.html`."""
    state = " bar-over" if figures.overspent else " bar-watch" if figures.watch else ""
    limit = (
        f'<span class="bar-limit" style="left: {ledger_format.budget_mark(figures)}"></span>'
        if figures.overspent
        else ""
    )
    spent = ledger_format.css_percent(figures.spent_percent)
    committed = ledger_format.css_percent(figures.committed_percent)
    return (
        f'<span class="consumption"><span class="bar{state}" aria-hidden="true">'
        f'<span class="bar-spent" style="width: {spent}"></span>'
        f'<span class="bar-committed" style="width: {committed}"></span>{limit}</span>'
        f'<span class="pct">{escape(ledger_format.percent(figures.percent))}</span></span>'
    )


@register.simple_tag
def budget_cells(figures: BudgetFigures | None, book: BudgetFigures) -> SafeString:
    """`_cells.html` (with `_bar.html`): the figures in the currency shown (None: not
    converted), the bar of the book figures."""
    if figures is None:
        missing = _not_converted(get_language())
        return mark_safe(missing * 5 + f'<td class="consumption-cell">{_bar(book)}</td>' + missing)
    negative = " negative" if figures.available < 0 else ""
    return mark_safe(  # amounts and percentages: digits and separators
        f'<td class="num">{amount(figures.allocated)}</td>'
        f'<td class="num">{amount(figures.amendments)}</td>'
        f'<td class="num">{amount(figures.committed)}</td>'
        f'<td class="num">{amount(figures.spent)}</td>'
        f'<td class="num available{negative}">{amount(figures.available)}</td>'
        f'<td class="consumption-cell">{_bar(book)}</td>'
        f'<td class="num">{amount(figures.spent_this_month)}</td>'
    )


# -- 5. The postings of a budget line, a page at a time --------------------------------

INDEX = "bench_line_budget_date_idx"
INDEX_SQL = f"CREATE INDEX IF NOT EXISTS {INDEX} ON ledger_journalline (budget_line_id, entry_date)"


def drop_index() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {INDEX}")


def create_index() -> float:
    """The proposed index in the bench's database (and statistics for it); seconds."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(INDEX_SQL)
        cursor.execute(
            "ANALYZE ledger_journalline" if connection.vendor == "postgresql" else "ANALYZE"
        )
    return time.perf_counter() - started


class PostingsByDate:
    """The postings of a budget line as Paginator reads them (`count()`, then one slice),
    read by dates rather than by LIMIT/OFFSET over every posting of the line.

    A slice [start:stop] of the postings in (date, entry number, id) order: the dates
    at positions start..stop-1, and the number of postings dated before the first of
    them, come from the index (budget_line, entry_date) alone; the lines dated from the
    first to the last of those dates are then read (with their entry, account and
    commitment) in that order: the page is the slice of them that starts at `start`."""

    def __init__(self, budget_line: BudgetLine) -> None:
        self.posted = JournalLine.objects.filter(budget_line=budget_line, entry_date__isnull=False)
        self.rows = budget_line_postings(budget_line=budget_line)

    def count(self) -> int:
        return self.posted.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, page: slice) -> list[JournalLine]:
        start, stop = page.start or 0, page.stop
        dates = list(
            self.posted.order_by("entry_date").values_list("entry_date", flat=True)[start:stop]
        )
        if not dates:
            return []
        first, last = dates[0], dates[-1]
        skip = start - self.posted.filter(entry_date__lt=first).count()
        window = self.rows.filter(entry_date__gte=first, entry_date__lte=last)
        return list(window[skip : skip + len(dates)])


def check_postings(budget_line: BudgetLine, per_page: int, seed: int = 1) -> int:
    """PostingsByDate gives the same lines as the current query on the first two pages,
    the last two and 20 drawn at random; returns how many pages were compared."""
    current = budget_line_postings(budget_line=budget_line)
    proposed = PostingsByDate(budget_line)
    pages = -(-proposed.count() // per_page)
    numbers = {1, 2, max(1, pages - 1), max(1, pages)}
    numbers |= set(random.Random(seed).choices(range(1, pages + 1), k=20))
    for number in sorted(numbers):
        bottom = (number - 1) * per_page
        want = [line.pk for line in current[bottom : bottom + per_page]]
        got = [line.pk for line in proposed[bottom : bottom + per_page]]
        if want != got:
            raise AssertionError(f"postings of {budget_line.code}, page {number}: {got} != {want}")
    return len(numbers)


# -- 4. The pages, rendered with the proposed templates --------------------------------

_project = cast(dict[str, Any], settings.TEMPLATES[0])
_options = cast(dict[str, Any], _project["OPTIONS"])
ENGINE = DjangoTemplates(
    {
        "NAME": "bench-proposal",
        "DIRS": [TEMPLATES, *_project["DIRS"]],
        "APP_DIRS": True,
        "OPTIONS": {
            **_options,
            "libraries": {**_options.get("libraries", {}), "budget_proposal": __name__},
        },
    }
)


def _render(request: HttpRequest, name: str, context: dict[str, Any]) -> HttpResponse:
    return HttpResponse(ENGINE.get_template(name).render(context, request))


@login_required
@require_GET
def budget(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """`ledger.views.budget` with the proposed selector and template."""
    lab = lab_for_user_or_404(request.user, code)
    years = views._fiscal_years(lab)
    fiscal_year = views._fiscal_year_or_404(years, year)
    currency = views._currency(request, lab)
    execution = budget_execution(lab=lab, fiscal_year=fiscal_year, eur=currency == views.EUR)
    return _render(
        request,
        "ledger/budget/execution.html",
        {
            "lab": lab,
            "years": years,
            "fiscal_year": fiscal_year,
            "execution": execution,
            "sections": views._sections(execution),
            "currency": currency,
            "total": execution.total_eur if currency == views.EUR else execution.total_book,
        },
    )


@login_required
@require_GET
def budget_line_detail(request: HttpRequest, code: str, year: int, line_id: int) -> HttpResponse:
    """`ledger.views.budget_line_detail` with the proposed selector (this line only)."""
    lab = lab_for_user_or_404(request.user, code)
    line = get_object_or_404(
        BudgetLine.objects.select_related("fiscal_year", "funding_source"),
        pk=line_id,
        lab=lab,
        fiscal_year__year=year,
    )
    currency = views._currency(request, lab)
    execution = budget_execution(
        lab=lab, fiscal_year=line.fiscal_year, line_ids=[line.pk], eur=currency == views.EUR
    )
    # Paginator asks only count() and one slice (its stubs want a whole sequence).
    postings: Paginator[JournalLine] = Paginator(
        cast(Any, PostingsByDate(line)), views.POSTINGS_PER_PAGE
    )
    return _render(
        request,
        "ledger/budget/line.html",
        {
            "lab": lab,
            "line": line,
            "row": execution.lines[0],
            "execution": execution,
            "currency": currency,
            "postings": postings.get_page(request.GET.get("page")),
            "commitments": list(budget_line_commitments(budget_line=line)),
        },
    )


def _urlpatterns() -> list[URLPattern | URLResolver]:
    from config.urls import urlpatterns

    project = cast(list[URLPattern | URLResolver], urlpatterns)
    return [
        *project,
        path(f"{PREFIX}labs/<str:code>/budget/<int:year>/", budget),
        path(f"{PREFIX}labs/<str:code>/budget/<int:year>/lines/<int:line_id>/", budget_line_detail),
    ]


urlpatterns = _urlpatterns()  # ROOT_URLCONF while the proposal is measured


def same_page(current: str, proposed: str) -> bool:
    """The same HTML, whitespace between tags and the CSRF token aside (the caller
    takes the proposal's prefix out of the addresses the page names, as its own)."""

    def normal(html: str) -> str:
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
        return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()

    return normal(current) == normal(proposed)


def measure(page: Any, runs: int, warmup: int) -> dict[str, Any]:
    """The current and proposed pages, taking turns; checked to give the same HTML. The
    proposed index is created first (the current pages are measured with it too), and
    dropped at the end (a later run on a kept database measures the current pages
    without it)."""
    try:
        return _measure(page, runs, warmup)
    finally:
        drop_index()


def _measure(page: Any, runs: int, warmup: int) -> dict[str, Any]:
    from django.test.utils import override_settings

    index_s = create_index()
    checked = check_amount()
    pages_checked = check_postings(page.heaviest, views.POSTINGS_PER_PAGE)
    module = sys.modules[__name__]
    page.phases["selector"].append((module, "budget_execution"))
    page.phases["template"].append((module, "_render"))
    with override_settings(ROOT_URLCONF=__name__):
        urls: dict[str, str] = {}
        for name, url in page.urls.items():
            urls[name] = url
            urls[f"{name} (proposed)"] = f"/{PREFIX}{url.lstrip('/')}"
        for name, url in list(urls.items()):
            if name.endswith("(proposed)"):
                current = page.get(urls[name.removesuffix(" (proposed)")]).content.decode()
                proposed = page.get(url).content.decode().replace(f"/{PREFIX}", "/")
                if not same_page(current, proposed):
                    raise AssertionError(f"{name}: not the same page as the current one")
        return {
            "index": INDEX_SQL,
            "index_s": index_s,
            "amounts_checked": checked,
            "postings_pages_checked": pages_checked,
            "pages": page.measure(runs, warmup, urls),
        }
