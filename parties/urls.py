"""The pages of third parties and of lettering (to come: parties/views.py)."""

from django.urls import URLPattern

app_name = "parties"

urlpatterns: list[URLPattern] = []
