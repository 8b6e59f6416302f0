"""Budget lines and their amendments in the admin, for the office's accountants.

Lines are created through `budget_line_create`, with their allocation in book currency or
as notified in another currency (the CNRS and the ANR notify in EUR: the amount and the
rate it is booked at, the chancellery rate of the notification day by default); afterwards
only their labels, funder's category, policy and alert thresholds ("80,100": the
percentages consumed at which the lab's director and accountants are alerted) change
(`budget_line_update`): the allocation never does (the database refuses it). Top-ups,
cuts and transfers are
amendments, recorded on the line's intermediate pages through `budget_line_amend` and
`budget_transfer`, and read-only once recorded (carry-overs between years are recorded
at closing by `budget_carry_forward`). Access follows irls.admin_base.
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.widgets import AdminDateWidget, AdminTextInputWidget
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import ExpressionWrapper, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from irls.admin_base import LabFilter, LabScopedAdmin, acting_user, whole_number
from irls.models import FundingSource
from ledger.admin.action_pages import object_action
from ledger.admin.amendments import BudgetAmendmentInline
from ledger.admin.books import YearFilter
from ledger.exceptions import LedgerError
from ledger.fields import CentsField
from ledger.models import BudgetAmendment, BudgetLine, BudgetSpending, Commitment
from ledger.selectors import BudgetFigures, format_amount
from ledger.selectors.budget import OPEN_STATUSES
from ledger.services import (
    budget_line_amend,
    budget_line_create,
    budget_line_update,
    budget_transfer,
)
from ledger.services.budget import budget_line_notified_allocation

LINE_FIELDS = ["lab", "fiscal_year", "funding_source", "code", "label_fr", "label_en"]
LINE_KIND = ["envelope", "nature", "funder_category", "policy", "alert_thresholds"]
LINE_CHANGEABLE = ["label_fr", "label_en", "funder_category", "policy", "alert_thresholds"]
NOTIFIED_FIELDS = ["notified_currency", "notified_amount", "notified_rate"]
LINE_FIGURES = [
    "allocation",
    "allocated_on",
    "notified",
    "amendments",
    "committed",
    "spent",
    "available",
    "percent",
]


# -- figures of a page of lines, in the list's own query -------------------------------------


def _line_total(model: type[models.Model], value: Any, **filters: Any) -> Coalesce:
    """The sum of `value` over the rows of `model` that belong to the outer budget line."""
    totals = (
        model._default_manager.filter(budget_line=OuterRef("pk"), **filters)
        .order_by()
        .values("budget_line")
        .annotate(total=Sum(value, output_field=CentsField()))
        .values("total")
    )
    return Coalesce(
        Subquery(totals, output_field=CentsField()),
        Value(0, output_field=CentsField()),
        output_field=CentsField(),
    )


def with_figures(lines: QuerySet[BudgetLine]) -> QuerySet[BudgetLine]:
    """`lines` annotated with their amendments, open commitments, spending and what stays
    available (book currency), as budget_availability counts them, in the same query."""
    return lines.annotate(
        amendments_total=_line_total(BudgetAmendment, "delta"),
        committed_total=_line_total(
            Commitment, F("amount") - F("settled"), status__in=OPEN_STATUSES
        ),
        spent_total=_line_total(BudgetSpending, "amount"),
    ).annotate(
        available_total=ExpressionWrapper(
            F("allocated") + F("amendments_total") - F("spent_total") - F("committed_total"),
            output_field=CentsField(),
        )
    )


def _figures(line: Any) -> BudgetFigures:
    return BudgetFigures(
        allocated=line.allocated,
        amendments=line.amendments_total,
        committed=line.committed_total,
        spent=line.spent_total,
    )


class FundingSourceFilter(admin.SimpleListFilter):
    """Filter by funding source, offering those of the labs the user may see."""

    title = _("funding source")
    parameter_name = "funding_source"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        sources = model_admin.scope(request, FundingSource.objects.select_related("lab"))
        return [
            (str(s.pk), f"{s.lab.code} · {s.code}") for s in sources.order_by("lab__code", "code")
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        source = whole_number(value, 1, 2**63 - 1)
        return queryset.none() if source is None else queryset.filter(funding_source_id=source)


# -- the line's own form: an allocation in book currency, or as notified -------------------


class BudgetLineForm(forms.ModelForm):
    """The allocation is given in book currency, or left empty when the line is notified
    in another currency: it is then the notified amount at the rate booked."""

    class Meta:
        model = BudgetLine
        fields = [*LINE_FIELDS, *LINE_KIND, "allocated", "allocated_on", *NOTIFIED_FIELDS]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "allocated" in self.fields:
            self.fields["allocated"].required = False
            self.fields["allocated"].help_text = _(
                "In book currency; leave it empty for an allocation notified in another "
                "currency (below)"
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "allocated" not in self.fields:
            return data
        currency = data.get("notified_currency") or ""
        amount, lab = data.get("notified_amount"), data.get("lab")
        if currency and amount is not None and lab is not None and data.get("allocated_on"):
            try:
                data["allocated"] = budget_line_notified_allocation(
                    lab=lab,
                    currency=currency,
                    amount=amount,
                    rate=data.get("notified_rate"),
                    on=data["allocated_on"],
                )
            except LedgerError as error:
                self.add_error(None, str(error))
            self.instance.allocated = data.get("allocated")
        elif data.get("allocated") is None:
            self.add_error("allocated", _("Give the allocation, or the amount notified."))
        return data


# -- the forms of the line's intermediate pages --------------------------------------------


class _LineActionForm(forms.Form):
    """What every budget action asks: the amount, its date and why."""

    amount = forms.DecimalField(
        label=_("amount"), max_digits=18, decimal_places=2, min_value=Decimal("0.01")
    )
    date = forms.DateField(label=_("date"), widget=AdminDateWidget)
    justification = forms.CharField(
        label=_("justification"), max_length=300, widget=AdminTextInputWidget
    )

    def __init__(self, *args: Any, line: BudgetLine, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.line = line


class AmendmentForm(_LineActionForm):
    kind = forms.ChoiceField(
        label=_("kind"),
        widget=forms.RadioSelect,
        initial=BudgetAmendment.Kind.TOP_UP,
        choices=[
            (BudgetAmendment.Kind.TOP_UP, BudgetAmendment.Kind.TOP_UP.label),
            (BudgetAmendment.Kind.CUT, BudgetAmendment.Kind.CUT.label),
        ],
    )
    field_order = ["kind", "amount", "date", "justification"]

    @property
    def signed_amount(self) -> Decimal:
        """The change to the line: negative for a cut."""
        amount: Decimal = self.cleaned_data["amount"]
        return -amount if self.cleaned_data["kind"] == BudgetAmendment.Kind.CUT else amount


class TransferForm(_LineActionForm):
    """A transfer goes to another line of the same lab and fiscal year."""

    target = forms.ModelChoiceField(label=_("to budget line"), queryset=BudgetLine.objects.none())
    field_order = ["target", "amount", "date", "justification"]

    def __init__(self, *args: Any, line: BudgetLine, **kwargs: Any) -> None:
        super().__init__(*args, line=line, **kwargs)
        target = self.fields["target"]
        assert isinstance(target, forms.ModelChoiceField)
        target.queryset = (
            BudgetLine.objects.filter(lab_id=line.lab_id, fiscal_year_id=line.fiscal_year_id)
            .exclude(pk=line.pk)
            .order_by("code")
        )


# -- budget lines -----------------------------------------------------------------------------


@admin.register(BudgetLine)
class BudgetLineAdmin(LabScopedAdmin):
    form = BudgetLineForm
    service_changes = True
    list_display = [
        "code",
        "lab",
        "year",
        "source",
        "envelope",
        "nature",
        "allocation",
        "amendments",
        "committed",
        "spent",
        "available",
        "percent",
    ]
    list_display_links = ["code"]
    list_filter = [LabFilter, YearFilter, FundingSourceFilter, "envelope", "policy"]
    list_select_related = ["lab", "fiscal_year", "funding_source"]
    search_fields = ["code", "label_fr", "label_en"]
    actions = ["amend_line", "transfer_from_line"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[BudgetLine]:
        return with_figures(super().get_queryset(request))

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            fields = [*LINE_FIELDS, *LINE_KIND, "allocated", "allocated_on"]
            return [
                (None, {"fields": fields}),
                (_("Notified in another currency (optional)"), {"fields": NOTIFIED_FIELDS}),
            ]
        return [
            (None, {"fields": [*LINE_FIELDS, *LINE_KIND]}),
            (_("Allocation and execution (book currency)"), {"fields": LINE_FIGURES}),
            (_("Audit trail"), {"fields": ["created_by", "created_at"]}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        fixed = [f for f in [*LINE_FIELDS, *LINE_KIND] if f not in LINE_CHANGEABLE]
        return [*fixed, *LINE_FIGURES, "created_by", "created_at"]

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return [] if obj is None else [BudgetAmendmentInline]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {
            "allocated_on": timezone.localdate(),
            **super().get_changeform_initial_data(request),
        }

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "allocated":
            kwargs["min_value"] = Decimal("0.00")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        if db_field.name == "fiscal_year":
            kwargs["form_class"] = forms.ModelChoiceField  # "CINTRA 2025" names its lab already
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        line = self.get_object(request, unquote(object_id))
        extra = {"budget_actions": self.may_write(request, line), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    # -- columns -------------------------------------------------------------------------

    @admin.display(description=_("year"), ordering="fiscal_year__year")
    def year(self, line: BudgetLine) -> int:
        return line.fiscal_year.year

    @admin.display(description=_("funding source"), ordering="funding_source__code")
    def source(self, line: BudgetLine) -> str:
        return line.funding_source.code

    @admin.display(description=_("allocated"), ordering="allocated")
    def allocation(self, line: BudgetLine) -> str:
        return format_amount(line.allocated)

    @admin.display(description=_("as notified"))
    def notified(self, line: BudgetLine) -> str:
        if not line.notified_currency or line.notified_amount is None:
            return "-"
        return str(
            _("%(amount)s %(currency)s at %(rate)s (%(source)s rate of %(day)s)")
            % {
                "amount": format_amount(line.notified_amount),
                "currency": line.notified_currency,
                "rate": line.notified_rate,
                "source": line.get_notified_rate_source_display(),
                "day": line.notified_rate_date,
            }
        )

    @admin.display(description=_("amendments"), ordering="amendments_total")
    def amendments(self, line: Any) -> str:
        return format_amount(line.amendments_total)

    @admin.display(description=_("committed"), ordering="committed_total")
    def committed(self, line: Any) -> str:
        return format_amount(line.committed_total)

    @admin.display(description=_("spent"), ordering="spent_total")
    def spent(self, line: Any) -> str:
        return format_amount(line.spent_total)

    @admin.display(description=_("available"), ordering="available_total")
    def available(self, line: Any) -> SafeString | str:
        figures = _figures(line)
        if figures.overspent:
            return format_html("<strong>{}</strong>", format_amount(figures.available))
        return format_amount(figures.available)

    @admin.display(description=_("% consumed"))
    def percent(self, line: Any) -> str:
        percent = _figures(line).percent
        return "-" if percent is None else f"{percent} %"

    # -- writes --------------------------------------------------------------------------

    def service_save(
        self, request: HttpRequest, form: Any, formsets: list[Any], change: bool
    ) -> models.Model:
        line = form.instance
        if change:
            return budget_line_update(
                acting_user=acting_user(request),
                budget_line=line,
                **{name: getattr(line, name) for name in LINE_CHANGEABLE},
            )
        return budget_line_create(
            acting_user=acting_user(request),
            lab=line.lab,
            fiscal_year=line.fiscal_year,
            funding_source=line.funding_source,
            code=line.code,
            label_fr=line.label_fr,
            label_en=line.label_en,
            envelope=line.envelope,
            nature=line.nature,
            funder_category=line.funder_category,
            allocated=None if line.notified_currency else line.allocated,
            allocated_on=line.allocated_on,
            policy=line.policy,
            alert_thresholds=line.alert_thresholds,
            notified_currency=line.notified_currency,
            notified_amount=line.notified_amount,
            notified_rate=line.notified_rate,
        )

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/amend/", view(self.amend_view), name=f"{name}_amend"),
            path("<path:object_id>/transfer/", view(self.transfer_view), name=f"{name}_transfer"),
            *super().get_urls(),
        ]

    def _writable_line(self, request: HttpRequest, object_id: str) -> Any:
        line = self.get_object(request, unquote(object_id))  # 404 for another lab's line
        if not self.may_write(request, line):
            raise PermissionDenied
        return line

    def _line_url(self, line: BudgetLine, view: str = "change") -> str:
        return reverse(f"admin:ledger_budgetline_{view}", args=[quote(line.pk)])

    def _line_table(self, line: Any) -> dict[str, Any]:
        figures = _figures(line)
        amounts = (figures.budget, figures.committed, figures.spent, figures.available)
        return {
            "headers": [_("budget"), _("committed"), _("spent"), _("available")],
            "rows": [[f"{format_amount(a)} {line.lab.book_currency}" for a in amounts]],
        }

    def _line_action(
        self,
        request: HttpRequest,
        object_id: str,
        form_class: type[_LineActionForm],
        title: str,
        submit: str,
        write: Callable[[Any], str],
    ) -> HttpResponse:
        """Ask for `form_class` on the line's intermediate page; once valid, `write(form)`
        calls the service and says what it did, and the user goes back to the line."""
        line = self._writable_line(request, object_id)
        return object_action(
            self,
            request,
            obj=line,
            form=form_class(request.POST or None, line=line),
            write=write,
            title=title % {"code": line.code},
            submit=submit,
            back_url=self._line_url(line),
            table=self._line_table(line),
        )

    def amend_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Top up or cut the line: a dated, justified amendment."""

        def amend(form: AmendmentForm) -> str:
            amendment = budget_line_amend(
                acting_user=acting_user(request),
                budget_line=form.line,
                amount=form.signed_amount,
                on=form.cleaned_data["date"],
                justification=form.cleaned_data["justification"],
            )
            return _("%(kind)s of %(amount)s %(currency)s recorded on %(code)s") % {
                "kind": amendment.get_kind_display(),
                "amount": format_amount(abs(amendment.delta)),
                "currency": form.line.lab.book_currency,
                "code": form.line.code,
            }

        return self._line_action(
            request,
            object_id,
            AmendmentForm,
            str(_("Top up or cut %(code)s")),
            str(_("Record the amendment")),
            amend,
        )

    def transfer_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Move available budget from this line to another of the same lab and year."""

        def transfer(form: TransferForm) -> str:
            data = form.cleaned_data
            budget_transfer(
                acting_user=acting_user(request),
                source=form.line,
                target=data["target"],
                amount=data["amount"],
                on=data["date"],
                justification=data["justification"],
            )
            return _("Transferred %(amount)s %(currency)s from %(source)s to %(target)s") % {
                "amount": format_amount(data["amount"]),
                "currency": form.line.lab.book_currency,
                "source": form.line.code,
                "target": data["target"].code,
            }

        return self._line_action(
            request,
            object_id,
            TransferForm,
            str(_("Transfer from %(code)s to another line")),
            str(_("Record the transfer")),
            transfer,
        )

    # -- list actions: open the intermediate page of the one line selected ----------------

    def has_budget_permission(self, request: HttpRequest) -> bool:
        return self.may_write(request)

    def _one_line_page(
        self, request: HttpRequest, queryset: QuerySet[BudgetLine], view: str
    ) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one budget line."), messages.WARNING)
            return None
        return HttpResponseRedirect(self._line_url(queryset.get(), view))

    @admin.action(description=_("Top up or cut the selected line"), permissions=["budget"])
    def amend_line(self, request: HttpRequest, queryset: QuerySet[BudgetLine]) -> Any:
        return self._one_line_page(request, queryset, "amend")

    @admin.action(description=_("Transfer from the selected line"), permissions=["budget"])
    def transfer_from_line(self, request: HttpRequest, queryset: QuerySet[BudgetLine]) -> Any:
        return self._one_line_page(request, queryset, "transfer")
