"""The accountant's way in, in a real browser (Debian's chromium): the API tokens page
makes a token, shown once; the documentation page at /api/v1/docs shows every operation
of the schema, from the app's own files (no request leaves the server, no error in the
console); the token then reads the lab's entries."""

from collections.abc import Iterator
from typing import Any

import pytest

from irls.models import Lab
from tests.books import posted
from tests.web.french_site import chromium
from tests.web.test_browser import CHROMIUM

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"browser tests need Debian's chromium at {CHROMIUM}: apt-get install chromium",
)
METHODS = {"get", "post", "put", "delete", "patch"}


@pytest.fixture
def books(cintra: Lab, accountant: Any) -> Lab:
    posted(accountant, cintra, amount="42.00")
    return cintra


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch, live_server: Any, books: Lab) -> Iterator[Any]:
    """Opened once the books are written (see tests/web/test_browser.py)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with chromium() as browser:
        opened = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
        opened.set_default_timeout(15_000)
        yield opened


def test_a_token_made_on_its_page_and_the_documentation(page: Any, live_server: Any):
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.goto(f"{live_server.url}/login/?next=/account/api-tokens/")
    page.get_by_label("Username").fill("accountant")
    page.get_by_label("Password").fill("pw-accountant")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/account/api-tokens/")
    page.get_by_label("Name").fill("Monthly CNRS export")
    page.get_by_role("button", name="Create the token").click()
    secret = page.locator("#new-token").input_value()
    assert secret.startswith("irl_")
    page.screenshot(path="/tmp/irl-api-tokens.png", full_page=True)
    page.reload()  # shown once: a reload (GET) no longer holds it
    assert secret not in page.content()

    schema = page.request.get(f"{live_server.url}/api/v1/openapi.json").json()
    operations = sum(1 for item in schema["paths"].values() for m in item if m in METHODS)
    page.get_by_role("link", name="The API's documentation").click()
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() == operations
    page.screenshot(path="/tmp/irl-api-docs.png", full_page=True)
    assert not errors
    assert all(url.startswith(live_server.url) for url in requests)

    answer = page.request.get(
        f"{live_server.url}/api/v1/labs/CINTRA/entries",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert answer.status == 200
    assert [item["debit"] for item in answer.json()["items"]] == ["42.00"]
