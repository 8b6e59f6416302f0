"""The pages of third parties (parties/views.py) and of lettering (parties/lettering/)."""

from django.urls import include, path

app_name = "parties"

urlpatterns = [
    path("", include("parties.urls_third_parties")),
    path("", include("parties.lettering.urls")),
]
