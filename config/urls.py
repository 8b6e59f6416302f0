"""URL configuration of IRL Ledger."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

admin.site.site_header = "IRL Ledger"
admin.site.site_title = "IRL Ledger"
admin.site.index_title = "CNRS@ASEAN: books of the International Research Laboratories"

urlpatterns = [
    path("", include("irls.urls")),
    path("", include("ledger.urls")),
    path("labs/<str:code>/statements/", include("reports.urls")),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
