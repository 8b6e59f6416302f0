"""Third parties (suppliers, customers, partners, staff) and the lettering of their lines.

A third party is office-wide: the office keeps one file of suppliers and partners for
every lab it books. A journal line names it by its code (`JournalLine.third_party`, a
foreign key to `ThirdParty.code` kept in the line's `third_party` column, so the hash of
a posted entry reads the same text it always did).

Lettering is information about posted lines, so it lives beside them: a `Lettering`
groups lines of one account of one lab under a code (AA, AB, ...); it is complete when
its lines sum to zero (the database refuses a complete lettering that does not).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ThirdParty(models.Model):
    class Kind(models.TextChoices):
        SUPPLIER = "supplier", _("Supplier")
        CUSTOMER = "customer", _("Customer")
        PARTNER = "partner", _("Partner")
        STAFF = "staff", _("Staff member")
        OTHER = "other", _("Other")

    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("How lines, files and statements name it; 40 characters at most"),
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    institution = models.ForeignKey(
        "irls.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="third_parties",
        verbose_name=_("institution"),
        help_text=_("The partner institution this third party is, where it is one"),
    )
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO 3166 code"))
    uen = models.CharField(
        _("Singapore UEN"), max_length=10, blank=True, help_text=_("Unique Entity Number")
    )
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="SGD")
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"),
        default=30,
        help_text=_("An invoice line falls due this many days after its date"),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.TextField(_("address"), blank=True)
    # Bank details: shown to accountants and the office head only.
    bank_name = models.CharField(_("bank"), max_length=200, blank=True)
    bank_account_holder = models.CharField(_("account holder"), max_length=200, blank=True)
    bank_account_number = models.CharField(_("account number"), max_length=40, blank=True)
    bank_swift = models.CharField(_("SWIFT/BIC"), max_length=11, blank=True)
    bank_iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("third party")
        verbose_name_plural = _("third parties")
        constraints = [
            # Free-text values of the lines before third parties were records became
            # codes as they were (ledger migration 0014); a code is never blank.
            models.CheckConstraint(
                condition=~Q(code=""),
                name="third_party_code_shape",
                violation_error_message=_("A third party needs a code."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Lettering(models.Model):
    """Lines of one account of one lab that cancel out (an invoice and its payments)."""

    # No index of their own on lab, account and author: the unique (account, code) index
    # serves the account's letterings, and an automatic lettering writes 45,000 rows at
    # once (each index costs on every row; parties/lettering/services.py).
    # The lab has no foreign key in the database (db_constraint=False): it is its
    # account's lab, which the guards check set-based (parties/db_guards.py; an account
    # with letterings keeps its lab), and the account's own key holds it; a key checked
    # row by row at commit would cost 45,000 lookups for an automatic lettering.
    lab = models.ForeignKey(
        "irls.Lab",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    account = models.ForeignKey(
        "ledger.Account", on_delete=models.PROTECT, related_name="letterings", db_index=False
    )
    third_party = models.ForeignKey(
        ThirdParty,
        on_delete=models.PROTECT,
        to_field="code",
        db_column="third_party",
        null=True,
        blank=True,
        related_name="letterings",
        verbose_name=_("third party"),
    )
    code = models.CharField(_("lettering code"), max_length=4)
    complete = models.BooleanField(
        _("complete"), default=False, help_text=_("Its lines sum to zero")
    )
    lettered_on = models.DateField(_("lettering date"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        db_index=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["account_id", "code"]
        verbose_name = _("lettering")
        verbose_name_plural = _("letterings")
        constraints = [
            models.UniqueConstraint(fields=["account", "code"], name="lettering_code_once"),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{2,4}$"), name="lettering_code_shape"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class LetteringCounter(models.Model):
    """The last lettering number given on one account (1 = AA): a code is never given
    twice, even after its lettering is undone; locked while lettering."""

    account = models.OneToOneField(
        "ledger.Account", on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("lettering counter")
        verbose_name_plural = _("lettering counters")

    def __str__(self) -> str:
        return f"{self.account_id}: {self.last_number}"


class LetteredLine(models.Model):
    """One posted line in a lettering (a line is in one lettering at most)."""

    # Neither key is a foreign key in the database (db_constraint=False): PostgreSQL
    # checks those row by row at commit (185,000 lookups for an automatic lettering of
    # 92,000 lines, each locking the row it finds). The guards hold the same set-based
    # (parties/db_guards.py): a lettered line's lettering and posted line exist when it
    # is written; a lettering with lines is not deleted; a posted line is never deleted
    # nor re-keyed (ledger/db_guards.py). The ORM still deletes a lettering's lines
    # with it (CASCADE, lines first) and protects a lettered line.
    lettering = models.ForeignKey(
        Lettering, on_delete=models.CASCADE, related_name="items", db_constraint=False
    )
    line = models.OneToOneField(
        "ledger.JournalLine",
        on_delete=models.PROTECT,
        related_name="lettered",
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("lettered line")
        verbose_name_plural = _("lettered lines")

    def __str__(self) -> str:
        return f"{self.lettering.code} {self.line_id}"
