"""The accountants' admin: entries recorded, posted and reversed through the services,
read-only once posted, scoped to the user's labs, and a changelist without per-row
queries."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

from irls.models import Lab
from ledger import services
from ledger.models import AuditEvent, ExchangeRate, JournalEntry, Period
from tests.books import account, draft, journal, posted

ENTRIES = "/admin/ledger/journalentry/"
AUDIT = "/admin/ledger/auditevent/"
PERIODS = "/admin/ledger/period/"


def logged_in(client: Client, user: User) -> Client:
    """`client` logged in as `user`, made a staff user (the admin lets in staff only)."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    return client


def messages_of(response: HttpResponse) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]  # type: ignore[attr-defined]


def line_data(index: int, account_id: int, debit: str, credit: str, **extra: str) -> dict[str, Any]:
    prefix = f"lines-{index}-"
    data = {
        "account": account_id,
        "label": "",
        "debit": debit,
        "credit": credit,
        "amount_currency_0": "",
        "amount_currency_1": "SGD",
        "third_party": "",
        **extra,
    }
    return {prefix + key: value for key, value in data.items()}


def entry_form(lab: Lab, lines: list[dict[str, Any]], **header: Any) -> dict[str, Any]:
    """The POST of the add form: the header and the inline formset of lines."""
    data = {
        "lab": lab.pk,
        "journal": journal(lab, "ACH").pk,
        "date": "2025-03-14",
        "label": "Lab supplies",
        "piece_ref": "INV-42",
        "piece_date": "2025-03-14",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "_save": "Save",
        **header,
    }
    for line in lines:
        data.update(line)
    return data


def run_action(
    client: Client, url: str, action: str, *objects: Any, apply: dict[str, str] | None = None
) -> HttpResponse:
    """Run a list action; `apply`: the answers of its intermediate page, if it has one."""
    data: dict[str, Any] = {"action": action, "_selected_action": [o.pk for o in objects]}
    if apply is not None:
        data |= {"apply": "1", **apply}
    return client.post(url, data, follow=True)  # type: ignore[return-value]


def test_accountant_records_an_entry_with_its_lines(client, accountant, cintra):
    client = logged_in(client, accountant)
    data = entry_form(
        cintra,
        [
            line_data(0, account(cintra, "6064").pk, "120.50", "0", label="Pipettes"),
            line_data(1, account(cintra, "401").pk, "0", "120.50", third_party="SUP-01"),
        ],
    )

    response = client.post(ENTRIES + "add/", data)

    assert response.status_code == 302
    entry = JournalEntry.objects.get()
    assert (entry.status, entry.number, entry.label, entry.piece_ref) == (
        "draft",
        None,
        "Lab supplies",
        "INV-42",
    )
    assert entry.created_by == accountant
    lines = list(entry.lines.order_by("id").values_list("account__code", "debit", "credit"))
    assert lines == [
        ("6064", Decimal("120.50"), Decimal("0")),
        ("401", Decimal("0"), Decimal("120.50")),
    ]
    assert entry.lines.get(account__code="401").third_party_id == "SUP-01"
    assert AuditEvent.objects.filter(action="entry.create", object_id=str(entry.pk)).count() == 1
    assert response["Location"] == ENTRIES  # back to the list, so the object had its pk


def test_a_foreign_amount_is_recorded_with_the_rate_obtained(client, accountant, cintra):
    client = logged_in(client, accountant)
    data = entry_form(
        cintra,
        [
            line_data(
                0,
                account(cintra, "6064").pk,
                "150.00",
                "0",
                amount_currency_0="100.00",
                amount_currency_1="EUR",
            ),
            line_data(1, account(cintra, "401").pk, "0", "150.00"),
        ],
    )

    assert client.post(ENTRIES + "add/", data).status_code == 302

    line = JournalEntry.objects.get().lines.get(account__code="6064")
    assert (line.amount_currency.amount, str(line.amount_currency.currency)) == (
        Decimal("100.00"),
        "EUR",
    )
    assert (line.fx_rate, line.fx_rate_source) == (Decimal("1.5"), "bank")


def test_a_refused_entry_shows_the_reason_on_the_form_and_writes_nothing(
    client, accountant, cintra
):
    client = logged_in(client, accountant)
    events = AuditEvent.objects.count()
    data = entry_form(
        cintra,
        [
            line_data(0, account(cintra, "6064").pk, "10.00", "0"),
            line_data(1, account(cintra, "401").pk, "0", "10.00"),
        ],
        date="2024-06-30",
    )

    response = client.post(ENTRIES + "add/", data)

    assert response.status_code == 200
    assert "2024-06-30 is outside the fiscal years of CINTRA" in response.content.decode()
    assert response.context["adminform"].form.non_field_errors()
    # The lines typed in are still on the form.
    assert 'value="10.00"' in response.content.decode()
    assert not JournalEntry.objects.exists()
    assert AuditEvent.objects.count() == events


def test_an_account_of_another_lab_is_refused(client, accountant, cintra, majulab):
    # Once the lab is chosen only its accounts are valid choices; the service would
    # refuse the others anyway (CrossLabError).
    client = logged_in(client, accountant)
    data = entry_form(
        cintra,
        [
            line_data(0, account(majulab, "6064").pk, "10.00", "0"),
            line_data(1, account(cintra, "401").pk, "0", "10.00"),
        ],
    )

    response = client.post(ENTRIES + "add/", data)

    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.errors
    assert errors[0]["account"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert not JournalEntry.objects.exists()


def test_a_draft_is_changed_and_deleted_through_the_services(client, accountant, cintra):
    client = logged_in(client, accountant)
    entry = draft(accountant, cintra, [("6064", "10", "0"), ("401", "0", "10")])
    first, second = entry.lines.order_by("id")
    data = entry_form(
        cintra,
        [
            {"lines-0-id": first.pk, "lines-0-entry": entry.pk}
            | line_data(0, account(cintra, "6064").pk, "12.00", "0"),
            {"lines-1-id": second.pk, "lines-1-entry": entry.pk}
            | line_data(1, account(cintra, "401").pk, "0", "12.00"),
        ],
        label="Supplies, corrected",
    )
    data["lines-INITIAL_FORMS"] = "2"
    del data["lab"]

    response = client.post(f"{ENTRIES}{entry.pk}/change/", data)

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.label == "Supplies, corrected"
    assert sorted(entry.lines.values_list("debit", flat=True)) == [Decimal("0"), Decimal("12.00")]
    assert AuditEvent.objects.filter(action="entry.update", object_id=str(entry.pk)).exists()

    response = client.post(f"{ENTRIES}{entry.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not JournalEntry.objects.filter(pk=entry.pk).exists()
    assert AuditEvent.objects.filter(action="entry.delete", object_id=str(entry.pk)).exists()


def test_a_refused_change_leaves_the_draft_as_it_was(client, accountant, cintra):
    client = logged_in(client, accountant)
    entry = draft(accountant, cintra, [("6064", "10", "0"), ("401", "0", "10")])
    data = entry_form(cintra, [], date="2031-01-15", label="Moved to a year not opened")
    del data["lab"]
    data["lines-INITIAL_FORMS"] = "0"

    response = client.post(f"{ENTRIES}{entry.pk}/change/", data)

    assert response.status_code == 200
    assert "2031-01-15 is outside the fiscal years of CINTRA" in response.content.decode()
    entry.refresh_from_db()
    assert (entry.date, entry.label) == (date(2025, 3, 14), "Supplies")
    assert not AuditEvent.objects.filter(action="entry.update").exists()


def test_a_refused_deletion_shows_the_reason(client, cintra, accountant):
    # A superuser sees every entry, but only an accountant or the office head deletes.
    entry = draft(accountant, cintra, [("6064", "10", "0"), ("401", "0", "10")])
    root = get_user_model().objects.create_superuser("root", password="pw-root")
    client = logged_in(client, root)

    response = client.post(f"{ENTRIES}{entry.pk}/delete/", {"post": "yes"}, follow=True)

    assert "root may not delete draft entries in CINTRA" in messages_of(response)
    assert response.redirect_chain[0][0] == f"{ENTRIES}{entry.pk}/change/"
    assert JournalEntry.objects.filter(pk=entry.pk).exists()
    assert not AuditEvent.objects.filter(action="entry.delete").exists()


def test_an_unbalanced_draft_is_not_posted(client, accountant, cintra):
    client = logged_in(client, accountant)
    entry = draft(accountant, cintra, [("6064", "100", "0"), ("401", "0", "90")])

    response = run_action(client, ENTRIES, "post_entries", entry)

    assert any("does not balance" in m for m in messages_of(response))
    entry.refresh_from_db()
    assert entry.status == "draft" and entry.number is None


def test_a_balanced_draft_is_posted_and_numbered(client, accountant, cintra):
    client = logged_in(client, accountant)
    entry = draft(accountant, cintra, [("6064", "100", "0"), ("401", "0", "100")])

    response = run_action(client, ENTRIES, "post_entries", entry)

    entry.refresh_from_db()
    assert (entry.status, entry.number, entry.posted_by) == (
        "posted",
        "ACH-2025-000001",
        accountant,
    )
    assert "Posted 1 entry: ACH-2025-000001" in messages_of(response)


def test_a_posted_entry_is_reversed_on_the_day_and_for_the_reason_given(client, accountant, cintra):
    client = logged_in(client, accountant)
    entry = posted(accountant, cintra)  # dated 2025-03-14

    page = run_action(client, ENTRIES, "reverse_entries", entry)
    html = page.content.decode()
    # The accountant is asked the date (today by default) and the reason, seeing the entry.
    assert 'name="date"' in html and 'name="reason"' in html
    assert str(entry.number) in html and "2025 (Open)" in html
    assert not JournalEntry.objects.filter(reversal_of=entry).exists()

    chosen = {"date": "2025-03-31", "reason": "Booked to the wrong supplier"}
    response = run_action(client, ENTRIES, "reverse_entries", entry, apply=chosen)

    reversal = JournalEntry.objects.get(reversal_of=entry)
    assert (reversal.status, reversal.date) == ("posted", date(2025, 3, 31))
    assert reversal.label == f"Reversal of {entry.number}: Booked to the wrong supplier"
    assert f"{entry.number} reversed by {reversal.number}" in messages_of(response)
    event = AuditEvent.objects.get(action="entry.reverse")
    assert event.after is not None and event.after["reason"] == "Booked to the wrong supplier"
    # The reversal shows on the original's page and the other way round.
    page = client.get(f"{ENTRIES}{entry.pk}/change/").content.decode()
    assert f"{ENTRIES}{reversal.pk}/change/" in page

    response = run_action(client, ENTRIES, "reverse_entries", entry, apply=chosen)

    assert "was already reversed" in response.content.decode()
    assert JournalEntry.objects.filter(reversal_of=entry).count() == 1


def test_a_reversal_cannot_be_dated_before_its_entry(client, accountant, cintra):
    client = logged_in(client, accountant)
    entry = posted(accountant, cintra)
    early = {"date": "2025-03-01", "reason": "Typo"}
    response = run_action(client, ENTRIES, "reverse_entries", entry, apply=early)
    assert (
        f"Entry {entry.number} is dated 2025-03-14: its reversal cannot be dated earlier "
        "(2025-03-01)" in response.content.decode()
    )
    assert not JournalEntry.objects.filter(reversal_of=entry).exists()


def test_a_posted_entry_is_read_only(client, accountant, cintra):
    client = logged_in(client, accountant)
    entry = posted(accountant, cintra)

    page = client.get(f"{ENTRIES}{entry.pk}/change/")

    html = page.content.decode()
    assert page.status_code == 200
    assert entry.number in html and entry.hash in html
    for name in ('name="label"', 'name="date"', 'name="lines-0-debit"', 'name="_save"'):
        assert name not in html
    assert "/delete/" not in html

    data = entry_form(
        cintra,
        [line_data(0, account(cintra, "6064").pk, "999.00", "0")],
        label="Tampered",
    )
    response = client.post(f"{ENTRIES}{entry.pk}/change/", data)

    assert response.status_code == 403
    assert client.post(f"{ENTRIES}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.label == "Supplies"
    assert sorted(entry.lines.values_list("debit", flat=True)) == [Decimal("0"), Decimal("100.00")]


def test_a_director_reads_their_lab_only(client, accountant, director_cintra, cintra, majulab):
    own = posted(accountant, cintra, piece_ref="CINTRA-1")
    other = posted(accountant, majulab, piece_ref="MAJULAB-1")
    client = logged_in(client, director_cintra)

    listing = client.get(ENTRIES)

    html = listing.content.decode()
    assert listing.status_code == 200
    assert "CINTRA-1" in html and "MAJULAB-1" not in html
    assert ENTRIES + "add/" not in html
    assert 'value="post_entries"' not in html and 'value="reverse_entries"' not in html
    assert client.get(f"{ENTRIES}{other.pk}/change/").status_code == 404
    view = client.get(f"{ENTRIES}{own.pk}/change/")
    assert view.status_code == 200 and 'name="_save"' not in view.content.decode()
    assert client.get(ENTRIES + "add/").status_code == 403
    assert client.post(f"{ENTRIES}{own.pk}/delete/", {"post": "yes"}).status_code == 403
    # An action posted by hand is refused too, and nothing is reversed.
    run_action(client, ENTRIES, "reverse_entries", own)
    assert not JournalEntry.objects.filter(reversal_of=own).exists()


def test_a_draft_of_a_director_s_lab_cannot_be_changed_by_the_director(
    client, accountant, director_cintra, cintra
):
    entry = draft(accountant, cintra, [("6064", "10", "0"), ("401", "0", "10")])
    client = logged_in(client, director_cintra)

    data = entry_form(cintra, [], label="Changed by the director")
    del data["lab"]

    assert client.post(f"{ENTRIES}{entry.pk}/change/", data).status_code == 403
    run_action(client, ENTRIES, "post_entries", entry)
    entry.refresh_from_db()
    assert (entry.label, entry.status) == ("Supplies", "draft")


def test_the_entry_list_filters_by_lab_journal_month_and_status(
    client, accountant, cintra, majulab
):
    posted(accountant, cintra, piece_ref="MARCH", on=date(2025, 3, 3))
    posted(accountant, cintra, piece_ref="APRIL", on=date(2025, 4, 3))
    draft(
        accountant,
        majulab,
        [("512", "5", "0"), ("741", "0", "5")],
        journal_code="BQS",
        piece_ref="BANK",
    )
    client = logged_in(client, accountant)

    def shown(query: str) -> set[str]:
        html = client.get(ENTRIES + query).content.decode()
        return {ref for ref in ("MARCH", "APRIL", "BANK") if ref in html}

    assert shown("") == {"MARCH", "APRIL", "BANK"}
    assert shown("?lab=MAJULAB") == {"BANK"}
    assert shown("?journal=ACH") == {"MARCH", "APRIL"}
    assert shown("?month=2025-04") == {"APRIL"}
    assert shown("?status__exact=draft") == {"BANK"}
    assert shown("?q=MARCH") == {"MARCH"}


def test_the_entry_list_does_not_query_per_row(client, accountant, cintra, majulab):
    client = logged_in(client, accountant)

    def queries_for_list() -> int:
        client.get(ENTRIES)  # warm up the session and the content types
        with CaptureQueriesContext(connection) as captured:
            response = client.get(ENTRIES)
        assert response.status_code == 200
        return len(captured)

    for n in range(3):
        posted(accountant, cintra if n % 2 else majulab, piece_ref=f"INV-{n}")
    with_three = queries_for_list()
    for n in range(3, 30):
        entry = draft(accountant, cintra, [("6064", "7", "0"), ("401", "0", "7")])
        if n % 3:
            services.entry_post(acting_user=accountant, entry=entry)
    assert JournalEntry.objects.count() == 30

    assert queries_for_list() == with_three


def test_periods_are_closed_by_accountants_and_reopened_by_the_office_head(
    client, accountant, office_head, cintra
):
    january, february, march = Period.objects.filter(lab=cintra, month__lte=3).order_by("month")
    client = logged_in(client, accountant)

    # March alone does not close while January and February are open.
    response = run_action(client, PERIODS, "close_periods", march)
    march.refresh_from_db()
    assert march.status == "open"
    assert any("months close in order" in m for m in messages_of(response))

    # Selected together, the three months close in order.
    response = run_action(client, PERIODS, "close_periods", march, january, february)

    march.refresh_from_db()
    assert march.status == "closed"
    assert "Closed: CINTRA 2025-01, CINTRA 2025-02, CINTRA 2025-03" in messages_of(response)

    # Reopening asks for the reason first.
    page = run_action(client, PERIODS, "reopen_periods", march).content.decode()
    assert "Reopen periods" in page and 'name="reason"' in page
    reopen = {"action": "reopen_periods", "_selected_action": [march.pk], "apply": "Reopen"}
    response = client.post(PERIODS, reopen | {"reason": "Late invoice"})

    march.refresh_from_db()
    assert march.status == "closed"
    assert "accountant may not reopen periods in CINTRA" in response.content.decode()

    client = logged_in(Client(), office_head)
    assert "This field is required" in client.post(PERIODS, reopen).content.decode()
    response = client.post(PERIODS, reopen | {"reason": "Late invoice"}, follow=True)

    march.refresh_from_db()
    assert march.status == "open"
    assert "Reopened: CINTRA 2025-03" in messages_of(response)
    event = AuditEvent.objects.get(action="period.reopen", actor=office_head)
    assert event.after == {"status": "open", "reason": "Late invoice"}


def test_an_exchange_rate_is_set_and_corrected_through_the_service(client, accountant):
    client = logged_in(client, accountant)
    data = {
        "currency": "SGD",
        "source": "chancellery",
        "valid_from": "2025-03-01",
        "units_per_eur": "1.4500",
    }

    assert client.post("/admin/ledger/exchangerate/add/", data).status_code == 302

    rate = ExchangeRate.objects.get()
    client.post(f"/admin/ledger/exchangerate/{rate.pk}/change/", {"units_per_eur": "1.4321"})
    rate.refresh_from_db()
    assert rate.units_per_eur == Decimal("1.4321")
    assert AuditEvent.objects.filter(action="exchange_rate.set").count() == 2


def test_audit_events_cannot_be_added_changed_or_deleted(client, accountant, cintra):
    posted(accountant, cintra)
    superuser = get_user_model().objects.create_superuser("root", password="pw-root")
    events = AuditEvent.objects.count()
    event = AuditEvent.objects.filter(lab=cintra).first()
    assert event is not None

    for user in (accountant, superuser):
        client = logged_in(Client(), user)
        assert client.get(AUDIT).status_code == 200
        assert client.get(f"{AUDIT}{event.pk}/change/").status_code == 200
        assert client.post(f"{AUDIT}{event.pk}/delete/", {"post": "yes"}).status_code == 403
        assert client.post(f"{AUDIT}{event.pk}/change/", {"action": "x"}).status_code == 403
        assert client.get(f"{AUDIT}add/").status_code == 403
        run_action(client, AUDIT, "delete_selected", event)

    assert AuditEvent.objects.count() == events
    assert AuditEvent.objects.get(pk=event.pk).action == event.action


def test_a_director_sees_the_audit_trail_of_their_lab_only(
    client, accountant, director_cintra, cintra, majulab
):
    posted(accountant, cintra, piece_ref="CINTRA-1")
    posted(accountant, majulab, piece_ref="MAJULAB-1")
    majulab_event = AuditEvent.objects.filter(lab=majulab).first()
    assert majulab_event is not None
    client = logged_in(client, director_cintra)

    html = client.get(AUDIT).content.decode()

    assert "CINTRA" in html and "MAJULAB" not in html
    assert client.get(f"{AUDIT}{majulab_event.pk}/change/").status_code == 404


@pytest.mark.parametrize("page", ["account", "journal", "fiscalyear", "period", "exchangerate"])
def test_the_book_pages_render(client, accountant, cintra, page):
    client = logged_in(client, accountant)
    listing = client.get(f"/admin/ledger/{page}/")
    assert listing.status_code == 200
    model = listing.context["cl"].model
    first = model.objects.first()
    if first is not None:
        assert client.get(f"/admin/ledger/{page}/{first.pk}/change/").status_code == 200


def test_an_account_is_added_through_the_service(client, accountant, cintra):
    client = logged_in(client, accountant)
    data = {"lab": cintra.pk, "code": "60641", "name_fr": "Petit matériel", "name_en": "Small kit"}

    assert client.post("/admin/ledger/account/add/", data).status_code == 302

    created = account(cintra, "60641")
    assert created.kind == "expense"
    assert created.parent is not None and created.parent.code == "6064"
    assert AuditEvent.objects.filter(action="account.create", object_id=str(created.pk)).exists()
