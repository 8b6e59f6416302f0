"""Budget amendments in the admin: top-ups, cuts and transfers, recorded from their
line's page (ledger.admin.budget) and never edited or deleted afterwards (the database
refuses it too). Access follows irls.admin_base."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from irls.admin_base import LabFilter, LabScopedAdmin, LabScopedInline
from ledger.models import BudgetAmendment


def _counterpart_line(amendment: BudgetAmendment) -> str:
    """The other line of a transfer: where it went to, or where it came from."""
    other = amendment.counterpart or getattr(amendment, "counterpart_of", None)
    if other is None:
        return "-"
    text = _("to %(code)s") if amendment.delta < 0 else _("from %(code)s")
    return str(text % {"code": other.budget_line.code})


class BudgetAmendmentInline(LabScopedInline):
    model = BudgetAmendment
    fk_name = "budget_line"
    fields = ["date", "kind", "delta", "justification", "counterpart_line", "created_by"]
    readonly_fields = ["counterpart_line"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[BudgetAmendment]:
        return (
            super()
            .get_queryset(request)
            .select_related("created_by", "counterpart__budget_line", "counterpart_of__budget_line")
        )

    @admin.display(description=_("other line"))
    def counterpart_line(self, amendment: BudgetAmendment) -> str:
        return _counterpart_line(amendment)


@admin.register(BudgetAmendment)
class BudgetAmendmentAdmin(LabScopedAdmin):
    """Top-ups, cuts and transfers: recorded from their line's page, never edited."""

    lab_lookup = "budget_line__lab"
    service_adds = False
    list_display = [
        "date",
        "line",
        "lab",
        "kind",
        "signed_delta",
        "justification",
        "counterpart_line",
        "created_by",
        "created_at",
    ]
    list_filter = [LabFilter, "kind"]
    list_select_related = [
        "budget_line__lab",
        "created_by",
        "counterpart__budget_line",
        "counterpart_of__budget_line",
    ]
    search_fields = ["budget_line__code", "justification"]
    readonly_fields = ["counterpart_line"]
    fields = [
        "budget_line",
        "kind",
        "delta",
        "date",
        "justification",
        "counterpart_line",
        "created_by",
        "created_at",
    ]

    def lab_id_of(self, obj: Any) -> int | None:
        return int(obj.budget_line.lab_id)

    @admin.display(description=_("budget line"), ordering="budget_line__code")
    def line(self, amendment: BudgetAmendment) -> str:
        return amendment.budget_line.code

    @admin.display(description=_("lab"), ordering="budget_line__lab__code")
    def lab(self, amendment: BudgetAmendment) -> str:
        return amendment.budget_line.lab.code

    @admin.display(description=_("change"), ordering="delta")
    def signed_delta(self, amendment: BudgetAmendment) -> str:
        return f"{amendment.delta:+,.2f}"

    @admin.display(description=_("other line"))
    def counterpart_line(self, amendment: BudgetAmendment) -> str:
        return _counterpart_line(amendment)
