"""Budget alerts in the admin: read-only, for the auditors and the office (alerts are
raised by the check, alerts.services; nobody adds, changes or deletes one here)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from alerts.models import Alert, AlertDelivery
from irls.admin_base import LabFilter, LabScopedAdmin, LabScopedInline


class AlertDeliveryInline(LabScopedInline):
    model = AlertDelivery
    fields = ("user", "role", "channel", "email", "language", "emailed_at", "error")
    readonly_fields = fields
    max_num = 0


@admin.register(Alert)
class AlertAdmin(LabScopedAdmin):
    service_adds = False
    list_display = (
        "created_at",
        "lab",
        "kind",
        "__str__",
        "percent",
        "forecast_status",
        "run_out",
        "crossing",
        "cleared_at",
    )
    list_filter = (LabFilter, "kind", "forecast_status")
    list_select_related = ("lab",)
    date_hierarchy = "created_at"
    inlines = (AlertDeliveryInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [field.name for field in self.model._meta.fields]
