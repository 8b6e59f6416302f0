"""The office head's admin: labs, institutions, partnerships, funding sources and role
grants, created through irls.services and seen by each role within its labs."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.test import Client

from irls.models import FundingSource, Institution, Lab, Partnership, Role, RoleGrant
from ledger.models import AuditEvent, LedgerChain

GRANTS = "/admin/irls/rolegrant/"


def logged_in(client: Client, user: User) -> Client:
    """`client` logged in as `user`, made a staff user (the admin lets in staff only)."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    return client


def messages_of(response: HttpResponse) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]  # type: ignore[attr-defined]


@pytest.fixture
def newcomer(db: None) -> User:
    return get_user_model().objects.create_user("newcomer", password="pw-newcomer")


def test_the_office_head_grants_a_role(client, office_head, newcomer, cintra):
    client = logged_in(client, office_head)

    response = client.post(
        GRANTS + "add/", {"user": newcomer.pk, "role": Role.DIRECTOR, "lab": cintra.pk}
    )

    assert response.status_code == 302
    grant = RoleGrant.objects.get(user=newcomer)
    assert (grant.role, grant.lab, grant.granted_by) == ("director", cintra, office_head)
    assert AuditEvent.objects.filter(action="rolegrant.create", actor=office_head).exists()


def test_the_office_head_revokes_a_role(client, office_head, director_cintra):
    grant = RoleGrant.objects.get(user=director_cintra)
    client = logged_in(client, office_head)

    response = client.post(f"{GRANTS}{grant.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not RoleGrant.objects.filter(user=director_cintra).exists()
    assert AuditEvent.objects.filter(action="rolegrant.revoke", actor=office_head).exists()


def test_roles_are_revoked_in_bulk_by_action(client, office_head, director_cintra, auditor):
    grants = RoleGrant.objects.filter(user__in=[director_cintra, auditor])
    client = logged_in(client, office_head)

    response = client.post(
        GRANTS,
        {"action": "revoke_grants", "_selected_action": [g.pk for g in grants]},
        follow=True,
    )

    assert not RoleGrant.objects.filter(user__in=[director_cintra, auditor]).exists()
    assert any(m.startswith("Revoked: ") for m in messages_of(response))


def test_an_accountant_does_not_manage_roles(client, accountant, newcomer, cintra):
    client = logged_in(client, accountant)
    grant = RoleGrant.objects.get(user=accountant)

    assert client.get(GRANTS).status_code == 200
    assert client.get(GRANTS + "add/").status_code == 403
    assert client.post(f"{GRANTS}{grant.pk}/delete/", {"post": "yes"}).status_code == 403
    assert RoleGrant.objects.filter(user=accountant).exists()


def test_a_refused_write_shows_the_service_message_and_writes_nothing(client, db):
    # A superuser sees everything, but only the office head registers institutions.
    root = get_user_model().objects.create_superuser("root", password="pw-root")
    client = logged_in(client, root)

    response = client.post(
        "/admin/irls/institution/add/",
        {"code": "NTU", "name": "Nanyang Technological University", "kind": "university"}
        | {"country": "SG"},
    )

    assert response.status_code == 200
    assert "root may not register institutions: only the office head may" in (
        response.content.decode()
    )
    assert not Institution.objects.filter(code="NTU").exists()
    assert not AuditEvent.objects.filter(action="institution.create").exists()


def test_the_office_head_opens_a_lab_with_a_partner_and_a_grant(client, office_head):
    client = logged_in(client, office_head)
    lab_data = {
        "code": "IPAL",
        "name": "Image & Pervasive Access Lab",
        "unit_number": "IRL 2955",
        "field": "artificial intelligence",
        "start_date": "2020-01-01",
        "fec_identifier": "180089013",
        "book_currency": "SGD",
    }
    assert client.post("/admin/irls/lab/add/", lab_data).status_code == 302
    ipal = Lab.objects.get(code="IPAL")
    assert LedgerChain.objects.filter(lab=ipal).exists()
    institution = {"code": "NUS", "name": "National University of Singapore"}
    institution |= {"kind": "university", "country": "SG"}
    assert client.post("/admin/irls/institution/add/", institution).status_code == 302
    nus = Institution.objects.get(code="NUS")

    partnership = {"lab": ipal.pk, "institution": nus.pk, "role": "host"}
    partnership["start_date"] = "2020-01-01"
    assert client.post("/admin/irls/partnership/add/", partnership).status_code == 302
    grant = {"lab": ipal.pk, "code": "NRF-1", "name": "NRF grant", "funder": nus.pk}
    grant |= {"kind": "grant", "reference": "", "currency": "SGD", "start_date": "2025-01-01"}
    assert client.post("/admin/irls/fundingsource/add/", grant).status_code == 302

    assert Partnership.objects.filter(lab=ipal, institution=nus, role="host").exists()
    assert FundingSource.objects.filter(lab=ipal, code="NRF-1", funder=nus).exists()
    page = client.get(f"/admin/irls/lab/{ipal.pk}/change/").content.decode()
    assert "NRF-1" in page and "NUS" in page


def test_a_director_sees_their_lab_only_and_changes_nothing(
    client, director_cintra, cintra, majulab
):
    client = logged_in(client, director_cintra)

    listing = client.get("/admin/irls/lab/").content.decode()

    assert "CINTRA" in listing and "MAJULAB" not in listing
    assert "/admin/irls/lab/add/" not in listing
    assert client.get(f"/admin/irls/lab/{majulab.pk}/change/").status_code == 404
    own = client.get(f"/admin/irls/lab/{cintra.pk}/change/")
    assert own.status_code == 200 and 'name="_save"' not in own.content.decode()
    assert client.get("/admin/irls/partnership/add/").status_code == 403
    grants = client.get(GRANTS).content.decode()
    assert "director_cintra" in grants
    assert f"{GRANTS}add/" not in grants


def test_a_staff_user_without_a_role_sees_nothing(client, cintra):
    stranger = get_user_model().objects.create_user("stranger", password="pw-stranger")
    client = logged_in(client, stranger)

    index = client.get("/admin/")

    assert index.status_code == 200
    assert "/admin/irls/lab/" not in index.content.decode()
    assert client.get("/admin/irls/lab/").status_code == 403
    assert client.get("/admin/ledger/journalentry/").status_code == 403


@pytest.mark.parametrize(
    "page", ["institution", "lab", "partnership", "fundingsource", "rolegrant"]
)
def test_the_irls_pages_render_for_an_auditor(client, auditor, office_head, cintra, page):
    client = logged_in(client, auditor)
    listing = client.get(f"/admin/irls/{page}/")
    assert listing.status_code == 200
    assert f"/admin/irls/{page}/add/" not in listing.content.decode()
    first = listing.context["cl"].model.objects.first()
    if first is not None:
        assert client.get(f"/admin/irls/{page}/{first.pk}/change/").status_code == 200
