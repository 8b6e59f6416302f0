"""The budget pages' charts (ledger.selectors.charts) as inline SVG, drawn on the server.

Server-side SVG rather than a JavaScript library: nothing to run or fetch, the same
drawing on a screen, a phone and paper, and nothing the pages' Content-Security-Policy
refuses (no script, no style attribute or element: the colours are classes of
static/css/ledger.css, the shapes SVG attributes).

Each chart is an <svg role="img"> named by its <title> and described by its <desc> (what
it shows and its key figures, in words), scaled to the width of its box by its viewBox;
an HTML legend with the key figures follows it (HTML text stays readable on a phone,
where the drawing shrinks). Series differ by pattern or line style as well as colour,
so a black and white print still tells them apart. The figures themselves are in a
table under each chart (the template) and in the XLSX download. Every text is escaped:
funding source names are typed by people.
"""

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_CEILING, Decimal

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_compact_decimal
from django import template
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, to_locale

from ledger.selectors.charts import BurnChart, EnvelopeChart
from ledger.selectors.forecast import Status
from ledger.templatetags.ledger_format import amount, envelope_label

register = template.Library()

ZERO = Decimal(0)
# The drawing's own units (the viewBox): about a phone's width, so that its 11-unit text
# is near 10 px there; the page's CSS caps its width on a desktop.
WIDTH, HEIGHT = 400, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 36
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
BASELINE = TOP + PLOT_HEIGHT
TICK_TARGET = 5  # about this many steps up the scale
STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
MAX_MONTH_LABELS = 12
LABEL_STEPS = (1, 2, 3, 6, 12)  # months between labels, so that January is always one
DOTS_UP_TO = 24  # months: beyond, the points of a line would crowd it
ENVELOPES = ("personnel", "operating", "equipment")
# Each envelope's fill: a colour (its CSS class) and marks on it (none, hatches, dots).
HATCH = '<path class="chart-hatch" d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2"/>'
DOT = '<circle class="chart-dot" cx="3" cy="3" r="1.3"/>'
MARKS = {"personnel": "", "operating": HATCH, "equipment": DOT, "other": HATCH, "committed": HATCH}
PATTERN = (
    '<pattern id="{}" width="6" height="6" patternUnits="userSpaceOnUse">'
    '<rect class="chart-fill-{}" width="6" height="6"/>{}</pattern>'
)
SVG_OPEN = (
    '<svg class="chart-svg" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title {}-desc"'
    ' focusable="false" preserveAspectRatio="xMidYMid meet">'
    '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
)
SWATCH = (
    '<svg class="chart-swatch" viewBox="0 0 16 10" aria-hidden="true" focusable="false">{}</svg>'
)
LEGEND_ITEM = '<li>{}<span class="chart-legend-label">{}</span> <span class="num">{}</span></li>'


def _join(parts: Sequence[str]) -> SafeString:
    """Pieces each built by format_html (or constants), as one piece of markup."""
    return mark_safe("".join(parts))  # noqa: S308 (pieces built by format_html)


def _n(value: float) -> str:
    """A coordinate: one decimal at most."""
    return f"{value:.1f}".removesuffix(".0")


def _locale() -> Locale:
    try:
        return Locale.parse(to_locale(get_language() or "en"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def _ticks(top: Decimal) -> list[Decimal]:
    """Round steps from 0 to at least `top` (1, 2, 2.5 or 5 times a power of ten)."""
    if top <= 0:
        return [ZERO]
    rough = top / TICK_TARGET
    power = Decimal(1).scaleb(rough.adjusted())
    step = next(m * power for m in STEPS if m * power >= rough)
    count = int((top / step).to_integral_value(ROUND_CEILING))
    return [step * i for i in range(count + 1)]


class _Frame:
    """Where a month and an amount go in the drawing."""

    def __init__(self, months: Sequence[date], top: Decimal) -> None:
        self.months = list(months)
        self.ticks = _ticks(top)
        self.scale = self.ticks[-1] if self.ticks[-1] > 0 else Decimal(1)
        self.band = PLOT_WIDTH / max(len(self.months), 1)

    def x(self, index: int) -> float:
        """The middle of the month's band."""
        return LEFT + (index + 0.5) * self.band

    def y(self, value: Decimal) -> float:
        share = float(value / self.scale)
        return BASELINE - min(max(share, 0.0), 1.0) * PLOT_HEIGHT

    def index(self, month: date) -> int | None:
        try:
            return self.months.index(month)
        except ValueError:
            return None

    def grid(self) -> SafeString:
        """Horizontal rules with their amounts, compact ("15K", "1,5 M")."""
        locale = _locale()
        parts = []
        for tick in self.ticks:
            y = _n(self.y(tick))
            label = format_compact_decimal(tick, locale=locale, fraction_digits=1)
            parts.append(
                format_html(
                    '<line class="chart-rule" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                    '<text class="chart-tick chart-tick-y" x="{}" y="{}" text-anchor="end"'
                    ' dominant-baseline="middle">{}</text>',
                    LEFT,
                    WIDTH - RIGHT,
                    y,
                    y,
                    LEFT - 5,
                    y,
                    label,
                )
            )
        return _join(parts)

    def axis(self) -> SafeString:
        """The baseline and the months under it: every month up to a year, then every 2,
        3, 6 or 12, with the year under the first and under each January; one label in
        two is marked `chart-tick-alt` (hidden on a phone)."""
        step = next(s for s in LABEL_STEPS if -(-len(self.months) // s) <= MAX_MONTH_LABELS)
        labelled = [
            i for i, m in enumerate(self.months) if step == 1 or (m.month - 1) % step == 0
        ] or [0]
        locale = _locale()
        parts = [
            format_html(
                '<line class="chart-axis" x1="{}" x2="{}" y1="{}" y2="{}"/>',
                LEFT,
                WIDTH - RIGHT,
                BASELINE,
                BASELINE,
            )
        ]
        for n, i in enumerate(labelled):
            month = self.months[i]
            x = _n(self.x(i))
            name = format_date(month, "LLL", locale=locale).rstrip(".")
            parts.append(
                format_html(
                    '<text class="chart-tick chart-tick-x{}" x="{}" y="{}" text-anchor="middle">'
                    "{}</text>",
                    " chart-tick-alt" if n % 2 else "",
                    x,
                    BASELINE + 14,
                    name,
                )
            )
            if n == 0 or month.month == 1:
                parts.append(
                    format_html(
                        '<text class="chart-tick chart-tick-year" x="{}" y="{}"'
                        ' text-anchor="middle">{}</text>',
                        x,
                        BASELINE + 28,
                        month.year,
                    )
                )
        return _join(parts)

    def to_come(self, first: int | None) -> SafeString:
        """A shaded band over the months still to come, from index `first`."""
        if first is None:
            return _join([])
        x = LEFT + first * self.band
        return format_html(
            '<rect class="chart-to-come" x="{}" y="{}" width="{}" height="{}"/>',
            _n(x),
            TOP,
            _n(WIDTH - RIGHT - x),
            PLOT_HEIGHT,
        )


def _pattern(uid: str, key: str) -> SafeString:
    kind = key if key in MARKS else "other"
    return format_html(PATTERN, f"{uid}-{key}", kind, mark_safe(MARKS[kind]))  # noqa: S308


def _svg(uid: str, title: str, desc: str, body: Sequence[str]) -> SafeString:
    opening = format_html(SVG_OPEN, WIDTH, HEIGHT, uid, uid, uid, title, uid, desc)
    return _join([opening, *body, "</svg>"])


def _month_name(month: date) -> str:
    return date_format(month, "YEAR_MONTH_FORMAT")


def _legend(items: Sequence[tuple[SafeString, str, str]]) -> SafeString:
    """(swatch markup, label, figure) a line."""
    rows = format_html_join(
        "", LEGEND_ITEM, ((format_html(SWATCH, swatch), lab, fig) for swatch, lab, fig in items)
    )
    return format_html('<ul class="chart-legend">{}</ul>', rows)


def _fill_swatch(uid: str, key: str) -> SafeString:
    return format_html('<rect width="16" height="10" rx="2" fill="url(#{}-{})"/>', uid, key)


def _envelope_key(envelope: str) -> str:
    return envelope if envelope in ENVELOPES else "other"


# Stacked bars by envelope -------------------------------------------------------------


def envelope_title() -> str:
    return gettext("Spending per month by envelope")


def _envelope_desc(chart: EnvelopeChart, currency: str) -> str:
    parts = ", ".join(
        f"{envelope_label(e)} {amount(total)}"
        for e, total in zip(chart.envelopes, chart.totals, strict=True)
    )
    return gettext(
        "Stacked bars, one for each month from %(first)s to %(last)s: what each envelope "
        "spent that month, in %(currency)s. Spent in all: %(total)s (%(parts)s)."
    ) % {
        "first": _month_name(chart.months[0].month),
        "last": _month_name(chart.months[-1].month),
        "currency": currency,
        "total": amount(chart.total),
        "parts": parts,
    }


@register.simple_tag
def envelope_chart(chart: EnvelopeChart, uid: str, currency: str) -> SafeString:
    """The stacked bars of a fiscal year's spending by envelope, and their legend."""
    if not chart.months:
        return _join([])
    frame = _Frame([m.month for m in chart.months], chart.top)
    keys = [_envelope_key(e) for e in chart.envelopes]
    patterns = [_pattern(uid, key) for key in dict.fromkeys(keys)]
    width = frame.band * 0.64
    bars = []
    for i, month in enumerate(chart.months):
        floor = Decimal(0)
        for key, spent in zip(keys, month.amounts, strict=True):
            if spent <= 0:
                continue
            top, bottom = frame.y(floor + spent), frame.y(floor)
            floor += spent
            bars.append(
                format_html(
                    '<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}"'
                    ' fill="url(#{}-{})"/>',
                    _n(frame.x(i) - width / 2),
                    _n(top),
                    _n(width),
                    _n(max(bottom - top, 0.5)),
                    uid,
                    key,
                )
            )
    first_to_come = next((i for i, m in enumerate(chart.months) if m.to_come), None)
    svg = _svg(
        uid,
        envelope_title(),
        _envelope_desc(chart, currency),
        [
            format_html("<defs>{}</defs>", _join(patterns)),
            frame.to_come(first_to_come),
            frame.grid(),
            *bars,
            frame.axis(),
        ],
    )
    legend = _legend(
        [
            (_fill_swatch(uid, key), envelope_label(e), amount(total))
            for e, key, total in zip(chart.envelopes, keys, chart.totals, strict=True)
        ]
    )
    return _join([svg, legend])


# Cumulative spending against the budget -------------------------------------------------


def burn_title(chart: BurnChart) -> str:
    if chart.whole_life:
        return gettext("%(name)s over its whole life: cumulative spending against the budget") % {
            "name": chart.name
        }
    return gettext("%(name)s: cumulative spending against the budget") % {"name": chart.name}


def _burn_desc(chart: BurnChart, currency: str) -> str:
    text = gettext(
        "Spending of %(name)s added up month by month from %(first)s to %(last)s, in "
        "%(currency)s, against its budget of %(budget)s: %(spent)s spent and %(committed)s "
        "committed so far, %(available)s available."
    ) % {
        "name": chart.name,
        "first": _month_name(chart.months[0].month),
        "last": _month_name(chart.months[-1].month),
        "currency": currency,
        "budget": amount(chart.budget),
        "spent": amount(chart.spent),
        "committed": amount(chart.committed),
        "available": amount(chart.available),
    }
    if chart.has_projection and chart.pace is not None and chart.end is not None:
        text += " " + gettext(
            "Dashed: at the current pace (%(pace)s a month), the spending projected at its "
            "end date, %(end)s, is %(projected)s."
        ) % {
            "pace": amount(chart.pace),
            "end": date_format(chart.end, "DATE_FORMAT"),
            "projected": amount(chart.projected),
        }
        if _runs_out(chart) and chart.run_out is not None:
            text += " " + gettext("The budget runs out in %(month)s.") % {
                "month": _month_name(chart.run_out)
            }
    return text


def _runs_out(chart: BurnChart) -> bool:
    """Whether the projection says the budget runs out before the end (or already has)."""
    return chart.has_projection and chart.status in (Status.RUNS_OUT, Status.OVERSPENT)


def _points(frame: _Frame, points: Sequence[tuple[int, Decimal]]) -> str:
    return " ".join(f"{_n(frame.x(i))},{_n(frame.y(v))}" for i, v in points)


@register.simple_tag
def burn_chart(chart: BurnChart, uid: str, currency: str) -> SafeString:
    """The cumulative spending of a funding source against its budget, the open
    commitments on top of the month under way, the projection (dashed) when there is
    one; and the legend with their amounts."""
    if not chart.months:
        return _join([])
    frame = _Frame([m.month for m in chart.months], chart.top)
    spent = [(i, m.cumulative) for i, m in enumerate(chart.months) if m.cumulative is not None]
    current = frame.index(chart.current)
    body = [
        format_html("<defs>{}</defs>", _pattern(uid, "committed")),
        frame.to_come(next((i for i, m in enumerate(chart.months) if m.to_come), None)),
        frame.grid(),
    ]
    budget_y = _n(frame.y(chart.budget))
    body.append(
        format_html(
            '<line class="chart-budget" x1="{}" x2="{}" y1="{}" y2="{}"/>',
            LEFT,
            WIDTH - RIGHT,
            budget_y,
            budget_y,
        )
    )
    at_current = next((v for i, v in spent if i == current), None)
    if current is not None and at_current is not None and chart.committed > 0:
        top, bottom = frame.y(at_current + chart.committed), frame.y(at_current)
        body.append(
            format_html(
                '<rect class="chart-committed" x="{}" y="{}" width="8" height="{}"'
                ' fill="url(#{}-committed)"/>',
                _n(frame.x(current) - 4),
                _n(top),
                _n(max(bottom - top, 0.5)),
                uid,
            )
        )
    projected = [(i, m.projected) for i, m in enumerate(chart.months) if m.projected is not None]
    if projected and current is not None and at_current is not None:
        start = [(current, at_current + chart.committed)] if projected[0][0] == current else []
        body.append(
            format_html(
                '<polyline class="chart-projected" points="{}" fill="none"'
                ' stroke-dasharray="6 4"/>',
                _points(frame, start + projected),
            )
        )
    if spent:
        body.append(
            format_html(
                '<polyline class="chart-spent" points="{}" fill="none"/>', _points(frame, spent)
            )
        )
        if len(chart.months) <= DOTS_UP_TO:
            body.extend(
                format_html(
                    '<circle class="chart-spent-dot" cx="{}" cy="{}" r="2.2"/>',
                    _n(frame.x(i)),
                    _n(frame.y(v)),
                )
                for i, v in spent
            )
    run_out = frame.index(chart.run_out) if _runs_out(chart) and chart.run_out else None
    if run_out is not None:
        body.append(
            format_html(
                '<circle class="chart-run-out" cx="{}" cy="{}" r="4.5"/>',
                _n(frame.x(run_out)),
                budget_y,
            )
        )
    body.append(frame.axis())
    svg = _svg(uid, burn_title(chart), _burn_desc(chart, currency), body)
    return _join([svg, _legend(_burn_legend(chart, uid))])


LINE_SWATCH = '<line class="{}" x1="0" x2="16" y1="5" y2="5" stroke-dasharray="{}"/>'
RUN_OUT_SWATCH = '<circle class="{}" cx="8" cy="5" r="4"/>'


def _burn_legend(chart: BurnChart, uid: str) -> list[tuple[SafeString, str, str]]:
    def line(css: str, dashed: bool = False) -> SafeString:
        return format_html(LINE_SWATCH, css, "4 3" if dashed else "none")

    items = [
        (line("chart-budget"), gettext("Budget"), amount(chart.budget)),
        (line("chart-spent"), gettext("Spent (added up)"), amount(chart.spent)),
        (_fill_swatch(uid, "committed"), gettext("Committed"), amount(chart.committed)),
    ]
    if chart.has_projection:
        items.append(
            (
                line("chart-projected", dashed=True),
                gettext("Projected at the end date, at the current pace"),
                amount(chart.projected),
            )
        )
        if _runs_out(chart) and chart.run_out is not None:
            items.append(
                (
                    format_html(RUN_OUT_SWATCH, "chart-run-out"),
                    gettext("Runs out"),
                    _month_name(chart.run_out),
                )
            )
    return items
