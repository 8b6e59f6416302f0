"""The auditor's workspace: /audit/..."""

from django.urls import path

from ledger.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.index, name="index"),
    path("trail/", views.trail, name="trail"),
    path("trail/export.xlsx", views.trail_export, name="trail_export"),
    path("imports/", views.imports, name="imports"),
    path("verify/", views.verify, name="verify"),
]
