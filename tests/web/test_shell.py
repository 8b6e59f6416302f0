"""The web shell: logging in and out, the home page, the lab picker, the language switch
and the error pages."""

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import translation
from django.views import defaults

from irls import services as irls_services

LOGIN = "/login/"


def test_logging_in_takes_a_director_to_their_lab_at_a_glance(client, director_cintra):
    assert "Log in" in client.get(LOGIN).content.decode()
    response = client.post(
        LOGIN, {"username": "director_cintra", "password": "pw-director_cintra"}, follow=True
    )
    assert [url for url, _ in response.redirect_chain] == ["/"]
    html = response.content.decode()
    assert 'id="overview-CINTRA"' in html
    assert 'href="/labs/CINTRA/statements/"' in html


def test_logging_in_returns_to_the_page_asked_for(client, director_cintra):
    response = client.get("/labs/CINTRA/budget/2025/")
    assert response.url == "/login/?next=/labs/CINTRA/budget/2025/"
    response = client.post(
        response.url, {"username": "director_cintra", "password": "pw-director_cintra",
                       "next": "/labs/CINTRA/budget/2025/"}
    )  # fmt: skip
    assert response.url == "/labs/CINTRA/budget/2025/"


def test_a_wrong_password_says_so_in_both_languages(client, director_cintra):
    wrong = {"username": "director_cintra", "password": "nope"}
    english = client.post(LOGIN, wrong).content.decode()
    assert "Your username and password did not match" in english
    french = client.post(LOGIN, wrong, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Identifiant ou mot de passe incorrect" in french


def test_logging_out_needs_a_post_and_returns_to_the_login_page(client, director_cintra):
    client.force_login(director_cintra)
    page = client.get("/labs/CINTRA/budget/2025/").content.decode()
    assert 'action="/logout/"' in page
    response = client.post("/logout/")
    assert response.status_code == 302 and response.url == LOGIN
    assert client.get("/labs/CINTRA/budget/2025/").status_code == 302


def test_home_lists_the_labs_of_an_office_wide_user(client, accountant, cintra, majulab):
    client.force_login(accountant)
    page = client.get("/").content.decode()
    assert 'href="/labs/CINTRA/"' in page and 'href="/labs/MAJULAB/"' in page
    assert "CINTRA laboratory" in page


def test_home_of_a_user_without_role_says_whom_to_ask(client, cintra):
    nobody = get_user_model().objects.create_user("newcomer", password="pw")
    client.force_login(nobody)
    page = client.get("/").content.decode()
    assert "no role in any lab yet. Ask the office head" in page
    assert client.get("/labs/CINTRA/").status_code == 404


def test_lab_picker_lists_only_the_users_labs(client, director_cintra, majulab):
    client.force_login(director_cintra)
    page = client.get("/labs/CINTRA/budget/2025/").content.decode()
    picker = page.split('class="lab-picker"')[1].split("</nav>")[0]
    assert 'href="/labs/CINTRA/" title="CINTRA laboratory" aria-current="page"' in picker
    assert "MAJULAB" not in page


def test_lab_without_fiscal_year_says_so(client, office_head):
    irls_services.lab_create(
        acting_user=None,
        code="IPAL",
        name="IPAL laboratory",
        unit_number="IRL 2955",
        field="artificial intelligence",
        start_date=date(2025, 1, 1),
        fec_identifier="180089013",
    )
    client.force_login(office_head)
    response = client.get("/labs/IPAL/")
    assert response.status_code == 200
    assert "No fiscal year yet" in response.content.decode()


def test_language_switch_turns_the_pages_to_french_and_back(client, director_cintra):
    client.force_login(director_cintra)
    page = client.get("/labs/CINTRA/budget/2025/").content.decode()
    assert 'action="/i18n/setlang/"' in page and 'value="fr"' in page
    response = client.post(
        "/i18n/setlang/", {"language": "fr", "next": "/labs/CINTRA/budget/2025/"}
    )
    assert response.status_code == 302 and response.url == "/labs/CINTRA/budget/2025/"
    french = client.get("/labs/CINTRA/budget/2025/").content.decode()
    assert '<html lang="fr">' in french and "Exécution budgétaire 2025" in french
    assert 'value="fr" lang="fr" aria-pressed="true">Français<' in french
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Budget execution 2025" in client.get("/labs/CINTRA/budget/2025/").content.decode()


# Error pages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "title", "words"),
    [
        ("en", "Page not found", "belongs to a lab your account cannot open"),
        ("fr", "Page introuvable", "appartient à un laboratoire auquel votre compte n'a pas accès"),
    ],
)
def test_not_found_page_says_what_happened(client, director_cintra, majulab, lang, title, words):
    client.force_login(director_cintra)
    response = client.get("/labs/MAJULAB/budget/2025/", HTTP_ACCEPT_LANGUAGE=lang)
    page = response.content.decode()
    assert response.status_code == 404
    assert f"<h1>{title}</h1>" in page and words in page
    # The shell is still there: the user's own labs, nothing else.
    picker = page.split('class="lab-picker"')[1].split("</nav>")[0]
    assert 'href="/labs/CINTRA/"' in picker and "MAJULAB" not in picker


ERRORS: dict[str, tuple[Callable[..., HttpResponse], tuple[object, ...], int, str, str]] = {
    # view, its arguments after the request, status, English title, French title
    "400": (defaults.bad_request, (BadRequest(),), 400, "Bad request", "Requête incorrecte"),
    "403": (
        defaults.permission_denied,
        (PermissionDenied(),),
        403,
        "Access denied",
        "Accès refusé",
    ),
    "500": (defaults.server_error, (), 500, "Something went wrong on our side", "Une erreur s"),
}


@pytest.mark.parametrize("code", sorted(ERRORS))
def test_error_pages_in_both_languages(rf: RequestFactory, code, db):
    view, args, status, english, french = ERRORS[code]
    for lang, title in (("en", english), ("fr", french)):
        request = rf.get("/somewhere/")
        request.user = AnonymousUser()  # what the middleware would have set
        with translation.override(lang):
            response = view(request, *args)
        page = response.content.decode()
        assert response.status_code == status
        assert f'<html lang="{lang}">' in page and title in page
        assert "/static/css/ledger.css" in page


def test_an_expired_form_says_so(director_cintra):
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "director_cintra", "password": "x"})
    assert response.status_code == 403
    assert "Form expired" in response.content.decode()


def test_no_page_loads_anything_from_the_internet(client, director_cintra):
    client.force_login(director_cintra)
    for url in ("/labs/CINTRA/budget/2025/", "/labs/NOPE/"):
        page = client.get(url).content.decode()
        links = re.findall(r'(?:src|href|action)="([^"]*)"', page)
        assert links and all(link[:1] in "/#?" or link == "data:," for link in links), links
        assert "@import" not in page and "url(" not in page
    stylesheets = list((Path(settings.BASE_DIR) / "static").rglob("*.css"))
    assert stylesheets
    for stylesheet in stylesheets:
        css = stylesheet.read_text()
        assert "url(" not in css and "@import" not in css and "//" not in css.replace("/*", "")
