"""A set of budget figures as the budget pages show it: its cells in a row of the budget
table, its consumption bar, its flag.

Written here rather than as included templates: a budget page shows each of these for
hundreds of rows, and an include costs a new context and a few dozen template nodes
each time (a third of the page's time over 200 budget lines; bench/README.md, "Budget
page"). The flag and the bar take the book figures: percentages, bars and flags are
those of the currency of the books whatever currency the amounts are shown in.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from ledger.selectors import BudgetFigures
from ledger.templatetags.ledger_format import amount, budget_mark, css_percent, percent

register = template.Library()

FLAG = '<span class="flag flag-{}"><span class="flag-icon" aria-hidden="true"></span>{}</span>'
BAR = (
    '<span class="consumption"><span class="bar{}" aria-hidden="true">'
    '<span class="bar-spent" style="width: {}"></span>'
    '<span class="bar-committed" style="width: {}"></span>{}</span>'
    '<span class="pct">{}</span></span>'
)
CELLS = (
    '<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>'
    '<td class="num available{}">{}</td>{}<td class="num">{}</td>'
)
NOT_CONVERTED = '<td class="num not-available"><abbr title="{}">—</abbr></td>'


@register.simple_tag
def budget_flag(figures: BudgetFigures) -> SafeString | str:
    """The flag "Overspent" or "Over 90% used", in words (not only in colour), or nothing."""
    if figures.overspent:
        return format_html(FLAG, "over", gettext("Overspent"))
    if figures.watch:
        # python-format: the msgid doubles its percent sign, as {% translate %} does.
        return format_html(FLAG, "watch", gettext("Over 90%% used") % {})
    return ""


@register.simple_tag
def budget_bar(figures: BudgetFigures) -> SafeString:
    """Spent and committed as stacked bars, the budget's end marked on an overspent bar
    (scaled to what it consumed), and the percentage consumed."""
    state = " bar-over" if figures.overspent else " bar-watch" if figures.watch else ""
    limit = (
        format_html('<span class="bar-limit" style="left: {}"></span>', budget_mark(figures))
        if figures.overspent
        else ""
    )
    return format_html(
        BAR,
        state,
        css_percent(figures.spent_percent),
        css_percent(figures.committed_percent),
        limit,
        percent(figures.percent),
    )


@register.simple_tag
def budget_cells(figures: BudgetFigures | None, book: BudgetFigures) -> SafeString:
    """The cells of a row: allocated, amendments, committed, spent and available in the
    currency shown, the bar of the `book` figures, spent this month. `figures` None: not
    converted (a month without a chancellery rate), a dash in each amount's cell."""
    bar = format_html('<td class="consumption-cell">{}</td>', budget_bar(book))
    if figures is None:
        why = gettext("Not converted: a month of these amounts has no chancellery rate")
        dash = format_html(NOT_CONVERTED, why)
        return mark_safe(dash * 5 + bar + dash)  # noqa: S308 (pieces built by format_html)
    return format_html(
        CELLS,
        amount(figures.allocated),
        amount(figures.amendments),
        amount(figures.committed),
        amount(figures.spent),
        " negative" if figures.available < 0 else "",
        amount(figures.available),
        bar,
        amount(figures.spent_this_month),
    )
