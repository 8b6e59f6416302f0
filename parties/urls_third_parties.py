"""The third parties' pages (parties/views.py).

A third party is named by its code in the address. Codes made before third parties were
records may hold spaces or a slash (they were free text), hence the `path` converter;
the pages named after a code (edit, deactivate, reactivate) and the sheet's import come
before the third party's own page, which takes whatever is left ("new" and "import" are
no third party's code: parties.validation.RESERVED_CODES).
"""

from django.urls import path

from parties import views, views_import

urlpatterns = [
    path("third-parties/", views.third_parties, name="third_parties"),
    path("third-parties/new/", views.third_party_new, name="third_party_new"),
    path("third-parties/import/", views_import.third_parties_sheet, name="third_parties_import"),
    path(
        "third-parties/import/confirm/",
        views_import.third_parties_sheet_confirm,
        name="third_parties_import_confirm",
    ),
    path(
        "third-parties/import/template/",
        views_import.third_parties_sheet_template,
        name="third_parties_import_template",
    ),
    path("third-parties/<path:party>/edit/", views.third_party_edit, name="third_party_edit"),
    path(
        "third-parties/<path:party>/deactivate/",
        views.third_party_deactivate,
        name="third_party_deactivate",
    ),
    path(
        "third-parties/<path:party>/reactivate/",
        views.third_party_reactivate,
        name="third_party_reactivate",
    ),
    path("third-parties/<path:party>/", views.third_party, name="third_party"),
]
