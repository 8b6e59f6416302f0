"""The forms of the bank pages. They read and check what was posted; the services decide."""

from typing import Any, cast

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from banking.exceptions import BUDGET_LINE_NEEDED, REASON_NEEDED
from banking.importing.presets import PRESETS
from banking.models import BankAccount
from banking.selectors.books import counter_accounts
from irls.models import Lab
from ledger.forms import BudgetLineChoiceField
from ledger.models import Account, BudgetLine, FiscalYear, Journal
from ledger.rules import needs_budget_line
from ledger.selectors.entry_form import account_name

PRESET_CHOICES = [
    ("", _("Keep the columns below")),
    ("dbs", _("DBS (IDEAL export)")),
    ("ocbc", _("OCBC (Velocity export)")),
    ("uob", _("UOB (Infinity export)")),
]
LANGUAGE_CHOICES = [("fr", "Français"), ("en", "English")]
FORMAT_CHOICES = [("pdf", "PDF"), ("xlsx", "XLSX")]


class CodedAccountField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {account_name(obj)}"


class BankAccountForm(forms.ModelForm):
    """A bank account's settings and CSV mapping (a preset fills the mapping)."""

    account = CodedAccountField(queryset=Account.objects.none(), label=_("Ledger account (512x)"))
    journal = forms.ModelChoiceField(
        queryset=Journal.objects.none(), label=_("Bank journal"), required=False
    )
    preset = forms.ChoiceField(label=_("Bank's CSV layout"), choices=PRESET_CHOICES, required=False)
    opening_balance = forms.DecimalField(
        label=_("Starting balance"), max_digits=15, decimal_places=2, initial=0, required=False
    )
    csv_delimiter = forms.ChoiceField(label=_("Delimiter"), choices=BankAccount.Delimiter.choices)

    class Meta:
        model = BankAccount
        fields = [
            "name",
            "bank_name",
            "account_number",
            "currency",
            "account",
            "journal",
            "opening_date",
            "opening_balance",
            "csv_date_column",
            "csv_date_format",
            "csv_value_date_column",
            "csv_amount_column",
            "csv_debit_column",
            "csv_credit_column",
            "csv_description_columns",
            "csv_reference_column",
            "csv_decimal_separator",
            "csv_delimiter",
            "csv_skip_rows",
        ]
        widgets = {"opening_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, lab: Lab, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.filter(  # type: ignore[attr-defined]
            lab=lab, code__startswith="512"
        ).order_by("code")
        self.fields["journal"].queryset = Journal.objects.filter(  # type: ignore[attr-defined]
            lab=lab, kind=Journal.Kind.BANK
        ).order_by("code")
        self.fields["csv_skip_rows"].required = False
        if self.instance.pk is not None:
            self.fields["currency"].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        preset = PRESETS.get(data.get("preset") or "")
        if preset:
            data.update(preset)
        if data.get("opening_balance") is None:
            data["opening_balance"] = 0
        if data.get("csv_skip_rows") is None:
            data["csv_skip_rows"] = 0
        return data

    def _post_clean(self) -> None:
        # The service checks the object (uniqueness, the account's lab, the mapping).
        pass

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("preset", None)
        return data


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Bank statement file (CSV, CAMT.053 XML or OFX)"))


class ConfirmImportForm(forms.Form):
    sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$")


class ObviousForm(forms.Form):
    confirm = forms.BooleanField()
    window = forms.IntegerField(min_value=0, max_value=60, required=False)


class MatchForm(forms.Form):
    """Lines to match: ids posted as checkboxes (statement_line, book_line)."""

    kind = forms.ChoiceField(
        choices=[("manual", "manual"), ("suggested", "suggested")], required=False
    )

    def __init__(self, data: Any = None) -> None:
        super().__init__(data)
        self.statement_ids: list[int] = []
        self.book_ids: list[int] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        posted = cast(QueryDict, self.data)
        self.statement_ids = _ids(self, posted.getlist("statement_line"))
        self.book_ids = _ids(self, posted.getlist("book_line"))
        if not self.statement_ids and not self.book_ids:
            raise forms.ValidationError(_("Select the lines to match."))
        return data


def _ids(form: forms.Form, values: list[str]) -> list[int]:
    ids = []
    for value in values:
        if not (value.isascii() and value.isdigit()) or len(value) > 18:
            raise forms.ValidationError(_("The selection holds something that is not a line."))
        ids.append(int(value))
    return ids


class EntriesForm(forms.Form):
    """Entries for the selected statement lines (posted as `statement_line`)."""

    account = CodedAccountField(queryset=Account.objects.none(), label=_("Account"))
    budget_line = BudgetLineChoiceField(
        queryset=BudgetLine.objects.none(), label=_("Budget line"), required=False
    )
    label = forms.CharField(label=_("Label"), max_length=200, required=False)

    def __init__(
        self, data: Any = None, *, lab: Lab, initial: dict[str, Any] | None = None
    ) -> None:
        super().__init__(data, initial=initial)
        # Only the accounts such an entry can book: no third-party account (the form
        # names none), no bank account, no year-end result account.
        self.fields["account"].queryset = counter_accounts(lab)  # type: ignore[attr-defined]
        self.fields["budget_line"].queryset = (  # type: ignore[attr-defined]
            BudgetLine.objects.filter(lab=lab, fiscal_year__status=FiscalYear.Status.OPEN)
            .select_related("fiscal_year")
            .order_by("-fiscal_year__year", "code")
        )
        self.statement_ids: list[int] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        account: Account | None = data.get("account")
        if (
            account is not None
            and data.get("budget_line") is None
            and needs_budget_line(account.needs_budget_line, Journal.Kind.BANK)
        ):
            self.add_error("budget_line", str(BUDGET_LINE_NEEDED.format(code=account.code)))
        self.statement_ids = _ids(self, cast(QueryDict, self.data).getlist("statement_line"))
        if not self.statement_ids:
            raise forms.ValidationError(_("Select the statement lines to book."))
        return data


class UnmatchForm(forms.Form):
    match = forms.IntegerField(min_value=1, max_value=2**62)
    reason = forms.CharField(max_length=500, strip=True, error_messages={"required": REASON_NEEDED})


class StatementForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES)
