"""django-import-export resources of the four kinds of sheet.

Exporting gives the very columns an import reads (a chart, the rates, the budget lines
or a journal can be taken out of one lab and brought into another). Importing a tablib
Dataset goes through `ledger.services.imports.import_file`, like a file: the same
checks, the same problems, one transaction, an ImportBatch; the rows are validated as
a whole and written by the services in bulk, never one ORM save a row (the default
row-by-row import of django-import-export is about 20 times slower on a journal, see
bench/import_journal.py). Problems come back in import-export's Result: those of a row
as an invalid row, the others as base errors.
"""

from typing import Any

import tablib
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from import_export import fields, resources
from import_export.results import Error, Result, RowResult

from irls.models import Lab
from ledger.imports.columns import export_columns
from ledger.models import Account, BudgetLine, ExchangeRate, ImportBatch, JournalLine


class SheetResource(resources.Resource):
    """A kind of sheet: its columns for export, and imports through the import service."""

    kind: str = ""

    def __init__(
        self,
        *,
        lab: Lab,
        acting_user: User | None = None,
        post: bool = False,
        file_name: str = "",
    ) -> None:
        super().__init__()
        self.lab = lab
        self.acting_user = acting_user
        self.post = post
        self.file_name = file_name or f"{self.kind}-dataset.csv"
        self.outcome: Any = None

    def get_export_headers(self, selected_fields: Any = None) -> list[str]:
        return export_columns(self.kind)

    def import_data(
        self,
        dataset: tablib.Dataset,
        dry_run: bool = False,
        raise_errors: bool = False,
        use_transactions: bool | None = None,
        collect_failed_rows: bool = False,
        rollback_on_validation_errors: bool = False,
        **kwargs: Any,
    ) -> Result:
        """Check every row and, unless `dry_run` or a problem was found, write them all
        (one transaction, through the services). `self.outcome` keeps the service's
        answer, with its preview."""
        from ledger.services.imports import import_file

        data = dataset.export("csv").encode("utf-8")
        name = self.file_name if self.file_name.endswith(".csv") else f"{self.file_name}.csv"
        self.outcome = import_file(
            acting_user=self.acting_user,
            lab=self.lab,
            kind=self.kind,
            file_name=name,
            data=data,
            post=self.post,
            dry_run=dry_run,
        )
        result = self.get_result_class()()
        result.add_dataset_headers(list(dataset.headers or []))
        result.total_rows = len(dataset)
        by_row: dict[int, dict[str, list[str]]] = {}
        for problem in self.outcome.problems:
            position = (problem.row or 0) - 2  # row 1 is the header
            if problem.row is not None and 0 <= position < len(dataset):
                errors = by_row.setdefault(problem.row, {})
                errors.setdefault(problem.column or "__all__", []).append(problem.message)
            else:
                result.append_base_error(Error(problem.message))
        for row, errors in sorted(by_row.items()):
            values = dict(zip(dataset.headers, dataset[row - 2], strict=False))
            result.append_invalid_row(row, values, ValidationError(errors))
        if raise_errors and self.outcome.problems:
            raise ValidationError([p.message for p in self.outcome.problems])
        if self.outcome.ok:
            result.totals[RowResult.IMPORT_TYPE_NEW] = self.outcome.rows
        return result


class AccountResource(SheetResource):
    kind = ImportBatch.Kind.ACCOUNTS
    code = fields.Field(attribute="code", column_name="code")
    name_fr = fields.Field(attribute="name_fr", column_name="name_fr")
    name_en = fields.Field(attribute="name_en", column_name="name_en")
    needs_budget_line = fields.Field(column_name="needs_budget_line")

    def dehydrate_needs_budget_line(self, account: Account) -> str:
        return "yes" if account.needs_budget_line else "no"

    def get_queryset(self) -> QuerySet[Account]:
        return Account.objects.filter(lab=self.lab).order_by("code")


class RateResource(SheetResource):
    kind = ImportBatch.Kind.RATES
    currency = fields.Field(attribute="currency", column_name="currency")
    valid_from = fields.Field(attribute="valid_from", column_name="valid_from")
    units_per_eur = fields.Field(attribute="units_per_eur", column_name="units_per_eur")
    source = fields.Field(attribute="source", column_name="source")

    def get_queryset(self) -> QuerySet[ExchangeRate]:
        return ExchangeRate.objects.order_by("currency", "source", "valid_from")


class BudgetLineResource(SheetResource):
    kind = ImportBatch.Kind.BUDGET
    code = fields.Field(attribute="code", column_name="code")
    year = fields.Field(attribute="fiscal_year__year", column_name="year")
    funding_source = fields.Field(attribute="funding_source__code", column_name="funding_source")
    label_fr = fields.Field(attribute="label_fr", column_name="label_fr")
    label_en = fields.Field(attribute="label_en", column_name="label_en")
    envelope = fields.Field(attribute="envelope", column_name="envelope")
    nature = fields.Field(attribute="nature", column_name="nature")
    allocated = fields.Field(attribute="allocated", column_name="allocated")
    allocated_on = fields.Field(attribute="allocated_on", column_name="allocated_on")
    funder_category = fields.Field(attribute="funder_category", column_name="funder_category")
    policy = fields.Field(attribute="policy", column_name="policy")

    def get_queryset(self) -> QuerySet[BudgetLine]:
        return (
            BudgetLine.objects.filter(lab=self.lab)
            .select_related("fiscal_year", "funding_source")
            .order_by("fiscal_year__year", "code")
        )


class JournalResource(SheetResource):
    """One row a line; an exported entry's key is its number (or draft id)."""

    kind = ImportBatch.Kind.JOURNAL
    entry = fields.Field(column_name="entry")
    date = fields.Field(attribute="entry__date", column_name="date")
    journal = fields.Field(attribute="entry__journal__code", column_name="journal")
    account = fields.Field(attribute="account__code", column_name="account")
    label = fields.Field(attribute="label", column_name="label")
    debit = fields.Field(column_name="debit")
    credit = fields.Field(column_name="credit")
    currency = fields.Field(column_name="currency")
    amount_currency = fields.Field(column_name="amount_currency")
    side = fields.Field(column_name="side")
    budget_line = fields.Field(attribute="budget_line__code", column_name="budget_line")
    piece_ref = fields.Field(attribute="entry__piece_ref", column_name="piece_ref")
    piece_date = fields.Field(attribute="entry__piece_date", column_name="piece_date")
    third_party = fields.Field(attribute="third_party", column_name="third_party")

    def get_queryset(self) -> QuerySet[JournalLine]:
        return (
            JournalLine.objects.filter(lab=self.lab)
            .select_related("entry__journal", "account", "budget_line")
            .order_by("entry__date", "entry_id", "id")
        )

    def dehydrate_entry(self, line: JournalLine) -> str:
        return line.entry.number or f"draft-{line.entry_id}"

    def dehydrate_debit(self, line: JournalLine) -> str:
        return str(line.debit) if line.debit else ""

    def dehydrate_credit(self, line: JournalLine) -> str:
        return str(line.credit) if line.credit else ""

    def dehydrate_currency(self, line: JournalLine) -> str:
        return str(line.amount_currency.currency) if line.amount_currency is not None else ""

    def dehydrate_amount_currency(self, line: JournalLine) -> str:
        return str(line.amount_currency.amount) if line.amount_currency is not None else ""

    def dehydrate_side(self, line: JournalLine) -> str:
        return ""


RESOURCES: dict[str, type[SheetResource]] = {
    ImportBatch.Kind.ACCOUNTS: AccountResource,
    ImportBatch.Kind.RATES: RateResource,
    ImportBatch.Kind.BUDGET: BudgetLineResource,
    ImportBatch.Kind.JOURNAL: JournalResource,
}
