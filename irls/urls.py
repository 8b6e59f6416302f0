"""Pages of the web shell that belong to no lab: the office head's People (the home
page, the work queue, is ledger's)."""

from django.urls import path

from irls import views_people

app_name = "irls"

urlpatterns = [
    path("people/", views_people.people, name="people"),
    path("people/new/", views_people.person_create, name="person_create"),
    path("people/<int:user_id>/", views_people.person, name="person"),
    path("people/<int:user_id>/grant/", views_people.person_grant, name="person_grant"),
    path("people/<int:user_id>/revoke/", views_people.person_revoke, name="person_revoke"),
    path(
        "people/<int:user_id>/deactivate/",
        views_people.person_deactivate,
        name="person_deactivate",
    ),
    path(
        "people/<int:user_id>/reactivate/",
        views_people.person_reactivate,
        name="person_reactivate",
    ),
    path(
        "people/<int:user_id>/reset-link/",
        views_people.person_reset_link,
        name="person_reset_link",
    ),
]
