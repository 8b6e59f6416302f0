"""The audit trail in words (/audit/trail/ and its export): actions and objects named
as an accountant says them, with links to their pages; before/after as a table of the
fields that changed, an entry's lines as rows; one encoding whatever path wrote the
event (the bulk posting of imports once stored a JSON string holding the JSON)."""

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from irls.models import Lab
from ledger import services
from ledger.audit.readable import changes_text, decoded, event_changes, readable_events
from ledger.models import AuditEvent, JournalEntry, Period
from ledger.selectors.audit import AuditScope, audit_scope
from ledger.services.audit import audit_record, audit_rows_insert
from ledger.services.entries_bulk import EntryDraft, LineDraft
from ledger.services.entries_bulk_post import entries_create_posted
from tests.books import account, budget_line, draft, journal, posted

TRAIL = "/audit/trail/"
EXPORT = "/audit/trail/export.xlsx"


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def changes_table(html: str) -> str:
    """The changes of the first event of a page (up to the end of the trail)."""
    start = html.index('<table class="changes">')
    return html[start : html.index("</section>", start)]


def imported(user: User, lab: Lab) -> JournalEntry:
    """An entry posted by the path of journal imports (`entries_create_posted`)."""
    [entry_id] = entries_create_posted(
        acting_user=user,
        lab=lab,
        entries=[
            EntryDraft(
                journal_id=journal(lab, "ACH").pk,
                fiscal_year_id=lab.fiscal_years.get(year=2025).pk,
                date=date(2025, 3, 14),
                label="Imported supplies",
                lines=[
                    LineDraft(account_id=account(lab, "6064").pk, debit=12_50, credit=0),
                    LineDraft(account_id=account(lab, "401").pk, debit=0, credit=12_50),
                ],
            )
        ],
    )
    return JournalEntry.objects.get(pk=entry_id)


def test_a_posted_entry_shows_its_number_and_hash_in_a_table(accountant, auditor, cintra):
    entry = posted(accountant, cintra)

    html = client_of(auditor).get(TRAIL, {"action": "entry.post"}).content.decode()

    assert "Entry posted" in html and 'title="entry.post"' in html
    table = changes_table(html)
    assert '<th scope="row">Number</th>' in table and str(entry.number) in table
    assert '<th scope="row">Hash</th>' in table and entry.hash in table
    assert '{"number"' not in html  # no raw JSON
    # The entry in words, linked to its page.
    link = f'<a href="/labs/{entry.lab.code}/entries/{entry.pk}/">Journal entry {entry.number}</a>'
    assert link in html


def test_an_update_shows_only_the_fields_that_changed(accountant, auditor, cintra):
    entry = draft(accountant, cintra, [("6064", "10.00", "0"), ("401", "0", "10.00")])
    services.entry_update_draft(acting_user=accountant, entry=entry, label="Printer paper")
    services.entry_update_draft(
        acting_user=accountant,
        entry=entry,
        lines=[
            services.LineInput(account=account(cintra, "6064"), debit=Decimal("1234.50")),
            services.LineInput(account=account(cintra, "401"), credit=Decimal("1234.50")),
        ],
    )
    relabel, relines = AuditEvent.objects.filter(action="entry.update").order_by("id")

    [label] = event_changes(relabel.object_type, relabel.action, relabel.before, relabel.after)
    [lines] = event_changes(relines.object_type, relines.action, relines.before, relines.after)

    assert (label.field, label.before.text, label.after.text) == (
        "Label",
        "Supplies",
        "Printer paper",
    )
    assert lines.field == "Lines"
    assert [(ln.account, ln.label, ln.debit, ln.credit) for ln in lines.before.lines or ()] == [
        ("6064", "Supplies", "10.00", ""),
        ("401", "Supplies", "", "10.00"),
    ]
    assert [(ln.account, ln.debit, ln.credit) for ln in lines.after.lines or ()] == [
        ("6064", "1,234.50", ""),
        ("401", "", "1,234.50"),
    ]
    html = client_of(auditor).get(TRAIL, {"action": "entry.update"}).content.decode()
    assert "Draft entry changed" in html
    assert html.count('<table class="changes">') == 2
    assert html.count('<table class="entry-lines">') == 2  # before and after of the lines
    assert "Piece reference" not in html and "Journal</th>" not in html
    assert changes_text(relabel.object_type, relabel.action, relabel.before, relabel.after) == (
        "Label: Supplies → Printer paper"
    )


def test_a_creation_lists_every_field_and_the_lines(accountant, auditor, cintra):
    draft(accountant, cintra, [("6064", "10.00", "0"), ("401", "0", "10.00")], piece_ref="F-7")

    html = client_of(auditor).get(TRAIL, {"action": "entry.create"}).content.decode()

    table = changes_table(html)
    assert "Draft entry recorded" in html
    assert '<th scope="col">Before</th>' not in table and '<th scope="col">After</th>' in table
    for words in ("Journal", "Date", "Label", "Piece reference", "F-7", "2025-03-14"):
        assert words in table
    assert (
        '<th scope="col">Account</th>' in table
        and '<th scope="col" class="num">Debit</th>' in table
    )


def test_an_import_event_reads_the_same_as_one_written_by_audit_record(accountant, auditor, cintra):
    by_import = imported(accountant, cintra)
    by_hand = posted(accountant, cintra)
    events = {e.object_id: e for e in AuditEvent.objects.filter(action="entry.post").order_by("id")}
    bulk, single = events[str(by_import.pk)], events[str(by_hand.pk)]

    # Both are stored as JSON objects, never as a JSON string holding one.
    assert bulk.after == {"number": by_import.number, "hash": by_import.hash}
    assert single.after == {"number": by_hand.number, "hash": by_hand.hash}
    json_type = "jsonb_typeof" if connection.vendor == "postgresql" else "json_type"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {json_type}(after) FROM ledger_auditevent WHERE id IN (%s, %s)",
            [bulk.pk, single.pk],
        )
        assert {row[0] for row in cursor.fetchall()} == {"object"}
    # And read alike, field for field.
    scope = audit_scope(auditor)
    read_bulk, read_single = readable_events([bulk, single], scope)
    assert [c.field for c in read_bulk.changes] == [c.field for c in read_single.changes]
    assert [c.after.text for c in read_bulk.changes] == [by_import.number, by_import.hash]
    assert (read_bulk.action, read_bulk.url) == (
        "Entry posted",
        f"/labs/{by_import.lab.code}/entries/{by_import.pk}/",
    )


def test_old_double_encoded_events_read_as_the_object_they_hold(accountant, auditor, cintra):
    entry = posted(accountant, cintra)
    # As the bulk writer stored them before the fix: a JSON string holding the object.
    old = audit_record(
        actor=accountant,
        action="entry.post",
        obj=entry,
        lab=cintra,
        after=json.dumps({"number": entry.number, "hash": entry.hash}),  # type: ignore[arg-type]
    )
    old.refresh_from_db()
    assert isinstance(old.after, str)

    assert decoded(old.after) == {"number": entry.number, "hash": entry.hash}
    assert decoded('"just text"') == '"just text"' and decoded("[1, 2]") == "[1, 2]"
    [row] = readable_events([old], audit_scope(auditor))
    assert [(c.field, c.after.text) for c in row.changes] == [
        ("Number", entry.number),
        ("Hash", entry.hash),
    ]
    response = client_of(auditor).get(EXPORT, {"action": "entry.post"})
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    after_json = {json.dumps(json.loads(r[11].value)) for r in sheet.iter_rows(min_row=2)}
    assert after_json == {json.dumps({"hash": entry.hash, "number": entry.number})}


def test_the_bulk_writer_refuses_an_after_that_is_no_json_object(accountant, cintra):
    with pytest.raises(ValueError, match="JSON object"):
        audit_rows_insert(
            actor=accountant,
            action="entry.post",
            object_type="ledger.JournalEntry",
            rows=[(cintra.pk, "1", "x", '"{\\"number\\": 1}"')],
        )


def test_objects_link_to_their_pages_inside_the_readers_labs(office_head, auditor, cintra, majulab):
    line = budget_line(cintra, "OP-SUP", "5000.00")
    period = Period.objects.get(lab=cintra, fiscal_year__year=2025, month=1)
    services.period_close(acting_user=office_head, period=period)
    events = list(
        AuditEvent.objects.filter(
            action__in=["budget_line.create", "period.close"], lab=cintra
        ).order_by("id")
    )

    mine = readable_events(events, audit_scope(auditor))
    elsewhere = readable_events(events, AuditScope(labs=(majulab,), office_wide=False))

    assert [(r.action, r.object_text, r.url) for r in mine] == [
        (
            "Budget line created",
            f"Budget line {line}",
            f"/labs/CINTRA/budget/2025/lines/{line.pk}/",
        ),
        ("Month closed", f"Period {period}", "/labs/CINTRA/closing/"),
    ]
    assert [r.url for r in elsewhere] == ["", ""]
    closed = mine[1].changes
    assert [(c.field, c.before.text, c.after.text) for c in closed] == [
        ("Status", "Open", "Closed")
    ]
    html = client_of(auditor).get(TRAIL, {"lab": "CINTRA"}).content.decode()
    assert f'<a href="/labs/CINTRA/budget/2025/lines/{line.pk}/">' in html


def test_the_export_holds_the_readable_columns(accountant, auditor, cintra):
    entry = posted(accountant, cintra, label="=HYPERLINK(1)")

    response = client_of(auditor).get(EXPORT, {"lab": "CINTRA", "action": "entry.post"})

    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    rows = list(load_workbook(io.BytesIO(response.getvalue())).active.iter_rows())
    headers = [c.value for c in rows[0]]
    assert headers == [
        "Event",
        "When (Singapore time)",
        "Lab",
        "User",
        "Action",
        "What was done",
        "Object",
        "Changes",
        "Object type",
        "Object id",
        "Before (JSON)",
        "After (JSON)",
    ]
    [row] = [dict(zip(headers, (c.value for c in r), strict=True)) for r in rows[1:]]
    assert (row["Lab"], row["User"], row["What was done"]) == (
        "CINTRA",
        "accountant",
        "Entry posted",
    )
    assert row["Object"] == f"Journal entry {entry.number}"
    assert row["Changes"] == f"Number: {entry.number}\nHash: {entry.hash}"
    # The label typed as a formula stays text in the draft's creation event.
    created = client_of(auditor).get(EXPORT, {"action": "entry.create"})
    cells = [c for r in load_workbook(io.BytesIO(created.getvalue())).active.iter_rows() for c in r]
    changes = [c for c in cells if isinstance(c.value, str) and "Label: =HYPERLINK(1)" in c.value]
    assert changes and all(c.data_type == "s" for c in changes)
    assert all(c.data_type != "f" for c in cells)
    formula_like = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    assert all(c.quotePrefix for c in formula_like)


def test_the_trail_speaks_french(accountant, auditor, cintra):
    posted(accountant, cintra)

    html = (
        client_of(auditor)
        .get(TRAIL, {"action": "entry.post"}, HTTP_ACCEPT_LANGUAGE="fr")
        .content.decode()
    )
    workbook = client_of(auditor).get(EXPORT, {"action": "entry.post"}, HTTP_ACCEPT_LANGUAGE="fr")

    assert "Écriture validée" in html and "Entry posted" not in html
    assert '<th scope="col">Champ</th>' in html and '<th scope="col">Après</th>' in html
    rows = list(load_workbook(io.BytesIO(workbook.getvalue())).active.iter_rows(values_only=True))
    assert "Ce qui a été fait" in rows[0] and rows[1][5] == "Écriture validée"


def test_what_the_models_name_in_english_is_read_in_the_readers_language(
    accountant, auditor, director_cintra, cintra
):
    """Object names, field names and a grant's scope are stored as written (the models'
    English); the trail words them when it is read, in French to a French reader."""
    entry = draft(accountant, cintra, [("6064", "10.00", "0"), ("401", "0", "10.00")])
    line = budget_line(cintra, "OP-SUP", "5000.00")
    services.commitment_create(
        acting_user=accountant,
        budget_line=line,
        kind="purchase_order",
        reference="PO-1",
        third_party="SUP-01",
        label="Wafers",
        amount=Decimal("100.00"),
        on=date(2025, 2, 3),
    )
    events = list(
        AuditEvent.objects.filter(
            action__in=["entry.create", "budget_line.create", "commitment.create"]
        ).order_by("id")
    )
    grants = list(AuditEvent.objects.filter(action="rolegrant.create").order_by("id"))
    assert events[0].object_repr == f"draft #{entry.pk} 2025-03-14"
    assert grants[0].after == {
        "user": "accountant",
        "role": "accountant",
        "scope": "the whole office",
    }

    with translation.override("fr"):
        drafted, budgeted, committed = readable_events(events, audit_scope(auditor))
        office_wide, _auditor, director = readable_events(grants, audit_scope(auditor))

    assert drafted.object_text == f"Écriture brouillon n° {entry.pk} du 2025-03-14"
    assert "Origine de crédit" in [c.field for c in budgeted.changes]
    assert "Ligne budgétaire" in [c.field for c in committed.changes]
    assert office_wide.object_text == "Attribution de rôle accountant : Comptable, tout le bureau"
    assert [(c.field, c.after.text) for c in office_wide.changes] == [
        ("Utilisateur", "accountant"),
        ("Rôle", "Comptable"),
        ("Périmètre", "tout le bureau"),
    ]
    assert director.object_text == (
        "Attribution de rôle director_cintra : Directeur du laboratoire, CINTRA"
    )
    [drafted_en] = readable_events(events[:1], audit_scope(auditor))
    assert drafted_en.object_text == f"Journal entry draft #{entry.pk} of 2025-03-14"


def test_every_action_the_code_records_has_words_for_the_auditor():
    """The audit trail's filter and its export show each action in words; an action
    recorded somewhere in the code without words would show as its code (`lettering.add`)."""
    import re
    from pathlib import Path

    from django.conf import settings

    from ledger.audit.readable import ACTION_WORDS

    recorded = set()
    for path in Path(settings.BASE_DIR).rglob("*.py"):
        if {".venv", "tests", "node_modules"} & set(path.parts):
            continue
        recorded |= set(re.findall(r'action\s*=\s*"([a-z_]+\.[a-z_.]+)"', path.read_text()))
    assert "lettering.unletter" in recorded and "bank_match.create" in recorded
    assert sorted(recorded - set(ACTION_WORDS)) == []
