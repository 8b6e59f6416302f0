"""The third parties' pages: the list (search, filters, pages), a third party (its lines
per lab, inside the reader's labs), its form; who gets past each door; bank details only
for the accountants and the office head, on no page, admin or export of anyone else."""

import io
import re
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ledger.models import AuditEvent
from ledger.selectors.audit import AUDIT_ROLES
from parties.models import ThirdParty
from parties.selectors import READ_ROLES
from parties.services import third_party_create, third_party_deactivate
from tests.parties.third_parties import (
    BANK,
    CNRS_SIRET,
    EXAMPLE_IBAN,
    invoice,
    payment,
)

pytestmark = pytest.mark.django_db

LIST = "/third-parties/"
NEW = "/third-parties/new/"
PAGE = "/third-parties/HARBOUR-OPTICS/"
EDIT = "/third-parties/HARBOUR-OPTICS/edit/"
# What no one but the accountants and the office head may read.
SECRETS = [EXAMPLE_IBAN, BANK["bank_account_number"], BANK["bank_swift"], BANK["bank_name"]]
TRAIL = ("/audit/trail/", "/audit/trail/export.xlsx")


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def body(response) -> str:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            data = b"".join(archive.read(name) for name in archive.namelist())
    return data.decode("utf-8", "replace")


def rows(html: str) -> list[str]:
    """The codes of the list's rows, in order."""
    return re.findall(r'<th scope="row"><a class="code" href="[^"]+">([^<]+)</a>', html)


# -- the doors ---------------------------------------------------------------------------------


def test_who_gets_past_each_door(
    client,
    accountant,
    accountant_cintra,
    auditor,
    auditor_cintra,
    director_cintra,
    office_head,
    supplier,
):
    readers = (accountant, accountant_cintra, auditor, auditor_cintra, office_head)
    for user in readers:
        assert client_of(user).get(LIST).status_code == 200, user
        assert client_of(user).get(PAGE).status_code == 200, user
    for user in (accountant, accountant_cintra, office_head):
        assert client_of(user).get(NEW).status_code == 200, user
        assert client_of(user).get(EDIT).status_code == 200, user
    for user in (auditor, auditor_cintra):
        assert client_of(user).get(NEW).status_code == 403, user
        assert client_of(user).get(EDIT).status_code == 403, user
        assert client_of(user).post(NEW, {"code": "X", "name": "X"}).status_code == 403
    # A director alone has no page of the office's file: 404, as for the audit workspace.
    director = client_of(director_cintra)
    for url in (LIST, PAGE, NEW, EDIT):
        assert director.get(url).status_code == 404, url
    assert client.get(LIST).status_code == 302
    assert client_of(accountant).get("/third-parties/NO-SUCH/").status_code == 404


def test_the_file_is_read_by_the_roles_the_top_bar_asks_about():
    """The top bar shows the link by the audit roles' query (templates/base.html)."""
    assert READ_ROLES == AUDIT_ROLES


def test_the_top_bar_links_to_the_file_for_its_readers_only(
    accountant, auditor_cintra, director_cintra, cintra
):
    link = f'href="{LIST}"'
    assert link in text(client_of(accountant).get("/"))
    assert link in text(client_of(auditor_cintra).get(f"/labs/{cintra.code}/entries/"))
    assert link not in text(client_of(director_cintra).get(f"/labs/{cintra.code}/entries/"))


# -- bank details -----------------------------------------------------------------------------


def test_bank_details_are_shown_to_accountants_and_the_office_head_only(
    accountant, accountant_cintra, office_head, auditor, auditor_cintra, supplier
):
    for user in (accountant, accountant_cintra, office_head):
        page = text(client_of(user).get(PAGE))
        assert all(secret in page for secret in SECRETS), user
        form = text(client_of(user).get(EDIT))
        assert EXAMPLE_IBAN in form and 'name="bank_iban"' in form
    for user in (auditor, auditor_cintra):
        for url in (PAGE, LIST, f"{LIST}?q=DBS"):
            page = text(client_of(user).get(url))
            assert not [secret for secret in SECRETS if secret in page], (user, url)
            assert "Bank details" not in page


def test_bank_details_never_reach_the_auditors_admin_nor_the_trails_export(
    accountant, auditor, auditor_cintra, cintra, supplier
):
    for user in (accountant, auditor):  # the admin lets in staff users (the demo's are)
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    admin_page = client_of(auditor).get(f"/admin/parties/thirdparty/{supplier.pk}/change/")
    assert admin_page.status_code == 200
    assert "HARBOUR-OPTICS" in text(admin_page)
    assert not [secret for secret in SECRETS if secret in text(admin_page)]
    assert 'name="bank_iban"' not in text(admin_page)
    assert EXAMPLE_IBAN in text(
        client_of(accountant).get(f"/admin/parties/thirdparty/{supplier.pk}/change/")
    )
    # The trail, in words, to every auditor (third parties are the office's reference
    # data, as institutions), with the last four characters of bank details at most.
    for user, url in [(a, u) for a in (auditor, auditor_cintra) for u in TRAIL]:
        response = client_of(user).get(url)
        assert response.status_code == 200
        found = body(response)
        assert "HARBOUR-OPTICS" in found and "Third party created" in found, (user, url)
        assert not [secret for secret in SECRETS[:3] if secret in found], (user, url)


# -- the list ----------------------------------------------------------------------------------


@pytest.fixture
def office_file(accountant, supplier):
    third_party_create(
        acting_user=accountant,
        code="CNRS-HQ",
        name="Centre national de la recherche scientifique",
        kind="partner",
        country="FR",
        siret=CNRS_SIRET,
        currency="EUR",
    )
    third_party_create(
        acting_user=accountant, code="POSTDOC-1", name="Postdoc, CINTRA", kind="staff"
    )
    old = third_party_create(
        acting_user=accountant, code="OLD-SUP", name="Closed shop", kind="supplier"
    )
    third_party_deactivate(acting_user=accountant, third_party=old)


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("", ["CNRS-HQ", "HARBOUR-OPTICS", "OLD-SUP", "POSTDOC-1"]),
        ("?q=harbour", ["HARBOUR-OPTICS"]),
        ("?q=recherche", ["CNRS-HQ"]),
        ("?q=5301+2345", ["HARBOUR-OPTICS"]),  # the UEN as typed with a space
        ("?q=180+089+013", ["CNRS-HQ"]),  # the SIREN part of the SIRET
        ("?kind=supplier", ["HARBOUR-OPTICS", "OLD-SUP"]),
        ("?active=no", ["OLD-SUP"]),
        ("?active=yes&kind=supplier", ["HARBOUR-OPTICS"]),
        ("?q=nothing-like-it", []),
    ],
)
def test_the_list_is_searched_and_filtered(auditor, office_file, query, codes):
    response = client_of(auditor).get(LIST + query)
    assert response.status_code == 200
    assert rows(text(response)) == codes


def test_a_filter_it_cannot_read_is_a_bad_request(auditor, office_file):
    for query in ("?kind=vendor", "?active=maybe", "?page=0", "?page=x"):
        assert client_of(auditor).get(LIST + query).status_code == 400, query
    assert client_of(auditor).get(LIST + "?page=9").status_code == 404


def test_the_list_is_paged_in_a_fixed_number_of_queries(accountant):
    def queries(query: str = "") -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client_of(accountant).get(LIST + query).status_code == 200
        return len(captured)

    for n in range(5):
        third_party_create(acting_user=accountant, code=f"S-{n:03}", name=f"S {n}", kind="other")
    few = queries()
    for n in range(5, 75):
        third_party_create(acting_user=accountant, code=f"S-{n:03}", name=f"S {n}", kind="other")
    assert queries() == few
    first, second = (
        text(client_of(accountant).get(LIST)),
        text(client_of(accountant).get(LIST + "?page=2")),
    )
    assert len(rows(first)) == 50 and rows(first)[0] == "S-000"
    assert rows(second) == [f"S-{n:03}" for n in range(50, 75)]
    assert "75 third parties" in first


def test_the_list_speaks_french(auditor, office_file):
    page = text(client_of(auditor).get(LIST, headers={"accept-language": "fr"}))
    assert "<h1>Tiers</h1>" in page
    assert "Fournisseur" in page and "Désactivé" in page


# -- a third party's lines, inside the reader's labs ------------------------------------------


def test_a_third_party_page_sums_its_posted_lines_per_lab_in_the_readers_labs(
    accountant, auditor_cintra, cintra, majulab, supplier
):
    invoice(accountant, cintra, supplier, "1090.00")
    payment(accountant, cintra, supplier, "500.00", date(2025, 4, 15))
    invoice(accountant, majulab, supplier, "200.00", ref="HO-MAJ-1")
    invoice(accountant, cintra, supplier, "77.00", post=False, ref="HO-DRAFT")  # a draft
    office = text(client_of(accountant).get(PAGE))
    assert "CINTRA" in office and "MAJULAB" in office
    assert "Total CINTRA" in office and "Total MAJULAB" in office
    assert "1,090.00" in office and "500.00" in office and "-590.00" in office
    assert "77.00" not in office  # drafts are not in the totals
    own = text(client_of(auditor_cintra).get(PAGE))
    assert "Total CINTRA" in own and "-590.00" in own
    assert "MAJULAB" not in own and "HO-MAJ" not in own and "200.00" not in own
    rows_of = re.findall(r"<td class=\"num\">([^<]+)</td>", own)
    # Lines, debit, credit, balance: the 401 account, then CINTRA's total.
    assert rows_of[:4] == ["2", "500.00", "1,090.00", "-590.00"]
    assert rows_of[4:8] == ["2", "500.00", "1,090.00", "-590.00"]


def test_a_balance_carried_into_the_next_year_is_not_counted_twice(accountant, cintra, supplier):
    """The opening entry of 2026 restates the unpaid 2025 invoice per third party: the
    page shows the invoice and its payment, as the ageing and the lettering do, never
    the invoice a second time (the same rule: carried_opening_entries)."""
    from ledger import services
    from ledger.models import FiscalYear, JournalLine
    from ledger.services.years import fiscal_year_close
    from tests.books import close_months

    invoice(accountant, cintra, supplier, "1090.00", on=date(2025, 12, 10))
    services.fiscal_year_open(acting_user=accountant, lab=cintra, year=2026)
    close_months(cintra, *range(1, 13), user=accountant)
    fiscal_year_close(
        acting_user=accountant, fiscal_year=FiscalYear.objects.get(lab=cintra, year=2025)
    )
    carried = JournalLine.objects.filter(third_party=supplier, entry__year_end="opening")
    assert [line.credit for line in carried] == [Decimal("1090.00")]  # restated in 2026
    rows_of = re.findall(r"<td class=\"num\">([^<]+)</td>", text(client_of(accountant).get(PAGE)))
    assert rows_of[:4] == ["1", "0.00", "1,090.00", "-1,090.00"]
    payment(accountant, cintra, supplier, "1090.00", date(2026, 1, 20))
    rows_of = re.findall(r"<td class=\"num\">([^<]+)</td>", text(client_of(accountant).get(PAGE)))
    assert rows_of[:4] == ["2", "1,090.00", "1,090.00", "0.00"]


# -- the form ---------------------------------------------------------------------------------


FORM = {
    "code": "MERLION-IT",
    "name": "Lion IT Services Pte Ltd",
    "kind": "supplier",
    "institution": "",
    "country": "SG",
    "uen": "2006 04346 E",
    "siret": "",
    "currency": "SGD",
    "payment_terms_days": "30",
    "email": "billing@lion-it.example",
    "address": "1 Fusionopolis Way\nSingapore 138632",
    **{name: "" for name in BANK},
}


def test_an_accountant_creates_a_third_party_with_the_form(accountant_cintra):
    client = client_of(accountant_cintra)
    response = client.post(NEW, FORM)
    assert response.status_code == 302
    assert response["Location"] == "/third-parties/MERLION-IT/"
    party = ThirdParty.objects.get(code="MERLION-IT")
    assert party.uen == "200604346E" and party.address.endswith("138632")
    assert AuditEvent.objects.filter(action="third_party.create", object_id=str(party.pk)).exists()
    page = text(client.get("/third-parties/MERLION-IT/"))
    assert "Third party MERLION-IT is created." in page


def test_a_refused_form_comes_back_with_each_reason_beside_its_box(accountant):
    wrong = {**FORM, "uen": "53012345D", "bank_iban": "FR76 3000", "name": ""}
    response = client_of(accountant).post(NEW, wrong)
    assert response.status_code == 400
    page = text(response)
    assert 'id="id_uen_error"' in page and "its check letter is wrong" in page
    assert 'id="id_bank_iban_error"' in page and 'id="id_name_error"' in page
    assert 'aria-invalid="true"' in page
    assert not ThirdParty.objects.filter(code="MERLION-IT").exists()


def test_the_code_is_shown_frozen_once_a_line_names_it(accountant, cintra, supplier):
    invoice(accountant, cintra, supplier)
    form = text(client_of(accountant).get(EDIT))
    assert re.search(r'<input[^>]*name="code"[^>]*disabled', form)
    # The form sends every box: the code typed over the frozen one is not read, an
    # emptied box empties its field.
    changed = {**FORM, "code": "SOMETHING-ELSE", "name": "Harbour Optics (Asia)", "uen": ""}
    response = client_of(accountant).post(EDIT, {**changed, **BANK})
    assert response.status_code == 302 and response["Location"] == PAGE
    supplier.refresh_from_db()
    assert (supplier.code, supplier.name, supplier.uen) == (
        "HARBOUR-OPTICS",
        "Harbour Optics (Asia)",
        "",
    )
    assert supplier.bank_iban == EXAMPLE_IBAN


def test_deactivating_asks_for_the_code_and_is_audited(accountant, supplier):
    client = client_of(accountant)
    assert client.post(PAGE + "deactivate/", {}).status_code == 400
    supplier.refresh_from_db()
    assert supplier.is_active
    response = client.post(PAGE + "deactivate/", {"code": supplier.code})
    assert response.status_code == 302
    supplier.refresh_from_db()
    assert not supplier.is_active
    assert "Reactivate" in text(client.get(PAGE))
    client.post(PAGE + "reactivate/", {"code": supplier.code})
    supplier.refresh_from_db()
    assert supplier.is_active
    assert AuditEvent.objects.filter(action="third_party.reactivate").count() == 1


def test_an_old_code_with_a_slash_or_spaces_has_its_page(accountant, auditor):
    """Codes of the free text of old (ledger migration 0014) may hold what new codes may
    not: their pages work all the same."""
    ThirdParty.objects.create(code="Postdoc, CINTRA/2", name="Postdoc", kind="staff")
    page = client_of(auditor).get("/third-parties/Postdoc,%20CINTRA/2/")
    assert page.status_code == 200 and "Postdoc, CINTRA/2" in text(page)
    listed = text(client_of(auditor).get(LIST))
    assert 'href="/third-parties/Postdoc,%20CINTRA/2/"' in listed


def test_the_amounts_are_exact_on_both_databases(accountant, cintra, supplier):
    for _ in range(3):
        invoice(accountant, cintra, supplier, "0.10")
    page = text(client_of(accountant).get(PAGE))
    assert ">0.30</td>" in page and ">-0.30</td>" in page
