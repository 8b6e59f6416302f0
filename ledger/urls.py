"""Pages of a lab's books: /labs/<CODE>/..."""

from django.urls import path

from ledger import (
    views,
    views_charts,
    views_closing,
    views_documents,
    views_entries,
    views_entry_list,
    views_home,
    views_imports,
)

app_name = "ledger"

urlpatterns = [
    path("", views_home.home, name="home"),
    path("labs/<str:code>/", views.lab_index, name="lab"),
    path("labs/<str:code>/budget/<int:year>/", views.budget, name="budget"),
    path(
        "labs/<str:code>/budget/<int:year>/charts.xlsx",
        views_charts.budget_charts_xlsx_view,
        name="budget_charts_xlsx",
    ),
    # Before the page's pattern, whose <path:source> would take any suffix.
    path(
        "labs/<str:code>/budget/source/<path:source>/charts.xlsx",
        views_charts.budget_source_charts_xlsx_view,
        name="budget_source_charts_xlsx",
    ),
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
    path("labs/<str:code>/entries/", views_entry_list.entries, name="entries"),
    path(
        "labs/<str:code>/entries/export.xlsx",
        views_entry_list.entries_export,
        name="entries_export",
    ),
    path("labs/<str:code>/entries/new/", views_entries.entry_new, name="entry_new"),
    path("labs/<str:code>/entries/<int:entry_id>/", views_entries.entry, name="entry"),
    path(
        "labs/<str:code>/entries/<int:entry_id>/edit/", views_entries.entry_edit, name="entry_edit"
    ),
    path(
        "labs/<str:code>/entries/<int:entry_id>/post/",
        views_entries.entry_post_view,
        name="entry_post",
    ),
    path(
        "labs/<str:code>/entries/<int:entry_id>/reverse/",
        views_entries.entry_reverse_view,
        name="entry_reverse",
    ),
    path(
        "labs/<str:code>/entries/<int:entry_id>/delete/",
        views_entries.entry_delete_view,
        name="entry_delete",
    ),
    path(
        "labs/<str:code>/entries/<int:entry_id>/documents/",
        views_documents.entry_document_add,
        name="entry_document_add",
    ),
    path(
        "labs/<str:code>/entries/<int:entry_id>/documents/<int:document_id>/",
        views_documents.entry_document,
        name="entry_document",
    ),
    path(
        "labs/<str:code>/entries/<int:entry_id>/documents/<int:document_id>/remove/",
        views_documents.entry_document_remove,
        name="entry_document_remove",
    ),
    path("labs/<str:code>/closing/", views_closing.closing, name="closing"),
    path("labs/<str:code>/closing/month/close/", views_closing.month_close, name="month_close"),
    path("labs/<str:code>/closing/month/reopen/", views_closing.month_reopen, name="month_reopen"),
    path("labs/<str:code>/closing/year/open/", views_closing.year_open, name="year_open"),
    path("labs/<str:code>/closing/year/close/", views_closing.year_close, name="year_close"),
    path("labs/<str:code>/closing/year/reopen/", views_closing.year_reopen, name="year_reopen"),
    path("labs/<str:code>/imports/", views_imports.imports, name="imports"),
    path(
        "labs/<str:code>/imports/<int:batch_id>/",
        views_imports.import_batch,
        name="import_batch",
    ),
    path(
        "labs/<str:code>/imports/<int:batch_id>/delete/",
        views_imports.import_batch_delete,
        name="import_batch_delete",
    ),
]
