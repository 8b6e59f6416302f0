"""The entry form's select options, rendered once a page and reused by every line.

A lab has hundreds of budget lines and commitments: rendered by each line's widget they
cost half a second a page; built once as HTML (escaped) and marked selected per line by
a string replacement, they cost nothing."""

from collections.abc import Iterable

from django import template
from django.utils.html import escape, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def options_html(choices: Iterable[tuple[object, str]], blank: str | None = "---------") -> str:
    """`<option>`s of (value, label) pairs, escaped, a blank one first unless `blank` is
    None."""
    head = f'<option value="">{escape(blank)}</option>' if blank is not None else ""
    return head + format_html_join("", '<option value="{}">{}</option>', choices)


@register.simple_tag
def options(html: str, value: object) -> SafeString:
    """The prepared options with `value` selected."""
    chosen = "" if value is None else escape(str(value))
    if chosen == "":
        return mark_safe(html)  # noqa: S308 - built by options_html, every part escaped
    marked = html.replace(f'<option value="{chosen}">', f'<option value="{chosen}" selected>', 1)
    return mark_safe(marked)  # noqa: S308 - built by options_html, every part escaped
