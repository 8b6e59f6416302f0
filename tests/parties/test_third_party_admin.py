"""Third parties in the admin: written through the services (audited), bank details for
the accountants and the office head only, no page for a director alone; lettering is
not the admin's."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client

from ledger.models import AuditEvent
from parties.models import LetteredLine, Lettering, ThirdParty
from tests.parties.third_parties import (
    BANK,
    EXAMPLE_IBAN,
    invoice,
)

pytestmark = pytest.mark.django_db

LIST = "/admin/parties/thirdparty/"
ADD = LIST + "add/"


def staff(user: User) -> Client:
    user.is_staff = True  # the admin lets in staff users (the demo's are)
    user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    return client


def form(**changes: str) -> dict[str, str]:
    data = {
        "code": "ORCHID-LAB",
        "name": "Orchid Lab Supplies Pte Ltd",
        "kind": "supplier",
        "institution": "",
        "country": "SG",
        "uen": "53012345B",
        "siret": "",
        "currency": "SGD",
        "payment_terms_days": "30",
        "email": "",
        "address": "",
        **BANK,
    }
    return {**data, **changes}


def test_an_accountant_adds_a_third_party_through_the_service(accountant):
    response = staff(accountant).post(ADD, form())
    assert response.status_code == 302, response.content.decode()[:2000]
    party = ThirdParty.objects.get(code="ORCHID-LAB")
    assert party.bank_iban == EXAMPLE_IBAN
    event = AuditEvent.objects.get(action="third_party.create")
    assert (event.actor, event.object_id, (event.after or {})["bank_iban"]) == (
        accountant,
        str(party.pk),
        "…0189",
    )


def test_identifiers_typed_with_spaces_are_stored_compact(accountant):
    typed = form(uen="5301 2345 b", bank_iban="FR76 3000 6000 0112 3456 7890 189")
    assert staff(accountant).post(ADD, typed).status_code == 302
    party = ThirdParty.objects.get(code="ORCHID-LAB")
    assert (party.uen, party.bank_iban) == ("53012345B", EXAMPLE_IBAN)


def test_the_service_refuses_what_the_admin_form_accepts(accountant):
    response = staff(accountant).post(ADD, form(uen="53012345D"))
    assert response.status_code == 200
    assert "its check letter is wrong" in response.content.decode()
    assert not ThirdParty.objects.filter(code="ORCHID-LAB").exists()
    assert not AuditEvent.objects.filter(action="third_party.create").exists()


def test_a_change_goes_through_the_service_and_the_code_freezes_once_used(
    accountant, cintra, supplier
):
    client = staff(accountant)
    change = f"{LIST}{supplier.pk}/change/"
    kept = {"email": supplier.email, "payment_terms_days": "45"}
    response = client.post(change, form(code="HARBOUR-OPTICS", name="Harbour Optics Asia", **kept))
    assert response.status_code == 302
    supplier.refresh_from_db()
    assert supplier.name == "Harbour Optics Asia"
    event = AuditEvent.objects.get(action="third_party.update")
    assert (event.before, event.after) == (
        {"name": "Harbour Optics Pte Ltd"},
        {"name": "Harbour Optics Asia"},
    )
    invoice(accountant, cintra, supplier)
    page = client.get(change).content.decode()
    assert 'name="code"' not in page  # read-only now
    client.post(change, form(code="OTHER", name="Harbour Optics Asia", **kept))
    supplier.refresh_from_db()
    assert supplier.code == "HARBOUR-OPTICS"


def test_auditors_read_without_bank_details_directors_not_at_all(
    auditor, director_cintra, supplier
):
    reader = staff(auditor)
    listed = reader.get(LIST)
    assert listed.status_code == 200 and "HARBOUR-OPTICS" in listed.content.decode()
    assert reader.get(ADD).status_code == 403
    assert reader.post(f"{LIST}{supplier.pk}/change/", form()).status_code == 403
    page = reader.get(f"{LIST}{supplier.pk}/change/").content.decode()
    assert EXAMPLE_IBAN not in page and BANK["bank_account_number"] not in page
    director = staff(director_cintra)
    assert director.get(LIST).status_code == 403
    # Its objects are not the director's: the admin's "no such object", as in the walls.
    assert director.get(f"{LIST}{supplier.pk}/change/").status_code == 404
    assert "thirdparty" not in director.get("/admin/").content.decode()


def test_deactivation_from_the_list_is_audited(accountant, supplier):
    response = staff(accountant).post(
        LIST, {"action": "deactivate_selected", "_selected_action": [supplier.pk]}
    )
    assert response.status_code == 302
    supplier.refresh_from_db()
    assert not supplier.is_active
    assert AuditEvent.objects.filter(action="third_party.deactivate").count() == 1


def test_nothing_deletes_a_third_party_and_lettering_is_not_the_admins(accountant, supplier):
    client = staff(accountant)
    assert client.get(f"{LIST}{supplier.pk}/delete/").status_code == 403
    assert not admin.site.is_registered(Lettering)
    assert not admin.site.is_registered(LetteredLine)
