"""Budget lines, their amendments, commitments, and spending totals kept by the database."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from irls.models import FundingSource, Lab
from ledger.alert_thresholds import (
    DEFAULT_ALERT_THRESHOLDS,
    alert_thresholds_parse,
    validate_alert_thresholds,
)
from ledger.fields import CentsField
from ledger.models.books import ExchangeRate, FiscalYear


class BudgetLine(models.Model):
    """Lab x fiscal year x funding source x envelope/nature, with its original allocation."""

    class Envelope(models.TextChoices):
        PERSONNEL = "personnel", _("Personnel")
        OPERATING = "operating", _("Operating")
        EQUIPMENT = "equipment", _("Equipment")

    class Nature(models.TextChoices):
        MISSIONS = "missions", _("Missions")
        SUPPLIES = "supplies", _("Supplies")
        SERVICES = "services", _("Services")
        EQUIPMENT = "equipment", _("Equipment")
        FIXED_TERM_STAFF = "fixed_term_staff", _("Fixed-term staff")
        RECEPTIONS = "receptions", _("Receptions")
        OTHER = "other", _("Other")

    class FunderCategory(models.TextChoices):
        PERSONNEL = "personnel", _("Personnel")
        TRAVEL = "travel", _("Travel")
        EQUIPMENT = "equipment", _("Equipment")
        OTHER_GOODS = "other_goods_services", _("Other goods and services")
        INDIRECT = "indirect_costs", _("Indirect costs")
        SUBCONTRACTING = "subcontracting", _("Subcontracting")

    class Policy(models.TextChoices):
        WARN = "warn", _("Warn: post and flag the excess")
        BLOCK = "block", _("Block: refuse the excess")

    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="budget_lines")
    fiscal_year = models.ForeignKey(
        FiscalYear, on_delete=models.PROTECT, related_name="budget_lines"
    )
    funding_source = models.ForeignKey(
        FundingSource,
        on_delete=models.PROTECT,
        related_name="budget_lines",
        verbose_name=_("funding source"),
    )
    code = models.CharField(_("code"), max_length=30)
    label_fr = models.CharField(_("French label"), max_length=200)
    label_en = models.CharField(_("English label"), max_length=200)
    envelope = models.CharField(_("envelope"), max_length=20, choices=Envelope.choices)
    nature = models.CharField(_("nature"), max_length=20, choices=Nature.choices)
    funder_category = models.CharField(
        _("funder's cost category"), max_length=30, choices=FunderCategory.choices, blank=True
    )
    allocated = CentsField(_("allocated"), help_text=_("Original allocation, in book currency"))
    allocated_on = models.DateField(_("allocation notified on"))
    # An allocation notified in another currency (the CNRS and the ANR notify in EUR) keeps
    # the notified amount and the rate it was booked at: allocated = notified_amount x
    # notified_rate, rounded half-up to the cent; the EUR view shows the notified amount.
    notified_currency = models.CharField(
        _("notified currency"),
        max_length=3,
        blank=True,
        default="",
        help_text=_("Currency of the notification; empty when notified in book currency"),
    )
    notified_amount = models.DecimalField(
        _("notified amount"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    notified_rate = models.DecimalField(
        _("rate booked"),
        max_digits=18,
        decimal_places=8,
        null=True,
        blank=True,
        help_text=_("Book-currency units for one unit of the notified currency"),
    )
    notified_rate_date = models.DateField(_("rate date"), null=True, blank=True)
    notified_rate_source = models.CharField(
        _("rate source"), max_length=20, blank=True, choices=ExchangeRate.Source.choices
    )
    policy = models.CharField(
        _("overspending policy"), max_length=10, choices=Policy.choices, default=Policy.WARN
    )
    # When the lab's director and accountants are alerted (the alerts app): percentages of
    # the budget consumed, spent and committed (ledger.alert_thresholds).
    alert_thresholds = models.CharField(
        _("alert thresholds"),
        max_length=40,
        blank=True,
        default=DEFAULT_ALERT_THRESHOLDS,
        # Also the database's default: a line written by raw SQL gets the usual thresholds.
        db_default=DEFAULT_ALERT_THRESHOLDS,
        validators=[validate_alert_thresholds],
        help_text=_(
            "Percentages of the budget consumed (spent and committed) at which the lab's "
            "director and accountants are alerted, in increasing order, separated by commas "
            "(e.g. 80,100); empty: no alert"
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["lab__code", "fiscal_year__year", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["lab", "fiscal_year", "code"],
                name="budget_line_code_unique",
                violation_error_message=_("This lab already has a budget line with this code."),
            ),
            models.CheckConstraint(
                condition=Q(allocated__gte=0), name="budget_line_allocated_positive"
            ),
            # A notified amount always says in which currency, at which rate, of which
            # date and source, it was booked.
            models.CheckConstraint(
                condition=Q(
                    notified_currency="",
                    notified_amount__isnull=True,
                    notified_rate__isnull=True,
                    notified_rate_date__isnull=True,
                    notified_rate_source="",
                )
                | Q(
                    notified_currency__regex=r"^[A-Z]{3}$",
                    notified_amount__isnull=False,
                    notified_amount__gte=0,
                    notified_rate__isnull=False,
                    notified_rate__gt=0,
                    notified_rate_date__isnull=False,
                )
                & ~Q(notified_rate_source=""),
                name="budget_line_notification_traceable",
            ),
        ]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")

    def __str__(self) -> str:
        return f"{self.code} {self.label_en}"

    @property
    def notified_in_eur(self) -> bool:
        return self.notified_currency == "EUR" and self.notified_amount is not None

    @property
    def thresholds(self) -> tuple[int, ...]:
        """The alert thresholds, in increasing order (80, 100)."""
        return alert_thresholds_parse(self.alert_thresholds)


class BudgetAmendment(models.Model):
    """A dated, justified change to a line's allocation. Append-only."""

    class Kind(models.TextChoices):
        TOP_UP = "top_up", _("Top-up")
        CUT = "cut", _("Cut")
        TRANSFER_IN = "transfer_in", _("Transfer in")
        TRANSFER_OUT = "transfer_out", _("Transfer out")
        CARRY_IN = "carry_in", _("Carried in from the previous year")
        CARRY_OUT = "carry_out", _("Carried out to the next year")

    budget_line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="amendments")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    delta = CentsField(_("change"), help_text=_("Positive adds to the line, negative removes"))
    date = models.DateField(_("date"))
    justification = models.CharField(_("justification"), max_length=300)
    counterpart = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="counterpart_of",
        help_text=_("The other half of a transfer between lines, or of a carry-over"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["budget_line_id", "date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["top_up", "transfer_in", "carry_in"], delta__gt=0)
                | Q(kind__in=["cut", "transfer_out", "carry_out"], delta__lt=0),
                name="budget_amendment_sign",
            ),
        ]
        verbose_name = _("budget amendment")
        verbose_name_plural = _("budget amendments")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.delta} on {self.budget_line_id}"


class Commitment(models.Model):
    """A purchase order, convention or mission order that reserves part of a budget line.

    `amount` is the current amount: the amount signed plus its amendments
    (`CommitmentAmendment`, the history), kept by `commitment_amend`; the database trigger
    that settles commitments compares invoices with it. A commitment carried over to the
    next year is `carried_over`: its open amount moved to the new commitment (in the next
    year's budget line), which points back to it by `carried_from`.
    """

    class Kind(models.TextChoices):
        PURCHASE_ORDER = "purchase_order", _("Purchase order")
        CONVENTION = "convention", _("Convention")
        MISSION_ORDER = "mission_order", _("Mission order")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PARTLY_SETTLED = "partly_settled", _("Partly settled")
        SETTLED = "settled", _("Settled")
        CANCELLED = "cancelled", _("Cancelled")
        CARRIED = "carried_over", _("Carried over")

    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="commitments")
    budget_line = models.ForeignKey(
        BudgetLine,
        on_delete=models.PROTECT,
        related_name="commitments",
        verbose_name=_("budget line"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    reference = models.CharField(_("reference"), max_length=60)
    third_party = models.CharField(_("supplier or staff"), max_length=60)
    label = models.CharField(_("label"), max_length=200)
    amount = CentsField(_("amount"))
    date = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    settled = CentsField(_("invoiced so far"), default=0, editable=False)
    cancelled_reason = models.CharField(_("cancellation reason"), max_length=300, blank=True)
    carried_from = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="carried_to",
        verbose_name=_("carried over from"),
        help_text=_("The commitment of the previous year whose open amount this one holds"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["lab__code", "date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lab", "reference"],
                name="commitment_reference_unique",
                violation_error_message=_("This lab already has a commitment with this reference."),
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="commitment_amount_positive"),
        ]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")

    def __str__(self) -> str:
        return self.reference

    @property
    def open_amount(self) -> Decimal:
        """What still reserves the budget line: nothing once settled, cancelled or carried
        over (the next year's commitment holds it then)."""
        if self.status in (self.Status.SETTLED, self.Status.CANCELLED, self.Status.CARRIED):
            return Decimal("0.00")
        return max(self.amount - self.settled, Decimal("0.00"))


class CommitmentAmendment(models.Model):
    """A dated, justified change to a commitment's amount (up or down). Append-only: the
    commitment's `amount` already includes it; this is the history."""

    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="amendments")
    delta = CentsField(_("change"), help_text=_("Positive raises the amount, negative lowers it"))
    date = models.DateField(_("date"))
    justification = models.CharField(_("justification"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["commitment_id", "date", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(delta=0), name="commitment_amendment_not_zero"),
        ]
        verbose_name = _("commitment amendment")
        verbose_name_plural = _("commitment amendments")

    def __str__(self) -> str:
        return f"{self.delta:+} on {self.commitment_id} ({self.date})"


class BudgetSpending(models.Model):
    """Posted spending of a budget line in a month, kept by a database trigger when lines
    are posted (posted lines never change, so the total never needs recomputing).
    `ledger_verify` checks it against the lines."""

    budget_line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="spending")
    month = models.DateField(_("month"), help_text=_("First day of the month"))
    amount = CentsField(_("spent"), default=0)

    class Meta:
        ordering = ["budget_line_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["budget_line", "month"], name="budget_spending_unique"),
        ]
        verbose_name = _("budget spending by month")
        verbose_name_plural = _("budget spending by month")

    def __str__(self) -> str:
        return f"{self.budget_line_id} {self.month:%Y-%m}: {self.amount}"
