"""The auditor's workspace (/audit/): the trail and its filters, the XLSX export, the
import batches, the ledger verification; scoped to the labs a user may audit, read-only."""

import io
from datetime import datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from ledger import db_guards, services
from ledger.audit import views
from ledger.models import AuditEvent
from tests.books import draft
from tests.security.world import World

TRAIL = "/audit/trail/"
EXPORT = "/audit/trail/export.xlsx"
IMPORTS = "/audit/imports/"
VERIFY = "/audit/verify/"
MARKUP = '<img src=x onerror="alert(1)">=HYPERLINK("http://evil.example")'


def logged_in(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.users[who])
    return client


def shown_events(response) -> list[AuditEvent]:
    return list(response.context["events"].object_list)


def test_the_auditor_finds_every_action_in_the_trail(world: World):
    auditor = logged_in(world, "auditor")

    response = auditor.get(TRAIL)

    assert response.status_code == 200
    assert response.context["events"].paginator.count == AuditEvent.objects.count()
    actions = {value for value, _label in response.context["form"].fields["action"].choices}
    assert set(AuditEvent.objects.values_list("action", flat=True)) <= actions
    html = response.content.decode()
    assert "Export to XLSX" in html and 'href="/audit/trail/export.xlsx"' in html
    # The trail's last page holds the first event; a page beyond answers 404.
    pages = response.context["events"].paginator.num_pages
    first = auditor.get(TRAIL, {"page": pages})
    assert shown_events(first)[-1] == AuditEvent.objects.order_by("at", "id").first()
    assert auditor.get(TRAIL, {"page": pages + 1}).status_code == 404


def test_the_trail_filters_by_lab_user_action_and_date(world: World):
    auditor = logged_in(world, "auditor")
    accountant = world.users["accountant"]

    by_lab = auditor.get(TRAIL, {"lab": "CINTRA"})
    by_user = auditor.get(TRAIL, {"user": "accountant"})
    by_system = auditor.get(TRAIL, {"user": "system"})
    by_action = auditor.get(TRAIL, {"action": "entry.post", "lab": "MAJULAB"})
    office = auditor.get(TRAIL, {"lab": "-"})

    assert {e.lab for e in shown_events(by_lab)} == {world.a.lab}
    assert (
        by_lab.context["events"].paginator.count
        == AuditEvent.objects.filter(lab=world.a.lab).count()
    )
    assert {e.actor for e in shown_events(by_user)} == {accountant}
    assert {e.actor for e in shown_events(by_system)} == {None}
    assert [(e.action, e.lab) for e in shown_events(by_action)] == [("entry.post", world.b.lab)]
    assert {e.lab for e in shown_events(office)} == {None}
    assert "exchange_rate.set" in {e.action for e in shown_events(office)}


def test_the_trail_filters_by_local_days(world: World):
    auditor = logged_in(world, "auditor")
    day = timezone.localdate()
    today, tomorrow, yesterday = (
        str(day),
        str(day + timedelta(days=1)),
        str(day - timedelta(days=1)),
    )

    assert (
        auditor.get(TRAIL, {"date_from": today, "date_to": today}).context["events"].paginator.count
        == AuditEvent.objects.count()
    )
    assert not auditor.get(TRAIL, {"date_from": tomorrow}).context["events"].object_list
    assert not auditor.get(TRAIL, {"date_to": yesterday}).context["events"].object_list


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"lab__in": "CINTRA"}, "This page has no filter named lab__in."),
        ({"order_by": "password", "_connector": "OR"}, "no filter named _connector, order_by"),
        (
            {"date_from": "2025-12-31", "date_to": "2025-01-01"},
            "The start date is after the end date.",
        ),
        ({"date_from": "99999-01-01"}, "Enter a valid date."),
        ({"date_from": "1815-06-18"}, "Give a date between 1900-01-01 and 2999-12-31."),
        ({"user": "a b"}, "A username holds letters, digits"),
        ({"action": "entry.explode"}, "Select a valid choice."),
        ({"page": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"page": "99999999999999999999"}, "Ensure this value is less than or equal to"),
    ],
)
def test_filters_the_trail_cannot_apply_answer_400_saying_why(world: World, query, message):
    response = logged_in(world, "auditor").get(TRAIL, query)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert "events" not in response.context


def test_a_lab_outside_the_scope_is_not_found(world: World):
    accountant_b = logged_in(world, "accountant_b")

    assert accountant_b.get(TRAIL, {"lab": "MAJULAB"}).status_code == 200
    for page in (TRAIL, EXPORT, IMPORTS, VERIFY):
        assert accountant_b.get(page, {"lab": "CINTRA"}).status_code == 404
        assert accountant_b.get(page, {"lab": "NOSUCHLAB"}).status_code == 404
    assert accountant_b.post(VERIFY, {"lab": "CINTRA"}).status_code == 404


def test_a_lab_accountant_audits_their_lab_only(world: World):
    """Their lab's events, and those of the office's rates and institutions (no lab),
    which concern every lab; no event of the other lab."""
    response = logged_in(world, "accountant_b").get(TRAIL)

    labs = {event.lab for event in shown_events(response)}
    assert labs == {world.b.lab, None}
    office = AuditEvent.objects.filter(
        lab__isnull=True, object_type__in=["ledger.ExchangeRate", "irls.Institution"]
    )
    assert (
        response.context["events"].paginator.count
        == AuditEvent.objects.filter(lab=world.b.lab).count() + office.count()
    )
    choices = [value for value, _label in response.context["form"].fields["lab"].choices]
    assert choices == ["", "MAJULAB"]


def test_directors_have_no_audit_workspace_nor_its_link(world: World):
    director = logged_in(world, "director_a")

    for page in ("/audit/", TRAIL, EXPORT, IMPORTS, VERIFY):
        assert director.get(page).status_code == 404
    assert 'href="/audit/"' not in director.get("/labs/CINTRA/budget/2025/").content.decode()
    assert 'href="/audit/"' in logged_in(world, "auditor").get("/").content.decode()


def test_before_and_after_are_shown_as_escaped_text(world: World):
    entry = draft(
        world.users["accountant"],
        world.a.lab,
        [("6064", "10.00", "0"), ("401", "0", "10.00")],
        label=MARKUP,
        piece_ref="<b>bold</b>",
    )
    services.entry_update_draft(
        acting_user=world.users["accountant"], entry=entry, label="plain", lines=None
    )

    response = logged_in(world, "auditor").get(TRAIL, {"action": "entry.update"})

    html = response.content.decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=" in html
    assert "<b>bold</b>" not in html
    [event] = shown_events(response)
    assert event.before is not None and event.after is not None
    assert event.before["label"] == MARKUP and event.after["label"] == "plain"


def test_the_export_is_the_filtered_trail_with_text_kept_as_text(world: World):
    draft(
        world.users["accountant"],
        world.a.lab,
        [("6064", "10.00", "0"), ("401", "0", "10.00")],
        label="=1+2",
        piece_ref="@SUM(A1:A2)",
    )

    response = logged_in(world, "auditor").get(EXPORT, {"lab": "CINTRA"})

    assert response.status_code == 200
    assert response["Content-Type"] == views.XLSX
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-trail-')
    workbook = load_workbook(io.BytesIO(response.getvalue()))
    sheet = workbook.active
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]][:5] == [
        "Event",
        "When (Singapore time)",
        "Lab",
        "User",
        "Action",
    ]
    assert len(rows) - 1 == AuditEvent.objects.filter(lab=world.a.lab).count()
    latest = rows[1]
    event = AuditEvent.objects.filter(lab=world.a.lab).order_by("-at", "-id")[0]
    assert latest[0].value == event.pk and latest[0].data_type == "n"
    assert isinstance(latest[1].value, datetime)
    assert (latest[2].value, latest[3].value, latest[4].value) == (
        "CINTRA",
        "accountant",
        "entry.create",
    )
    # The label typed as a formula is in the "after" JSON; the object's label is the
    # entry's str(): each cell that starts like a formula is text, shown as typed.
    formula_like = [
        c for row in rows[1:] for c in row if isinstance(c.value, str) and c.value[:1] in "=+-@"
    ]
    for cell in formula_like:
        assert cell.data_type == "s" and cell.quotePrefix
    assert all(c.data_type != "f" for row in rows for c in row)


def test_the_import_batches_show_their_files_hashes(world: World):
    auditor = logged_in(world, "auditor")

    response = auditor.get(IMPORTS)

    html = response.content.decode()
    for side in (world.a, world.b):
        batch = side["importbatch"]
        assert batch.sha256 in html and batch.file_name in html
    assert auditor.get(IMPORTS, {"kind": "journal"}).context["batches"].paginator.count == 0
    mine = logged_in(world, "accountant_b").get(IMPORTS).content.decode()
    assert world.b["importbatch"].sha256 in mine
    assert world.a["importbatch"].sha256 not in mine


def test_the_verification_runs_on_post_and_is_clean(world: World):
    auditor = logged_in(world, "auditor")

    page = auditor.get(VERIFY)
    response = auditor.post(VERIFY)

    assert "results" not in page.context
    assert [c.lab.code for c in page.context["chains"]] == ["CINTRA", "MAJULAB"]
    results = response.context["results"]
    assert [(r.lab, r.ok, r.entries) for r in results] == [
        ("CINTRA", True, 1),
        ("MAJULAB", True, 1),
    ]
    assert response.content.decode().count('class="status status-ok"') == 2
    one = auditor.post(VERIFY, {"lab": "MAJULAB"})
    assert [r.lab for r in one.context["results"]] == ["MAJULAB"]


def test_the_verification_is_not_run_in_a_tight_loop(world: World, settings):
    settings.AUDIT_VERIFY_INTERVAL = 60
    auditor = logged_in(world, "auditor")

    assert auditor.post(VERIFY).status_code == 200
    again = auditor.post(VERIFY)

    assert again.status_code == 429
    assert "The verification ran less than 60 seconds ago" in again.content.decode()
    assert logged_in(world, "office_head").post(VERIFY).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_posted_amount_tampered_with_raw_sql_turns_the_verification_red(world: World):
    entry = world.a["journalentry"]
    # An intruder with database access lifts the guards and edits a posted amount,
    # keeping the entry balanced so that only the hash can tell.
    with transaction.atomic():
        db_guards.drop(connection)
        with connection.cursor() as cursor:
            for column in ("debit", "credit"):
                cursor.execute(
                    f"UPDATE ledger_journalline SET {column} = 25 WHERE entry_id = %s"
                    f" AND {column} > 0",
                    [entry.pk],
                )
        db_guards.install(connection)

    response = logged_in(world, "auditor").post(VERIFY)

    cintra, majulab = response.context["results"]
    assert (cintra.ok, cintra.first_bad) == (False, entry.number)
    assert "no longer matches its hash" in cintra.reason
    assert majulab.ok
    html = response.content.decode()
    assert "ALTERED" in html and f'<span class="code first-bad">{entry.number}</span>' in html
