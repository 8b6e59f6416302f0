"""Pages of the web shell that belong to no lab."""

from django.urls import path

from irls import views

app_name = "irls"

urlpatterns = [
    path("", views.home, name="home"),
]
