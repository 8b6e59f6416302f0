"""A lab's background jobs: /labs/<CODE>/jobs/..."""

from django.urls import path

from jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.jobs, name="list"),
    path("<int:job_id>/", views.job, name="job"),
    path("<int:job_id>/progress/", views.job_progress, name="progress"),
    path("<int:job_id>/retry/", views.job_retry_page, name="retry"),
]
