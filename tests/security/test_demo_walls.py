"""The issue's "done when", on the demo data set: each demo director, guessing the
addresses and ids of another lab's pages, downloads and admin objects, gets nothing; the
demo auditor finds every action of the demo in the audit trail and a clean ledger
verification; a posted amount tampered with raw SQL turns the verification red and
names the entry.

The demo is loaded once for the module as on 3 December 2026 (2025 closed, 2026 open),
inside a transaction rolled back at the end (as in tests/fixtures/test_demo.py); each
test runs in its own savepoint.
"""

import io
from collections.abc import Iterator
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, models, transaction
from django.test import Client, override_settings
from openpyxl import load_workbook
from pytest_django import DjangoDbBlocker

from irls import services as irls_services
from irls.admin_base import LabScopedAdmin
from irls.models import Lab, Role
from ledger import db_guards, services
from ledger.exceptions import NotPermittedError
from ledger.models import AuditEvent, BudgetLine, ExchangeRate, JournalEntry
from reports.models import IssuedStatement
from reports.services import statement_issue
from tests.security.test_access_matrix import leaked

DIRECTORS = {
    "CINTRA": "director_cintra",
    "MAJULAB": "director_majulab",
    "IPAL": "director_ipal",
    "BMC2": "director_bmc2",
}
# Objects of each admin asked for, per lab: the first and the last.
SAMPLES = 2
TODAY = "2026-12-03"
YEARS = (2025, 2026)  # the demo's closed year and its year in progress


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """The demo, and one statement issued per lab and year; rolled back after the module."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        call_command("load_demo", "--today", TODAY, stdout=StringIO())
        for lab in Lab.objects.all():
            for year in YEARS:
                statement_issue(acting_user=None, lab=lab, kind="trial-balance", year=year)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_loaded: None, db: None) -> None:
    return None


def logged_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _samples(queryset: models.QuerySet) -> list[models.Model]:
    ordered = queryset.order_by("pk")
    first, last = ordered.first(), ordered.last()
    return [obj for obj in {first, last} if obj is not None][:SAMPLES]


def _admin_urls(lab: Lab) -> list[str]:
    """The admin's pages of `lab`'s objects, for every lab-scoped admin."""
    urls = []
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, LabScopedAdmin) or model_admin.lab_lookup is None:
            continue
        lookup = "pk" if model_admin.lab_lookup == "id" else model_admin.lab_lookup
        objects = model._default_manager.filter(**{lookup: lab.pk})
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}"
        for obj in _samples(objects):
            urls += [f"{base}/{obj.pk}/change/", f"{base}/{obj.pk}/history/"]
            urls.append(f"{base}/{obj.pk}/delete/")
    for line in _samples(BudgetLine.objects.filter(lab=lab)):
        urls += [
            f"/admin/ledger/budgetline/{line.pk}/amend/",
            f"/admin/ledger/budgetline/{line.pk}/transfer/",
        ]
    return urls


def _lab_urls(lab: Lab, own_code: str) -> list[str]:
    """The pages of `lab`, and its objects' ids guessed under the director's own lab."""
    code = lab.code
    urls = [f"/labs/{code}/", f"/labs/{code}/statements/", f"/labs/{code}/alerts/"]
    for year in YEARS:
        urls += [f"/labs/{code}/budget/{year}/", f"/labs/{code}/budget/{year}/?currency=EUR"]
    for line in BudgetLine.objects.filter(lab=lab).select_related("fiscal_year"):
        year = line.fiscal_year.year
        urls += [
            f"/labs/{code}/budget/{year}/lines/{line.pk}/",
            f"/labs/{own_code}/budget/{year}/lines/{line.pk}/",
        ]
    for issued in IssuedStatement.objects.filter(lab=lab):
        urls += [
            f"/labs/{code}/statements/{issued.pk}/download/",
            f"/labs/{own_code}/statements/{issued.pk}/download/",
        ]
    return urls


def test_a_demo_director_finds_nothing_of_another_lab(demo: None):
    problems = []
    for own_code, username in DIRECTORS.items():
        client = logged_in(username)
        for lab in Lab.objects.exclude(code=own_code):
            identifiers = {lab.code, lab.name} | set(
                JournalEntry.objects.filter(lab=lab, status="posted")
                .order_by("-chain_index")
                .values_list("hash", flat=True)[:3]
            )
            for url in _lab_urls(lab, own_code) + _admin_urls(lab):
                response = client.get(url)
                if response.status_code != 404:
                    problems.append(f"{username} GET {url}: {response.status_code}")
                if found := leaked(response, url, identifiers):
                    problems.append(f"{username} GET {url}: shows {found}")
            for year in YEARS:
                issue = client.post(
                    f"/labs/{lab.code}/statements/issue/",
                    {"kind": "fec", "year": str(year), "language": "en", "currency": "SGD"},
                )
                if issue.status_code != 404:
                    problems.append(
                        f"{username} POST issue for {lab.code} {year}: {issue.status_code}"
                    )
            # The lists, filtered on the other lab, hold nothing of it (but the filter
            # typed, kept in their links and search form).
            typed = (f"lab={lab.code}", f'name="lab" value="{lab.code}"')
            for url in ("/admin/ledger/journalentry/", "/admin/ledger/budgetline/"):
                response = client.get(url, {"lab": lab.code})
                assert "0 results" in response.content.decode()
                if found := leaked(response, url, identifiers, typed):
                    problems.append(f"{username} GET {url}?lab={lab.code}: shows {found}")
    assert not problems, "\n".join(problems)


def test_the_demo_auditor_finds_every_action_in_the_trail(demo: None):
    auditor = logged_in("auditor")
    every = AuditEvent.objects.count()

    page = auditor.get("/audit/trail/")
    export = auditor.get("/audit/trail/export.xlsx")

    assert page.context["events"].paginator.count == every > 0
    choices = {value for value, _label in page.context["form"].fields["action"].choices}
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert actions <= choices
    for action in actions:
        shown = auditor.get("/audit/trail/", {"action": action}).context["events"]
        assert shown.paginator.count == AuditEvent.objects.filter(action=action).count()
    sheet = load_workbook(io.BytesIO(export.getvalue())).active
    assert sheet.max_row - 1 == every


def test_the_demo_ledger_verifies_clean(demo: None):
    response = logged_in("auditor").post("/audit/verify/")

    results = response.context["results"]
    assert [r.lab for r in results] == sorted(DIRECTORS)
    assert all(r.ok for r in results), [(r.lab, r.first_bad, r.reason) for r in results]
    assert sum(r.entries for r in results) == JournalEntry.objects.filter(status="posted").count()


def test_a_demo_amount_tampered_with_raw_sql_turns_the_verification_red(demo: None):
    entry = JournalEntry.objects.filter(lab__code="IPAL", status="posted").order_by("chain_index")[
        40
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The demo's deferred checks fire now, so that the guards can be lifted.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        db_guards.drop(connection)
        for column in ("debit", "credit"):
            cursor.execute(
                f"UPDATE ledger_journalline SET {column} = {column} + 100"
                f" WHERE entry_id = %s AND {column} > 0",
                [entry.pk],
            )
        db_guards.install(connection)

    response = logged_in("auditor").post("/audit/verify/")

    results = {r.lab: r for r in response.context["results"]}
    assert (results["IPAL"].ok, results["IPAL"].first_bad) == (False, entry.number)
    assert "no longer matches its hash" in results["IPAL"].reason
    assert all(results[code].ok for code in ("CINTRA", "MAJULAB", "BMC2"))
    assert f'<span class="code first-bad">{entry.number}</span>' in response.content.decode()


def test_a_demo_lab_accountant_cannot_set_the_sgd_rate_to_100(demo: None):
    """The issue's case, on the demo: an accountant of CINTRA only sets the SGD rate
    every lab converts with to 100 (IPAL's EUR budget would have fallen from 21,244.95
    to 300.00): the admin's change and add forms, the import page and the service all
    refuse, and nothing changes."""
    user = User.objects.create_user(username="cintra_only", password="pw", is_staff=True)
    irls_services.role_grant(
        acting_user=None, user=user, role=Role.ACCOUNTANT, lab=Lab.objects.get(code="CINTRA")
    )
    rates = list(ExchangeRate.objects.order_by("pk").values_list("pk", "units_per_eur"))
    events = AuditEvent.objects.count()
    sgd = ExchangeRate.objects.filter(currency="SGD", source="chancellery").latest("valid_from")
    client = logged_in("cintra_only")

    change = client.post(f"/admin/ledger/exchangerate/{sgd.pk}/change/", {"units_per_eur": "100"})
    add = client.post(
        "/admin/ledger/exchangerate/add/",
        {"currency": "SGD", "source": "chancellery", "valid_from": TODAY, "units_per_eur": "100"},
    )
    sheet = f"currency,valid_from,units_per_eur,source\nSGD,{TODAY},100,chancellery\n"
    upload = client.post(
        "/admin/ledger/importbatch/import/",
        {
            "kind": "rates",
            "lab": Lab.objects.get(code="CINTRA").pk,
            "file": SimpleUploadedFile("rates.csv", sheet.encode()),
        },
    )
    with pytest.raises(NotPermittedError, match="exchange rates are office-wide data"):
        services.exchange_rate_set(
            acting_user=user,
            currency="SGD",
            valid_from=sgd.valid_from,
            units_per_eur=Decimal("100"),
            source="chancellery",
        )

    assert (change.status_code, add.status_code, upload.status_code) == (403, 403, 403)
    assert "exchange rates are office-wide data" in upload.content.decode()
    assert list(ExchangeRate.objects.order_by("pk").values_list("pk", "units_per_eur")) == rates
    assert AuditEvent.objects.count() == events
