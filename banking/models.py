"""Bank accounts, their imported statements and lines, and the matches that reconcile
statement lines with the lines of the bank's ledger account (512x).

Business rules live in `services/`; the database holds the invariants underneath
(constraints here, triggers in `db_guards.py`): a statement line is kept once per bank
account (its fingerprint is unique), imported lines never change, and a match links
statement lines and posted book lines of its own bank account whose amounts agree
(statement amount = debit - credit of the book lines). A line belongs to one match at
most; a match is never edited: it is undone whole and made again.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from irls.models import Lab
from ledger.fields import CentsField
from ledger.models import Account, Journal, JournalLine


class BankAccount(models.Model):
    """An account at a bank, reconciled against one ledger account (512x) of its lab."""

    class DateFormat(models.TextChoices):
        DMY = "%d/%m/%Y", _("DD/MM/YYYY (31/03/2025)")
        DMY_SHORT = "%d/%m/%y", _("DD/MM/YY (31/03/25)")
        D_MON_Y = "%d %b %Y", _("DD Mon YYYY (31 Mar 2025)")
        D_MON_Y_DASH = "%d-%b-%Y", _("DD-Mon-YYYY (31-Mar-2025)")
        YMD = "%Y-%m-%d", _("YYYY-MM-DD (2025-03-31)")
        MDY = "%m/%d/%Y", _("MM/DD/YYYY (03/31/2025)")

    class Delimiter(models.TextChoices):
        COMMA = ",", _("Comma (,)")
        SEMICOLON = ";", _("Semicolon (;)")
        TAB = "\t", _("Tab")
        PIPE = "|", _("Vertical bar (|)")

    class DecimalSeparator(models.TextChoices):
        POINT = ".", _("Point (1,234.56)")
        COMMA = ",", _("Comma (1 234,56)")

    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="bank_accounts")
    account = models.OneToOneField(
        Account,
        on_delete=models.PROTECT,
        related_name="bank_account",
        verbose_name=_("ledger account"),
        help_text=_("The bank account of the chart (512x) whose lines this account reconciles"),
    )
    journal = models.ForeignKey(
        Journal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bank journal"),
        help_text=_("Where entries created from statement lines are recorded (BQS, BQE)"),
    )
    name = models.CharField(_("name"), max_length=100)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    account_number = models.CharField(_("account number"), max_length=40, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="SGD")
    opening_date = models.DateField(
        _("starting date"),
        null=True,
        blank=True,
        help_text=_("The day whose end-of-day bank balance is the starting balance"),
    )
    opening_balance = CentsField(_("starting balance"), default=0)
    # How this bank's CSV exports are read (saved once, used for every import).
    csv_date_column = models.CharField(_("date column"), max_length=60, blank=True)
    csv_date_format = models.CharField(
        _("date format"),
        max_length=12,
        choices=DateFormat.choices,
        default=DateFormat.DMY,
    )
    csv_value_date_column = models.CharField(_("value date column"), max_length=60, blank=True)
    csv_amount_column = models.CharField(
        _("amount column"),
        max_length=60,
        blank=True,
        help_text=_("A signed amount (money in positive); or give the two columns below"),
    )
    csv_debit_column = models.CharField(_("withdrawal column"), max_length=60, blank=True)
    csv_credit_column = models.CharField(_("deposit column"), max_length=60, blank=True)
    csv_description_columns = models.CharField(
        _("description columns"),
        max_length=300,
        blank=True,
        help_text=_("One column, or several separated by commas: their texts are joined"),
    )
    csv_reference_column = models.CharField(_("reference column"), max_length=60, blank=True)
    csv_decimal_separator = models.CharField(
        _("decimal separator"),
        max_length=1,
        choices=DecimalSeparator.choices,
        default=DecimalSeparator.POINT,
    )
    csv_delimiter = models.CharField(
        _("delimiter"), max_length=1, choices=Delimiter.choices, default=Delimiter.COMMA
    )
    csv_skip_rows = models.PositiveSmallIntegerField(
        _("lines before the header"),
        default=0,
        help_text=_(
            "Lines the bank writes above the column headings; 0: the heading line is found "
            "by the date column's name"
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["lab__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["lab", "name"], name="bank_account_name_unique"),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="bank_account_currency_iso"
            ),
            models.CheckConstraint(
                condition=Q(csv_skip_rows__lte=100), name="bank_account_skip_rows_range"
            ),
        ]
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")

    def __str__(self) -> str:
        return self.name

    @property
    def has_csv_mapping(self) -> bool:
        amounts = bool(self.csv_amount_column) or bool(
            self.csv_debit_column and self.csv_credit_column
        )
        return bool(self.csv_date_column) and amounts


class BankStatement(models.Model):
    """One imported file: which lines it brought, and the balances it gave."""

    class Format(models.TextChoices):
        CSV = "csv", _("CSV (bank export)")
        CAMT053 = "camt053", _("CAMT.053 (ISO 20022 XML)")
        OFX = "ofx", _("OFX")

    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="+")
    bank_account = models.ForeignKey(
        BankAccount, on_delete=models.PROTECT, related_name="statements"
    )
    format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("sha256"), max_length=64, db_index=True)
    size = models.PositiveIntegerField(_("size in bytes"))
    statement_ref = models.CharField(_("bank's statement reference"), max_length=100, blank=True)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    opening_balance = CentsField(_("opening balance"), null=True, blank=True)
    closing_balance = CentsField(_("closing balance"), null=True, blank=True)
    lines_in_file = models.PositiveIntegerField(_("lines in the file"))
    lines_added = models.PositiveIntegerField(_("lines added"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        ordering = ["-period_end", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="bank_statement_period",
            ),
        ]
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.period_start} – {self.period_end})"


class BankStatementLine(models.Model):
    """One movement on the bank's statement; money in is positive. Never changed."""

    statement = models.ForeignKey(BankStatement, on_delete=models.PROTECT, related_name="lines")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="+")
    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="+")
    booking_date = models.DateField(_("booking date"))
    value_date = models.DateField(_("value date"), null=True, blank=True)
    amount = CentsField(_("amount"))
    description = models.CharField(_("description"), max_length=500, blank=True)
    reference = models.CharField(_("reference"), max_length=140, blank=True)
    bank_transaction_id = models.CharField(_("bank's transaction id"), max_length=100, blank=True)
    # The bank's transaction id when it gives one; else date, amount, description,
    # reference and the rank of identical lines in the file, hashed (services/imports.py).
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    source_row = models.PositiveIntegerField(_("row in the file"), null=True, blank=True)

    class Meta:
        ordering = ["booking_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank_account", "fingerprint"], name="bank_line_kept_once"
            ),
            models.CheckConstraint(condition=~Q(amount=0), name="bank_line_amount_not_zero"),
        ]
        indexes = [
            models.Index(fields=["bank_account", "booking_date"], name="bank_line_date_idx"),
        ]
        verbose_name = _("bank statement line")
        verbose_name_plural = _("bank statement lines")

    def __str__(self) -> str:
        return f"{self.booking_date} {self.amount} {self.description[:40]}"


class BankMatch(models.Model):
    """Statement lines and book lines that are the same money: their amounts agree."""

    class Kind(models.TextChoices):
        SUGGESTED = "suggested", _("Suggestion confirmed")
        OBVIOUS = "obvious", _("Obvious match confirmed")
        MANUAL = "manual", _("Matched by hand")
        ENTRY = "entry", _("Entry created from the statement line")

    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="+")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="matches")
    kind = models.CharField(_("how"), max_length=10, choices=Kind.choices)
    amount = CentsField(_("amount"))
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    matched_at = models.DateTimeField(_("matched at"), auto_now_add=True)

    class Meta:
        ordering = ["-matched_at", "-id"]
        verbose_name = _("bank match")
        verbose_name_plural = _("bank matches")

    def __str__(self) -> str:
        return f"match #{self.pk} {self.amount}"


class BankMatchStatementLine(models.Model):
    """A statement line of a match. Written before its match (whose guard checks them)."""

    # DO_NOTHING: a match is undone by deleting it first, then its links (db_guards.py).
    match = models.ForeignKey(
        BankMatch, on_delete=models.DO_NOTHING, related_name="statement_links"
    )
    statement_line = models.OneToOneField(
        BankStatementLine, on_delete=models.PROTECT, related_name="match_link"
    )

    class Meta:
        verbose_name = _("statement line of a match")
        verbose_name_plural = _("statement lines of matches")

    def __str__(self) -> str:
        return f"{self.match_id}: statement line {self.statement_line_id}"


class BankMatchBookLine(models.Model):
    """A book line (of the bank account's ledger account) of a match."""

    match = models.ForeignKey(BankMatch, on_delete=models.DO_NOTHING, related_name="book_links")
    journal_line = models.OneToOneField(
        JournalLine, on_delete=models.PROTECT, related_name="bank_match_link"
    )

    class Meta:
        verbose_name = _("book line of a match")
        verbose_name_plural = _("book lines of matches")

    def __str__(self) -> str:
        return f"{self.match_id}: book line {self.journal_line_id}"
