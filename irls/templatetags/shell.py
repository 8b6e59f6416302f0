"""Template tags of the web shell: the lab picker and bilingual fields."""

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import get_language

from irls.access import is_office_head, labs_for_user
from irls.models import Lab

register = template.Library()

SAME_PAGE_IN_EVERY_LAB = frozenset(
    {"ledger:entries", "ledger:imports", "ledger:closing", "reports:statements"}
)


@register.inclusion_tag("shell/lab_picker.html", takes_context=True)
def lab_picker(context: template.Context, current: Lab | None = None) -> dict[str, Any]:
    """Links to the labs the signed-in user may read (and only those), `current` marked."""
    request = context.get("request")
    user = getattr(request, "user", None)
    labs = list(labs_for_user(user)) if user is not None else []
    # On a lab's list page (its entries, imports, closing, statements), each lab's link
    # opens the same page of that lab; elsewhere, the lab's first page.
    match = getattr(request, "resolver_match", None)
    view = match.view_name if match and set(match.kwargs) == {"code"} else ""
    same_page = view if view in SAME_PAGE_IN_EVERY_LAB else "ledger:lab"
    items = [(lab, reverse(same_page, kwargs={"code": lab.code})) for lab in labs]
    return {"labs": items, "current": current}


@register.simple_tag(takes_context=True)
def may_manage_people(context: template.Context) -> bool:
    """True for the office head: the top bar links to the People page."""
    request = context.get("request")
    return is_office_head(getattr(request, "user", None))


@register.filter
def in_language(obj: object, field: str) -> str:
    """`obj.<field>_fr` when the page is in French, `obj.<field>_en` otherwise."""
    suffix = "fr" if (get_language() or "en").startswith("fr") else "en"
    return str(getattr(obj, f"{field}_{suffix}", "") or getattr(obj, f"{field}_en", ""))
