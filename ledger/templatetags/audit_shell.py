"""Template tags of the auditor's workspace: its link in the top bar, JSON shown as text."""

import json
from typing import Any

from django import template

from irls.models import RoleGrant
from ledger.selectors.audit import AUDIT_ROLES

register = template.Library()


@register.simple_tag(takes_context=True)
def may_audit(context: template.Context) -> bool:
    """True when the signed-in user has a lab to audit (auditors, accountants, office head)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    # One query: any grant of an audit role opens a lab (or every lab).
    return RoleGrant.objects.filter(user_id=user.pk, role__in=list(AUDIT_ROLES)).exists()


@register.filter
def as_json(value: Any) -> str:
    """A JSON value (an event's before or after) as indented text; autoescaped like any
    text when shown."""
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)
