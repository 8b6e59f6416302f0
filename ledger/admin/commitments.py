"""Commitments in the admin: purchase orders, conventions and mission orders recorded
through `commitment_create`, invoiced by journal entries, cancelled with a reason through
`commitment_cancel`; never edited. Access follows irls.admin_base."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AdminTextInputWidget
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from irls.admin_base import LabFilter, LabScopedAdmin, LabScopedInline, acting_user
from ledger.admin.action_pages import action_page, attempt
from ledger.models import Commitment, JournalLine
from ledger.selectors import format_amount
from ledger.services import commitment_cancel, commitment_create

COMMITMENT_FIELDS = ["budget_line", "kind", "reference", "third_party", "label", "amount", "date"]


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=300, widget=AdminTextInputWidget)


class CommitmentInvoiceInline(LabScopedInline):
    """The journal lines that invoice the commitment."""

    model = JournalLine
    fk_name = "commitment"
    verbose_name = _("invoice line")
    verbose_name_plural = _("invoice lines")
    fields = ["entry_link", "entry_status", "account", "label", "debit", "credit"]
    readonly_fields = ["entry_link", "entry_status"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[JournalLine]:
        return super().get_queryset(request).select_related("entry", "account")

    @admin.display(description=_("entry"))
    def entry_link(self, line: JournalLine) -> SafeString:
        url = reverse("admin:ledger_journalentry_change", args=[line.entry_id])
        return format_html('<a href="{}">{}</a>', url, line.entry)

    @admin.display(description=_("status"))
    def entry_status(self, line: JournalLine) -> str:
        return line.entry.get_status_display()


@admin.register(Commitment)
class CommitmentAdmin(LabScopedAdmin):
    list_display = [
        "reference",
        "lab",
        "line",
        "kind",
        "date",
        "commitment_amount",
        "invoiced",
        "still_open",
        "status",
    ]
    list_filter = [LabFilter, "status", "kind"]
    list_select_related = ["lab", "budget_line"]
    search_fields = ["reference", "third_party", "label"]
    actions = ["cancel_commitments"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return [(None, {"fields": COMMITMENT_FIELDS})]
        return [
            (None, {"fields": ["lab", *COMMITMENT_FIELDS]}),
            (_("Invoicing"), {"fields": ["status", "invoiced", "still_open", "cancelled_reason"]}),
            (_("Audit trail"), {"fields": ["created_by", "created_at"]}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else ["invoiced", "still_open"]

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return [] if obj is None else [CommitmentInvoiceInline]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"date": timezone.localdate(), **super().get_changeform_initial_data(request)}

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "amount":
            kwargs["min_value"] = Decimal("0.01")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    # -- columns -------------------------------------------------------------------------

    @admin.display(description=_("budget line"), ordering="budget_line__code")
    def line(self, commitment: Commitment) -> str:
        return commitment.budget_line.code

    @admin.display(description=_("amount"), ordering="amount")
    def commitment_amount(self, commitment: Commitment) -> str:
        return format_amount(commitment.amount)

    @admin.display(description=_("invoiced"), ordering="settled")
    def invoiced(self, commitment: Commitment) -> str:
        return format_amount(commitment.settled)

    @admin.display(description=_("open amount"))
    def still_open(self, commitment: Commitment) -> str:
        return format_amount(commitment.open_amount)

    # -- writes --------------------------------------------------------------------------

    def service_save(
        self, request: HttpRequest, form: Any, formsets: list[Any], change: bool
    ) -> models.Model:
        commitment = form.instance
        return commitment_create(
            acting_user=acting_user(request),
            budget_line=commitment.budget_line,
            kind=commitment.kind,
            reference=commitment.reference,
            third_party=commitment.third_party,
            label=commitment.label,
            amount=commitment.amount,
            on=commitment.date,
        )

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        return self.may_write(request)

    @admin.action(description=_("Cancel selected commitments"), permissions=["cancel"])
    def cancel_commitments(
        self, request: HttpRequest, queryset: QuerySet[Commitment]
    ) -> HttpResponse | None:
        """Ask for the reason (intermediate page), then cancel all the selected or none."""
        commitments = list(
            queryset.select_related("lab", "budget_line").order_by("lab__code", "id")
        )
        form = CancelForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]

            def cancel_all() -> list[Commitment]:
                with transaction.atomic():
                    return [
                        commitment_cancel(
                            acting_user=acting_user(request), commitment=c, reason=reason
                        )
                        for c in commitments
                    ]

            if attempt(form, cancel_all) is not None:
                references = ", ".join(c.reference for c in commitments)
                self.message_user(
                    request, _("Cancelled: %(refs)s") % {"refs": references}, messages.SUCCESS
                )
                return None
        return action_page(
            self,
            request,
            form=form,
            title=str(_("Cancel commitments")),
            submit=str(_("Cancel these commitments")),
            cancel_url=reverse("admin:ledger_commitment_changelist"),
            hidden=[
                ("action", "cancel_commitments"),
                *[(helpers.ACTION_CHECKBOX_NAME, c.pk) for c in commitments],
            ],
            table={
                "headers": [_("reference"), _("lab"), _("budget line"), _("open amount")],
                "rows": [
                    [
                        c.reference,
                        c.lab.code,
                        c.budget_line.code,
                        f"{format_amount(c.open_amount)} {c.lab.book_currency}",
                    ]
                    for c in commitments
                ],
            },
        )
