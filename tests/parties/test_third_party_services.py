"""The third parties' services: who keeps the file, what they store, what the audit
trail keeps (never a whole bank account), and the code that never changes once lines
name it."""

import pytest
from django.utils import timezone, translation

from irls import services as irls_services
from ledger.exceptions import NotPermittedError
from ledger.models import AuditEvent
from parties.exceptions import ThirdPartyInvalidError, ThirdPartyRecordError
from parties.models import ThirdParty
from parties.services import (
    third_party_create,
    third_party_deactivate,
    third_party_reactivate,
    third_party_update,
)
from tests.parties.third_parties import (
    BANK,
    CNRS_SIRET,
    EXAMPLE_IBAN,
    NUS_UEN,
    invoice,
)

pytestmark = pytest.mark.django_db


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_an_accountant_creates_a_supplier_stored_compact_and_audited_without_its_bank(
    accountant,
):
    party = third_party_create(
        acting_user=accountant,
        code="NUS",
        name="National University of Singapore",
        kind="partner",
        institution=None,
        country="sg",
        uen="2006 0434 6e",
        currency="sgd",
        payment_terms_days=60,
        bank_name="DBS Bank Ltd",
        bank_account_number="003-901234-5",
        bank_swift="dbss sg sg",
        bank_iban="FR76 3000 6000 0112 3456 7890 189",
    )
    party.refresh_from_db()
    assert (party.uen, party.country, party.currency) == (NUS_UEN, "SG", "SGD")
    assert (party.bank_swift, party.bank_iban) == ("DBSSSGSG", EXAMPLE_IBAN)
    assert party.is_active and party.payment_terms_days == 60
    [event] = _events("third_party.create")
    assert (event.actor, event.lab, event.object_type) == (accountant, None, "parties.ThirdParty")
    assert event.object_id == str(party.pk)
    after = event.after or {}
    assert (after["code"], after["uen"]) == ("NUS", NUS_UEN)
    # The trail, which auditors read, keeps the last four characters of bank details.
    assert (after["bank_iban"], after["bank_account_number"], after["bank_swift"]) == (
        "…0189",
        "…34-5",
        "…SGSG",
    )
    assert EXAMPLE_IBAN not in str(after) and "003-901234-5" not in str(after)


def test_every_accountant_and_the_office_head_keep_the_file(accountant_cintra, office_head, cintra):
    one = third_party_create(
        acting_user=accountant_cintra, code="LAB-SUP", name="Bought by CINTRA", kind="supplier"
    )
    two = third_party_create(
        acting_user=office_head, code="HEAD-SUP", name="Bought by the office", kind="other"
    )
    assert {one.currency, two.currency} == {"SGD"}
    assert ThirdParty.objects.filter(code__in=["LAB-SUP", "HEAD-SUP"]).count() == 2
    # The system (load_demo, a command without --as) needs no role.
    third_party_create(acting_user=None, code="SYS", name="By the system", kind="staff")


def test_directors_and_auditors_never_write(director_cintra, auditor, auditor_cintra, supplier):
    for user in (director_cintra, auditor, auditor_cintra):
        with pytest.raises(NotPermittedError) as refused:
            third_party_create(acting_user=user, code="NOPE", name="Nope", kind="supplier")
        assert str(refused.value) == (
            f"{user} may not create third parties: third parties are kept by the "
            "accountants and the office head"
        )
        with pytest.raises(NotPermittedError):
            third_party_update(acting_user=user, third_party=supplier, name="Changed")
        with pytest.raises(NotPermittedError):
            third_party_deactivate(acting_user=user, third_party=supplier)
    assert not ThirdParty.objects.filter(code="NOPE").exists()
    supplier.refresh_from_db()
    assert supplier.name == "Harbour Optics Pte Ltd" and supplier.is_active


def test_a_refusal_names_every_field_in_error_and_writes_nothing(accountant):
    with pytest.raises(ThirdPartyInvalidError) as refused:
        third_party_create(
            acting_user=accountant,
            code="BAD/CODE",
            name="",
            kind="vendor",
            country="XX",
            uen="53012345D",
            siret="18008901303721",
            currency="SGX",
            payment_terms_days=400,
            email="not-an-address",
            bank_swift="DBS1SGSG",
            bank_iban="FR7630006000011234567890188",
        )
    problems = refused.value.problems
    assert sorted(problems) == [
        "bank_iban",
        "bank_swift",
        "code",
        "country",
        "currency",
        "email",
        "kind",
        "name",
        "payment_terms_days",
        "siret",
        "uen",
    ]
    assert problems["uen"] == [
        "Singapore UEN: « 53012345D » has the shape of a Singapore UEN but its check letter "
        "is wrong (a typing mistake?)"
    ]
    assert problems["name"] == ["Name: required"]
    assert problems["payment_terms_days"] == [
        "Payment terms (days): « 400 » is not a number of days between 0 and 365"
    ]
    assert "IBAN: « FR7630006000011234567890188 » is not a valid IBAN" in str(refused.value)
    assert not ThirdParty.objects.filter(name="").exists()
    assert not _events("third_party.create")


def test_the_refusals_are_said_in_french(accountant, supplier):
    with translation.override("fr"), pytest.raises(ThirdPartyInvalidError) as refused:
        third_party_update(acting_user=accountant, third_party=supplier, siret="18008901303721")
    assert refused.value.problems["siret"] == [
        "SIRET : « 18008901303721 » a 14 chiffres mais n'est pas un SIRET valide (sa clé "
        "est fausse : une faute de frappe ?)"
    ]


def test_a_code_is_taken_once_whatever_its_case(accountant, supplier):
    with pytest.raises(ThirdPartyRecordError) as taken:
        third_party_create(acting_user=accountant, code=supplier.code, name="x", kind="other")
    assert str(taken.value) == "Third party HARBOUR-OPTICS already exists: choose another code"
    with pytest.raises(ThirdPartyRecordError) as case:
        third_party_create(acting_user=accountant, code="harbour-optics", name="x", kind="other")
    assert str(case.value).startswith(
        "Third party HARBOUR-OPTICS already exists, and harbour-optics differs from it only "
        "by upper and lower case"
    )


def test_two_creations_of_one_code_at_once_leave_one(accountant, supplier, monkeypatch):
    """The second of two requests racing past the check is refused by the unique index,
    with the same words."""
    import parties.services as module

    monkeypatch.setattr(module, "_code_free", lambda code, other_than=None: None)
    monkeypatch.setattr(ThirdParty, "full_clean", lambda self, **kwargs: None)
    with pytest.raises(ThirdPartyRecordError) as taken:
        third_party_create(acting_user=accountant, code=supplier.code, name="x", kind="other")
    assert str(taken.value) == "Third party HARBOUR-OPTICS already exists: choose another code"
    assert ThirdParty.objects.filter(code=supplier.code).count() == 1


def test_a_change_keeps_what_it_does_not_name_and_audits_what_changed(accountant, supplier):
    cnrs = irls_services.institution_create(
        acting_user=None, code="CNRS", name="CNRS", kind="research", country="FR"
    )
    changed = third_party_update(
        acting_user=accountant,
        third_party=supplier,
        name="Harbour Optics Asia Pte Ltd",
        siret=CNRS_SIRET,
        institution=cnrs,
        bank_iban="GB82 WEST 1234 5698 7654 32",
    )
    assert changed.name == "Harbour Optics Asia Pte Ltd"
    assert changed.bank_iban == "GB82WEST12345698765432"
    assert changed.uen == "53012345B" and changed.bank_name == BANK["bank_name"]
    [event] = _events("third_party.update")
    assert event.lab is None
    assert event.before == {
        "name": "Harbour Optics Pte Ltd",
        "siret": "",
        "institution": "",
        "bank_iban": "…0189",
    }
    assert event.after == {
        "name": "Harbour Optics Asia Pte Ltd",
        "siret": CNRS_SIRET,
        "institution": "CNRS",
        "bank_iban": "…5432",
    }
    # The same values again change nothing and record nothing.
    third_party_update(acting_user=accountant, third_party=supplier, name=changed.name)
    assert len(_events("third_party.update")) == 1


def test_the_code_changes_until_a_line_names_it_then_never(accountant, cintra, supplier):
    renamed = third_party_update(acting_user=accountant, third_party=supplier, code="HARBOUR")
    assert renamed.code == "HARBOUR"
    invoice(accountant, cintra, renamed, post=False)
    with pytest.raises(ThirdPartyRecordError) as frozen:
        third_party_update(acting_user=accountant, third_party=renamed, code="HARBOUR-SG")
    assert str(frozen.value) == (
        "The code of third party HARBOUR cannot change: journal lines already name it (a "
        "posted line keeps the code it was posted with); create a new third party instead"
    )
    # Its other fields still change.
    third_party_update(acting_user=accountant, third_party=renamed, payment_terms_days=15)
    renamed.refresh_from_db()
    assert (renamed.code, renamed.payment_terms_days) == ("HARBOUR", 15)


def test_a_code_cannot_break_an_address(accountant):
    for code in ("A/B", "new", "import", " padded-inside\\", "TAB\tCODE"):
        with pytest.raises(ThirdPartyInvalidError) as refused:
            third_party_create(acting_user=accountant, code=code, name="x", kind="other")
        assert list(refused.value.problems) == ["code"], code


def test_deactivate_and_reactivate_are_audited_and_said_twice_refused(accountant, supplier):
    third_party_deactivate(acting_user=accountant, third_party=supplier)
    supplier.refresh_from_db()
    assert not supplier.is_active
    with pytest.raises(ThirdPartyRecordError) as again:
        third_party_deactivate(acting_user=accountant, third_party=supplier)
    assert str(again.value) == "Third party HARBOUR-OPTICS is already deactivated"
    third_party_reactivate(acting_user=accountant, third_party=supplier)
    supplier.refresh_from_db()
    assert supplier.is_active
    actions = [(e.action, e.before, e.after) for e in AuditEvent.objects.order_by("id")]
    assert actions[-2:] == [
        ("third_party.deactivate", {"is_active": True}, {"is_active": False}),
        ("third_party.reactivate", {"is_active": False}, {"is_active": True}),
    ]


def test_a_future_uen_is_refused(accountant):
    year = timezone.localdate().year + 1
    with pytest.raises(ThirdPartyInvalidError) as refused:
        third_party_create(
            acting_user=accountant, code="FUT", name="x", kind="other", uen=f"{year}12345A"
        )
    assert refused.value.problems["uen"] == [
        f"Singapore UEN: « {year}12345A » would be issued in {year}, which is still to come"
    ]
