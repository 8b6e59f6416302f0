"""The lettering pages of a lab (mounted at the site root by parties/urls.py)."""

from django.urls import path

from parties.lettering import views

urlpatterns = [
    path("labs/<str:code>/lettering/", views.lettering, name="lettering"),
    path("labs/<str:code>/lettering/letter/", views.letter, name="lettering_letter"),
    path("labs/<str:code>/lettering/unletter/", views.unletter, name="lettering_unletter"),
    path("labs/<str:code>/lettering/propose/", views.propose, name="lettering_propose"),
    path("labs/<str:code>/lettering/confirm/", views.confirm, name="lettering_confirm"),
]
