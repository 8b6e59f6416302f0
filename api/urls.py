from django.urls import path

from api import views

app_name = "api_tokens"

urlpatterns = [
    path("", views.tokens, name="tokens"),
    path("new/", views.token_new, name="token_new"),
    path("<int:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
]
