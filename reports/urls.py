"""A lab's statements: /labs/<CODE>/statements/..."""

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.statements, name="statements"),
    path("issue/", views.issue, name="issue"),
    path("check/", views.check, name="check"),
    path("audit-package/", views.audit_package, name="audit_package"),
    path("<int:statement_id>/download/", views.download, name="download"),
]
