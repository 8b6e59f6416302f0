"""What every admin of IRL Ledger shares: role-based access, and writes through services.

Django's admin site lets in active staff users only (`is_staff`); the role holders who
use it (and the demo users) are staff users. Inside the site, what a user sees and may
do comes from their role grants (irls.access), not from Django's model permissions:

- every role may view the objects of the labs it covers; an office-wide role sees every
  lab and the office's own records (rates, institutions, lab-less audit events);
- accountants and the office head write in their labs; exchange rates, which every lab's
  EUR figures use, are written by office-wide accountants and the office head only;
  institutions, labs, partnerships, funding sources and roles are the office head's;
  directors and auditors only read;
- superusers see everything; the services still check roles when they write, so a
  superuser without a role gets the service's refusal as a form error.

Every write goes through a service: `save_model` writes nothing, `save_related` calls
`service_save` once the form and its inlines are valid. A LedgerError (or a validation
error raised by the service) rolls back the admin's transaction and shows the form again
with the service's message, so nothing half-done is ever written.
"""

import logging
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.models import User
from django.core.exceptions import BadRequest, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from irls.access import READ_ROLES, WRITE_ROLES, is_office_head, labs_for_user
from irls.models import Lab, RoleGrant
from ledger.exceptions import LedgerError

_ACCESS_ATTR = "_irl_admin_access"
_REFUSAL_ATTR = "_irl_admin_refusal"

logger = logging.getLogger("irls.admin")

BAD_SELECTION = _("The selection holds something that is not the id of an object.")
BAD_FILTER = _("A filter of this list holds a value it cannot use.")
# The parts of a date hierarchy's filter and the values each may take.
DATE_PARTS = {"year": (1, 9999), "month": (1, 12), "day": (1, 31)}


def whole_number(value: str | None, low: int, high: int) -> int | None:
    """`value` as an int when written in ASCII digits and between `low` and `high`;
    None otherwise (a filter value from the query string: "²" is a digit to
    str.isdigit() but not to int(), and a year of 20 digits is no date)."""
    if not value or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if low <= number <= high else None


@dataclass(frozen=True)
class AdminAccess:
    """What one user may see and do in the admin, read once per request."""

    superuser: bool
    read_labs: frozenset[int]
    write_labs: frozenset[int]
    office_wide: bool
    office_wide_writer: bool
    office_head: bool

    @property
    def reads(self) -> bool:
        """True when the user may use the admin at all."""
        return self.superuser or self.office_wide or bool(self.read_labs)

    def may_read(self, lab_id: int | None) -> bool:
        if self.superuser or self.office_wide:
            return True
        return lab_id is not None and lab_id in self.read_labs

    def may_write(
        self, lab_id: int | None, *, office_head_only: bool = False, office_wide_only: bool = False
    ) -> bool:
        """May write in `lab_id` (None: in some lab, or an office record); office records
        every lab relies on (`office_wide_only`: exchange rates) need an office-wide role."""
        if self.superuser:
            return True
        if office_head_only:
            return self.office_head
        if office_wide_only:
            return self.office_wide_writer or self.office_head
        if lab_id is None:
            return self.office_wide_writer or bool(self.write_labs)
        return lab_id in self.write_labs


def admin_access(request: HttpRequest) -> AdminAccess:
    """The access of the request's user, computed on first use and kept on the request."""
    cached = getattr(request, _ACCESS_ATTR, None)
    if cached is None:
        cached = _access_for(request.user)
        setattr(request, _ACCESS_ATTR, cached)
    return cached


def _access_for(user: Any) -> AdminAccess:
    office_roles = set(
        RoleGrant.objects.filter(user_id=user.pk, lab__isnull=True).values_list("role", flat=True)
        if user.is_authenticated and user.is_active
        else []
    )
    return AdminAccess(
        superuser=bool(user.is_active and user.is_superuser),
        read_labs=frozenset(labs_for_user(user).values_list("id", flat=True)),
        write_labs=frozenset(labs_for_user(user, WRITE_ROLES).values_list("id", flat=True)),
        office_wide=bool(office_roles & READ_ROLES),
        office_wide_writer=bool(office_roles & WRITE_ROLES),
        office_head=is_office_head(user),
    )


def acting_user(request: HttpRequest) -> User:
    """The user on whose behalf the admin calls a service (the admin requires a login)."""
    return cast(User, request.user)


class _Refused(Exception):
    """A service refused a write; carries its message back to the change form."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _refusal_text(error: LedgerError | ValidationError) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    return str(error)


class LabCodedChoiceField(forms.ModelChoiceField):
    """Choices prefixed with their lab's code, so `512 Bank SGD` of two labs differ."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.lab.code} · {obj}"


def limit_choices_to_labs(db_field: Any, request: HttpRequest, kwargs: dict[str, Any]) -> None:
    """Limit a foreign key's choices to the labs the user writes in (by setting the
    `queryset` of `kwargs`); a lab's accounts, journals and funding sources are labelled
    with the lab's code, since every lab has its own 512."""
    access = admin_access(request)
    related = db_field.related_model
    labs = None if access.superuser else access.write_labs
    if related is Lab and labs is not None:
        kwargs.setdefault("queryset", Lab.objects.filter(id__in=labs))
    elif any(f.name == "lab" and f.is_relation for f in related._meta.get_fields()):
        choices = related._default_manager.select_related("lab")
        if labs is not None:
            choices = choices.filter(lab_id__in=labs)
        kwargs.setdefault("queryset", choices)
        kwargs.setdefault("form_class", LabCodedChoiceField)


class LabScopedAdmin(admin.ModelAdmin):
    """An admin whose objects belong to labs, written only through services.

    Subclasses say which lookup leads to the lab (`lab_lookup`: None for office records
    seen by every role, "id" for the Lab itself), which writes have a service
    (`service_adds`, `service_changes`, `service_deletes`), and implement
    `service_save` / `service_delete`.
    """

    lab_lookup: str | None = "lab"
    office_head_only = False
    office_wide_only = False
    service_adds = True
    service_changes = False
    service_deletes = False

    # -- what the user may see ---------------------------------------------------------

    def lab_id_of(self, obj: Any) -> int | None:
        """The lab an object belongs to (None for office records)."""
        if self.lab_lookup is None:
            return None
        if self.lab_lookup == "id":
            return int(obj.pk)
        return getattr(obj, f"{self.lab_lookup}_id", None)

    def scope(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """`queryset` limited to the labs the user may see."""
        access = admin_access(request)
        if not access.reads:
            return queryset.none()
        if self.lab_lookup is None or access.superuser or access.office_wide:
            return queryset
        return queryset.filter(**{f"{self.lab_lookup}__in": access.read_labs})

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.scope(request, super().get_queryset(request))

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        # Labs are walls: another lab's object and a missing one both answer 404.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("No such object"))
        return obj

    def has_module_permission(self, request: HttpRequest) -> bool:
        return admin_access(request).reads

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        access = admin_access(request)
        if obj is None:
            return access.reads
        return access.reads and (self.lab_lookup is None or access.may_read(self.lab_id_of(obj)))

    # -- what the user may write -------------------------------------------------------

    def may_write(self, request: HttpRequest, obj: Any = None) -> bool:
        lab_id = self.lab_id_of(obj) if obj is not None else None
        return admin_access(request).may_write(
            lab_id, office_head_only=self.office_head_only, office_wide_only=self.office_wide_only
        )

    def is_frozen(self, obj: Any) -> bool:
        """True for an object no service may change or delete any more (a posted entry)."""
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.service_adds and self.may_write(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not self.service_changes or (obj is not None and self.is_frozen(obj)):
            return False
        return self.may_write(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not self.service_deletes or (obj is not None and self.is_frozen(obj)):
            return False
        return self.may_write(request, obj)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The list; 400 for a filter value no filter can use (a date of the date
        hierarchy out of range, a number a filter cannot read), never a server error."""
        if self.date_hierarchy:
            for part, (low, high) in DATE_PARTS.items():
                value = request.GET.get(f"{self.date_hierarchy}__{part}")
                if value is not None and whole_number(value, low, high) is None:
                    raise BadRequest(BAD_FILTER)
        try:
            response = super().changelist_view(request, extra_context)
            render = getattr(response, "render", None)
            if render is not None:
                render()  # the list's query runs here: its errors are the filters'
        except (ValueError, OverflowError) as error:
            logger.warning("admin list %s refused: %r", request.get_full_path(), error)
            raise BadRequest(BAD_FILTER) from error
        return response

    def response_action(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        # Django's admin filters the queryset with the ids posted as they are: a value
        # that is no id would raise a ValueError (500); it is a bad request.
        pk = self.model._meta.pk
        assert pk is not None
        try:
            for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
                pk.to_python(value)
        except ValidationError:
            raise BadRequest(BAD_SELECTION) from None
        return super().response_action(request, queryset)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        # Bulk deletion would bypass the services' refusals; delete one object at a time.
        actions.pop("delete_selected", None)
        return actions

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        limit_choices_to_labs(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # -- writes through services -------------------------------------------------------

    def service_save(
        self, request: HttpRequest, form: Any, formsets: list[Any], change: bool
    ) -> models.Model:
        """Write the object of the valid `form` (and its inlines) through a service."""
        raise NotImplementedError

    def service_delete(self, request: HttpRequest, obj: Any) -> None:
        """Delete `obj` through a service."""
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: Any) -> None:
        """Nothing: the service writes in `save_related`, once the inlines are valid too."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: Any) -> None:
        try:
            saved = self.service_save(request, form, list(formsets), bool(change))
        except (LedgerError, ValidationError) as error:
            raise _Refused(_refusal_text(error)) from error
        _adopt(form.instance, saved)

    def construct_change_message(
        self, request: HttpRequest, form: Any, formsets: Any, add: bool = False
    ) -> Any:
        # The inline formsets were never saved (the service wrote the lines); the audit
        # trail of the service holds the details.
        return super().construct_change_message(request, form, [], add)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        try:
            self.service_delete(request, obj)
        except (LedgerError, ValidationError) as error:
            raise _Refused(_refusal_text(error)) from error

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        refusal: str | None = getattr(request, _REFUSAL_ATTR, None)
        if refusal is None:
            return form
        message: str = refusal

        class RefusedForm(form):  # type: ignore[valid-type,misc]
            def clean(self) -> dict[str, Any]:
                super().clean()
                raise ValidationError(message)

        return RefusedForm

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused as refused:
            # The admin's transaction was rolled back; show the same form with the reason.
            setattr(request, _REFUSAL_ATTR, refused.message)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except _Refused as refused:
            self.message_user(request, refused.message, messages.ERROR)
            opts = self.model._meta
            url = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change",
                args=[object_id],
                current_app=self.admin_site.name,
            )
            return HttpResponseRedirect(url)


def _adopt(instance: models.Model, saved: models.Model) -> None:
    """Make the admin's unsaved `instance` the row the service wrote, so the admin's
    log and redirect point at it."""
    instance.pk = saved.pk
    instance.refresh_from_db()
    instance._state.adding = False


class LabScopedInline(admin.TabularInline):
    """A read-only list of an object's children, visible with the parent."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return admin_access(request).reads

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LabFilter(admin.SimpleListFilter):
    """Filter by lab, offering only the labs the user may see."""

    title = _("lab")
    parameter_name = "lab"

    def __init__(
        self, request: HttpRequest, params: Any, model: Any, model_admin: LabScopedAdmin
    ) -> None:
        self.lab_lookup = model_admin.lab_lookup or "lab"
        super().__init__(request, params, model, model_admin)

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        access = admin_access(request)
        labs = Lab.objects.order_by("code")
        if not (access.superuser or access.office_wide):
            labs = labs.filter(id__in=access.read_labs)
        return [(code, code) for code in labs.values_list("code", flat=True)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if not self.value():
            return queryset
        if self.lab_lookup == "id":
            return queryset.filter(code=self.value())
        return queryset.filter(**{f"{self.lab_lookup}__code": self.value()})
