"""A lab's bank pages: /labs/<CODE>/bank/..."""

from django.urls import path

from banking import views, views_month

app_name = "banking"

MONTH = "<int:bank_account_id>/<int:year>/<int:month>/"

urlpatterns = [
    path("", views.bank_accounts, name="accounts"),
    path("new/", views.bank_account_new, name="account_new"),
    path("<int:bank_account_id>/", views.bank_account_page, name="account"),
    path("<int:bank_account_id>/settings/", views.bank_account_settings, name="settings"),
    path("<int:bank_account_id>/import/", views.statement_import, name="import"),
    path(
        "<int:bank_account_id>/import/confirm/",
        views.statement_import_confirm,
        name="import_confirm",
    ),
    path(
        "<int:bank_account_id>/statements/<int:bank_statement_id>/",
        views.statement_page,
        name="statement",
    ),
    path(MONTH, views_month.month_page, name="month"),
    path(MONTH + "obvious/", views_month.month_obvious, name="month_obvious"),
    path(MONTH + "match/", views_month.month_match, name="month_match"),
    path(MONTH + "entries/", views_month.month_entries, name="month_entries"),
    path(MONTH + "unmatch/", views_month.month_unmatch, name="month_unmatch"),
    path(MONTH + "statement/", views_month.month_statement, name="month_statement"),
]
