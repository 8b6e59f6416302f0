"""The home page (issue 12, item 1): the accountant's work queue, lab by lab.

CINTRA's 2025 budget year of tests/web/conftest.py (missions over 90 % used, lab
equipment overspent, four invoices posted), January and February closed, two drafts
left (one that does not balance), and a refused import. The accountant's card says all
of it, in English and in French; directors and auditors keep their pages; nobody sees
the queue of a lab that is not theirs.
"""

import re
from datetime import date
from html import unescape

import pytest
from django.contrib.auth.models import User
from django.test import Client

from irls import services as irls_services
from irls.models import Lab, Role
from ledger.models import ImportBatch, JournalEntry
from ledger.selectors.work import work_queue
from ledger.services.imports import import_file
from tests.books import close_months, draft, posted
from tests.imports.sheets import JOURNAL_HEADER, csv_bytes, line
from tests.web.conftest import BudgetYear

BAD_SHEET = csv_bytes([JOURNAL_HEADER, line("E1", "9999", "10.00", None)])
GOOD_SHEET = csv_bytes(
    [JOURNAL_HEADER, line("E1", "6064", "10.00", None), line("E1", "401", None, "10.00")]
)
TODAY = date(2026, 1, 20)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def card(html: str, code: str) -> str:
    start = html.index(f'id="queue-{code}"')
    return unescape(html[start : html.index("</section>", start)])


def item(html: str, code: str, name: str) -> str:
    """The text of one item of a lab's card, spaces collapsed."""
    part = card(html, code).split(f'data-item="{name}"', 1)[1]
    part = part.split('data-item="', 1)[0].split('class="queue-subtitle"', 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", part).replace(" ,", ",").split())


@pytest.fixture
def lab_at_work(accountant: User, budget_year: BudgetYear) -> Lab:
    lab = budget_year.lab
    close_months(lab, 1, 2, user=accountant)
    draft(accountant, lab, [("6064", "75.00", "0"), ("401", "0", "75.00")], on=date(2025, 4, 2))
    draft(
        accountant,
        lab,
        [("6064", "40.00", "0"), ("401", "0", "39.00")],
        on=date(2025, 3, 20),
        piece_ref="INV-ODD",
    )
    refused = import_file(
        acting_user=accountant, lab=lab, kind="journal", file_name="april.csv", data=BAD_SHEET
    )
    assert refused.batch is None
    return lab


def test_the_selector_finds_every_item_of_the_lab(lab_at_work):
    [queue] = work_queue(labs=[lab_at_work], today=TODAY)

    assert (queue.drafts.count, queue.drafts.oldest, queue.drafts.unbalanced) == (
        2,
        date(2025, 3, 20),
        1,
    )
    assert queue.month_to_close is not None
    assert (queue.month_to_close.start, queue.month_to_close.open_months) == (
        date(2025, 3, 1),
        10,
    )
    assert [batch.file_name for batch in queue.refused] == ["april.csv"]
    assert queue.budget_year == 2025
    assert [(row.code, row.book.overspent) for row in queue.watched_lines] == [
        ("EQ-LAB", True),
        ("OP-MIS", False),
    ]
    assert queue.overspent == 1 and queue.to_do == 5
    assert [p.entry.piece_ref for p in queue.recent][:4] == ["EQ-1", "TH-1", "TRAVEL-1", "INV-77"]
    assert [str(p.debit) for p in queue.recent][:4] == ["3234.56", "1234.56", "4750.50", "2500.00"]


def test_a_refused_file_imported_since_under_the_same_name_leaves_the_queue(
    accountant, lab_at_work
):
    import_file(
        acting_user=accountant, lab=lab_at_work, kind="journal", file_name="april.csv",
        data=GOOD_SHEET,
    )  # fmt: skip
    [queue] = work_queue(labs=[lab_at_work], today=TODAY)

    assert queue.refused == ()
    assert ImportBatch.objects.filter(result="refused").count() == 1


def test_the_accountant_sees_the_card_of_each_lab_in_english(accountant, lab_at_work, majulab):
    html = logged_in(accountant).get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "<h1>Work queue</h1>" in html
    assert 'id="queue-MAJULAB"' in html  # office-wide: every lab
    drafts = item(html, "CINTRA", "drafts")
    assert "2 drafts, the oldest dated" in drafts and "1 does not balance" in drafts
    assert 'href="/labs/CINTRA/entries/?status=draft"' in card(html, "CINTRA")
    month = item(html, "CINTRA", "month")
    assert "March 2025" in month and "10 past months still open" in month
    assert 'href="/labs/CINTRA/closing/#year-2025"' in card(html, "CINTRA")
    refused = ImportBatch.objects.get(result="refused")
    assert f'href="/labs/CINTRA/imports/{refused.pk}/">april.csv</a>' in card(html, "CINTRA")
    budget = item(html, "CINTRA", "budget")
    assert "EQ-LAB" in budget and "Overspent" in budget
    assert "OP-MIS" in budget and "95.0%" in budget and "Over 90% used" in budget
    assert "OP-SUP" not in budget
    recent = JournalEntry.objects.get(piece_ref="EQ-1")
    assert f'href="/labs/CINTRA/entries/{recent.pk}/"' in card(html, "CINTRA")
    assert "3,234.56" in card(html, "CINTRA")
    assert "5 items to do" in card(html, "CINTRA")
    # MAJULAB has no draft, no budget, no import: its months of 2025 wait to be closed.
    assert "1 item to do" in card(html, "MAJULAB")
    assert "January 2025" in item(html, "MAJULAB", "month")
    assert "None" in item(html, "MAJULAB", "drafts")


def test_the_queue_in_french(accountant, lab_at_work):
    html = logged_in(accountant).get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "<h1>Travail en attente</h1>" in html
    text = card(html, "CINTRA")
    assert "Brouillons à valider" in text and "2 brouillons" in text
    assert "1 n'est pas équilibré" in text
    assert "Mois à clôturer" in text and "mars 2025" in text
    assert "Imports refusés" in text and "Dépassement" in text
    assert "Dernières écritures validées" in text
    assert "3 234,56" in text.replace("\u202f", " ").replace("\xa0", " ")


def test_a_lab_accountant_sees_only_their_lab(lab_at_work, majulab):
    majulab_accountant = User.objects.create_user("acct_majulab", password="pw")
    irls_services.role_grant(
        acting_user=None, user=majulab_accountant, role=Role.ACCOUNTANT, lab=majulab
    )

    html = logged_in(majulab_accountant).get("/").content.decode()

    assert 'id="queue-MAJULAB"' in html
    assert "CINTRA" not in html and "april.csv" not in html and "EQ-LAB" not in html


def test_directors_and_auditors_see_their_labs_at_a_glance(
    director_cintra, auditor, lab_at_work, majulab
):
    html = logged_in(director_cintra).get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="overview-CINTRA"' in html and 'id="overview-MAJULAB"' not in html
    assert 'id="queue-' not in html

    html = logged_in(auditor).get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Your labs</h1>" in html and 'id="queue-' not in html
    assert 'id="overview-CINTRA"' in html and 'id="overview-MAJULAB"' in html


def test_an_accountant_who_also_directs_another_lab_sees_it_listed(lab_at_work, majulab):
    person = User.objects.create_user("two_hats", password="pw")
    irls_services.role_grant(acting_user=None, user=person, role=Role.ACCOUNTANT, lab=lab_at_work)
    irls_services.role_grant(acting_user=None, user=person, role=Role.DIRECTOR, lab=majulab)

    html = logged_in(person).get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'id="queue-CINTRA"' in html and 'id="queue-MAJULAB"' not in html
    assert "Your other labs" in html and 'href="/labs/MAJULAB/"' in html


def test_the_home_page_queries_do_not_grow_with_the_postings(
    accountant, lab_at_work, django_assert_max_num_queries
):
    client = logged_in(accountant)
    with django_assert_max_num_queries(40) as few:
        client.get("/")
    for n in range(30):
        posted(accountant, lab_at_work, "10.00", piece_ref=f"MORE-{n}", on=date(2025, 5, 2))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/")
