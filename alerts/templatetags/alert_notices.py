"""The alerts of a lab on pages other apps own (the home page's cards), as a template tag:
ledger's pages show them without ledger importing alerts (dependencies run one way)."""

from typing import Any

from django import template

from alerts.selectors import alerts_for_user
from irls.models import Lab

register = template.Library()

SHOWN = 5


@register.inclusion_tag("alerts/_notices.html", takes_context=True)
def lab_alerts(context: dict[str, Any], lab: Lab) -> dict[str, Any]:
    """The open alerts of `lab` (newest first, at most five), as the user reads them."""
    notices = alerts_for_user(context["request"].user, lab=lab)
    open_notices = [notice for notice in notices if notice.is_open]
    return {"lab": lab, "notices": open_notices[:SHOWN], "more": len(open_notices) > SHOWN}
