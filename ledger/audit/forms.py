"""The filters of the auditor's workspace, read from the query string and validated.

A filter form refuses parameters it does not know (so `?lab__in=`, `?order_by=` or
`?_connector=` answer 400 with the list of filters, instead of being silently ignored),
values of the wrong shape (400) and labs outside the user's scope (the view answers 404,
as for any lab the user may not see).
"""

from datetime import date
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from ledger.audit.readable import action_words
from ledger.models import ImportBatch
from ledger.selectors.audit import OFFICE, AuditScope, audit_actions

MAX_PAGE = 1_000_000
# Sent with a form but not a filter.
NOT_FILTERS = frozenset({"csrfmiddlewaretoken"})
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)

UNKNOWN_FILTER = _("This page has no filter named %(names)s. Its filters are: %(known)s.")
DATES_REVERSED = _("The start date is after the end date.")
DATE_OUT_OF_RANGE = _("Give a date between 1900-01-01 and 2999-12-31.")
BAD_USERNAME = _("A username holds letters, digits and the characters @ . + - _ only.")
ALL = _("All")


def _date_field(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[
            MinValueValidator(FIRST_DAY, DATE_OUT_OF_RANGE),
            MaxValueValidator(LAST_DAY, DATE_OUT_OF_RANGE),
        ],
    )


def lab_choices(scope: AuditScope) -> list[tuple[str, Any]]:
    """All labs, each lab of the scope, and the office's records for office-wide users."""
    choices: list[tuple[str, Any]] = [("", ALL)]
    choices += [(lab.code, f"{lab.code} · {lab.name}") for lab in scope.labs]
    if scope.office_wide:
        choices.append((OFFICE, _("Office records (no lab)")))
    return choices


class ScopedFilterForm(forms.Form):
    """A query-string form over the labs of an audit scope."""

    lab = forms.ChoiceField(label=_("Lab"), required=False)
    page = forms.IntegerField(
        label=_("Page"), required=False, min_value=1, max_value=MAX_PAGE, widget=forms.HiddenInput
    )

    def __init__(self, data: QueryDict, *, scope: AuditScope) -> None:
        super().__init__(data)
        self.scope = scope
        self.fields["lab"].choices = lab_choices(scope)  # type: ignore[attr-defined]
        self.unknown = sorted(
            key for key in data if key not in self.fields and key not in NOT_FILTERS
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.unknown:
            known = ", ".join(name for name in self.fields if name != "page")
            raise forms.ValidationError(
                UNKNOWN_FILTER,
                code="unknown_filter",
                params={"names": ", ".join(self.unknown), "known": known},
            )
        return cleaned

    @property
    def lab_refused(self) -> bool:
        """True when the lab asked for is not one the user may audit (or does not exist)."""
        return self.is_bound and "lab" in self.errors

    def scope_filters(self) -> dict[str, Any]:
        """`lab` and `office_only` for the selectors, from a valid form."""
        code = self.cleaned_data.get("lab") or ""
        return {"lab": self.scope.lab(code), "office_only": code == OFFICE}

    def page_number(self) -> int:
        return int(self.cleaned_data.get("page") or 1)


class TrailFilterForm(ScopedFilterForm):
    """Filters of the audit trail (and of its export)."""

    user = forms.CharField(
        label=_("User"),
        required=False,
        max_length=150,
        validators=[RegexValidator(r"^[\w.@+-]+\Z", BAD_USERNAME)],
        help_text=_("A username, or “system” for the management commands."),
    )
    action = forms.ChoiceField(label=_("Action"), required=False)
    date_from = _date_field(_("From"))
    date_to = _date_field(_("To"))

    field_order = ["lab", "user", "action", "date_from", "date_to", "page"]

    def __init__(self, data: QueryDict, *, scope: AuditScope) -> None:
        super().__init__(data, scope=scope)
        actions = [(action, action_words(action)) for action in audit_actions()]
        self.fields["action"].choices = [("", ALL), *actions]  # type: ignore[attr-defined]
        self.fields["user"].widget.attrs["list"] = "audit-users"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", DATES_REVERSED)
        return cleaned

    def event_filters(self) -> dict[str, Any]:
        """The keyword arguments of `audit_events`, from a valid form."""
        data = self.cleaned_data
        return {
            **self.scope_filters(),
            "username": data.get("user") or "",
            "action": data.get("action") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }


class ImportFilterForm(ScopedFilterForm):
    """Filters of the import batches."""

    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", ALL), *ImportBatch.Kind.choices]
    )
    result = forms.ChoiceField(
        label=_("Result"), required=False, choices=[("", ALL), *ImportBatch.Result.choices]
    )

    field_order = ["lab", "kind", "result", "page"]

    def batch_filters(self) -> dict[str, Any]:
        """The keyword arguments of `import_batches`, from a valid form."""
        data = self.cleaned_data
        return {
            **self.scope_filters(),
            "kind": data.get("kind") or "",
            "result": data.get("result") or "",
        }


class VerifyForm(ScopedFilterForm):
    """Which lab to verify (every lab of the scope when empty)."""

    def __init__(self, data: QueryDict, *, scope: AuditScope) -> None:
        super().__init__(data, scope=scope)
        # The office has no ledger of its own: labs only.
        self.fields["lab"].choices = [  # type: ignore[attr-defined]
            choice for choice in lab_choices(scope) if choice[0] != OFFICE
        ]
