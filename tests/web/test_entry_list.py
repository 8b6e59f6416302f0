"""The Entries list of a lab (issue 12, item 1): newest first, filters, search by number,
piece, label or amount (as French or English write it), totals of the filtered list,
unbalanced drafts flagged, the XLSX export of the same list; another lab's entries and
objects never show.

The story: CINTRA's accountant records a wafers invoice in March (2,500.00, WAFER-CO),
an invoice whose label a supplier's file filled with a formula (1,000.50, April), pays
the wafers by bank in April, reverses the wafers invoice in May, imports a sheet of
supplies as drafts, books travel on the OP-SUP budget line, and leaves two drafts that
cannot be posted (one unbalanced by 3.00, one with a single line). MAJULAB has its own.
"""

import io
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from irls import services as irls_services
from irls.models import Lab, Role
from ledger import services
from ledger.models import Account, BudgetLine, ImportBatch, Journal, JournalEntry
from ledger.selectors.entry_list import EntryFilters, amount_typed, entry_totals
from ledger.services.imports import import_file
from tests.books import account, budget_line, draft, journal, lab_with_books, posted
from tests.imports.sheets import JOURNAL_HEADER, csv_bytes, line
from tests.web.english import english_words
from tests.web.html import table_rows
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS

D = Decimal
LIST = "/labs/CINTRA/entries/"
EXPORT = "/labs/CINTRA/entries/export.xlsx"
NBSP = "\u00a0"
FORMULA = "=cmd|' /C calc'!A0"


@dataclass(frozen=True)
class Book:
    lab: Lab
    wafers: JournalEntry
    formula: JournalEntry
    payment: JournalEntry
    reversal: JournalEntry
    travel: JournalEntry
    unbalanced: JournalEntry
    one_line: JournalEntry
    imported: JournalEntry
    batch: ImportBatch
    supplies_line: BudgetLine
    other_lab: Lab
    other_entry: JournalEntry


def _entry(user: User, lab: Lab, on: date, code: str, label: str, ref: str, lines) -> JournalEntry:
    return services.entry_create_draft(
        acting_user=user,
        lab=lab,
        journal=journal(lab, code),
        date=on,
        label=label,
        piece_ref=ref,
        piece_date=on,
        lines=[
            services.LineInput(account=account(lab, a), debit=D(d), credit=D(c), third_party=t)
            for a, d, c, t in lines
        ],
    )


def _posted(user: User, *args) -> JournalEntry:
    return services.entry_post(acting_user=user, entry=_entry(user, *args))


@pytest.fixture
def book(accountant: User, cintra: Lab) -> Book:
    wafers = _posted(
        accountant, cintra, date(2025, 3, 10), "ACH", "Clean-room wafers", "INV-77",
        [("6064", "2500.00", "0", "WAFER-CO"), ("401", "0", "2500.00", "WAFER-CO")],
    )  # fmt: skip
    formula = _posted(
        accountant, cintra, date(2025, 4, 2), "ACH", FORMULA, "INV-88",
        [("6064", "1000.50", "0", "SUP-02"), ("401", "0", "1000.50", "SUP-02")],
    )  # fmt: skip
    payment = _posted(
        accountant, cintra, date(2025, 4, 15), "BQS", "Payment of the wafers", "VIR-12",
        [("401", "2500.00", "0", "WAFER-CO"), ("512", "0", "2500.00", "")],
    )  # fmt: skip
    reversal = services.entry_reverse(
        acting_user=accountant, entry=wafers, date=date(2025, 5, 2), reason="Wrong supplier"
    )
    supplies = budget_line(cintra, "OP-SUP", "12500.00")
    travel = services.entry_post(
        acting_user=accountant,
        entry=services.entry_create_draft(
            acting_user=accountant,
            lab=cintra,
            journal=journal(cintra, "ACH"),
            date=date(2025, 3, 12),
            label="Conference travel",
            piece_ref="TRAVEL-1",
            lines=[
                services.LineInput(
                    account=account(cintra, "6251"), debit=D("300.00"), budget_line=supplies
                ),
                services.LineInput(account=account(cintra, "401"), credit=D("300.00")),
            ],
        ),
    )
    unbalanced = draft(
        accountant,
        cintra,
        [("6064", "10.00", "0"), ("401", "0", "7.00")],
        journal_code="OD",
        on=date(2025, 4, 20),
        label="Pending reclassification",
        piece_ref="RECLASS-1",
    )
    one_line = draft(
        accountant,
        cintra,
        [("6064", "5.00", "0")],
        on=date(2025, 2, 5),
        label="Half an entry",
        piece_ref="HALF-1",
    )
    sheet = [
        JOURNAL_HEADER,
        line("S1", "6064", "42.00", None, date="2025-03-20", label="Imported supplies"),
        line("S1", "401", None, "42.00", date="2025-03-20", label="Imported supplies"),
    ]
    outcome = import_file(
        acting_user=accountant,
        lab=cintra,
        kind="journal",
        file_name="supplies.csv",
        data=csv_bytes(sheet),
    )
    assert outcome.batch is not None, outcome.problems
    imported = JournalEntry.objects.get(import_batch=outcome.batch)
    other = lab_with_books("MAJULAB")
    other_entry = posted(accountant, other, "777.77", label="Majulab secret", piece_ref="MJ-1")
    return Book(
        cintra,
        wafers,
        formula,
        payment,
        reversal,
        travel,
        unbalanced,
        one_line,
        imported,
        outcome.batch,
        supplies,
        other,
        other_entry,
    )


@pytest.fixture
def office(client: Client, accountant: User) -> Client:
    client.force_login(accountant)
    return client


def rows(client: Client, query: str = "", lang: str = "en") -> list[list[str]]:
    response = client.get(LIST + query, HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200, response.content.decode()[-2000:]
    return [cells for _, cells in table_rows(response.content.decode(), "entries-table")]


def labels(client: Client, query: str = "") -> list[str]:
    """The labels of the listed entries, in the order shown (header and totals left out)."""
    return [cells[4] for cells in rows(client, query)[1:-1]]


# What the list shows --------------------------------------------------------------------


def test_the_list_runs_newest_first_with_every_entry_of_the_lab_only(office, book):
    shown = labels(office, "")
    assert shown == [
        book.reversal.label,
        "Pending reclassification",
        "Payment of the wafers",
        FORMULA,
        "Imported supplies",
        "Conference travel",
        "Clean-room wafers",
        "Half an entry",
    ]
    html = office.get(LIST).content.decode()
    assert "Majulab secret" not in html and "MJ-1" not in html


def test_a_row_links_to_its_entry_and_says_its_number_status_and_flags(office, book):
    html = office.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    table = {cells[4]: cells for cells in rows(office)[1:-1]}
    wafers = table["Clean-room wafers"]
    assert wafers[:4] == ["10/03/2025", book.wafers.number, "ACH", "INV-77"]  # day first
    assert wafers[5:7] == ["WAFER-CO", "2,500.00"]
    assert wafers[7] == "Posted"
    assert wafers[8] == f"Reversed by {book.reversal.number}"
    reversal = table[book.reversal.label]
    assert reversal[8] == f"Reversal of {book.wafers.number}"
    assert table["Imported supplies"][1].startswith("Draft #")
    assert table["Imported supplies"][8] == "Imported"
    entry_url = reverse("ledger:entry", args=["CINTRA", book.wafers.pk])
    assert f'href="{entry_url}"' in html
    batch_url = reverse("ledger:import_batch", args=["CINTRA", book.batch.pk])
    assert f'href="{batch_url}"' in html


def test_unbalanced_drafts_are_flagged_with_their_difference(office, book):
    table = {cells[4]: (classes, cells) for classes, cells in _rows_with_classes(office)}
    classes, unbalanced = table["Pending reclassification"]
    assert "is-unbalanced" in classes and unbalanced[8] == "Unbalanced by 3.00"
    classes, half = table["Half an entry"]
    assert "is-unbalanced" in classes and half[8] == "Fewer than two lines"
    classes, _ = table["Imported supplies"]
    assert "is-unbalanced" not in classes  # a balanced draft is not flagged


def _rows_with_classes(client: Client) -> list[tuple[str, list[str]]]:
    html = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    return table_rows(html, "entries-table")[1:-1]


def test_the_totals_are_those_of_every_filtered_entry(office, book):
    footer = rows(office)[-1]
    # 2,500 + 1,000.50 + 2,500 + 2,500 (reversal) + 300 + 10 + 5 + 42 of debits.
    assert footer[0] == "Total of the 8 entries the filters keep"
    assert footer[1] == "8,857.50 SGD"
    assert footer[2] == "credit 8,849.50, difference 8.00"  # the two drafts that cannot post
    footer = rows(office, "?month=2025-04")[-1]
    assert footer[:2] == ["Total of the 3 entries the filters keep", "3,510.50 SGD"]


def test_the_totals_equal_the_sum_of_the_filtered_entries_for_every_filter(book):
    lab = book.lab
    cases = [
        EntryFilters(),
        EntryFilters(month=date(2025, 3, 1)),
        EntryFilters(month=date(2025, 4, 1), status="draft"),
        EntryFilters(status="posted"),
        EntryFilters(account_id=account(lab, "401").pk),
        EntryFilters(journal_id=journal(lab, "ACH").pk, third_party="wafer-co"),
        EntryFilters(budget_line_id=book.supplies_line.pk),
        EntryFilters(amount_min=D("300"), amount_max=D("2500")),
        EntryFilters(search="INV"),
    ]
    for filters in cases:
        totals = entry_totals(lab, filters)
        from ledger.selectors.entry_list import entry_rows_all

        listed = list(entry_rows_all(lab, filters, chunk=3))
        assert totals.entries == len(listed), filters
        assert totals.debit == sum((r.debit for r in listed), D(0)), filters
        assert totals.credit == sum((r.credit for r in listed), D(0)), filters


# Filters ---------------------------------------------------------------------------------


def test_each_filter_narrows_the_list(office, book):
    lab = book.lab
    ach = journal(lab, "ACH").pk
    bank = account(lab, "512").pk
    assert labels(office, f"?journal={ach}") == [
        book.reversal.label,  # a reversal goes to its entry's journal
        FORMULA,
        "Imported supplies",
        "Conference travel",
        "Clean-room wafers",
        "Half an entry",
    ]
    assert labels(office, "?month=2025-03") == [
        "Imported supplies",
        "Conference travel",
        "Clean-room wafers",
    ]
    assert labels(office, "?status=draft") == [
        "Pending reclassification",
        "Imported supplies",
        "Half an entry",
    ]
    assert labels(office, f"?account={bank}") == ["Payment of the wafers"]
    assert labels(office, "?third_party=wafer-co") == [
        book.reversal.label,
        "Payment of the wafers",
        "Clean-room wafers",
    ]
    assert labels(office, "?amount_min=1000&amount_max=2000") == [FORMULA]
    assert labels(office, "?amount_max=10") == ["Pending reclassification", "Half an entry"]
    assert labels(office, f"?batch={book.batch.pk}") == ["Imported supplies"]
    assert labels(office, f"?budget_line={book.supplies_line.pk}") == ["Conference travel"]
    assert labels(office, f"?journal={ach}&month=2025-03&status=posted") == [
        "Conference travel",
        "Clean-room wafers",
    ]


def test_the_filters_offer_the_labs_own_journals_accounts_batches_and_lines(office, book):
    html = office.get(LIST).content.decode()
    other = book.other_lab
    for name, model in (("journal", Journal), ("account", Account)):
        select = html.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
        for obj in model.objects.filter(lab=other):
            assert f'value="{obj.pk}"' not in select
        assert select.count("<option") == model.objects.filter(lab=book.lab).count() + 1
    assert f'value="{book.batch.pk}"' in html and "supplies.csv" in html
    assert f'value="{book.supplies_line.pk}"' in html


def test_a_filter_naming_another_labs_object_shows_nothing_of_it(office, book):
    other = book.other_lab
    for query in (
        f"?journal={journal(other, 'ACH').pk}",
        f"?account={account(other, '6064').pk}",
        "?journal=999999",
    ):
        response = office.get(LIST + query)
        assert response.status_code == 404, query
        assert "Majulab secret" not in response.content.decode()
        assert office.get(EXPORT + query).status_code == 404


def test_a_filter_of_the_wrong_shape_says_why_and_lists_nothing(office, book):
    response = office.get(LIST + "?month=March&amount_min=lots", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 400
    assert "Give a month as YYYY-MM" in html and "Give an amount" in html
    assert "Clean-room wafers" not in html


def test_filters_stay_in_the_url_and_can_be_cleared(office, book):
    html = office.get(LIST + "?month=2025-03&q=INV", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<form method="get" action="/labs/CINTRA/entries/"' in html
    assert 'value="2025-03"' in html and 'value="INV"' in html
    assert f'<a href="{LIST}">Clear filters</a>' in html
    assert f'href="{EXPORT}?month=2025-03&amp;q=INV"' in html


# Search ----------------------------------------------------------------------------------


def test_search_finds_an_entry_by_number_piece_reference_or_label(office, book):
    assert labels(office, f"?q={book.payment.number}") == ["Payment of the wafers"]
    assert labels(office, "?q=vir-12") == ["Payment of the wafers"]
    assert labels(office, "?q=conference") == ["Conference travel"]


def test_bare_digits_are_searched_as_an_amount_and_in_numbers_and_references(office, book):
    assert labels(office, "?q=88") == [FORMULA]  # its piece reference, INV-88
    assert labels(office, "?q=42") == ["Imported supplies"]  # its lines of 42.00
    assert labels(office, "?q=42.00") == ["Imported supplies"]
    assert labels(office, "?q=88.00") == []  # an amount only: no line of 88.00


@pytest.mark.parametrize(
    ("typed", "lang"),
    [
        ("1 000,50", "fr"),
        (f"1{NBSP}000,50", "fr"),
        ("1000,5", "fr"),
        ("1,000.50", "en"),
        ("1000.5", "en"),
        ("1,000.50", "fr"),
        ("1 000,50", "en"),
    ],
)
def test_search_finds_an_entry_by_an_amount_of_its_lines(office, book, typed, lang):
    response = office.get(LIST, {"q": typed}, HTTP_ACCEPT_LANGUAGE=lang)
    found = table_rows(response.content.decode(), "entries-table")[1:-1]
    assert [cells[4] for _, cells in found] == [FORMULA]


def test_an_amount_is_read_as_the_language_writes_it():
    assert amount_typed("1 000,50", "fr") == D("1000.50")
    assert amount_typed("1,000.50", "en") == D("1000.50")
    assert amount_typed("1.000,50", "en") == D("1000.50")
    assert amount_typed("1,000", "en") == D("1000.00")
    assert amount_typed("1,000", "fr") == D("1.00")
    assert amount_typed("12,5", "en") == D("12.50")
    assert amount_typed("2500", "fr") == D("2500.00")
    for text in ("", "abc", "1,2,3.4.5", "1.005", "INV-77", "1e5"):
        assert amount_typed(text, "en") is None, text


# Languages, access, pages ---------------------------------------------------------------


def test_the_french_page_shows_french_amounts_and_no_english_words(office, book):
    response = office.get(LIST, HTTP_ACCEPT_LANGUAGE="fr")
    html = response.content.decode()
    table = {cells[4]: cells for cells in rows(office, lang="fr")[1:-1]}
    assert table["Clean-room wafers"][0] == "10/03/2025"
    assert table["Clean-room wafers"][6] == f"2{NBSP}500,00"
    assert table["Clean-room wafers"][7] == "Validée"
    assert table["Pending reclassification"][8] == "Déséquilibrée de 3,00"
    assert rows(office, lang="fr")[-1][1] == f"8{NBSP}857,50 SGD"
    body = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    text = " ".join(part.split(">", 1)[-1] for part in body.split("<"))
    data = [
        "Clean-room wafers",
        "Payment of the wafers",
        "Pending reclassification",
        "Half an entry",
        "Imported supplies",
        "Conference travel",
        book.reversal.label,
        "supplies.csv",
        "Line OP-SUP",
        "CINTRA laboratory",
        "WAFER-CO",
    ]
    data += [
        str(name) for name in Account.objects.filter(lab=book.lab).values_list("name_en", flat=True)
    ]
    assert english_words(text, data) == []


def test_other_labs_people_get_404_and_readers_see_no_new_entry_button(
    client, book, director_cintra
):
    director_majulab = User.objects.create_user("director_majulab")
    irls_services.role_grant(
        acting_user=None, user=director_majulab, role=Role.DIRECTOR, lab=book.other_lab
    )
    client.force_login(director_majulab)
    assert client.get(LIST).status_code == 404
    assert client.get(EXPORT).status_code == 404
    client.force_login(director_cintra)
    html = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Clean-room wafers" in html
    assert reverse("ledger:entry_new", args=["CINTRA"]) not in html


def test_the_accountant_gets_a_new_entry_button_and_an_entries_link(office, book):
    html = office.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'href="{reverse("ledger:entry_new", args=["CINTRA"])}">New entry</a>' in html
    topbar = html.split('<header class="topbar">', 1)[1].split("</header>", 1)[0]
    assert f'href="{LIST}" aria-current="page">Entries</a>' in topbar
    # The lab picker opens the entries of the other lab.
    assert 'href="/labs/MAJULAB/entries/"' in topbar


def test_pages_of_fifty_run_on_from_newest_to_oldest_and_back(office, accountant, cintra):
    for day in range(1, 29):
        for n in range(3):
            posted(accountant, cintra, "1.00", on=date(2025, 2, day), label=f"E{day:02d}-{n}")
    html = office.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    first = [cells[4] for _, cells in table_rows(html, "entries-table")[1:-1]]
    assert len(first) == 50 and first[0] == "E28-2" and first[-1] == "E12-1"
    assert 'rel="next"' in html and 'rel="prev"' not in html
    older = html.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    second_html = office.get(LIST + older).content.decode()
    second = [cells[4] for _, cells in table_rows(second_html, "entries-table")[1:-1]]
    assert second[0] == "E12-0" and second[-1] == "E01-0" and len(second) == 34
    assert "Total of the 84 entries" in second_html
    newer = second_html.split('rel="prev"')[0].rsplit('href="', 1)[1].split('"')[0]
    back = office.get(LIST + newer.replace("&amp;", "&")).content.decode()
    assert [cells[4] for _, cells in table_rows(back, "entries-table")[1:-1]] == first


def test_the_page_takes_a_fixed_number_of_queries_whatever_the_entries(office, book, accountant):
    def queries(query: str = "") -> int:
        with CaptureQueriesContext(connection) as captured:
            assert office.get(LIST + query).status_code == 200
        return len(captured)

    for n in range(60):
        posted(accountant, book.lab, "1.00", label=f"Bulk {n}")
    few = queries()
    for n in range(60):
        posted(accountant, book.lab, "1.00", label=f"More {n}")
    assert queries() == few
    # Session and user, the lab and roles, the four lists of choices, the page (a query a
    # status), its rows (entries, reversals, lines), the totals (the chain's head; the
    # posted entries' count and sums and the head again, or the kept head checked and the
    # count and sums of the entries posted since; the drafts' count and sums), the shell;
    # a page that holds the whole list takes its totals from its rows.
    assert few <= 24
    # Nothing posted since: the posted entries' totals come from the cache.
    assert queries() == few - 3
    assert queries(f"?account={account(book.lab, '401').pk}&q=1000") <= few - 2


def test_the_totals_follow_every_posting_and_every_change_to_a_draft(book, accountant):
    """The posted entries' totals are kept under the head of the lab's hash chain: a
    posting (here, through the service and as a reversal) moves the head; drafts are
    always counted afresh."""
    lab = book.lab
    filters = [EntryFilters(), EntryFilters(account_id=account(lab, "401").pk)]
    before = [entry_totals(lab, f) for f in filters]
    assert [entry_totals(lab, f) for f in filters] == before  # kept: the same
    entry = posted(accountant, lab, "123.45", label="After the totals were kept")
    after = [entry_totals(lab, f) for f in filters]
    assert after[0].entries == before[0].entries + 1
    assert after[0].debit == before[0].debit + D("123.45")
    services.entry_reverse(acting_user=accountant, entry=entry, date=entry.date, reason="test")
    assert entry_totals(lab, filters[0]).entries == before[0].entries + 2
    new = draft(accountant, lab, [("6064", "7.00", "0"), ("401", "0", "7.00")], label="Draft")
    assert entry_totals(lab, filters[0]).debit == before[0].debit + D("123.45") * 2 + D("7.00")
    services.entry_delete_draft(acting_user=accountant, entry=new)
    assert entry_totals(lab, filters[0]).entries == before[0].entries + 2
    for f in filters:  # what the database says, read without the cache
        fresh = entry_totals(lab, replace(f, status="posted"))
        cache.clear()
        assert entry_totals(lab, replace(f, status="posted")) == fresh


# Export ---------------------------------------------------------------------------------


def test_the_export_holds_the_filtered_list_with_its_totals_as_numbers(office, book):
    response = office.get(EXPORT + "?month=2025-04", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith('attachment; filename="entries-CINTRA-')
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "Entries of CINTRA · CINTRA laboratory"
    assert values[1][0] == "Filters: Month: 2025-04"
    assert values[3][:3] == ["Date", "Number", "Status"]
    listed = values[4:-1]
    assert [row[5] for row in listed] == [
        "Pending reclassification",
        "Payment of the wafers",
        FORMULA,
    ]
    assert listed[2][0].date() == date(2025, 4, 2) and listed[2][7] == 1000.5
    assert sheet.cell(row=7, column=8).number_format == "#,##0.00"
    assert values[-1][0] == "Total of the 3 entries" and values[-1][7:10] == [3510.5, 3507.5, 3]
    # The formula is kept as text, never evaluated.
    label = sheet.cell(row=7, column=6)
    assert label.value == FORMULA and label.data_type == "s" and label.quotePrefix


def test_the_export_in_french_names_the_filters_in_french(office, book):
    query = f"?journal={journal(book.lab, 'ACH').pk}&q=1+000,50"
    response = office.get(EXPORT + query, HTTP_ACCEPT_LANGUAGE="fr")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[1][0] == "Filtres : Recherche : 1 000,50; Journal : ACH · Achats"
    assert [row[5] for row in values[4:-1]] == [FORMULA]


# In a browser: 1,280 px without horizontal scroll, a phone scrolls the table only ----


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs Debian's chromium at {CHROMIUM}")
def test_the_list_fits_a_laptop_and_a_phone(monkeypatch, live_server, book, accountant):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for width, height in ((1280, 800), (390, 844)):
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(f"{live_server.url}/login/?next={LIST}")
                page.get_by_label("Username").fill("accountant")
                page.get_by_label("Password").fill("pw-accountant")
                page.get_by_role("button", name="Log in").click()
                page.wait_for_url(f"**{LIST}")
                scroll = page.evaluate("document.documentElement.scrollWidth")
                assert scroll <= width, (width, scroll)
                wrap = page.locator(".entries-table").locator("xpath=..")
                overflowing = wrap.evaluate("e => e.scrollWidth > e.clientWidth")
                assert overflowing == (width < 1000), width  # only the phone scrolls it
                page.screenshot(path=str(SCREENSHOTS / f"irl-entries-{width}.png"), full_page=True)
                page.close()
        finally:
            browser.close()
