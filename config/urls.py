"""URL configuration of IRL Ledger."""

from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "IRL Ledger"
admin.site.site_title = "IRL Ledger"
admin.site.index_title = "CNRS@ASEAN: books of the International Research Laboratories"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
]
