"""Chart of accounts, journals, fiscal years, rates, entries and lines, audit trail.

Business rules live in `services.py`; the invariants of ARCHITECTURE.md are also
enforced by the database (CHECK constraints here, triggers in `db_guards.py`).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from irls.models import Lab
from ledger.fields import CentsField


class Account(models.Model):
    class Kind(models.TextChoices):
        EQUITY = "equity", _("Equity and long-term liabilities (class 1)")
        FIXED_ASSET = "fixed_asset", _("Fixed assets (class 2)")
        STOCK = "stock", _("Stocks (class 3)")
        THIRD_PARTY = "third_party", _("Third parties (class 4)")
        FINANCIAL = "financial", _("Financial (class 5)")
        EXPENSE = "expense", _("Expenses (class 6)")
        INCOME = "income", _("Income (class 7)")

    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="accounts")
    code = models.CharField(_("code"), max_length=12, help_text=_("PCG account number"))
    name_fr = models.CharField(_("French name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    is_active = models.BooleanField(_("active"), default=True)
    needs_budget_line = models.BooleanField(
        _("needs a budget line"),
        default=False,
        help_text=_(
            "Lines on this account must name the budget line they consume (expenses and "
            "equipment; not depreciation or provisions)"
        ),
    )
    needs_third_party = models.BooleanField(
        _("needs a third party"),
        default=False,
        help_text=_(
            "Lines on this account must name their third party (suppliers, customers and "
            "partners, staff, other debtors and creditors)"
        ),
    )

    class Meta:
        ordering = ["lab__code", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["lab", "code"],
                name="account_code_unique_in_lab",
                violation_error_message=_("This lab already has an account with this code."),
            ),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[1-7][0-9]{2,11}$"),
                name="account_code_pcg",
                violation_error_message=_(
                    "An account code is a PCG number: class 1 to 7, then 2 to 11 digits."
                ),
            ),
        ]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return f"{self.code} {self.name_en}"

    @property
    def pcg_class(self) -> int:
        return int(self.code[0])


class Journal(models.Model):
    class Kind(models.TextChoices):
        OPENING = "opening", _("Opening balances")
        PURCHASES = "purchases", _("Purchases")
        BANK = "bank", _("Bank")
        MISSIONS = "missions", _("Missions")
        SALES = "sales", _("Sales and recharges")
        MISC = "misc", _("Miscellaneous and year-end")

    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="journals")
    code = models.CharField(_("code"), max_length=6)
    name_fr = models.CharField(_("French name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)

    class Meta:
        ordering = ["lab__code", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["lab", "code"],
                name="journal_code_unique_in_lab",
                violation_error_message=_("This lab already has a journal with this code."),
            ),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{2,6}$"), name="journal_code_format"
            ),
        ]
        verbose_name = _("journal")
        verbose_name_plural = _("journals")

    def __str__(self) -> str:
        return self.code


class FiscalYear(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="fiscal_years")
    year = models.PositiveSmallIntegerField(_("year"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="open")
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["lab__code", "year"]
        constraints = [
            models.UniqueConstraint(fields=["lab", "year"], name="fiscal_year_unique_in_lab"),
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")), name="fiscal_year_dates"
            ),
        ]
        verbose_name = _("fiscal year")
        verbose_name_plural = _("fiscal years")

    def __str__(self) -> str:
        return f"{self.lab.code} {self.year}"


class Period(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="periods")
    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="+")
    month = models.PositiveSmallIntegerField(
        _("month"), help_text=_("1 to 12 within the fiscal year")
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="open")
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["lab__code", "start_date"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "month"], name="period_unique_month"),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="period_month_range"
            ),
        ]
        indexes = [models.Index(fields=["lab", "start_date", "end_date"])]
        verbose_name = _("period")
        verbose_name_plural = _("periods")

    def __str__(self) -> str:
        return f"{self.lab.code} {self.start_date:%Y-%m}"


class ExchangeRate(models.Model):
    """Units of `currency` for one euro, valid from a date until the next rate of the source."""

    class Source(models.TextChoices):
        CHANCELLERY = "chancellery", _("Chancellery rate (French Treasury)")
        ECB = "ecb", _("ECB reference rate")
        BANK = "bank", _("Bank rate")

    currency = models.CharField(_("currency"), max_length=3)
    valid_from = models.DateField(_("valid from"))
    units_per_eur = models.DecimalField(_("units per 1 EUR"), max_digits=18, decimal_places=8)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)

    class Meta:
        ordering = ["currency", "source", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "source", "valid_from"], name="exchange_rate_unique"
            ),
            models.CheckConstraint(condition=Q(units_per_eur__gt=0), name="exchange_rate_positive"),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="exchange_rate_iso"
            ),
        ]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")

    def __str__(self) -> str:
        return f"{self.currency} {self.units_per_eur}/EUR from {self.valid_from} ({self.source})"


class JournalEntry(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        POSTED = "posted", _("Posted")

    class YearEnd(models.TextChoices):
        """Entries the system writes when a fiscal year is closed."""

        NONE = "", _("Ordinary entry")
        CLOSING = "closing", _("Closing entry (result of the year)")
        OPENING = "opening", _("Opening entry (balances carried forward)")

    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="entries")
    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, related_name="entries")
    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="entries")
    date = models.DateField(_("date"))
    label = models.CharField(_("label"), max_length=200)
    piece_ref = models.CharField(_("piece reference"), max_length=60, blank=True)
    piece_date = models.DateField(_("piece date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="draft")
    seq = models.PositiveIntegerField(_("sequence"), null=True, blank=True, editable=False)
    # NULL (not "") on drafts, so the unique constraint ignores them.
    number = models.CharField(  # noqa: DJ001
        _("number"), max_length=30, null=True, blank=True, editable=False
    )
    year_end = models.CharField(
        _("year-end entry"),
        max_length=10,
        choices=YearEnd.choices,
        default="",
        db_default="",  # the bulk INSERTs of imports do not name it
        blank=True,
        editable=False,
    )
    reversal_of = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reversal of"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    # Provenance of imported entries: the batch and the sheet's own key of the entry.
    import_batch = models.ForeignKey(
        "ledger.ImportBatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        editable=False,
    )
    source_key = models.CharField(
        _("key in the source file"), max_length=60, blank=True, editable=False
    )
    # Tamper evidence: position in the lab's chain, hash of the previous entry, own hash.
    chain_index = models.PositiveIntegerField(null=True, blank=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    hash = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        ordering = ["lab__code", "date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lab", "journal", "fiscal_year", "seq"],
                name="entry_seq_unique",
                condition=Q(seq__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["lab", "number"],
                name="entry_number_unique",
                condition=Q(number__isnull=False),
            ),
            # An entry of a spreadsheet is imported once, whatever the file it comes in.
            models.UniqueConstraint(
                fields=["lab", "journal", "piece_ref", "source_key"],
                condition=~Q(source_key=""),
                name="entry_source_key_unique",
            ),
            models.UniqueConstraint(
                fields=["lab", "chain_index"],
                name="entry_chain_index_unique",
                condition=Q(chain_index__isnull=False),
            ),
            # Drafts carry no number or hash; posted entries carry all of them.
            models.CheckConstraint(
                condition=(
                    Q(
                        status="draft",
                        seq__isnull=True,
                        number__isnull=True,
                        chain_index__isnull=True,
                        hash="",
                        posted_at__isnull=True,
                    )
                    | Q(
                        status="posted",
                        seq__gte=1,
                        number__isnull=False,
                        chain_index__gte=1,
                        posted_at__isnull=False,
                        posted_by__isnull=False,
                    )
                    & ~Q(hash="")
                ),
                name="entry_status_fields",
            ),
        ]
        indexes = [
            models.Index(fields=["lab", "status", "date"]),
            models.Index(fields=["piece_ref"]),
            # A year's closing and opening entries, a handful among its hundreds of
            # thousands: the statements find them here (reports/builders/common.py).
            models.Index(
                fields=["lab", "fiscal_year"], condition=~Q(year_end=""), name="entry_year_end_idx"
            ),
        ]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")

    def __str__(self) -> str:
        return self.number or f"draft #{self.pk} {self.date}"

    @property
    def is_posted(self) -> bool:
        return self.status == self.Status.POSTED


class JournalLine(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.CASCADE, related_name="lines")
    # Copies of the entry's lab and (once posted) date, so balances are read from an index.
    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="+")
    entry_date = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("The entry's date, set by the database when the entry is posted"),
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines")
    label = models.CharField(_("label"), max_length=200, blank=True)
    debit = CentsField(_("debit"), default=0)
    credit = CentsField(_("credit"), default=0)
    amount_currency = MoneyField(
        _("amount in currency"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        default_currency=None,
    )
    fx_rate = models.DecimalField(
        _("rate used"),
        max_digits=18,
        decimal_places=8,
        null=True,
        blank=True,
        help_text=_("Book-currency units for one unit of the foreign currency"),
    )
    fx_rate_date = models.DateField(_("rate date"), null=True, blank=True)
    fx_rate_source = models.CharField(
        _("rate source"), max_length=20, blank=True, choices=ExchangeRate.Source.choices
    )
    # A foreign key to the third party's code, in the column that held the free text of
    # old: a posted line's hash reads the same text (parties/models.py).
    third_party = models.ForeignKey(
        "parties.ThirdParty",
        on_delete=models.PROTECT,
        to_field="code",
        db_column="third_party",
        null=True,
        blank=True,
        related_name="lines",
        verbose_name=_("third party"),
    )
    due_date = models.DateField(
        _("due date"),
        null=True,
        blank=True,
        help_text=_("When an invoice line falls due: by the third party's payment terms"),
    )
    # Indexed with the date in line_budget_date_idx (which also serves the foreign key).
    budget_line = models.ForeignKey(
        "ledger.BudgetLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lines",
        db_index=False,
    )
    commitment = models.ForeignKey(
        "ledger.Commitment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lines",
        help_text=_("The purchase order or mission order this invoice line settles"),
    )

    source_row = models.PositiveIntegerField(
        _("row in the source file"), null=True, blank=True, editable=False
    )

    objects = models.Manager()

    class Meta:
        ordering = ["entry_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(debit__gte=0), name="line_debit_not_negative"),
            models.CheckConstraint(condition=Q(credit__gte=0), name="line_credit_not_negative"),
            models.CheckConstraint(
                condition=Q(debit__gt=0, credit=0) | Q(debit=0, credit__gt=0),
                name="line_debit_xor_credit",
            ),
            # A converted amount always says which rate, of which date and source, was used.
            models.CheckConstraint(
                condition=(
                    Q(
                        amount_currency__isnull=True,
                        fx_rate__isnull=True,
                        fx_rate_date__isnull=True,
                        fx_rate_source="",
                    )
                    | Q(amount_currency__isnull=False, fx_rate__gt=0, fx_rate_date__isnull=False)
                    & ~Q(fx_rate_source="")
                ),
                name="line_conversion_traceable",
            ),
        ]
        indexes = [
            # Covering index: trial balances and ledgers are read from it alone.
            models.Index(
                fields=["lab", "account", "entry_date", "debit", "credit"], name="line_balance_idx"
            ),
            # A line's amount (one side is zero): the entries list searches an amount by
            # it. Not led by the lab, which would compete with line_balance_idx for every
            # sum over a lab's lines (bench/entry_list.py).
            models.Index(F("debit") + F("credit"), name="line_amount_idx"),
            # A budget line's postings in date order: the budget line page reads a page of
            # them by the dates that bound it (PostingsByDate), from this index alone.
            models.Index(fields=["budget_line", "entry_date"], name="line_budget_date_idx"),
        ]
        verbose_name = _("journal line")
        verbose_name_plural = _("journal lines")

    def __str__(self) -> str:
        side = f"debit {self.debit}" if self.debit else f"credit {self.credit}"
        return f"{self.account.code} {side}"


class LedgerSequence(models.Model):
    """The last number given in one lab, journal and fiscal year; locked while posting."""

    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="+")
    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="+")
    last_seq = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lab", "journal", "fiscal_year"], name="ledger_sequence_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lab_id}/{self.journal_id}/{self.fiscal_year_id}: {self.last_seq}"


class LedgerChain(models.Model):
    """The head of a lab's hash chain; locked while posting so the chain never forks."""

    lab = models.OneToOneField(Lab, on_delete=models.PROTECT, related_name="chain")
    length = models.PositiveIntegerField(default=0)
    head_hash = models.CharField(max_length=64, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.lab_id}: {self.length} {self.head_hash[:12]}"


class AuditEvent(models.Model):
    """One action on the books. Append-only: the database refuses UPDATE and DELETE."""

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=40, db_index=True)
    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["lab", "at"]),
            # An object's history (the entry page): its events without scanning the trail.
            models.Index(fields=["object_type", "object_id"], name="auditevent_object_idx"),
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        at = timezone.localtime(self.at)  # the office's time, its zone shown
        return f"{at:%Y-%m-%d %H:%M %Z} {self.action} {self.object_repr}"
