"""The frame of the books in the admin: chart of accounts, journals, fiscal years and
periods, exchange rates, and the audit trail (read-only for everyone).

Objects are created through the setup services; none of these has a service to edit
or delete it, so once created they are shown read-only.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AdminTextInputWidget
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from irls.admin_base import (
    LabFilter,
    LabScopedAdmin,
    LabScopedInline,
    acting_user,
    admin_access,
    whole_number,
)
from ledger.admin.action_pages import action_page, attempt
from ledger.exceptions import LedgerError
from ledger.models import Account, AuditEvent, ExchangeRate, FiscalYear, Journal, Period
from ledger.selectors.audit import OFFICE_REFERENCE_TYPES, office_reference_events
from ledger.services import (
    account_create,
    exchange_rate_set,
    fiscal_year_open,
    journal_create,
    period_close,
    period_reopen,
)


def _fields_for(obj: Any, on_add: list[str], on_view: list[str]) -> Any:
    return on_add if obj is None else on_view


@admin.register(Account)
class AccountAdmin(LabScopedAdmin):
    list_display = ["code", "name_en", "name_fr", "lab", "kind", "is_active"]
    list_filter = [LabFilter, "kind", "is_active"]
    list_select_related = ["lab"]
    search_fields = ["code", "name_en", "name_fr"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return _fields_for(
            obj,
            ["lab", "code", "name_fr", "name_en"],
            ["lab", "code", "name_fr", "name_en", "kind", "parent", "is_active"],
        )

    def service_save(
        self, request: HttpRequest, form: Any, formsets: list[Any], change: bool
    ) -> models.Model:
        account = form.instance
        return account_create(
            acting_user=acting_user(request),
            lab=account.lab,
            code=account.code,
            name_fr=account.name_fr,
            name_en=account.name_en,
        )


@admin.register(Journal)
class JournalAdmin(LabScopedAdmin):
    list_display = ["code", "name_en", "name_fr", "lab", "kind"]
    list_filter = [LabFilter, "kind"]
    list_select_related = ["lab"]
    search_fields = ["code", "name_en", "name_fr"]
    fields = ["lab", "code", "name_fr", "name_en", "kind"]

    def service_save(
        self, request: HttpRequest, form: Any, formsets: list[Any], change: bool
    ) -> models.Model:
        journal = form.instance
        return journal_create(
            acting_user=acting_user(request),
            lab=journal.lab,
            code=journal.code,
            name_fr=journal.name_fr,
            name_en=journal.name_en,
            kind=journal.kind,
        )


class PeriodInline(LabScopedInline):
    model = Period
    fields = ["month", "start_date", "end_date", "status", "status_changed_by", "status_changed_at"]
    show_change_link = True


@admin.register(FiscalYear)
class FiscalYearAdmin(LabScopedAdmin):
    list_display = ["lab", "year", "start_date", "end_date", "status"]
    list_filter = [LabFilter, "year", "status"]
    list_select_related = ["lab"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return _fields_for(
            obj, ["lab", "year"], ["lab", "year", "start_date", "end_date", "status"]
        )

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return [] if obj is None else [PeriodInline]

    def service_save(
        self, request: HttpRequest, form: Any, formsets: list[Any], change: bool
    ) -> models.Model:
        fiscal_year = form.instance
        return fiscal_year_open(
            acting_user=acting_user(request), lab=fiscal_year.lab, year=fiscal_year.year
        )


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=500, widget=AdminTextInputWidget)


def _period_name(period: Period) -> str:
    return f"{period.lab.code} {period.start_date:%Y-%m}"


class YearFilter(admin.SimpleListFilter):
    """Filter periods by fiscal year, offering the years of the labs the user may see."""

    title = _("fiscal year")
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        years = (
            model_admin.get_queryset(request)
            .order_by("-fiscal_year__year")
            .values_list("fiscal_year__year", flat=True)
            .distinct()
        )
        return [(str(year), str(year)) for year in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        year = whole_number(value, 1, 9999)
        return queryset.none() if year is None else queryset.filter(fiscal_year__year=year)


@admin.register(Period)
class PeriodAdmin(LabScopedAdmin):
    service_adds = False
    list_display = [
        "name",
        "month",
        "start_date",
        "end_date",
        "status",
        "status_changed_by",
        "status_changed_at",
    ]
    list_filter = [LabFilter, YearFilter, "status"]
    list_select_related = ["lab", "status_changed_by"]
    fields = [
        "lab",
        "year",
        "month",
        "start_date",
        "end_date",
        "status",
        "status_changed_by",
        "status_changed_at",
    ]
    actions = ["close_periods", "reopen_periods"]

    @admin.display(description=_("period"), ordering="start_date")
    def name(self, period: Period) -> str:
        return _period_name(period)

    @admin.display(description=_("fiscal year"))
    def year(self, period: Period) -> int:
        return period.fiscal_year.year

    def has_period_permission(self, request: HttpRequest) -> bool:
        return self.may_write(request)

    def _set_status(
        self, request: HttpRequest, queryset: QuerySet[Period], service: Any, done: str
    ) -> None:
        try:
            # All or none: a refusal on one month leaves every selected month as it was.
            with transaction.atomic():
                periods = [
                    service(acting_user=acting_user(request), period=period)
                    for period in queryset.order_by("lab__code", "start_date")
                ]
        except LedgerError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        names = ", ".join(_period_name(period) for period in periods)
        self.message_user(request, f"{done}: {names}", messages.SUCCESS)

    @admin.action(description=_("Close selected periods"), permissions=["period"])
    def close_periods(self, request: HttpRequest, queryset: QuerySet[Period]) -> None:
        self._set_status(request, queryset, period_close, str(_("Closed")))

    @admin.action(description=_("Reopen selected periods (office head)"), permissions=["period"])
    def reopen_periods(
        self, request: HttpRequest, queryset: QuerySet[Period]
    ) -> HttpResponse | None:
        """Ask for the reason (intermediate page), then reopen all the selected or none."""
        periods = list(queryset.select_related("lab").order_by("lab__code", "start_date"))
        form = ReopenForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]

            def reopen_all() -> list[Period]:
                with transaction.atomic():
                    return [
                        period_reopen(acting_user=acting_user(request), period=p, reason=reason)
                        for p in periods
                    ]

            if attempt(form, reopen_all) is not None:
                names = ", ".join(_period_name(period) for period in periods)
                self.message_user(request, f"{_('Reopened')}: {names}", messages.SUCCESS)
                return None
        return action_page(
            self,
            request,
            form=form,
            title=str(_("Reopen periods")),
            submit=str(_("Reopen these periods")),
            cancel_url=reverse("admin:ledger_period_changelist"),
            hidden=[
                ("action", "reopen_periods"),
                *[(helpers.ACTION_CHECKBOX_NAME, p.pk) for p in periods],
            ],
            table={
                "headers": [_("period"), _("status")],
                "rows": [[_period_name(p), p.get_status_display()] for p in periods],
            },
        )


@admin.register(ExchangeRate)
class ExchangeRateAdmin(LabScopedAdmin):
    """Rates are the office's, seen by every role, written (added or corrected) by
    office-wide accountants and the office head only; a correction keeps the rate's key."""

    lab_lookup = None
    office_wide_only = True
    service_changes = True
    list_display = ["currency", "source", "valid_from", "units_per_eur"]
    list_filter = ["currency", "source"]
    search_fields = ["currency"]
    fields = ["currency", "source", "valid_from", "units_per_eur"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else ["currency", "source", "valid_from"]

    def service_save(
        self, request: HttpRequest, form: Any, formsets: list[Any], change: bool
    ) -> models.Model:
        rate = form.instance
        return exchange_rate_set(
            acting_user=acting_user(request),
            currency=rate.currency,
            valid_from=rate.valid_from,
            units_per_eur=rate.units_per_eur,
            source=rate.source,
        )


@admin.register(AuditEvent)
class AuditEventAdmin(LabScopedAdmin):
    """The audit trail: append-only, so nobody (not even a superuser) adds, changes or
    deletes an event here."""

    service_adds = False
    list_display = ["at", "action", "lab", "actor", "object_type", "object_repr"]
    list_filter = [LabFilter, "action", "object_type"]
    list_select_related = ["lab", "actor"]
    search_fields = ["action", "object_repr", "object_id"]
    date_hierarchy = "at"
    fields = [
        "at",
        "actor",
        "action",
        "lab",
        "object_type",
        "object_id",
        "object_repr",
        "before",
        "after",
    ]

    def scope(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """The events of the user's labs, and those of the office's reference data
        (rates, institutions), which concern every lab."""
        access = admin_access(request)
        if not access.reads:
            return queryset.none()
        if access.superuser or access.office_wide:
            return queryset
        return queryset.filter(Q(lab__in=access.read_labs) | office_reference_events())

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.lab_id is None and obj.object_type in OFFICE_REFERENCE_TYPES:
            return admin_access(request).reads
        return super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
