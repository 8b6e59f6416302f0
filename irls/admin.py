"""Institutions, labs, partnerships, funding sources and role grants in the admin.

These are the office head's: every role sees them (within its labs), only the office
head creates them, through irls.services. Role grants are also revoked there. None of
the others has a service to edit or delete it, so once created they are read-only.
Access and the write path are described in irls.admin_base.
"""

from typing import Any

from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from irls.admin_base import LabFilter, LabScopedAdmin, LabScopedInline, acting_user
from irls.models import FundingSource, Institution, Lab, Partnership, RoleGrant
from irls.services import (
    funding_source_create,
    institution_create,
    lab_create,
    partnership_create,
    role_grant,
    role_revoke,
)
from ledger.exceptions import LedgerError


class OfficeHeadAdmin(LabScopedAdmin):
    """Created by the office head only; read-only once created."""

    office_head_only = True


@admin.register(Institution)
class InstitutionAdmin(OfficeHeadAdmin):
    lab_lookup = None
    list_display = ["code", "name", "kind", "country"]
    list_filter = ["kind", "country"]
    search_fields = ["code", "name"]
    fields = ["code", "name", "kind", "country"]

    def service_save(
        self, request: HttpRequest, form: Any, formsets: list[Any], change: bool
    ) -> models.Model:
        institution = form.instance
        return institution_create(
            acting_user=acting_user(request),
            code=institution.code,
            name=institution.name,
            kind=institution.kind,
            country=institution.country,
        )


class PartnershipInline(LabScopedInline):
    model = Partnership
    fields = ["institution", "role", "start_date", "end_date"]


class FundingSourceInline(LabScopedInline):
    model = FundingSource
    fields = ["code", "name", "funder", "kind", "currency", "start_date", "end_date"]


@admin.register(Lab)
class LabAdmin(OfficeHeadAdmin):
    lab_lookup = "id"
    list_display = ["code", "unit_number", "name", "field", "book_currency", "status"]
    list_filter = ["status"]
    search_fields = ["code", "name", "unit_number"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = [
            "code",
            "name",
            "unit_number",
            "field",
            "start_date",
            "fec_identifier",
            "book_currency",
        ]
        return fields if obj is None else [*fields, "end_date", "status"]

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return [] if obj is None else [PartnershipInline, FundingSourceInline]

    def service_save(
        self, request: HttpRequest, form: Any, formsets: list[Any], change: bool
    ) -> models.Model:
        lab = form.instance
        return lab_create(
            acting_user=acting_user(request),
            code=lab.code,
            name=lab.name,
            unit_number=lab.unit_number,
            field=lab.field,
            start_date=lab.start_date,
            fec_identifier=lab.fec_identifier,
            book_currency=lab.book_currency,
        )


@admin.register(Partnership)
class PartnershipAdmin(OfficeHeadAdmin):
    list_display = ["lab", "institution", "role", "start_date", "end_date"]
    list_filter = [LabFilter, "role"]
    list_select_related = ["lab", "institution"]
    search_fields = ["institution__code", "institution__name"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["lab", "institution", "role", "start_date"]
        return fields if obj is None else [*fields, "end_date"]

    def service_save(
        self, request: HttpRequest, form: Any, formsets: list[Any], change: bool
    ) -> models.Model:
        partnership = form.instance
        return partnership_create(
            acting_user=acting_user(request),
            lab=partnership.lab,
            institution=partnership.institution,
            role=partnership.role,
            start_date=partnership.start_date,
        )


@admin.register(FundingSource)
class FundingSourceAdmin(OfficeHeadAdmin):
    list_display = ["code", "name", "lab", "funder", "kind", "currency", "start_date", "end_date"]
    list_filter = [LabFilter, "kind", "currency"]
    list_select_related = ["lab", "funder"]
    search_fields = ["code", "name", "reference"]
    fields = [
        "lab",
        "code",
        "name",
        "funder",
        "kind",
        "reference",
        "currency",
        "start_date",
        "end_date",
    ]

    def service_save(
        self, request: HttpRequest, form: Any, formsets: list[Any], change: bool
    ) -> models.Model:
        source = form.instance
        return funding_source_create(
            acting_user=acting_user(request),
            lab=source.lab,
            code=source.code,
            name=source.name,
            funder=source.funder,
            kind=source.kind,
            reference=source.reference,
            currency=source.currency,
            start_date=source.start_date,
            end_date=source.end_date,
        )


@admin.register(RoleGrant)
class RoleGrantAdmin(OfficeHeadAdmin):
    """Roles are granted and revoked, never edited: revoke and grant again instead."""

    service_deletes = True
    list_display = ["user", "role", "lab", "granted_by", "granted_at"]
    list_filter = [LabFilter, "role"]
    list_select_related = ["user", "lab", "granted_by"]
    search_fields = ["user__username"]
    actions = ["revoke_grants"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["user", "role", "lab"]
        return fields if obj is None else [*fields, "granted_by", "granted_at"]

    def service_save(
        self, request: HttpRequest, form: Any, formsets: list[Any], change: bool
    ) -> models.Model:
        grant = form.instance
        return role_grant(
            acting_user=acting_user(request), user=grant.user, role=grant.role, lab=grant.lab
        )

    def service_delete(self, request: HttpRequest, obj: Any) -> None:
        role_revoke(acting_user=acting_user(request), user=obj.user, role=obj.role, lab=obj.lab)

    @admin.action(description=_("Revoke selected role grants"), permissions=["delete"])
    def revoke_grants(self, request: HttpRequest, queryset: QuerySet[RoleGrant]) -> None:
        grants = list(queryset.select_related("user", "lab"))
        try:
            with transaction.atomic():
                for grant in grants:
                    self.service_delete(request, grant)
        except LedgerError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        self.message_user(
            request,
            _("Revoked: %(grants)s") % {"grants": ", ".join(str(g) for g in grants)},
            messages.SUCCESS,
        )
