"""Logging in: throttled after repeated failures, passwords checked by Django's validators,
sessions that end, logging out by POST only."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from irls import login

PASSWORD = "Harbour-Ledger-Wall-2025"
LOCKED = "Too many failed logins: logging in is blocked for 15 minutes."


@pytest.fixture
def clerk(db: None) -> User:
    return get_user_model().objects.create_user("clerk", password=PASSWORD, is_staff=True)


def attempt(client: Client, username: str, password: str, url: str = "/login/"):
    return client.post(url, {"username": username, "password": password})


def test_five_failures_lock_the_username_out_even_with_the_right_password(client, clerk):
    for _ in range(5):
        assert attempt(client, "clerk", "wrong").status_code == 200
    locked = attempt(client, "clerk", PASSWORD)

    assert locked.status_code == 429
    assert LOCKED in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another user logging in from the same address is not locked out.
    other = get_user_model().objects.create_user("other", password=PASSWORD)
    assert attempt(client, other.username, PASSWORD).status_code == 302


def test_the_lock_out_ends_after_the_window(client, clerk, settings):
    settings.LOGIN_LOCKOUT_SECONDS = 1
    for _ in range(5):
        attempt(client, "CLERK ", "wrong")  # the same username, whatever its case
    assert attempt(client, "clerk", PASSWORD).status_code == 429

    login.cache.delete_many(  # what the expiry of the window does
        [login._user_keys("clerk", "127.0.0.1")[1], login._address_keys("127.0.0.1")[1]]
    )

    assert attempt(client, "clerk", PASSWORD).status_code == 302


def test_a_success_forgets_the_failures(client, clerk):
    for _ in range(4):
        attempt(client, "clerk", "wrong")
    assert attempt(client, "clerk", PASSWORD).status_code == 302
    client.post("/logout/")

    for _ in range(4):
        assert attempt(client, "clerk", "wrong").status_code == 200
    assert attempt(client, "clerk", PASSWORD).status_code == 302


def test_one_address_spraying_usernames_is_locked_out(client, db, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 10
    for number in range(10):
        attempt(client, f"guess{number}", "wrong")

    response = attempt(client, "anyone", "wrong")

    assert response.status_code == 429
    other_address = Client(REMOTE_ADDR="10.0.0.9")
    assert attempt(other_address, "anyone", "wrong").status_code == 200


def test_behind_a_proxy_each_client_is_counted_at_the_address_the_proxy_gives(client, db, settings):
    """Behind a reverse proxy REMOTE_ADDR is the proxy's, shared by every client: with
    CLIENT_ADDRESS_HEADER the count is per address the proxy wrote (its last one)."""
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    settings.CLIENT_ADDRESS_HEADER = "HTTP_X_REAL_IP"

    def from_address(address: str, username: str) -> int:
        data = {"username": username, "password": "wrong"}
        return client.post("/login/", data, HTTP_X_REAL_IP=address).status_code

    for number in range(3):
        assert from_address("198.51.100.7", f"guess{number}") == 200
    assert from_address("198.51.100.7", "anyone") == 429
    assert from_address("198.51.100.8", "anyone") == 200
    assert from_address("203.0.113.1, 198.51.100.7", "anyone") == 429


def test_without_the_setting_an_address_header_sent_by_a_client_changes_nothing(
    client, db, settings
):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    for number in range(3):
        data = {"username": f"guess{number}", "password": "wrong"}
        client.post("/login/", data, HTTP_X_REAL_IP=f"198.51.100.{number}")

    data = {"username": "anyone", "password": "wrong"}
    assert client.post("/login/", data, HTTP_X_REAL_IP="198.51.100.99").status_code == 429


def test_the_admin_login_is_throttled_alike(client, clerk):
    for _ in range(5):
        attempt(client, "clerk", "wrong", "/admin/login/")

    response = attempt(client, "clerk", PASSWORD, "/admin/login/")

    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert attempt(client, "clerk", PASSWORD).status_code == 429


def test_an_inactive_account_cannot_log_in(client, clerk):
    clerk.is_active = False
    clerk.save()

    response = attempt(client, "clerk", PASSWORD)

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("Short-1", "at least 12 characters"),
        ("password1234", "too common"),
        ("123456789012345", "entirely numeric"),
        ("harbour_accountant1", "too similar to the username"),
    ],
)
def test_passwords_are_checked_by_djangos_validators(password, problem):
    with pytest.raises(ValidationError) as error:
        validate_password(password, User(username="harbour_accountant"))
    assert problem in " ".join(error.value.messages)


def test_a_password_changed_in_the_admin_is_validated(client, clerk):
    client.force_login(clerk)

    response = client.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
    )

    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    clerk.refresh_from_db()
    assert clerk.check_password(PASSWORD)


def test_sessions_end_with_the_browser_and_after_eight_hours(client, clerk, settings):
    response = attempt(client, "clerk", PASSWORD)

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # a browser-session cookie
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax"
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert 8 * 3600 - 5 <= client.session.get_expiry_age() <= 8 * 3600


def test_logging_out_is_a_post(client, clerk):
    client.force_login(clerk)

    assert client.get("/logout/").status_code == 405
    assert "_auth_user_id" in client.session
    assert client.post("/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_login_never_sends_the_user_off_the_site(client, clerk):
    response = client.post(
        "/login/",
        {"username": "clerk", "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
