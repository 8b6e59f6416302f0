"""Commitments in the admin: purchase orders, conventions and mission orders recorded
through `commitment_create`, invoiced by journal entries; on their own pages, carried over
to the next year (`commitment_carry_over`), amended up or down (`commitment_amend`) or
cancelled with a reason (`commitment_cancel`); never edited. The list carries over or
cancels several at once, all or none. Access follows irls.admin_base."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.widgets import AdminDateWidget, AdminTextInputWidget
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from irls.admin_base import LabFilter, LabScopedAdmin, LabScopedInline, acting_user
from ledger.admin.action_pages import action_page, attempt, object_action
from ledger.models import BudgetLine, Commitment, CommitmentAmendment, FiscalYear, JournalLine
from ledger.selectors import format_amount, matching_budget_line
from ledger.selectors.budget import OPEN_STATUSES
from ledger.services import (
    commitment_amend,
    commitment_cancel,
    commitment_carry_over,
    commitment_create,
)

COMMITMENT_FIELDS = ["budget_line", "kind", "reference", "third_party", "label", "amount", "date"]
RAISE, LOWER = "raise", "lower"


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=300, widget=AdminTextInputWidget)

    def __init__(self, *args: Any, commitment: Commitment | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commitment = commitment


def _next_year(commitment: Commitment) -> FiscalYear | None:
    year = commitment.budget_line.fiscal_year
    return FiscalYear.objects.filter(lab_id=year.lab_id, year=year.year + 1).first()


class CarryOverForm(forms.Form):
    """Where the open amount goes: a line of the next year (the same code by default)."""

    to_budget_line = forms.ModelChoiceField(
        label=_("to budget line"),
        queryset=BudgetLine.objects.none(),
        help_text=_("A budget line of the next fiscal year; the line of the same code by default"),
    )
    date = forms.DateField(label=_("date"), widget=AdminDateWidget)

    def __init__(self, *args: Any, commitment: Commitment, **kwargs: Any) -> None:
        following = _next_year(commitment)
        initial: dict[str, Any] = {}
        if following is not None:
            initial["date"] = following.start_date
            match = matching_budget_line(commitment.budget_line, following)
            if match is not None:
                initial["to_budget_line"] = match.pk
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.commitment = commitment
        field = self.fields["to_budget_line"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            BudgetLine.objects.filter(lab_id=commitment.lab_id, fiscal_year=following).order_by(
                "code"
            )
            if following is not None
            else BudgetLine.objects.none()
        )


class CarryAllForm(forms.Form):
    date = forms.DateField(
        label=_("date"),
        required=False,
        widget=AdminDateWidget,
        help_text=_("Of the carried commitments; empty: the first day of the next year"),
    )


class AmendForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("change"),
        widget=forms.RadioSelect,
        initial=RAISE,
        choices=[(RAISE, _("Raise the amount")), (LOWER, _("Lower the amount"))],
    )
    amount = forms.DecimalField(
        label=_("by"), max_digits=18, decimal_places=2, min_value=Decimal("0.01")
    )
    date = forms.DateField(label=_("date"), widget=AdminDateWidget)
    justification = forms.CharField(
        label=_("justification"), max_length=300, widget=AdminTextInputWidget
    )

    def __init__(self, *args: Any, commitment: Commitment, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.commitment = commitment

    @property
    def delta(self) -> Decimal:
        amount: Decimal = self.cleaned_data["amount"]
        return -amount if self.cleaned_data["direction"] == LOWER else amount


class CommitmentAmendmentInline(LabScopedInline):
    """The amendments of the commitment: its history of amounts."""

    model = CommitmentAmendment
    fk_name = "commitment"
    fields = ["date", "delta", "justification", "created_by", "created_at"]
    readonly_fields = ["created_at"]


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
    list_filter = [LabFilter, "status", "kind", "budget_line__fiscal_year__year"]
    list_select_related = ["lab", "budget_line__fiscal_year"]
    search_fields = ["reference", "third_party", "label"]
    actions = ["carry_over_commitments", "cancel_commitments"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return [(None, {"fields": COMMITMENT_FIELDS})]
        return [
            (None, {"fields": ["lab", *COMMITMENT_FIELDS]}),
            (_("Invoicing"), {"fields": ["status", "invoiced", "still_open", "cancelled_reason"]}),
            (_("Across the years"), {"fields": ["carried_from", "carried_to_link"]}),
            (_("Audit trail"), {"fields": ["created_by", "created_at"]}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else ["invoiced", "still_open", "carried_to_link"]

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return [] if obj is None else [CommitmentAmendmentInline, CommitmentInvoiceInline]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        commitment = self.get_object(request, unquote(object_id))
        writable = self.may_write(request, commitment)
        extra = {
            "commitment_open": writable and commitment.status in OPEN_STATUSES,
            "commitment_amendable": writable
            and commitment.status in (*OPEN_STATUSES, Commitment.Status.SETTLED),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra)

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

    @admin.display(description=_("carried over to"))
    def carried_to_link(self, commitment: Commitment) -> SafeString | str:
        carried = Commitment.objects.filter(carried_from=commitment).first()
        if carried is None:
            return "-"
        return format_html('<a href="{}">{}</a>', self._url(carried), carried.reference)

    def _url(self, commitment: Commitment, view: str = "change") -> str:
        return reverse(f"admin:ledger_commitment_{view}", args=[quote(commitment.pk)])

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

    @admin.action(
        description=_("Carry selected commitments over to the next year"), permissions=["cancel"]
    )
    def carry_over_commitments(
        self, request: HttpRequest, queryset: QuerySet[Commitment]
    ) -> HttpResponse | None:
        """Carry each selected commitment to the line of the same code in the next year,
        all or none (a commitment going to another line is carried from its own page)."""
        commitments = list(
            queryset.select_related("lab", "budget_line__fiscal_year").order_by("lab__code", "id")
        )
        form = CarryAllForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            on = form.cleaned_data["date"]

            def carry_all() -> list[Commitment]:
                with transaction.atomic():
                    return [
                        commitment_carry_over(acting_user=acting_user(request), commitment=c, on=on)
                        for c in commitments
                    ]

            carried = attempt(form, carry_all)
            if carried is not None:
                done = ", ".join(
                    f"{c.reference} → {n.reference}"
                    for c, n in zip(commitments, carried, strict=True)
                )
                self.message_user(
                    request, _("Carried over: %(refs)s") % {"refs": done}, messages.SUCCESS
                )
                return None
        return action_page(
            self,
            request,
            form=form,
            title=str(_("Carry commitments over to the next year")),
            submit=str(_("Carry these commitments over")),
            cancel_url=reverse("admin:ledger_commitment_changelist"),
            hidden=[
                ("action", "carry_over_commitments"),
                *[(helpers.ACTION_CHECKBOX_NAME, c.pk) for c in commitments],
            ],
            table={
                "headers": [
                    _("reference"),
                    _("lab"),
                    _("budget line"),
                    _("open amount"),
                    _("goes to"),
                ],
                "rows": [
                    [
                        c.reference,
                        c.lab.code,
                        f"{c.budget_line.code} {c.budget_line.fiscal_year.year}",
                        f"{format_amount(c.open_amount)} {c.lab.book_currency}",
                        _target_text(c),
                    ]
                    for c in commitments
                ],
            },
        )

    # -- the commitment's own pages ------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/carry-over/",
                view(self.carry_over_view),
                name=f"{name}_carry_over",
            ),
            path("<path:object_id>/amend/", view(self.amend_view), name=f"{name}_amend"),
            path("<path:object_id>/cancel/", view(self.cancel_view), name=f"{name}_cancel"),
            *super().get_urls(),
        ]

    def _writable(self, request: HttpRequest, object_id: str) -> Commitment:
        commitment = self.get_object(request, unquote(object_id))  # 404 for another lab's
        if not self.may_write(request, commitment):
            raise PermissionDenied
        return commitment

    def _commitment_action(
        self,
        request: HttpRequest,
        object_id: str,
        make_form: Callable[[Commitment], forms.Form],
        title: str,
        submit: str,
        write: Callable[[Any], str],
    ) -> HttpResponse:
        """Ask for the form on the commitment's page; once valid, `write(form)` calls the
        service and says what it did, and the user goes back to the commitment."""
        commitment = self._writable(request, object_id)
        return object_action(
            self,
            request,
            obj=commitment,
            form=make_form(commitment),
            write=write,
            title=title % {"ref": commitment.reference},
            submit=submit,
            back_url=self._url(commitment),
            table=_commitment_table(commitment),
        )

    def carry_over_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Carry the open amount to a line of the next year (same code by default)."""

        def carry(form: CarryOverForm) -> str:
            carried = commitment_carry_over(
                acting_user=acting_user(request),
                commitment=form.commitment,
                to_budget_line=form.cleaned_data["to_budget_line"],
                on=form.cleaned_data["date"],
            )
            return _(
                "%(ref)s carried over as %(new)s on %(code)s %(year)s: %(amount)s %(currency)s"
            ) % {
                "ref": form.commitment.reference,
                "new": carried.reference,
                "code": carried.budget_line.code,
                "year": carried.budget_line.fiscal_year.year,
                "amount": format_amount(carried.amount),
                "currency": form.commitment.lab.book_currency,
            }

        return self._commitment_action(
            request,
            object_id,
            lambda c: CarryOverForm(request.POST or None, commitment=c),
            str(_("Carry %(ref)s over to the next year")),
            str(_("Carry over")),
            carry,
        )

    def amend_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Raise or lower the amount, dated and justified."""

        def amend(form: AmendForm) -> str:
            amendment = commitment_amend(
                acting_user=acting_user(request),
                commitment=form.commitment,
                delta=form.delta,
                date=form.cleaned_data["date"],
                justification=form.cleaned_data["justification"],
            )
            return _("%(ref)s amended by %(delta)s: now %(amount)s %(currency)s") % {
                "ref": form.commitment.reference,
                "delta": f"{amendment.delta:+,.2f}",
                "amount": format_amount(amendment.commitment.amount),
                "currency": form.commitment.lab.book_currency,
            }

        return self._commitment_action(
            request,
            object_id,
            lambda c: AmendForm(request.POST or None, commitment=c),
            str(_("Amend %(ref)s")),
            str(_("Record the amendment")),
            amend,
        )

    def cancel_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Cancel what is left open, with a reason."""

        def cancel(form: CancelForm) -> str:
            assert form.commitment is not None
            commitment_cancel(
                acting_user=acting_user(request),
                commitment=form.commitment,
                reason=form.cleaned_data["reason"],
            )
            return _("Cancelled: %(refs)s") % {"refs": form.commitment.reference}

        return self._commitment_action(
            request,
            object_id,
            lambda c: CancelForm(request.POST or None, commitment=c),
            str(_("Cancel %(ref)s")),
            str(_("Cancel this commitment")),
            cancel,
        )


def _target_text(commitment: Commitment) -> str:
    following = _next_year(commitment)
    if following is None:
        return str(_("no next fiscal year yet"))
    match = matching_budget_line(commitment.budget_line, following)
    if match is None:
        return str(
            _("no line %(code)s in %(year)s: create it, or carry from the commitment's page")
            % {"code": commitment.budget_line.code, "year": following.year}
        )
    return f"{match.code} {following.year}"


def _commitment_table(commitment: Commitment) -> dict[str, Any]:
    currency = commitment.lab.book_currency
    return {
        "headers": [_("budget line"), _("amount"), _("invoiced"), _("open amount"), _("status")],
        "rows": [
            [
                f"{commitment.budget_line.code} {commitment.budget_line.fiscal_year.year}",
                f"{format_amount(commitment.amount)} {currency}",
                f"{format_amount(commitment.settled)} {currency}",
                f"{format_amount(commitment.open_amount)} {currency}",
                commitment.get_status_display(),
            ]
        ],
    }
