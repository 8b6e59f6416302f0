"""A lab's budget alerts: /labs/<CODE>/alerts/..."""

from django.urls import path

from alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.alerts, name="list"),
    path("language/", views.alert_language, name="language"),
]
