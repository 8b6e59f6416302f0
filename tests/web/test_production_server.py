"""The production server for real: `python3 dev.py serve` (DEBUG=0, migrate, createcachetable,
collectstatic, then gunicorn) on a database of its own, used over HTTP as a browser behind
the README's reverse proxy would (the proxy's X-Forwarded-Proto and X-Real-IP headers):
log in, a page, its CSS (hashed, compressed), a statement issued and downloaded again, the
security headers, the health probe, and the login throttle counted in the database cache
that both worker processes share.

On PostgreSQL the server gets a database of its own on DATABASE_URL's server, created and
dropped here; on SQLite a file in a temporary folder (IRL_VAR_DIR, with the static files).
"""

import gzip
import hashlib
import http.client
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import brotli
import psycopg
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SECRET_KEY = "serve-7Vd2pQ9xZr4Lm8Nw3Jt6Hy1Bc5Fg0Se-Ua_Oi.Pk2Rl9Tq4Wv7Xz3Mn8Yb6Dh1Cj"
PASSWORD = "Serve-Ledger-Lantern-2025"
LAB = "SERVE"
CLIENT = "198.51.100.20"  # the browser's address, as the proxy writes it in X-Real-IP
START_WITHIN_S = 90
# The environment the server gets: the machine's basics, nothing of the test run's.
KEPT = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "XDG_RUNTIME_DIR")
BOOKS = f"""
from django.contrib.auth import get_user_model
from irls import services
from irls.models import Role
from tests.books import lab_with_books, posted

lab = lab_with_books({LAB!r})
user = get_user_model().objects.create_user("serve_accountant", password={PASSWORD!r})
services.role_grant(acting_user=None, user=user, role=Role.ACCOUNTANT, lab=None)
posted(user, lab, "1234.56", label="Served over HTTP")
"""
CSP_FRAMES = "frame-ancestors 'none'"


@dataclass
class Server:
    port: int
    env: dict[str, str]
    database: str  # a SQLite file or a PostgreSQL database name
    log: Path
    started_in_s: float = 0.0
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        https: bool = True,
    ) -> tuple[http.client.HTTPResponse, bytes]:
        """One request as the proxy passes it on: over HTTPS (X-Forwarded-Proto) from the
        browser's address, with the cookies the server set (Secure ones included)."""
        sent = {"X-Real-IP": CLIENT, **(headers or {})}
        if https:
            sent["X-Forwarded-Proto"] = "https"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            origin = f"https://127.0.0.1:{self.port}"
            sent |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": origin + path,
            }
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response, content

    def csrf_token(self, path: str) -> str:
        response, content = self.request("GET", path)
        assert response.status == 200, (path, response.status, self.tail())
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
        assert found, path
        return found.group(1).decode()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _postgres() -> dict[str, Any]:
    db = settings.DATABASES["default"]
    return {
        "host": db.get("HOST") or "127.0.0.1",
        "port": int(db.get("PORT") or 5432),
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or None,
    }


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[dict[str, str], str]]:
    """The server's own database: its environment and its name (a file on SQLite)."""
    if "sqlite" in settings.DATABASES["default"]["ENGINE"]:
        # No DATABASE_URL: the SQLite file under IRL_VAR_DIR.
        yield {}, str(tmp_path / "irl_ledger.sqlite3")
        return
    server = _postgres()
    name = f"irl_serve_{os.getpid()}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{quote(server['password'], safe='')}" if server["password"] else ""
    login = quote(server["user"], safe="") + password
    url = f"postgres://{login}@{server['host']}:{server['port']}/{name}"
    try:
        yield {"DATABASE_URL": url}, name
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def server(tmp_path: Path, database: tuple[dict[str, str], str]) -> Iterator[Server]:
    """`python3 dev.py serve` in production dress, until it answers /healthz."""
    database_env, database_name = database
    port = _free_port()
    env = {key: os.environ[key] for key in KEPT if key in os.environ}
    env |= database_env | {
        "SECRET_KEY": SECRET_KEY,
        "HTTPS": "1",
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",
        "CLIENT_ADDRESS_HEADER": "HTTP_X_REAL_IP",
        "ALLOWED_HOSTS": "127.0.0.1",
        "IRL_VAR_DIR": str(tmp_path),
        "IRL_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "LOGIN_FAILURE_LIMIT": "2",
    }
    log = tmp_path / "server.log"
    started = time.monotonic()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "dev.py", "serve"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: gunicorn and its workers
        )
    running = Server(port=port, env=env, database=database_name, log=log)
    try:
        while True:
            assert process.poll() is None, f"the server stopped:\n{running.tail()}"
            assert time.monotonic() - started < START_WITHIN_S, running.tail()
            try:
                response, _ = running.request("GET", "/healthz", https=False)
                if response.status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        running.started_in_s = time.monotonic() - started
        yield running
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _manage(server: Server, *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**server.env, "DEBUG": "0"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _cache_keys(server: Server) -> list[str]:
    query = "SELECT cache_key FROM irl_cache"
    if server.database.endswith(".sqlite3"):
        with sqlite3.connect(server.database) as db:
            return [row[0] for row in db.execute(query)]
    with psycopg.connect(dbname=server.database, **_postgres()) as db:
        return [row[0] for row in db.execute(query)]


def _security_headers(response: http.client.HTTPResponse, what: str) -> None:
    assert response.headers["X-Content-Type-Options"] == "nosniff", what
    assert response.headers["Referrer-Policy"] == "same-origin", what
    assert response.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    ), what


def test_the_production_server_serves_the_books_over_http(server: Server):
    # The probe, asked over plain http by a monitor on the machine: no login, no redirect.
    response, content = server.request("GET", "/healthz", https=False)
    assert response.status == 200
    # `dev.py serve` runs no background worker (its own systemd unit in production).
    assert json.loads(content) == {"database": "ok", "migrations": "ok", "worker": "not seen"}
    assert response.headers["Cache-Control"] == "no-store"
    # Everything else over plain http goes to https.
    response, _ = server.request("GET", "/login/", https=False)
    assert response.status == 301
    assert response.headers["Location"] == f"https://127.0.0.1:{server.port}/login/"

    _manage(server, "shell", "-c", BOOKS)

    # Logging in: the CSRF cookie and the form's token, then the session cookie.
    token = server.csrf_token("/login/")
    form = {"csrfmiddlewaretoken": token, "username": "serve_accountant", "password": PASSWORD}
    response, _ = server.request("POST", "/login/", form=form)
    assert response.status == 302, server.tail()
    assert response.headers["Location"] == "/"
    session = [h for h in response.headers.get_all("Set-Cookie") or [] if "sessionid=" in h]
    assert session and "Secure" in session[0] and "HttpOnly" in session[0]

    # A page of the books.
    started = time.monotonic()
    response, page = server.request("GET", f"/labs/{LAB}/entries/")
    page_ms = (time.monotonic() - started) * 1000
    assert response.status == 200, server.tail()
    assert b"Served over HTTP" in page
    _security_headers(response, "page")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert CSP_FRAMES in response.headers["Content-Security-Policy"]
    assert "no-store" in response.headers["Cache-Control"]

    # Its CSS: a hashed name, kept for a year, sent compressed to who accepts it.
    css = re.search(rb'href="(/static/css/ledger\.[0-9a-f]{12}\.css)"', page)
    assert css, "the page names its CSS by its content's hash"
    url = css.group(1).decode()
    response, plain = server.request("GET", url)
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/css")
    assert "immutable" in response.headers["Cache-Control"]
    assert response.headers.get("Content-Encoding") is None
    _security_headers(response, "css")
    response, zipped = server.request("GET", url, headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped) == plain
    response, squeezed = server.request("GET", url, headers={"Accept-Encoding": "br, gzip"})
    assert response.headers["Content-Encoding"] == "br"
    assert brotli.decompress(squeezed) == plain
    assert len(squeezed) < len(plain)

    # A statement issued, then downloaded again from the archive.
    token = server.csrf_token(f"/labs/{LAB}/statements/")
    statement = {
        "csrfmiddlewaretoken": token,
        "kind": "trial-balance",
        "year": "2025",
        "language": "en",
        "currency": "SGD",
        "format": "pdf",
    }
    response, issued = server.request("POST", f"/labs/{LAB}/statements/issue/", form=statement)
    assert response.status == 200, server.tail()
    assert issued.startswith(b"%PDF")
    assert response.headers["X-Statement-SHA256"] == hashlib.sha256(issued).hexdigest()
    _, archive = server.request("GET", f"/labs/{LAB}/statements/")
    link = re.search(rb'href="(/labs/SERVE/statements/\d+/download/)"', archive)
    assert link
    response, again = server.request("GET", link.group(1).decode())
    assert response.status == 200
    assert again == issued
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    _security_headers(response, "download")

    # The throttle: failures counted in the database cache, whichever worker answers.
    server.cookies.pop("sessionid")
    for attempt in range(3):
        token = server.csrf_token("/login/")
        wrong = {"csrfmiddlewaretoken": token, "username": "nobody", "password": "wrong"}
        response, _ = server.request("POST", "/login/", form=wrong)
        assert response.status == (429 if attempt == 2 else 200), attempt
    assert any(":login:locked:" in key for key in _cache_keys(server))

    print(f"server ready in {server.started_in_s:.1f} s; entries page {page_ms:.0f} ms")


@pytest.mark.parametrize(
    ("key", "refused"),
    [
        (None, True),  # the development key
        ("django-insecure-" + "x7Vd2pQ9xZr4Lm8Nw3Jt6Hy1Bc5Fg0Se-Ua_Oi.Pk2Rl9Tq4Wv", True),
        ("short-Key-1", True),
        ("ab" * 30, True),  # too few different characters
        (SECRET_KEY, False),
    ],
)
def test_a_production_server_refuses_a_missing_or_weak_secret_key(key: str | None, refused: bool):
    env = {name: os.environ[name] for name in KEPT if name in os.environ}
    env |= {"DEBUG": "0", "CACHE_BACKEND": "memory"} | ({"SECRET_KEY": key} if key else {})
    result = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert (result.returncode != 0) is refused, result.stderr
    assert ("SECRET_KEY is not set, or is the development key" in result.stderr) is refused
