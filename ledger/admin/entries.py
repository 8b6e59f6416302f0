"""Journal entries in the admin: drafts recorded with their lines, posted, reversed.

Drafts are written by the entry services (never by the admin's own save); a posted
entry is frozen, so its page is read-only and it cannot be deleted.
"""

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import QuerySet, Sum, Value
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from irls.admin_base import (
    LabCodedChoiceField,
    LabFilter,
    LabScopedAdmin,
    acting_user,
    admin_access,
    limit_choices_to_labs,
    whole_number,
)
from ledger.admin.action_pages import action_page, attempt
from ledger.exceptions import LedgerError
from ledger.fields import CentsField
from ledger.models import Journal, JournalEntry, JournalLine
from ledger.selectors import format_amount
from ledger.selectors.documents import entry_documents
from ledger.services import (
    LineInput,
    entries_post,
    entry_create_draft,
    entry_delete_draft,
    entry_ref,
    entry_reverse,
    entry_update_draft,
)
from ledger.services.guarded import db_guarded
from parties.models import ThirdParty

ZERO = Decimal("0.00")
# Line fields whose choices are limited to the entry's lab once it has one.
LAB_CHOICES = ["account", "budget_line", "commitment"]
HEADER_FIELDS = ["journal", "date", "label", "piece_ref", "piece_date"]
POSTING_FIELDS = [
    "reference",
    "status",
    "debit_total",
    "credit_total",
    "posted_by",
    "posted_at",
    "reversal_of_link",
    "reversed_by_link",
    "hash_code",
    "documents_links",
    "created_by",
    "created_at",
]


def _cents_sum(field: str) -> Sum:
    # Summed as integer cents (CentsField), so totals are exact on SQLite too.
    return Sum(field, output_field=CentsField(), default=Value(0, output_field=CentsField()))


def _entry_link(entry: JournalEntry) -> SafeString:
    url = reverse("admin:ledger_journalentry_change", args=[entry.pk])
    return format_html('<a href="{}">{}</a>', url, entry)


def _entry_writable(request: HttpRequest, entry: JournalEntry | None) -> bool:
    """True when the user may record a new entry (None) or change this draft."""
    if entry is not None and entry.is_posted:
        return False
    return admin_access(request).may_write(entry.lab_id if entry is not None else None)


class JournalFilter(admin.SimpleListFilter):
    """Filter by journal code (ACH, BQS, ...) across the labs the user may see."""

    title = _("journal")
    parameter_name = "journal"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        journals = model_admin.scope(request, Journal.objects.all())
        codes = journals.order_by("code").values_list("code", flat=True).distinct()
        return [(code, code) for code in codes]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(journal__code=self.value()) if self.value() else queryset


class MonthFilter(admin.SimpleListFilter):
    """Filter by the month (period) of the entry's date."""

    title = _("period")
    parameter_name = "month"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        entries = model_admin.scope(request, JournalEntry.objects.all())
        return [(f"{m:%Y-%m}", f"{m:%Y-%m}") for m in entries.dates("date", "month", "DESC")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        year, _sep, month = value.partition("-")
        year_number, month_number = whole_number(year, 1, 9999), whole_number(month, 1, 12)
        if year_number is None or month_number is None:
            return queryset.none()
        return queryset.filter(date__year=year_number, date__month=month_number)


class JournalEntryForm(forms.ModelForm):
    """The entry's header; once the entry has a lab, only that lab's journals."""

    class Meta:
        model = JournalEntry
        fields = ["lab", *HEADER_FIELDS]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        journal = self.fields.get("journal")
        if isinstance(journal, forms.ModelChoiceField) and self.instance.lab_id:
            journal.queryset = journal.queryset.filter(lab_id=self.instance.lab_id)  # type: ignore[union-attr]


class CommitmentChoiceField(LabCodedChoiceField):
    """`CINTRA · PO-2025-001 Clean-room wafers`: the lab, the reference and what it is for."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.lab.code} · {obj.reference} {obj.label}"


class ReverseForm(forms.Form):
    date = forms.DateField(
        label=_("reversal date"),
        help_text=_(
            "The day of the correction: an open day on or after the entry's date. An entry "
            "of a closed year is reversed in the open year."
        ),
    )
    reason = forms.CharField(
        label=_("reason"), max_length=150, help_text=_("Why the entry is reversed (audited)")
    )


class LineFormSet(BaseInlineFormSet):
    """The lines of one entry; once the entry has a lab, only that lab's accounts, budget
    lines and commitments."""

    def add_fields(self, form: Any, index: Any) -> None:
        super().add_fields(form, index)
        if not self.instance.lab_id:
            return
        for name in LAB_CHOICES:
            field = form.fields.get(name)
            if field is not None:
                field.queryset = field.queryset.filter(lab_id=self.instance.lab_id)

    def line_inputs(self) -> list[LineInput]:
        """The lines as the services take them, without blank and deleted rows."""
        deleted = {id(form) for form in self.deleted_forms}
        return [
            LineInput(
                account=form.cleaned_data["account"],
                debit=form.cleaned_data.get("debit") or ZERO,
                credit=form.cleaned_data.get("credit") or ZERO,
                label=form.cleaned_data.get("label", ""),
                amount_currency=form.cleaned_data.get("amount_currency"),
                third_party=getattr(form.cleaned_data.get("third_party"), "code", ""),
                budget_line=form.cleaned_data.get("budget_line"),
                commitment=form.cleaned_data.get("commitment"),
            )
            for form in self.forms
            if form.cleaned_data and id(form) not in deleted
        ]


class JournalLineInline(admin.TabularInline):
    model = JournalLine
    formset = LineFormSet
    readonly_fields = ["rate", "foreign_amount"]

    class Media:
        css = {"all": ["ledger/journal_lines.css"]}

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        foreign = "amount_currency" if _entry_writable(request, obj) else "foreign_amount"
        return [
            "account",
            "label",
            "debit",
            "credit",
            foreign,
            "third_party",
            "budget_line",
            "commitment",
            "rate",
        ]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "third_party":
            # The code typed, not a list of every third party of the office (another
            # lab's suppliers are that lab's own).
            return forms.ModelChoiceField(
                queryset=ThirdParty.objects.all(),
                to_field_name="code",
                widget=forms.TextInput(attrs={"size": 12, "maxlength": 40}),
                required=False,
                label=db_field.verbose_name,
            )
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and db_field.name == "amount_currency":
            # A foreign amount of a CNRS lab is most often in euros; SGD is the book's own.
            field.widget.default_currency = settings.REPORTING_CURRENCY
            field.initial = [None, settings.REPORTING_CURRENCY]
        return field

    def get_queryset(self, request: HttpRequest) -> QuerySet[JournalLine]:
        return (
            super()
            .get_queryset(request)
            .select_related("account__lab", "budget_line__lab", "commitment__lab")
        )

    def get_extra(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> int:
        return 2 if obj is None else 1

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "commitment":
            kwargs["form_class"] = CommitmentChoiceField
        limit_choices_to_labs(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("amount in currency"))
    def foreign_amount(self, line: JournalLine) -> str:
        amount = line.amount_currency
        return "" if amount is None else f"{amount.amount:,.2f} {amount.currency}"

    @admin.display(description=_("rate used"))
    def rate(self, line: JournalLine) -> str:
        if line.fx_rate is None:
            return ""
        return f"{line.fx_rate} ({line.get_fx_rate_source_display()}, {line.fx_rate_date})"

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return admin_access(request).reads

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _entry_writable(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _entry_writable(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _entry_writable(request, obj)


@admin.register(JournalEntry)
class JournalEntryAdmin(LabScopedAdmin):
    form = JournalEntryForm
    inlines = [JournalLineInline]
    service_changes = True
    service_deletes = True
    list_display = [
        "reference",
        "date",
        "lab",
        "journal",
        "label",
        "piece_ref",
        "status",
        "debit_total",
    ]
    list_display_links = ["reference"]
    list_filter = [LabFilter, JournalFilter, MonthFilter, "status"]
    list_select_related = ["lab", "journal"]
    search_fields = ["number", "piece_ref", "label"]
    actions = ["post_entries", "reverse_entries"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[JournalEntry]:
        # Totals come from one GROUP BY with the list, never from a query per row.
        return (
            super()
            .get_queryset(request)
            .annotate(
                total_debit=_cents_sum("lines__debit"), total_credit=_cents_sum("lines__credit")
            )
        )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        entry = (None, {"fields": ["lab", *HEADER_FIELDS]})
        if obj is None:
            return [entry]
        return [entry, (_("Posting and audit trail"), {"fields": POSTING_FIELDS})]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # An entry stays in its lab: the services change everything else of a draft.
        return [] if obj is None else ["lab", *POSTING_FIELDS]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"date": timezone.localdate(), **super().get_changeform_initial_data(request)}

    def is_frozen(self, obj: Any) -> bool:
        return bool(obj.is_posted)

    # -- columns -----------------------------------------------------------------------

    @admin.display(description=_("number"), ordering="number")
    def reference(self, entry: JournalEntry) -> str:
        return entry.number or str(_("draft #%(id)s") % {"id": entry.pk})

    @admin.display(description=_("total debit"), ordering="total_debit")
    def debit_total(self, entry: Any) -> str:
        return format_amount(entry.total_debit)

    @admin.display(description=_("total credit"), ordering="total_credit")
    def credit_total(self, entry: Any) -> str:
        return format_amount(entry.total_credit)

    @admin.display(description=_("reversal of"))
    def reversal_of_link(self, entry: JournalEntry) -> SafeString | str:
        return _entry_link(entry.reversal_of) if entry.reversal_of is not None else "-"

    @admin.display(description=_("reversed by"))
    def reversed_by_link(self, entry: JournalEntry) -> SafeString | str:
        reversal = getattr(entry, "reversed_by", None)
        return _entry_link(reversal) if reversal is not None else "-"

    @admin.display(description=_("hash"))
    def hash_code(self, entry: JournalEntry) -> SafeString | str:
        return format_html("<code>{}</code>", entry.hash) if entry.hash else "-"

    @admin.display(description=_("supporting documents"))
    def documents_links(self, entry: JournalEntry) -> SafeString | str:
        """The entry's documents, each a download link (read-only: the entry page attaches)."""
        documents = entry_documents(entry)
        if not documents:
            return "-"
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (
                    reverse(
                        "ledger:entry_document",
                        kwargs={"code": entry.lab.code, "entry_id": entry.pk, "document_id": d.pk},
                    ),
                    d.original_name,
                )
                for d in documents
            ),
        )

    # -- writes ------------------------------------------------------------------------

    def service_save(
        self, request: HttpRequest, form: Any, formsets: list[Any], change: bool
    ) -> JournalEntry:
        entry = form.instance
        header = {name: getattr(entry, name) for name in HEADER_FIELDS}
        lines = next(f for f in formsets if isinstance(f, LineFormSet))
        if change:
            return entry_update_draft(
                acting_user=acting_user(request),
                entry=entry,
                lines=lines.line_inputs() if lines.has_changed() else None,
                **header,
            )
        return entry_create_draft(
            acting_user=acting_user(request), lab=entry.lab, lines=lines.line_inputs(), **header
        )

    def service_delete(self, request: HttpRequest, obj: Any) -> None:
        entry_delete_draft(acting_user=acting_user(request), entry=obj)

    def has_post_permission(self, request: HttpRequest) -> bool:
        return self.may_write(request)

    @admin.action(description=_("Post selected entries"), permissions=["post"])
    def post_entries(self, request: HttpRequest, queryset: QuerySet[JournalEntry]) -> None:
        try:
            posted = entries_post(acting_user=acting_user(request), entries=list(queryset))
        except LedgerError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        numbers = ", ".join(str(entry.number) for entry in posted)
        self.message_user(
            request,
            ngettext(
                "Posted %(count)d entry: %(numbers)s",
                "Posted %(count)d entries: %(numbers)s",
                len(posted),
            )
            % {"count": len(posted), "numbers": numbers},
            messages.SUCCESS,
        )

    @admin.action(description=_("Reverse selected entries"), permissions=["post"])
    def reverse_entries(self, request: HttpRequest, queryset: QuerySet[JournalEntry]) -> Any:
        """Ask the reversal date (today by default: any open day on or after the entries'
        dates; an entry of a closed year is reversed in the open year) and a reason,
        then reverse every selected entry, all or none."""
        entries = list(queryset.select_related("lab", "fiscal_year").order_by("date", "id"))
        form = ReverseForm(
            request.POST if "apply" in request.POST else None,
            initial={"date": timezone.localdate()},
        )
        if form.is_bound and form.is_valid():
            on, reason = form.cleaned_data["date"], form.cleaned_data["reason"]

            def reverse_all() -> list[tuple[str, str]]:
                # All or none, like posting; PostgreSQL's deferred guards fire on commit.
                with db_guarded(), transaction.atomic():
                    return [
                        (
                            str(entry.number),
                            str(
                                entry_reverse(
                                    acting_user=acting_user(request),
                                    entry=entry,
                                    date=on,
                                    reason=reason,
                                ).number
                            ),
                        )
                        for entry in entries
                    ]

            done = attempt(form, reverse_all)
            if done is not None:
                self.message_user(
                    request,
                    "; ".join(
                        str(
                            _("%(original)s reversed by %(reversal)s")
                            % {"original": o, "reversal": r}
                        )
                        for o, r in done
                    ),
                    messages.SUCCESS,
                )
                return None
        return action_page(
            self,
            request,
            form=form,
            title=str(_("Reverse entries")),
            submit=str(_("Post the reversals")),
            cancel_url=reverse("admin:ledger_journalentry_changelist"),
            hidden=[
                ("action", "reverse_entries"),
                *[(helpers.ACTION_CHECKBOX_NAME, e.pk) for e in entries],
            ],
            table={
                "headers": [_("number"), _("date"), _("label"), _("fiscal year")],
                "rows": [
                    [
                        e.number or entry_ref(e),
                        e.date,
                        e.label,
                        f"{e.fiscal_year.year} ({e.fiscal_year.get_status_display()})",
                    ]
                    for e in entries
                ],
            },
        )
