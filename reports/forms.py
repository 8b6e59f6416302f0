"""The statements page's forms: which statement to issue, and a file to check."""

from datetime import date
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from irls.models import FundingSource, Institution, Lab
from ledger.models import FiscalYear
from reports.builders import FEC, THIRD_PARTY_KINDS
from reports.services import PDF, TXT, XLSX

MAX_UPLOAD = 50 * 1024 * 1024  # bytes: far above any statement the project issues

KIND_CHOICES = [
    ("trial-balance", _("Trial balance")),
    ("general-ledger", _("General ledger")),
    ("journal", _("Journals")),
    ("budget-execution", _("Budget execution")),
    ("partner", _("Partner statement")),
    ("grant", _("Grant statement")),
    ("balance-sheet", _("Balance sheet")),
    ("income-statement", _("Income statement")),
    ("closing", _("Closing statement (closed year)")),
    ("payables-ageing", _("Payables ageing")),
    ("receivables-ageing", _("Receivables ageing")),
    ("third-party-ledger", _("Third-party ledger")),
    ("third-party-balance", _("Third-party balance")),
    (FEC, _("FEC (audit export)")),
]
LANGUAGE_CHOICES = [("en", "English"), ("fr", "Français")]
FORMAT_CHOICES = [(PDF, "PDF"), (XLSX, "XLSX"), (TXT, _("Text (FEC only)"))]
NEEDS_PARTNER = _("Choose the partner institution of the partner statement.")
NEEDS_GRANT = _("Choose the funding source of the grant statement.")
TEXT_IS_FEC = _("Text is the format of the FEC only: choose PDF or XLSX.")
YEAR_OR_DATES = _("Choose the fiscal year, or give both dates of the period.")
TOO_BIG = _("The file is larger than %(size)s MB: it is not a statement issued here.")


class StatementForm(forms.Form):
    kind = forms.ChoiceField(label=_("Statement"), choices=KIND_CHOICES)
    year = forms.TypedChoiceField(
        label=_("Fiscal year"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_(
            "Not needed when both dates are given: the dates then make the period, across "
            "fiscal years too for the trial balance, ledgers, journals and partner statement."
        ),
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    currency = forms.ChoiceField(label=_("Currency"))
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES)
    partner = forms.ChoiceField(label=_("Partner institution"), required=False)
    grant = forms.ChoiceField(label=_("Funding source"), required=False)
    third_party = forms.CharField(
        label=_("Third party"),
        max_length=40,
        required=False,
        help_text=_(
            "Third-party ledger, balance and ageings only: the code of one third party, or "
            "empty for all. An ageing is at the period's last day."
        ),
    )

    def __init__(self, *args: Any, lab: Lab, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        years = list(
            FiscalYear.objects.filter(lab=lab).order_by("-year").values_list("year", flat=True)
        )
        self.fields["year"].choices = [(y, str(y)) for y in years]  # type: ignore[attr-defined]
        self.fields["currency"].choices = [  # type: ignore[attr-defined]
            (lab.book_currency, lab.book_currency),
            ("EUR", "EUR"),
        ]
        partners = Institution.objects.filter(
            Q(partnerships__lab=lab) | Q(funded__lab=lab)
        ).distinct()
        self.fields["partner"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (i.code, f"{i.code} · {i.name}") for i in partners.order_by("code")
        ]
        self.fields["grant"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (s.code, f"{s.code} · {s.name}")
            for s in FundingSource.objects.filter(lab=lab).order_by("code")
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if data.get("date_from") and data.get("date_to"):
            # The dates make the period (across fiscal years for some statements).
            data["year"] = None
        elif data.get("year") is None and "year" not in self.errors:
            self.add_error("year", YEAR_OR_DATES)
        if kind == FEC:
            data["format"] = TXT
        elif data.get("format") == TXT:
            self.add_error("format", TEXT_IS_FEC)
        # The other fields stay filled when the kind changes: keep only what it uses.
        if kind != "partner":
            data["partner"] = ""
        elif not data.get("partner"):
            self.add_error("partner", NEEDS_PARTNER)
        if kind != "grant":
            data["grant"] = ""
        elif not data.get("grant"):
            self.add_error("grant", NEEDS_GRANT)
        if kind not in THIRD_PARTY_KINDS:
            data["third_party"] = ""
        return data

    def statement_options(self) -> dict[str, Any]:
        """The keyword arguments of `statement_issue`, from a valid form."""
        data = self.cleaned_data
        date_from: date | None = data.get("date_from")
        date_to: date | None = data.get("date_to")
        return {
            "kind": data["kind"],
            "year": data["year"],
            "date_from": date_from,
            "date_to": date_to,
            "language": data["language"],
            "currency": data["currency"],
            "format": data["format"],
            "partner": data["partner"],
            "grant": data["grant"],
            "third_party": data["third_party"],
        }


class AuditPackageForm(forms.Form):
    """The audit package of a fiscal year (French for the CNRS by default)."""

    prefix = "package"  # its fields beside the statement form's, on one page
    year = forms.TypedChoiceField(label=_("Year audited"), coerce=int)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES, initial="fr")

    def __init__(self, *args: Any, lab: Lab, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        years = FiscalYear.objects.filter(lab=lab).order_by("-year").values_list("year", flat=True)
        self.fields["year"].choices = [(y, str(y)) for y in years]  # type: ignore[attr-defined]


class CheckForm(forms.Form):
    file = forms.FileField(label=_("Statement file"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(TOO_BIG, params={"size": MAX_UPLOAD // (1024 * 1024)})
        return upload
