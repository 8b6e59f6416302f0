"""Bank accounts, statements and matches in the admin: read-only, for the auditors and
the office (every write goes through the bank pages and their services)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from banking.models import (
    BankAccount,
    BankMatch,
    BankMatchBookLine,
    BankMatchStatementLine,
    BankStatement,
    BankStatementLine,
)
from irls.admin_base import LabFilter, LabScopedAdmin, LabScopedInline


class ReadOnlyAdmin(LabScopedAdmin):
    service_adds = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [field.name for field in self.model._meta.fields]


@admin.register(BankAccount)
class BankAccountAdmin(ReadOnlyAdmin):
    list_display = ("name", "lab", "account", "bank_name", "account_number", "currency")
    list_filter = (LabFilter,)
    search_fields = ("name", "bank_name", "account_number")
    list_select_related = ("lab", "account")


class StatementLineInline(LabScopedInline):
    model = BankStatementLine
    fields = (
        "booking_date",
        "value_date",
        "amount",
        "description",
        "reference",
        "bank_transaction_id",
    )
    readonly_fields = fields
    max_num = 0


@admin.register(BankStatement)
class BankStatementAdmin(ReadOnlyAdmin):
    list_display = (
        "file_name",
        "lab",
        "bank_account",
        "period_start",
        "period_end",
        "lines_added",
        "imported_at",
    )
    list_filter = (LabFilter, "format")
    search_fields = ("file_name", "sha256")
    list_select_related = ("lab", "bank_account")
    inlines = (StatementLineInline,)


class MatchStatementInline(LabScopedInline):
    model = BankMatchStatementLine
    fields = ("statement_line",)
    readonly_fields = fields
    max_num = 0


class MatchBookInline(LabScopedInline):
    model = BankMatchBookLine
    fields = ("journal_line",)
    readonly_fields = fields
    max_num = 0


@admin.register(BankMatch)
class BankMatchAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "lab", "bank_account", "kind", "amount", "matched_by", "matched_at")
    list_filter = (LabFilter, "kind")
    list_select_related = ("lab", "bank_account", "matched_by")
    inlines = (MatchStatementInline, MatchBookInline)
