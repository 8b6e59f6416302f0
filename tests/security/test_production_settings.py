"""Production settings: `check --deploy` clean with the production environment, the
security headers on every response, HTTPS-only cookies and HSTS under HTTPS, pages
that run no inline script (so the Content-Security-Policy holds)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.security.world import World

ROOT = Path(settings.BASE_DIR)
PRODUCTION_ENV = {
    "DEBUG": "0",
    "HTTPS": "1",
    "SECRET_KEY": "k7Vd2pQ9xZr4Lm8Nw3Jt6Hy1Bc5Fg0Se-Ua_Oi.Pk2Rl9Tq4Wv7Xz3Mn8Yb6Dh1Cj",
    "ALLOWED_HOSTS": "ledger.cnrs-asean.example",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",
}
# Run without the test runner's settings of the environment.
CLEARED = ("DEBUG", "HTTPS", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline';"
    " img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none';"
    " base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in CLEARED}
    environment["IRL_VAR_DIR"] = environment.get("IRL_VAR_DIR", str(ROOT / "var"))
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_the_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_refuses_the_development_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env={})

    assert result.returncode != 0
    found = set(re.findall(r"\(security\.(W\d+)\)", result.stdout + result.stderr))
    # No HSTS, no redirect to HTTPS, the development key, cookies sent over http.
    assert {"W004", "W008", "W009", "W012", "W016"} <= found


def test_https_turns_on_secure_cookies_hsts_and_the_redirect():
    show = (
        "from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_PROXY_SSL_HEADER,"
        " s.DEBUG)"
    )
    production = manage("shell", "-c", show, env=PRODUCTION_ENV)
    local = manage("shell", "-c", show, env={})

    assert production.stdout.splitlines()[-1] == (
        "True True True 31536000 True ('HTTP_X_FORWARDED_PROTO', 'https') False"
    )
    assert local.stdout.splitlines()[-1] == "False False False 0 False None False"


def test_every_response_carries_the_security_headers(client, db):
    response = client.get("/login/")

    assert response["Content-Security-Policy"] == CSP
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "no-store" in response["Cache-Control"]
    assert client.get("/no-such-page/")["Cache-Control"] == "no-store"


def test_pages_and_files_of_the_books_are_never_cached(world: World):
    client = Client()
    client.force_login(world.users["auditor"])
    statement = world.a["statement"]

    for url in (
        "/labs/CINTRA/budget/2025/",
        f"/labs/CINTRA/statements/{statement.pk}/download/",
        "/audit/trail/export.xlsx",
        "/admin/ledger/journalentry/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url


@override_settings(
    SECURE_SSL_REDIRECT=True,
    SESSION_COOKIE_SECURE=True,
    CSRF_COOKIE_SECURE=True,
    SECURE_HSTS_SECONDS=31_536_000,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
    SECURE_HSTS_PRELOAD=True,
)
def test_under_https_http_is_redirected_and_cookies_are_secure(db):
    client = Client()
    assert client.get("/login/").status_code == 301
    assert client.get("/login/")["Location"] == "https://testserver/login/"

    page = client.get("/login/", secure=True)

    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert page.cookies["csrftoken"]["secure"] is True
    assert page.cookies["csrftoken"]["httponly"] is True


TEMPLATE_DIRS = [ROOT / "templates", ROOT / "ledger" / "templates", ROOT / "reports" / "templates"]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


@pytest.mark.parametrize(
    "template",
    sorted(p for d in TEMPLATE_DIRS if d.exists() for p in d.rglob("*.html")),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_templates_run_no_inline_script(template: Path):
    text = template.read_text()
    assert not INLINE_SCRIPT.search(text)
    assert not EVENT_HANDLER.search(text)
    assert not JAVASCRIPT_URL.search(text)


def test_nul_characters_are_refused_before_any_view(client, world: World):
    client.force_login(world.users["office_head"])

    assert client.get("/labs/CINTRA%00/").status_code == 400
    assert client.get("/audit/trail/?user=a%00b").status_code == 400
    form = client.post(
        "/admin/ledger/journalentry/",
        "action=post_entries&label=a%00b",
        content_type="application/x-www-form-urlencoded",
    )
    assert form.status_code == 400
    assert "Nothing was changed." in form.content.decode()
