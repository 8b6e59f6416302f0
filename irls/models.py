"""Institutions, labs (IRLs), partnerships, funding sources and role grants."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Institution(models.Model):
    class Kind(models.TextChoices):
        RESEARCH_ORGANISATION = "research", _("Research organisation")
        UNIVERSITY = "university", _("University")
        AGENCY = "agency", _("Public agency")
        COMPANY = "company", _("Company")

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self) -> str:
        return self.code


class Lab(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    code = models.CharField(_("code"), max_length=20, unique=True)
    unit_number = models.CharField(_("unit number"), max_length=40, blank=True)
    name = models.CharField(_("name"), max_length=200)
    field = models.CharField(_("field"), max_length=200, blank=True)
    book_currency = models.CharField(_("book currency"), max_length=3, default="SGD")
    fec_identifier = models.CharField(
        _("FEC identifier"),
        max_length=20,
        help_text=_("SIREN of the legal entity, used to name the FEC file"),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="active")

    class Meta:
        ordering = ["code"]
        verbose_name = _("lab")
        verbose_name_plural = _("labs")

    def __str__(self) -> str:
        return self.code


class Partnership(models.Model):
    class Role(models.TextChoices):
        CNRS = "cnrs", _("CNRS (supervising body)")
        ACADEMIC = "academic", _("Academic partner")
        INDUSTRIAL = "industrial", _("Industrial partner")
        HOST = "host", _("Host institution")

    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="partnerships")
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="partnerships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        ordering = ["lab__code", "institution__code"]
        constraints = [
            models.UniqueConstraint(fields=["lab", "institution"], name="partnership_unique"),
        ]
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")

    def __str__(self) -> str:
        return f"{self.lab.code}: {self.institution.code}"


class FundingSource(models.Model):
    """An origin of money (origine de crédit). `carries_over` says what becomes of a year's
    unspent allocation at closing: carried to the next year's line (multi-year grants and
    contracts) or lapsed (the recurrent CNRS allocation)."""

    class Kind(models.TextChoices):
        CNRS_ALLOCATION = "cnrs_allocation", _("CNRS allocation")
        PARTNER_CONTRIBUTION = "partner_contribution", _("Partner contribution")
        GRANT = "grant", _("Grant")
        CONTRACT = "contract", _("Research contract")
        IN_KIND = "in_kind", _("In-kind contribution (memo only)")

    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="funding_sources")
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    funder = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="funded")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="SGD")
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    carries_over = models.BooleanField(
        _("unspent allocation carried to the next year"),
        default=False,
        help_text=_(
            "Yes for multi-year grants and contracts; no for the recurrent CNRS "
            "allocation, whose unspent balance lapses at year end"
        ),
    )

    # The kinds whose unspent allocation is carried over unless said otherwise.
    CARRIED_OVER_KINDS = frozenset({Kind.GRANT, Kind.CONTRACT})

    class Meta:
        ordering = ["lab__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["lab", "code"], name="funding_source_code_unique"),
        ]
        verbose_name = _("funding source")
        verbose_name_plural = _("funding sources")

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"

    @classmethod
    def carries_over_by_default(cls, kind: str) -> bool:
        """Whether a funding source of `kind` carries its unspent allocation over."""
        return kind in cls.CARRIED_OVER_KINDS


class Role(models.TextChoices):
    ACCOUNTANT = "accountant", _("Accountant")
    DIRECTOR = "director", _("Lab director")
    AUDITOR = "auditor", _("Auditor")
    OFFICE_HEAD = "office_head", _("Office head")


class RoleGrant(models.Model):
    """A role given to a user for one lab, or office-wide when `lab` is empty."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="role_grants",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    lab = models.ForeignKey(
        Lab,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="role_grants",
        help_text=_("Empty for an office-wide grant"),
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        ordering = ["user__username", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "lab"],
                name="role_grant_unique_per_lab",
                condition=Q(lab__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                name="role_grant_unique_office_wide",
                condition=Q(lab__isnull=True),
            ),
            # A director directs one lab; the office head is office-wide by definition.
            models.CheckConstraint(
                condition=~Q(role="director") | Q(lab__isnull=False),
                name="role_grant_director_has_lab",
                violation_error_message=_("A director is granted for one lab."),
            ),
            models.CheckConstraint(
                condition=~Q(role="office_head") | Q(lab__isnull=True),
                name="role_grant_office_head_office_wide",
                violation_error_message=_(
                    "The office head role is office-wide: leave the lab empty."
                ),
            ),
        ]
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")

    def __str__(self) -> str:
        return f"{self.user} {self.role} {self.lab.code if self.lab else '(office-wide)'}"
