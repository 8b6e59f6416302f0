"""The Closing page of a lab (issue 11, items 1 and 5): its fiscal years and months, the
checklist shown before a year closes, and the forms that close and reopen them.

Accountants and the office head act; the office head alone reopens, with a reason;
directors and auditors see the page and get 403 on every form; another lab's people get
404 everywhere.
"""

from datetime import date
from html import unescape

import pytest
from django.contrib.auth.models import User
from django.test import Client

from irls import services as irls_services
from irls.models import Lab, Role
from ledger import services
from ledger.models import AuditEvent, FiscalYear, JournalEntry, Period
from tests.books import close_months, draft, posted
from tests.web.html import table_rows

PAGE = "/labs/CINTRA/closing/"
CLOSE_MONTH = PAGE + "month/close/"
REOPEN_MONTH = PAGE + "month/reopen/"
OPEN_YEAR = PAGE + "year/open/"
CLOSE_YEAR = PAGE + "year/close/"
REOPEN_YEAR = PAGE + "year/reopen/"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, lang: str = "en") -> str:
    response = client.get(PAGE, HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200
    return response.content.decode()


def status(lab: Lab, month: int, year: int = 2025) -> str:
    return Period.objects.get(lab=lab, fiscal_year__year=year, month=month).status


@pytest.fixture
def march_draft(accountant, cintra) -> JournalEntry:
    """January and February closed by the accountant; a draft left in March."""
    close_months(cintra, 1, 2, user=accountant)
    return draft(accountant, cintra, [("6064", "10", "0"), ("401", "0", "10")], label="Pipettes")


# What the page shows ------------------------------------------------------------------


def test_the_page_lists_the_months_with_their_state_and_who_changed_it(
    accountant, cintra, march_draft
):
    html = page(logged_in(accountant))

    rows = table_rows(html, "months-table")
    assert rows[0][1] == ["Month", "Status", "Drafts", "Last change", "Action"]
    months = [cells for _, cells in rows[1:]]
    assert [cells[0] for cells in months] == [
        f"{name} 2025 2025-{n:02d}"
        for n, name in enumerate(
            [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ],
            start=1,
        )
    ]
    assert [cells[1] for cells in months] == ["Closed"] * 2 + ["Open"] * 10
    assert months[0][3].startswith("Changed by accountant on ")
    assert months[2][2:4] == ["1", "—"]
    # Only the first open month offers to close; the accountant does not reopen.
    assert "Close March 2025" in months[2][4]
    assert [cells[4] for cells in months[3:]] == [""] * 9
    assert 'name="reason"' not in html.split('id="year-2025"')[1].split("checklist")[0]
    assert "Fiscal year 2025" in html and "Open a fiscal year" in html
    assert 'value="2026"' in html  # the year offered to open


def test_the_checklist_comes_before_the_close_button_which_waits_for_it(
    accountant, cintra, march_draft
):
    html = page(logged_in(accountant))

    checklist = html.index('class="checklist"')
    button = html.index("Close the fiscal year 2025")
    assert checklist < button
    assert 'data-item="months"' in html and 'data-item="drafts"' in html
    failing = html[checklist:button].count('class="check check-fail"')
    assert failing >= 2  # months still open, a draft left
    assert f"ACH draft #{march_draft.pk} of 2025-03-14: Pipettes" in html
    assert "disabled" in html[button - 200 : button]
    assert "The year closes once every item above is done." in html


def test_the_page_in_french(accountant, office_head, cintra, march_draft):
    html = unescape(page(logged_in(office_head), "fr"))

    assert 'lang="fr"' in html
    assert "<h1>Clôture des mois et de l'exercice</h1>" in html
    assert "Exercice 2025" in html and "Avant de clore 2025" in html
    rows = table_rows(html, "months-table")
    assert rows[0][1] == ["Mois", "Statut", "Brouillons", "Dernier changement", "Action"]
    assert rows[1][1][:2] == ["janvier 2025 2025-01", "Clos"]
    assert rows[1][1][3].startswith("Modifié par accountant le ")
    assert rows[3][1][:3] == ["mars 2025 2025-03", "Ouvert", "1"]
    assert "Clore mars 2025" in rows[3][1][4]
    assert "Motif de la réouverture" in html
    assert "Clore l'exercice 2025" in html
    assert "Ouvrir l'exercice et ses douze mois" in html


# The forms ----------------------------------------------------------------------------


def test_closing_a_month_holding_a_draft_is_refused_with_the_draft_named(
    accountant, cintra, march_draft
):
    client = logged_in(accountant)

    response = client.post(CLOSE_MONTH, {"month": "2025-03"}, follow=True)

    assert response.redirect_chain == [(PAGE + "#year-2025", 302)]
    html = response.content.decode()
    assert (
        f"Period 2025-03 of CINTRA cannot be closed while it holds drafts (1): "
        f"ACH draft #{march_draft.pk} of 2025-03-14 «Pipettes»"
    ) in html
    assert 'role="alert"' in html
    assert status(cintra, 3) == "open"

    services.entry_post(acting_user=accountant, entry=march_draft)
    response = client.post(CLOSE_MONTH, {"month": "2025-03"}, follow=True)

    assert "2025-03 is closed." in response.content.decode()
    assert status(cintra, 3) == "closed"
    event = AuditEvent.objects.filter(action="period.close").latest("id")
    assert (event.actor, event.object_repr) == (accountant, "CINTRA 2025-03")


def test_a_later_month_is_refused_while_an_earlier_one_is_open(accountant, cintra):
    response = logged_in(accountant).post(CLOSE_MONTH, {"month": "2025-04"}, follow=True)

    assert "months close in order, so close 2025-01 first" in response.content.decode()
    assert status(cintra, 4) == "open"


def test_reopening_a_month_is_the_office_heads_with_a_reason(
    accountant, office_head, cintra, march_draft
):
    assert (
        logged_in(accountant).post(REOPEN_MONTH, {"month": "2025-02", "reason": "x"}).status_code
        == 403
    )
    head = logged_in(office_head)
    assert 'name="reason"' in page(head)

    without = head.post(REOPEN_MONTH, {"month": "2025-02", "reason": "  "})

    assert without.status_code == 400
    assert "Say why it is reopened: the reason is kept in the audit trail." in (
        without.content.decode()
    )
    assert status(cintra, 2) == "closed"

    response = head.post(
        REOPEN_MONTH, {"month": "2025-02", "reason": "Bank charges missing"}, follow=True
    )

    assert "2025-02 is reopened." in response.content.decode()
    assert status(cintra, 2) == "open"
    event = AuditEvent.objects.filter(action="period.reopen").latest("id")
    assert (event.actor, event.after) == (
        office_head,
        {"status": "open", "reason": "Bank charges missing"},
    )


def test_a_month_that_does_not_exist_is_a_bad_request(accountant, cintra):
    client = logged_in(accountant)

    for data in ({"month": "2031-01"}, {"month": "2025-13"}, {}):
        response = client.post(CLOSE_MONTH, data)
        assert response.status_code == 400, data
    assert (
        "CINTRA has no month 2031-01."
        in client.post(CLOSE_MONTH, {"month": "2031-01"}).content.decode()
    )
    assert not Period.objects.filter(lab=cintra, status="closed").exists()


def test_the_next_year_is_opened_from_the_page(accountant, cintra):
    client = logged_in(accountant)

    response = client.post(OPEN_YEAR, {"year": "2026"}, follow=True)

    assert "The fiscal year 2026 is open, with its twelve months." in response.content.decode()
    assert FiscalYear.objects.get(lab=cintra, year=2026).periods.count() == 12
    assert 'value="2027"' in response.content.decode()
    again = client.post(OPEN_YEAR, {"year": "2026"})
    assert again.status_code == 400
    assert "CINTRA already has the fiscal year 2026." in again.content.decode()


def test_a_year_is_closed_then_reopened_by_the_office_head(accountant, office_head, cintra):
    posted(accountant, cintra, "250.00")
    close_months(cintra, *range(1, 13), user=accountant)
    client = logged_in(accountant)
    html = page(client)
    button = html.index("Close the fiscal year 2025")
    assert "disabled" not in html[button - 200 : button]
    assert 'class="check check-fail"' not in html

    response = client.post(CLOSE_YEAR, {"year": "2025"}, follow=True)

    html = response.content.decode()
    assert "The fiscal year 2025 is closed: its closing and opening entries are posted." in html
    assert FiscalYear.objects.get(lab=cintra, year=2025).status == "closed"
    assert JournalEntry.objects.filter(lab=cintra, year_end="opening").exists()
    assert "Fiscal year 2026" in html  # opened by the closing
    assert "Reopen 2025" not in html  # the accountant does not reopen
    assert client.post(REOPEN_YEAR, {"year": "2025", "reason": "x"}).status_code == 403

    head = logged_in(office_head)
    assert "Reopen 2025" in page(head)
    assert head.post(REOPEN_YEAR, {"year": "2025"}).status_code == 400
    response = head.post(
        REOPEN_YEAR, {"year": "2025", "reason": "Auditor's adjustment"}, follow=True
    )

    assert "The fiscal year 2025 is reopened" in response.content.decode()
    assert FiscalYear.objects.get(lab=cintra, year=2025).status == "open"
    event = AuditEvent.objects.get(action="fiscal_year.reopen")
    assert event.actor == office_head
    assert event.after is not None and event.after["reason"] == "Auditor's adjustment"


def test_closing_a_year_whose_checklist_fails_is_refused(accountant, cintra, march_draft):
    response = logged_in(accountant).post(CLOSE_YEAR, {"year": "2025"}, follow=True)

    assert "The fiscal year 2025 of CINTRA cannot be closed yet" in response.content.decode()
    assert FiscalYear.objects.get(lab=cintra, year=2025).status == "open"


# Who may -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["director_cintra", "auditor"])
def test_directors_and_auditors_see_the_page_but_act_on_nothing(
    accountant, cintra, march_draft, persona, request
):
    client = logged_in(request.getfixturevalue(persona))
    html = page(client)

    assert "Fiscal year 2025" in html and "Pipettes" in html
    assert "<form" not in html.split("</header>")[1]
    for url, data in (
        (CLOSE_MONTH, {"month": "2025-03"}),
        (REOPEN_MONTH, {"month": "2025-02", "reason": "x"}),
        (OPEN_YEAR, {"year": "2026"}),
        (CLOSE_YEAR, {"year": "2025"}),
        (REOPEN_YEAR, {"year": "2025", "reason": "x"}),
    ):
        assert client.post(url, data).status_code == 403, url
    assert status(cintra, 2) == "closed" and status(cintra, 3) == "open"
    assert not FiscalYear.objects.filter(year=2026).exists()


def test_another_labs_people_get_404_everywhere(accountant, cintra, majulab):
    close_months(cintra, 1, user=accountant)
    majulab_accountant = User.objects.create_user(username="accountant_majulab")
    irls_services.role_grant(
        acting_user=None, user=majulab_accountant, role=Role.ACCOUNTANT, lab=majulab
    )
    outsider = logged_in(majulab_accountant)

    assert outsider.get(PAGE).status_code == 404
    for url, data in (
        (CLOSE_MONTH, {"month": "2025-02"}),
        (REOPEN_MONTH, {"month": "2025-01", "reason": "x"}),
        (OPEN_YEAR, {"year": "2026"}),
        (CLOSE_YEAR, {"year": "2025"}),
        (REOPEN_YEAR, {"year": "2025", "reason": "x"}),
    ):
        assert outsider.post(url, data).status_code == 404, url
    assert outsider.get("/labs/MAJULAB/closing/").status_code == 200
    assert status(cintra, 1) == "closed" and status(cintra, 2) == "open"


def test_the_forms_need_the_csrf_token(accountant, cintra):
    client = Client(enforce_csrf_checks=True)
    client.force_login(accountant)
    html = page(client)
    assert (
        html.count('name="csrfmiddlewaretoken"') >= 3
    )  # open a year, close a month, close the year

    assert client.post(CLOSE_MONTH, {"month": "2025-01"}).status_code == 403
    assert status(cintra, 1) == "open"


def test_the_lab_pages_link_to_the_closing_page(accountant, cintra, director_cintra):
    budget = logged_in(director_cintra).get("/labs/CINTRA/budget/2025/").content.decode()
    assert f'href="{PAGE}"' in budget


def test_a_draft_of_another_month_or_lab_is_not_counted(accountant, cintra, majulab):
    draft(accountant, majulab, [("6064", "1", "0"), ("401", "0", "1")], on=date(2025, 1, 5))
    draft(accountant, cintra, [("6064", "1", "0"), ("401", "0", "1")], on=date(2025, 2, 5))

    rows = table_rows(page(logged_in(accountant)), "months-table")

    assert [cells[2] for _, cells in rows[1:4]] == ["0", "1", "0"]
