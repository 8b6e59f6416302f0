"""The access matrix (tests/security/matrix.py) against every URL pattern of the project.

The patterns come from the resolver, the admin's included, so a new page without a row
fails the first test. The walk sends GET and POST to every pattern as every persona, with
the ids of lab A and then of lab B, and checks three things at once: the status of each
request, that no response to a person of one lab holds an identifier of the other lab
(codes, references, labels, hashes, file names, usernames), and that nothing was written.
"""

import html
import io
import zipfile
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from irls.access import WRITE_ROLES, labs_for_user
from ledger.exceptions import RATES_OFFICE_WIDE
from ledger.models import AuditEvent, ExchangeRate, ImportBatch
from tests.security.matrix import MATRIX, PERSONAS, RATES_IMPORT
from tests.security.routes import Route, all_routes, url_for
from tests.security.world import World, entries_state, rows_count

METHODS = ("GET", "POST")
LOGOUTS = {"logout/", "admin/logout/"}
# The only rows the walk may add: downloading a statement or a supporting document is
# recorded in the trail.
DOWNLOAD_EVENTS = {"statement.download", "document.download"}


def test_every_url_pattern_has_a_row_and_every_row_a_pattern():
    routes = {route.route for route in all_routes()}
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    assert not missing, f"add a row to tests/security/matrix.py for each of: {missing}"
    assert not stale, f"rows of tests/security/matrix.py for no URL pattern: {stale}"
    for route, row in MATRIX.items():
        assert set(row) == set(METHODS), route
        for codes in row.values():
            assert len(codes.split()) == len(PERSONAS), route


def test_the_matrix_gives_the_other_lab_404_never_403_nor_data():
    """On a lab's page or object, people of the other lab get 404 (or 405, or the admin's
    redirect to the change page, which answers 404): never data, and 403 only where the
    door is closed to every role alike (Django's own user admin)."""
    logged_in = PERSONAS[2:]
    for route in all_routes():
        if not route.lab_bound:
            continue
        for method, codes in MATRIX[route.route].items():
            row = dict(zip(PERSONAS, codes.split(), strict=True))
            for column in ("acct_other", "dir_other", "aud_other"):
                assert row[column] in {"302", "404", "405", "403"}, (route.route, method)
                if row[column] == "403":
                    assert {row[c] for c in logged_in} == {"403"}, (route.route, method)


def _users(world: World, side: str) -> dict[str, User | None]:
    """The persona of each column for URLs of lab `side`."""
    own, other = ("a", "b") if side == "A" else ("b", "a")
    return {
        "anon": None,
        "inactive": world.users["inactive"],
        "accountant": world.users["accountant"],
        "acct_own": world.users[f"accountant_{own}"],
        "acct_other": world.users[f"accountant_{other}"],
        "dir_own": world.users[f"director_{own}"],
        "dir_other": world.users[f"director_{other}"],
        "auditor": world.users["auditor"],
        "aud_own": world.users[f"auditor_{own}"],
        "aud_other": world.users[f"auditor_{other}"],
        "head": world.users["office_head"],
    }


def body_text(response: Any) -> str:
    """The response's body as text; the parts of a zip (XLSX) joined."""
    if getattr(response, "streaming", False):
        data = b"".join(response.streaming_content)
    else:
        data = response.content
    if data.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            data = b"".join(archive.read(name) for name in archive.namelist())
    return data.decode("utf-8", "replace")


def leaked(
    response: Any, url: str, identifiers: set[str], echoes: tuple[str, ...] = ()
) -> list[str]:
    """The `identifiers` found in the response, once the URL asked for is taken out (the
    pages repeat it, in the language switch for one, and it holds what the user typed),
    and the `echoes` of what the user typed (an admin list's links keep its filters)."""
    text = body_text(response) + " " + response.headers.get("Location", "")
    for echo in (url, html.escape(url), url.replace("/", "%2F"), *echoes):
        text = text.replace(echo, "")
    return sorted(word for word in identifiers if word in text)


def _requests(world: World) -> Iterator[tuple[Route, str, str, str, str]]:
    """(route, side, url, method, expected codes) of the whole walk."""
    for route in all_routes():
        for side in ("A", "B") if route.lab_bound else ("A",):
            url = url_for(route, world, side)
            for method in METHODS:
                yield route, side, url, method, MATRIX[route.route][method]


def test_the_access_matrix(world: World):
    clients: dict[int | None, Client] = {}
    for user in [None, *world.users.values()]:
        client = clients[user.pk if user else None] = Client()
        if user is not None:
            client.force_login(user)
    # A person of one lab never sees an identifier of the other.
    forbidden = {
        world.users["director_a"].pk: world.b.identifiers,
        world.users["accountant_a"].pk: world.b.identifiers,
        world.users["director_b"].pk: world.a.identifiers,
        world.users["accountant_b"].pk: world.a.identifiers,
        world.users["auditor_a"].pk: world.b.identifiers,
        world.users["auditor_b"].pk: world.a.identifiers,
    }
    # ... while seeing those of their own (which proves the search finds them).
    own = {
        world.users["director_a"].pk: world.a.identifiers,
        world.users["director_b"].pk: world.b.identifiers,
    }
    rows_before, entries_before = rows_count(), entries_state()
    events_before = AuditEvent.objects.count()

    wrong: list[str] = []
    leaks: list[str] = []
    statuses: Counter[int] = Counter()
    seen_own: Counter[str] = Counter()
    unexpected_2xx: list[str] = []
    for route, side, url, method, expected in _requests(world):
        users = _users(world, side)
        got = []
        for column, wanted in zip(PERSONAS, expected.split(), strict=True):
            user = users[column]
            client = clients[user.pk if user else None]
            response = client.get(url) if method == "GET" else client.post(url, {})
            got.append(str(response.status_code))
            statuses[response.status_code] += 1
            if 200 <= response.status_code < 300 and not wanted.startswith("2"):
                unexpected_2xx.append(f"{method} {url} as {column}: {response.status_code}")
            if user is not None and user.pk in forbidden:
                found = leaked(response, url, forbidden[user.pk])
                if found:
                    leaks.append(f"{method} {url} as {user.username}: {found}")
            if user is not None and user.pk in own:
                seen_own.update(leaked(response, "", own[user.pk]))
            if route.route in LOGOUTS and method == "POST" and user is not None:
                client.force_login(user)
        if " ".join(got) != expected:
            wrong.append(
                f"{route.route} [{side}] {method}: expected {expected}, got {' '.join(got)}"
            )

    assert not unexpected_2xx, "\n".join(unexpected_2xx)
    assert not wrong, "\n".join(wrong)
    assert not leaks, "\n".join(leaks)
    assert set(seen_own) == world.a.identifiers | world.b.identifiers
    assert statuses[500] == 0
    # Nothing was written, but the downloads recorded in the audit trail.
    rows_after = rows_count()
    added_events = AuditEvent.objects.order_by("id")[events_before:]
    assert {event.action for event in added_events} <= DOWNLOAD_EVENTS
    rows_after["ledger.AuditEvent"] = rows_before["ledger.AuditEvent"]
    assert rows_after == rows_before
    assert entries_state() == entries_before
    print(
        f"access matrix: {len(MATRIX)} patterns, {sum(statuses.values())} requests,"
        f" 0 unexpected 2xx, {dict(statuses)}"
    )


@pytest.mark.parametrize("side", ["A", "B"])
def test_a_lab_page_asked_with_the_other_labs_ids_is_not_found(client, world: World, side):
    """The other lab's budget line or statement, under one's own lab's address: 404."""
    own, other = (world.a, world.b) if side == "A" else (world.b, world.a)
    client.force_login(world.users["office_head"])
    code = own.lab.code
    for url in (
        f"/labs/{code}/budget/2025/lines/{other['budgetline'].pk}/",
        f"/labs/{code}/statements/{other['statement'].pk}/download/",
    ):
        assert client.get(url).status_code == 404, url


RATES_SHEET = b"currency,valid_from,units_per_eur,source\nSGD,2025-01-01,100,chancellery\n"


def test_the_rates_import_row(world: World):
    """A sheet setting the SGD rate to 100, posted to the import page by every persona:
    previewed for the office-wide accountant and the office head, refused to every
    other accountant with the rule (and to directors and auditors at the door);
    nothing is written for anyone (a preview writes nothing)."""
    rates_before = list(ExchangeRate.objects.values_list("currency", "valid_from", "units_per_eur"))
    batches_before = ImportBatch.objects.count()
    users = _users(world, "A")
    got = []
    for column in PERSONAS:
        user = users[column]
        client = Client()
        if user is not None:
            client.force_login(user)
        lab = labs_for_user(user, WRITE_ROLES).order_by("code").first() or world.a.lab
        response = client.post(
            "/admin/ledger/importbatch/import/",
            {
                "kind": "rates",
                "lab": lab.pk,
                "file": SimpleUploadedFile("rates.csv", RATES_SHEET),
                "date_order": "auto",
            },
        )
        got.append(str(response.status_code))
        if column in ("acct_own", "acct_other"):
            rule = RATES_OFFICE_WIDE.format(user=user, action="import exchange rates")
            assert html.escape(rule) in response.content.decode(), column
    assert " ".join(got) == RATES_IMPORT
    assert (
        list(ExchangeRate.objects.values_list("currency", "valid_from", "units_per_eur"))
        == rates_before
    )
    assert ImportBatch.objects.count() == batches_before
