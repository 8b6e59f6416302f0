"""Pages of a lab's books: /labs/<CODE>/..."""

from django.urls import path

from ledger import views, views_closing

app_name = "ledger"

urlpatterns = [
    path("labs/<str:code>/", views.lab_index, name="lab"),
    path("labs/<str:code>/budget/<int:year>/", views.budget, name="budget"),
    path(
        "labs/<str:code>/budget/source/<path:source>/",
        views.budget_source,
        name="budget_source",
    ),
    path(
        "labs/<str:code>/budget/<int:year>/lines/<int:line_id>/",
        views.budget_line_detail,
        name="budget_line",
    ),
    path("labs/<str:code>/closing/", views_closing.closing, name="closing"),
    path("labs/<str:code>/closing/month/close/", views_closing.month_close, name="month_close"),
    path("labs/<str:code>/closing/month/reopen/", views_closing.month_reopen, name="month_reopen"),
    path("labs/<str:code>/closing/year/open/", views_closing.year_open, name="year_open"),
    path("labs/<str:code>/closing/year/close/", views_closing.year_close, name="year_close"),
    path("labs/<str:code>/closing/year/reopen/", views_closing.year_reopen, name="year_reopen"),
]
