"""Intermediate admin pages (like Django's delete confirmation) that ask what a service
needs before calling it: an amount, a date, a justification, a reason. A refusal of the
service shows on the same page, above the form, and nothing is written."""

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse

from ledger.exceptions import LedgerError

T = TypeVar("T")


def attempt(form: forms.Form, write: Callable[[], T]) -> T | None:
    """Call a service; on refusal put its message on `form` and return None."""
    try:
        return write()
    except LedgerError as error:
        form.add_error(None, str(error))
    except ValidationError as error:
        form.add_error(None, "; ".join(error.messages))
    return None


def action_page(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    *,
    form: forms.Form,
    title: str,
    submit: str,
    cancel_url: str,
    original: models.Model | None = None,
    hidden: Sequence[tuple[str, Any]] = (),
    table: dict[str, Any] | None = None,
) -> TemplateResponse:
    """The page asking for `form` (with its errors), under `original` or the list.

    hidden: (name, value) pairs posted back with the form (an action's selection);
    table: {"headers": [...], "rows": [[...], ...]} shown above the form.
    """
    fieldsets = [(None, {"fields": list(form.fields)})]
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": model_admin.model._meta,
        "original": original,
        # The admin's helpers render any form, though the stubs ask for a ModelForm.
        "adminform": helpers.AdminForm(form, fieldsets, {}),  # type: ignore[arg-type]
        "errors": helpers.AdminErrorList(form, []),  # type: ignore[arg-type]
        "media": model_admin.media + form.media,
        "hidden": hidden,
        "table": table,
        "submit_label": submit,
        "cancel_url": cancel_url,
        "add": False,
        "change": False,
        "is_popup": False,
        "has_view_permission": True,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/ledger/action_form.html", context)


def object_action(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    *,
    obj: models.Model,
    form: forms.Form,
    write: Callable[[Any], str],
    title: str,
    submit: str,
    back_url: str,
    table: dict[str, Any] | None = None,
) -> HttpResponse:
    """One object's intermediate page: once `form` is valid, `write(form)` calls the
    service and says what it did, and the user goes back to `back_url`; a refusal shows
    above the form and nothing is written."""
    if request.method == "POST" and form.is_valid():
        done = attempt(form, lambda: write(form))
        if done is not None:
            model_admin.message_user(request, done, messages.SUCCESS)
            return HttpResponseRedirect(back_url)
    return action_page(
        model_admin,
        request,
        form=form,
        title=title,
        submit=submit,
        cancel_url=back_url,
        original=obj,
        table=table,
    )
