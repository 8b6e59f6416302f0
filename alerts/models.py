"""Budget alerts: what was told, to whom, and how (alerts.services has the rules).

An `Alert` is one crossing: a budget line passing one of its thresholds, or a funding
source flagged by its forecast. It keeps the figures of the moment, and stays *open*
while the situation lasts; a check that sees it over clears it (`cleared_at`), and the
next crossing is a new alert with the next `crossing` number. The unique constraints
hold the once-ness even against raw SQL: one alert per crossing number of a threshold
or a flag, and at most one open alert per threshold or flag.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from irls.models import FundingSource, Lab
from ledger.fields import CentsField
from ledger.models import BudgetLine


class Alert(models.Model):
    """One budget alert of a lab, with the figures it was raised on (book currency)."""

    class Kind(models.TextChoices):
        THRESHOLD = "threshold", _("Threshold passed")
        FORECAST = "forecast", _("Forecast flag")

    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    budget_line = models.ForeignKey(
        BudgetLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("budget line"),
    )
    funding_source = models.ForeignKey(
        FundingSource,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("funding source"),
    )
    threshold = models.PositiveSmallIntegerField(_("threshold (%)"), null=True, blank=True)
    # The how-many-th time this threshold of this line (or this flag of this source) is
    # crossed: 1 the first time, 2 after it cleared and came back...
    crossing = models.PositiveIntegerField(_("crossing"))
    as_of = models.DateField(_("as of"))
    # A threshold's figures: % consumed (consumed_percent), budget, spent + committed.
    percent = models.DecimalField(
        _("% consumed"), max_digits=12, decimal_places=1, null=True, blank=True
    )
    budget = CentsField(_("budget"), null=True, blank=True)
    consumed = CentsField(_("spent and committed"), null=True, blank=True)
    # A forecast's figures (ledger.selectors.forecast.Forecast).
    forecast_status = models.CharField(_("forecast"), max_length=20, blank=True)
    run_out = models.DateField(_("runs out in"), null=True, blank=True)
    months_early = models.PositiveSmallIntegerField(_("months early"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    pace = CentsField(_("pace a month"), null=True, blank=True)
    projected = CentsField(_("projected at the end"), null=True, blank=True)
    # What the messages name, as it was then: codes, labels, currency, year, links.
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    # Set when a check sees the situation over: the threshold re-arms, the flag may come back.
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    cleared_percent = models.DecimalField(
        _("% consumed when cleared"), max_digits=12, decimal_places=1, null=True, blank=True
    )
    cleared_status = models.CharField(_("forecast when cleared"), max_length=20, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["lab", "-created_at"], name="alert_lab_latest")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="threshold",
                        budget_line__isnull=False,
                        threshold__isnull=False,
                        funding_source__isnull=True,
                    )
                    | Q(
                        kind="forecast",
                        funding_source__isnull=False,
                        budget_line__isnull=True,
                        threshold__isnull=True,
                    )
                    & ~Q(forecast_status="")
                ),
                name="alert_kind_names_its_object",
            ),
            models.UniqueConstraint(
                fields=["budget_line", "threshold", "crossing"],
                condition=Q(kind="threshold"),
                name="alert_once_per_threshold_crossing",
            ),
            models.UniqueConstraint(
                fields=["budget_line", "threshold"],
                condition=Q(kind="threshold", cleared_at__isnull=True),
                name="alert_one_open_per_threshold",
            ),
            models.UniqueConstraint(
                fields=["funding_source", "forecast_status", "crossing"],
                condition=Q(kind="forecast"),
                name="alert_once_per_forecast_flag",
            ),
            models.UniqueConstraint(
                fields=["funding_source", "forecast_status"],
                condition=Q(kind="forecast", cleared_at__isnull=True),
                name="alert_one_open_per_forecast_flag",
            ),
        ]
        verbose_name = _("budget alert")
        verbose_name_plural = _("budget alerts")

    def __str__(self) -> str:
        what = self.facts.get("code", "")
        if self.kind == self.Kind.THRESHOLD:
            return f"{self.facts.get('lab', '')} {what} {self.threshold} % #{self.crossing}"
        return f"{self.facts.get('lab', '')} {what} {self.forecast_status} #{self.crossing}"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None


class AlertDelivery(models.Model):
    """Who was told of an alert, and how: by e-mail (the address used, when it went, or
    why it failed) and on their home page, or on their home page only (no address)."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail and home page")
        HOME = "home", _("Home page only (no e-mail address)")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=20)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    email = models.EmailField(_("e-mail address"), blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    error = models.CharField(_("e-mail error"), max_length=300, blank=True)

    class Meta:
        ordering = ["alert", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "user"], name="alert_delivery_once_per_user"),
            models.CheckConstraint(
                condition=Q(channel="home", email="") | (Q(channel="email") & ~Q(email="")),
                name="alert_delivery_email_has_address",
            ),
        ]
        verbose_name = _("alert delivery")
        verbose_name_plural = _("alert deliveries")

    def __str__(self) -> str:
        return f"{self.alert_id} -> {self.user_id} ({self.channel})"


class AlertPreference(models.Model):
    """The language a person's alert e-mails are written in (English by default), set
    on the lab's Alerts page."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="alert_preference",
        verbose_name=_("user"),
    )
    language = models.CharField(_("language of alert e-mails"), max_length=10)

    class Meta:
        verbose_name = _("alert preference")
        verbose_name_plural = _("alert preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language}"
