"""URL configuration of IRL Ledger."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from irls.login import LoginView, ThrottledAdminAuthenticationForm

admin.site.site_header = "IRL Ledger"
admin.site.site_title = "IRL Ledger"
admin.site.index_title = "CNRS@ASEAN: books of the International Research Laboratories"
admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    path("", include("irls.urls")),
    path("", include("ledger.urls")),
    path("labs/<str:code>/statements/", include("reports.urls")),
    path("audit/", include("ledger.audit.urls")),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
