"""Pages of a lab's books: /labs/<CODE>/..."""

from django.urls import path

from ledger import views

app_name = "ledger"

urlpatterns = [
    path("labs/<str:code>/", views.lab_index, name="lab"),
    path("labs/<str:code>/budget/<int:year>/", views.budget, name="budget"),
    path(
        "labs/<str:code>/budget/<int:year>/lines/<int:line_id>/",
        views.budget_line_detail,
        name="budget_line",
    ),
]
