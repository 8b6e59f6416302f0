"""URL configuration of IRL Ledger."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from api.main import api
from api.views import api_not_found
from config.health import healthz
from irls.login import LoginView, ThrottledAdminAuthenticationForm

admin.site.site_header = "IRL Ledger"
admin.site.site_title = "IRL Ledger"
admin.site.index_title = "CNRS@ASEAN: books of the International Research Laboratories"
admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    path("", include("irls.urls")),
    path("", include("ledger.urls")),
    path("", include("parties.urls")),
    path("labs/<str:code>/statements/", include("reports.urls")),
    path("labs/<str:code>/bank/", include("banking.urls")),
    path("labs/<str:code>/jobs/", include("jobs.urls")),
    path("labs/<str:code>/alerts/", include("alerts.urls")),
    path("audit/", include("ledger.audit.urls")),
    # The REST API (api/main.py) and the page where each person manages their tokens.
    path("api/v1/", api.urls),
    # Any other address under /api/ (an id that is no number, a version that does not
    # exist): the API's JSON 404.
    path("api/<path:rest>", api_not_found, name="api_not_found"),
    path("account/api-tokens/", include("api.urls")),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Where a password-reset link lands (sent or shown by the office head, People page).
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # For load balancers and monitoring: no login, nothing secret (config/health.py).
    path("healthz", healthz, name="healthz"),
]
