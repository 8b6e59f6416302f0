"""Third parties in the admin, as on their pages (parties/views.py).

Office records written through parties.services (audited): accountants (office-wide or
of any lab) and the office head create and change them; auditors read them; a director
alone does not see the file (nor does a superuser without a role see bank details, which
only the accountants and the office head see, here as on the pages). Lettering belongs
to the lettering pages (parties/lettering/) and is not registered here.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from irls.admin_base import LabScopedAdmin, acting_user
from ledger.exceptions import LedgerError
from parties.models import ThirdParty
from parties.selectors import third_party_access, third_party_in_use
from parties.services import (
    FIELDS,
    third_party_create,
    third_party_deactivate,
    third_party_reactivate,
    third_party_update,
)
from parties.validation import BANK_FIELDS, compact

_ACCESS_ATTR = "_third_party_access"
RECORD_FIELDS = [
    "code",
    "name",
    "kind",
    "institution",
    "country",
    "uen",
    "siret",
    "currency",
    "payment_terms_days",
    "email",
    "address",
]


# Identifiers people type with spaces or dots ("2006 04346 E", "FR76 3000 ..."): the form
# takes them as typed and stores them compact, as parties.validation does.
IDENTIFIERS = ("uen", "siret", "bank_swift", "bank_iban")


class ThirdPartyAdminForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        for name in IDENTIFIERS:
            if isinstance(cleaned.get(name), str):
                cleaned[name] = compact(cleaned[name])
        return cleaned


def _access(request: HttpRequest) -> Any:
    cached = getattr(request, _ACCESS_ATTR, None)
    if cached is None:
        cached = third_party_access(request.user)
        setattr(request, _ACCESS_ATTR, cached)
    return cached


@admin.register(ThirdParty)
class ThirdPartyAdmin(LabScopedAdmin):
    lab_lookup = None
    service_changes = True
    list_display = ["code", "name", "kind", "country", "uen", "siret", "currency", "is_active"]
    list_filter = ["kind", "is_active", "country", "currency"]
    list_select_related = ["institution"]
    search_fields = ["code", "name", "uen", "siret"]
    readonly_fields = ["is_active", "created_at", "updated_at"]
    actions = ["deactivate_selected", "reactivate_selected"]
    form = ThirdPartyAdminForm

    # -- who sees it: the file's readers (a superuser too), bank details to its keepers ----

    def _reads(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser) or _access(request).reads

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._reads(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._reads(request)

    def may_write(self, request: HttpRequest, obj: Any = None) -> bool:
        # The services' rule (any accountant, the office head); a superuser without a
        # role gets the service's refusal as a form error.
        return bool(request.user.is_active and request.user.is_superuser) or _access(request).writes

    def get_queryset(self, request: HttpRequest) -> QuerySet[ThirdParty]:
        parties = super().get_queryset(request)
        if not self._reads(request):
            return parties.none()
        return parties if _access(request).bank_details else parties.defer(*BANK_FIELDS)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(RECORD_FIELDS)
        if _access(request).bank_details:
            fields += BANK_FIELDS
        return fields if obj is None else [*fields, "is_active", "created_at", "updated_at"]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in IDENTIFIERS:
            kwargs["max_length"] = 3 * db_field.max_length  # room for the spaces typed
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        frozen = ["code"] if obj is not None and third_party_in_use(obj) else []
        return [*frozen, *self.readonly_fields]

    # -- writes through the services -----------------------------------------------------

    def service_save(
        self, request: HttpRequest, form: Any, formsets: list[Any], change: bool
    ) -> models.Model:
        given = {name: form.cleaned_data[name] for name in FIELDS if name in form.cleaned_data}
        if not change:
            return third_party_create(acting_user=acting_user(request), **given)
        original = ThirdParty.objects.get(pk=form.instance.pk)
        changed = {name: given[name] for name in form.changed_data if name in given}
        return third_party_update(acting_user=acting_user(request), third_party=original, **changed)

    def _set_active(
        self, request: HttpRequest, queryset: QuerySet[ThirdParty], service: Any, done: str
    ) -> None:
        parties = list(queryset.order_by("code"))
        try:
            # All or none: a refusal on one leaves every selected third party as it was.
            with transaction.atomic():
                for party in parties:
                    service(acting_user=acting_user(request), third_party=party)
        except LedgerError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        codes = ", ".join(party.code for party in parties)
        self.message_user(request, f"{done}: {codes}", messages.SUCCESS)

    def has_activation_permission(self, request: HttpRequest) -> bool:
        return self.may_write(request)

    @admin.action(description=_("Deactivate selected third parties"), permissions=["activation"])
    def deactivate_selected(self, request: HttpRequest, queryset: QuerySet[ThirdParty]) -> None:
        self._set_active(
            request,
            queryset,
            third_party_deactivate,
            str(pgettext_lazy("third party", "Deactivated")),
        )

    @admin.action(description=_("Reactivate selected third parties"), permissions=["activation"])
    def reactivate_selected(self, request: HttpRequest, queryset: QuerySet[ThirdParty]) -> None:
        self._set_active(
            request,
            queryset,
            third_party_reactivate,
            str(pgettext_lazy("third party", "Reactivated")),
        )
