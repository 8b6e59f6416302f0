"""The office head manages people without being a superuser: accounts created with no
password, roles granted and revoked, accounts deactivated and reactivated, password links
shown or e-mailed; every change audited with its actor, and nobody else gets in."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.core import mail
from django.http import HttpResponse
from django.test import Client

from irls import services
from irls.exceptions import (
    LAST_OFFICE_HEAD,
    USER_NOT_SELF,
    USER_SUPERUSER,
    USERNAME_TAKEN,
    UserAdminError,
)
from irls.models import Lab, Role, RoleGrant
from ledger.exceptions import NotPermittedError
from ledger.models import AuditEvent

PEOPLE = "/people/"
PASSWORD = "Mangrove-Ledger-Tide-2025"
LINK = re.compile(r"http://testserver/reset/[\w-]+/[\w-]+/")


def person_url(user: User, action: str = "") -> str:
    return f"{PEOPLE}{user.pk}/" + (f"{action}/" if action else "")


def messages_of(response: HttpResponse) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]  # type: ignore[attr-defined]


def last_message(response: HttpResponse) -> str:
    return messages_of(response)[-1]


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


@pytest.fixture
def head(client: Client, office_head: User) -> Client:
    client.force_login(office_head)
    return client


def create(head: Client, username: str = "mei", email: str = "mei@example.org") -> User:
    response = head.post(
        PEOPLE + "new/",
        {"username": username, "first_name": "Mei", "last_name": "Tan", "email": email},
    )
    user = get_user_model().objects.get(username=username)
    assert response.status_code == 302
    assert response["Location"] == person_url(user)
    assert head.get(response["Location"]).status_code == 200  # shows (and uses) the message
    return user


def set_password_through(link: str) -> Client:
    """Open the link as its holder would (logged out), set PASSWORD; the client."""
    browser = Client()
    landing = browser.get(link)
    assert landing.status_code == 302  # Django hides the token behind a session
    form = browser.get(landing["Location"])
    assert form.status_code == 200 and form.context["validlink"]
    done = browser.post(landing["Location"], {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/reset/done/"
    assert browser.get("/reset/done/").status_code == 200
    return browser


def logs_in(username: str, password: str = PASSWORD) -> bool:
    response = Client().post("/login/", {"username": username, "password": password})
    return response.status_code == 302


def test_the_office_head_creates_an_accountant_of_cintra_who_sets_a_password_by_e_mail(
    head, office_head, cintra
):
    mei = create(head)
    assert not mei.has_usable_password()
    assert mei.is_staff and not mei.is_superuser and mei.is_active

    response = head.post(person_url(mei, "grant"), {"role": "accountant", "lab": "CINTRA"})
    assert response.status_code == 302
    assert last_message(response) == "mei is now Accountant for CINTRA."
    assert RoleGrant.objects.get(user=mei).lab == cintra

    response = head.post(person_url(mei, "reset-link"), {"delivery": "send", "username": "mei"})
    assert response.status_code == 302
    assert last_message(response) == "A link to set a password was sent to mei@example.org."
    [message] = mail.outbox
    assert message.to == ["mei@example.org"]
    link = LINK.search(str(message.body))
    assert link is not None

    set_password_through(link.group())
    assert logs_in("mei")
    browser = Client()
    browser.post("/login/", {"username": "mei", "password": PASSWORD})
    # An accountant of CINTRA: the home page is CINTRA's work queue.
    assert 'id="queue-CINTRA"' in browser.get("/").content.decode()
    # The link works once.
    assert Client().get(link.group()).status_code == 200  # "This link does not work"

    # Every change is in the audit trail, with its actor and readable fields.
    [created] = events("user.create")
    assert created.actor == office_head and created.lab is None
    assert created.after == {
        "username": "mei",
        "name": "Mei Tan",
        "email": "mei@example.org",
        "active": True,
    }
    [granted] = events("rolegrant.create")[-1:]
    assert granted.actor == office_head and granted.lab == cintra
    assert granted.after == {"user": "mei", "role": "accountant", "scope": "CINTRA"}
    [sent] = events("user.reset_link.send")
    assert sent.actor == office_head
    assert sent.after == {"username": "mei", "email": "mei@example.org"}


def test_the_link_shown_on_the_page_sets_the_password(head, office_head):
    mei = create(head)
    page = head.post(person_url(mei, "reset-link"), {"delivery": "show", "username": "mei"})
    assert page.status_code == 200
    link = LINK.search(page.content.decode())
    assert link is not None
    assert not mail.outbox
    [shown] = events("user.reset_link.show")
    assert shown.actor == office_head

    set_password_through(link.group())
    assert logs_in("mei")


def test_the_office_head_revokes_a_role(head, office_head, cintra):
    mei = create(head)
    services.role_grant(acting_user=office_head, user=mei, role=Role.ACCOUNTANT, lab=cintra)
    grant = RoleGrant.objects.get(user=mei)

    response = head.post(person_url(mei, "revoke"), {"grant": grant.pk})

    assert response.status_code == 302
    assert last_message(response) == "mei is no longer Accountant for CINTRA."
    assert not RoleGrant.objects.filter(user=mei).exists()
    [revoked] = events("rolegrant.revoke")
    assert revoked.actor == office_head and revoked.lab == cintra
    assert revoked.before == {"user": "mei", "role": "accountant", "scope": "CINTRA"}


def test_a_deactivated_account_can_no_longer_log_in_and_comes_back_reactivated(
    head, office_head, cintra
):
    mei = create(head)
    services.role_grant(acting_user=office_head, user=mei, role=Role.ACCOUNTANT, lab=cintra)
    link = services.password_reset_link(acting_user=office_head, user=mei, site_url="http://t")
    set_password_through(link.replace("http://t", ""))
    session = Client()
    session.post("/login/", {"username": "mei", "password": PASSWORD})
    assert session.get("/labs/CINTRA/closing/").status_code == 200

    response = head.post(person_url(mei, "deactivate"), {"username": "mei"})

    assert response.status_code == 302
    mei.refresh_from_db()
    assert not mei.is_active
    assert not logs_in("mei")
    assert session.get("/labs/CINTRA/closing/").status_code == 302  # to the login page
    assert RoleGrant.objects.filter(user=mei).exists()  # kept, for the record
    [deactivated] = events("user.deactivate")
    assert deactivated.actor == office_head
    account = {"username": "mei", "name": "Mei Tan", "email": "mei@example.org"}
    assert deactivated.before == {**account, "active": True}
    assert deactivated.after == {**account, "active": False}

    assert head.post(person_url(mei, "reactivate"), {"username": "mei"}).status_code == 302
    assert logs_in("mei")
    [reactivated] = events("user.reactivate")
    assert reactivated.actor == office_head and reactivated.after == {**account, "active": True}


def test_a_form_without_the_accounts_name_changes_nothing(head, office_head):
    mei = create(head)
    for action in ("deactivate", "reset-link"):
        response = head.post(person_url(mei, action), {"username": "someone", "delivery": "show"})
        assert response.status_code == 400
    mei.refresh_from_db()
    assert mei.is_active
    assert not events("user.deactivate") and not events("user.reset_link.show")


@pytest.mark.parametrize("persona", ["accountant", "director_cintra", "auditor"])
def test_nobody_but_the_office_head_finds_the_people_pages(client, persona, request, cintra):
    user = request.getfixturevalue(persona)
    mei = get_user_model().objects.create_user("mei", email="mei@example.org")
    client.force_login(user)
    assert client.get(PEOPLE).status_code == 404
    assert client.get(person_url(mei)).status_code == 404
    posts = {
        PEOPLE + "new/": {"username": "x", "last_name": "X", "email": "x@example.org"},
        person_url(mei, "grant"): {"role": "accountant", "lab": "CINTRA"},
        person_url(mei, "deactivate"): {"username": "mei"},
        person_url(mei, "reset-link"): {"delivery": "show", "username": "mei"},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 404, url
    assert not RoleGrant.objects.filter(user=mei).exists()
    assert get_user_model().objects.get(username="mei").is_active
    assert not get_user_model().objects.filter(username="x").exists()
    assert not AuditEvent.objects.filter(action__startswith="user.").exists()


def test_the_services_refuse_anyone_but_the_office_head(accountant, cintra):
    mei = get_user_model().objects.create_user("mei", email="mei@example.org")
    with pytest.raises(NotPermittedError):
        services.user_create(
            acting_user=accountant, username="x", first_name="", last_name="X", email="x@e.org"
        )
    with pytest.raises(NotPermittedError):
        services.user_deactivate(acting_user=accountant, user=mei)
    with pytest.raises(NotPermittedError):
        services.password_reset_link(acting_user=accountant, user=mei, site_url="http://t")
    with pytest.raises(NotPermittedError):
        services.role_grant(acting_user=accountant, user=mei, role=Role.AUDITOR, lab=cintra)


def test_the_office_head_cannot_deactivate_their_own_account(head, office_head):
    response = head.post(person_url(office_head, "deactivate"), {"username": "office_head"})
    assert response.status_code == 302
    assert last_message(response) == str(USER_NOT_SELF)
    office_head.refresh_from_db()
    assert office_head.is_active
    with pytest.raises(UserAdminError):
        services.user_deactivate(acting_user=office_head, user=office_head)


def test_the_last_active_office_head_stays(head, office_head):
    # Deactivated by the system (a command), or their own role revoked: refused.
    with pytest.raises(UserAdminError) as error:
        services.user_deactivate(acting_user=None, user=office_head)
    assert str(error.value) == LAST_OFFICE_HEAD % {"user": "office_head"}
    grant = RoleGrant.objects.get(user=office_head)
    response = head.post(person_url(office_head, "revoke"), {"grant": grant.pk})
    assert last_message(response) == LAST_OFFICE_HEAD % {"user": "office_head"}
    assert RoleGrant.objects.filter(pk=grant.pk).exists()

    # With a second active office head, the first may step down.
    second = create(head, "second", "second@example.org")
    services.role_grant(acting_user=office_head, user=second, role=Role.OFFICE_HEAD, lab=None)
    services.role_revoke(acting_user=office_head, user=office_head, role="office_head", lab=None)
    assert not RoleGrant.objects.filter(user=office_head).exists()


def test_a_deactivated_office_head_does_not_count(office_head):
    other = get_user_model().objects.create_user("other_head", is_active=False)
    services.role_grant(acting_user=None, user=other, role=Role.OFFICE_HEAD, lab=None)
    with pytest.raises(UserAdminError):
        services.role_revoke(
            acting_user=office_head, user=office_head, role="office_head", lab=None
        )


def test_superusers_are_left_to_the_administration(head, office_head):
    root = get_user_model().objects.create_superuser("root", "root@example.org", "pw-root-x")
    for call in (services.user_deactivate, services.user_reactivate):
        with pytest.raises(UserAdminError) as error:
            call(acting_user=office_head, user=root)
        assert str(error.value) == USER_SUPERUSER % {"user": "root"}
    with pytest.raises(UserAdminError):
        services.password_reset_link(acting_user=office_head, user=root, site_url="http://t")
    # ... and Django's user pages stay the superusers' (tests/security/matrix.py).
    office_head.is_staff = True
    office_head.save(update_fields=["is_staff"])
    assert head.get("/admin/auth/user/").status_code == 403


def test_a_taken_username_or_a_bad_form_is_said_and_changes_nothing(head, office_head):
    create(head)
    response = head.post(
        PEOPLE + "new/", {"username": "MEI", "last_name": "Tan", "email": "mei@example.org"}
    )
    assert response.status_code == 400
    assert USERNAME_TAKEN % {"username": "MEI"} in messages_of(response)
    response = head.post(PEOPLE + "new/", {"username": "a b", "last_name": "", "email": "no"})
    assert response.status_code == 400
    assert get_user_model().objects.count() == 2
    assert len(events("user.create")) == 1


def test_a_director_is_granted_for_one_lab_only(head, office_head):
    mei = create(head)
    response = head.post(person_url(mei, "grant"), {"role": "director", "lab": ""})
    assert last_message(response) == "A director is granted for one lab."
    assert not RoleGrant.objects.filter(user=mei).exists()


def test_the_list_shows_roles_status_and_last_login(head, office_head, director_cintra, cintra):
    mei = create(head)
    services.user_deactivate(acting_user=office_head, user=mei)
    page = head.get(PEOPLE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Lab director · CINTRA" in html
    assert "Office head · whole office" in html
    assert "Deactivated" in html and "Never" in html
    assert Lab.objects.count() == 1
