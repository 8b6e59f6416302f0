"""Office-wide data behind the office's walls (issue 12, item 7).

Exchange rates convert every lab's EUR figures and institutions are every lab's partners
and funders: an accountant of one lab (CINTRA) may read them but never set, add or
import them, whatever the path (service, admin, import page, command); office-wide
accountants and the office head may. The event of such a write names no lab, and every
auditor sees it (IPAL's included). And a malformed Content-Length on the statement
check answers 400, not 500.
"""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from irls import services as irls_services
from irls.exceptions import OFFICE_HEAD_ONLY
from irls.models import Institution, Lab, Role
from ledger import services
from ledger.exceptions import RATES_OFFICE_WIDE, NotPermittedError
from ledger.models import AuditEvent, ExchangeRate, ImportBatch
from ledger.selectors.audit import audit_events, audit_scope
from ledger.services.imports import import_file
from reports.views import BAD_LENGTH
from tests.books import lab_with_books

D = Decimal
JANUARY = date(2025, 1, 1)
RATES = "/admin/ledger/exchangerate/"
IMPORT = "/admin/ledger/importbatch/import/"
# The case: the SGD rate set to 100 (turning IPAL's 21,244.95 EUR into 300.00).
SHEET = b"currency,valid_from,units_per_eur,source\nSGD,2025-01-01,100,chancellery\n"


def _person(username: str, role: str, lab: Lab | None) -> User:
    user = User.objects.create_user(username=username, password="pw", is_staff=True)
    irls_services.role_grant(acting_user=None, user=user, role=role, lab=lab)
    return user


@pytest.fixture
def ipal(cintra: Lab) -> Lab:
    return lab_with_books("IPAL")


@pytest.fixture
def sgd(ipal: Lab) -> ExchangeRate:
    """The SGD chancellery rate of January 2025, set by the system."""
    return services.exchange_rate_set(
        acting_user=None,
        currency="SGD",
        valid_from=JANUARY,
        units_per_eur=D("1.4500"),
        source="chancellery",
    )


@pytest.fixture
def cintra_accountant(cintra: Lab) -> User:
    return _person("cintra_accountant", Role.ACCOUNTANT, cintra)


@pytest.fixture
def ipal_auditor(ipal: Lab) -> User:
    return _person("ipal_auditor", Role.AUDITOR, ipal)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _rule(user: User, action: str) -> str:
    return RATES_OFFICE_WIDE.format(user=user, action=action)


def _rates() -> list[tuple[str, date, Decimal]]:
    return list(ExchangeRate.objects.values_list("currency", "valid_from", "units_per_eur"))


# -- the service ------------------------------------------------------------------------


def test_a_lab_accountant_cannot_set_a_rate(sgd: ExchangeRate, cintra_accountant: User):
    events = AuditEvent.objects.count()

    with pytest.raises(NotPermittedError) as refused:
        services.exchange_rate_set(
            acting_user=cintra_accountant,
            currency="SGD",
            valid_from=JANUARY,
            units_per_eur=D("100"),
            source="chancellery",
        )

    assert str(refused.value) == (
        "cintra_accountant may not set exchange rates: exchange rates are office-wide data, "
        "kept by office-wide accountants and the office head"
    )
    assert _rates() == [("SGD", JANUARY, D("1.4500"))]
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("persona", ["accountant", "office_head"])
def test_office_wide_accountants_and_the_office_head_set_rates(
    request: pytest.FixtureRequest, sgd: ExchangeRate, persona: str
):
    user = request.getfixturevalue(persona)

    services.exchange_rate_set(
        acting_user=user,
        currency="SGD",
        valid_from=JANUARY,
        units_per_eur=D("1.4600"),
        source="chancellery",
    )

    assert _rates() == [("SGD", JANUARY, D("1.4600"))]
    event = AuditEvent.objects.filter(action="exchange_rate.set").latest("id")
    assert (event.actor, event.lab) == (user, None)
    assert event.before is not None and D(event.before["units_per_eur"]) == D("1.45")


def test_an_office_wide_auditor_or_director_of_every_lab_does_not_set_rates(
    sgd: ExchangeRate, auditor: User, ipal: Lab
):
    director = _person("director_ipal", Role.DIRECTOR, ipal)
    for user in (auditor, director):
        with pytest.raises(NotPermittedError):
            services.exchange_rate_set(
                acting_user=user,
                currency="SGD",
                valid_from=JANUARY,
                units_per_eur=D("100"),
                source="chancellery",
            )
    assert _rates() == [("SGD", JANUARY, D("1.4500"))]


# -- the admin --------------------------------------------------------------------------


def test_the_rates_admin_is_read_only_for_a_lab_accountant(
    sgd: ExchangeRate, cintra_accountant: User
):
    client = logged_in(cintra_accountant)
    change = f"{RATES}{sgd.pk}/change/"
    events = AuditEvent.objects.count()

    listing = client.get(RATES)
    assert listing.status_code == 200
    assert "1.4500" in listing.content.decode()
    assert f'href="{RATES}add/"' not in listing.content.decode()
    assert client.get(f"{RATES}add/").status_code == 403
    added = {"currency": "SGD", "source": "chancellery", "valid_from": "2025-02-01"}
    assert client.post(f"{RATES}add/", {**added, "units_per_eur": "100"}).status_code == 403
    shown = client.get(change)
    assert shown.status_code == 200
    assert 'name="units_per_eur"' not in shown.content.decode()  # shown, not editable
    assert client.post(change, {"units_per_eur": "100"}).status_code == 403
    assert client.post(f"{RATES}{sgd.pk}/delete/", {"post": "yes"}).status_code == 403

    assert _rates() == [("SGD", JANUARY, D("1.4500"))]
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("persona", ["accountant", "office_head"])
def test_office_wide_writers_correct_a_rate_in_the_admin(
    request: pytest.FixtureRequest, sgd: ExchangeRate, persona: str
):
    user = request.getfixturevalue(persona)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = logged_in(user)

    response = client.post(f"{RATES}{sgd.pk}/change/", {"units_per_eur": "1.4600"})

    assert response.status_code == 302
    assert _rates() == [("SGD", JANUARY, D("1.4600"))]


def test_the_institutions_admin_is_the_office_heads(
    cintra: Lab, cintra_accountant: User, accountant: User
):
    """Institutions are office-wide too (kept by the office head): a lab accountant reads
    the list, never adds or changes one."""
    client = logged_in(cintra_accountant)
    cnrs = Institution.objects.get(code="CNRS")
    data = {"code": "NUS", "name": "National University of Singapore"}
    data |= {"kind": "university", "country": "SG"}

    assert client.get("/admin/irls/institution/").status_code == 200
    assert client.get("/admin/irls/institution/add/").status_code == 403
    assert client.post("/admin/irls/institution/add/", data).status_code == 403
    assert client.post(f"/admin/irls/institution/{cnrs.pk}/change/", data).status_code == 403
    with pytest.raises(NotPermittedError) as refused:
        irls_services.institution_create(acting_user=cintra_accountant, **data)
    assert str(refused.value) == OFFICE_HEAD_ONLY.format(
        user=cintra_accountant, action="register institutions"
    )
    assert list(Institution.objects.values_list("code", flat=True)) == ["CNRS"]


# -- the rates import -------------------------------------------------------------------


def test_a_lab_accountant_cannot_import_rates(sgd: ExchangeRate, cintra_accountant: User):
    cintra = Lab.objects.get(code="CINTRA")
    for dry_run in (True, False):
        with pytest.raises(NotPermittedError) as refused:
            import_file(
                acting_user=cintra_accountant,
                lab=cintra,
                kind="rates",
                file_name="rates.csv",
                data=SHEET,
                dry_run=dry_run,
            )
        assert str(refused.value) == _rule(cintra_accountant, "import exchange rates")
    assert _rates() == [("SGD", JANUARY, D("1.4500"))]
    assert not ImportBatch.objects.exists()


def test_the_import_page_refuses_rates_from_a_lab_accountant_with_the_rule(
    sgd: ExchangeRate, cintra_accountant: User
):
    client = logged_in(cintra_accountant)
    cintra = Lab.objects.get(code="CINTRA")

    response = client.post(
        IMPORT,
        {"kind": "rates", "lab": cintra.pk, "file": SimpleUploadedFile("rates.csv", SHEET)},
    )

    assert response.status_code == 403
    assert response.context["form"].errors["kind"] == [
        _rule(cintra_accountant, "import exchange rates")
    ]
    # The page itself stays theirs: their lab's accounts are previewed as before.
    accounts = b"code,name_fr,name_en\n6068,Autres,Other\n"
    preview = client.post(
        IMPORT,
        {"kind": "accounts", "lab": cintra.pk, "file": SimpleUploadedFile("chart.csv", accounts)},
    )
    assert preview.status_code == 200 and preview.context["outcome"].ok
    assert _rates() == [("SGD", JANUARY, D("1.4500"))]
    assert not ImportBatch.objects.exists()


def test_the_import_command_refuses_rates_as_a_lab_accountant(
    sgd: ExchangeRate, cintra_accountant: User, tmp_path
):
    sheet = tmp_path / "rates.csv"
    sheet.write_bytes(SHEET)

    with pytest.raises(CommandError) as refused:
        call_command(
            "import_sheet", "rates", str(sheet), "--lab", "CINTRA", "--as", "cintra_accountant"
        )

    assert str(refused.value) == _rule(cintra_accountant, "import exchange rates")
    assert _rates() == [("SGD", JANUARY, D("1.4500"))]


@pytest.mark.parametrize("persona", ["accountant", "office_head"])
def test_office_wide_writers_import_rates(
    request: pytest.FixtureRequest, sgd: ExchangeRate, persona: str
):
    user = request.getfixturevalue(persona)
    data = SHEET.replace(b",100,", b",1.4700,")

    outcome = import_file(
        acting_user=user,
        lab=Lab.objects.get(code="CINTRA"),
        kind="rates",
        file_name="rates.csv",
        data=data,
    )

    assert outcome.ok, outcome.problems
    assert _rates() == [("SGD", JANUARY, D("1.4700"))]


def test_the_system_still_imports_rates(sgd: ExchangeRate, tmp_path):
    sheet = tmp_path / "rates.csv"
    sheet.write_bytes(SHEET.replace(b",100,", b",1.4800,"))

    call_command("import_sheet", "rates", str(sheet), "--lab", "CINTRA", stdout=StringIO())

    assert _rates() == [("SGD", JANUARY, D("1.4800"))]


# -- the audit trail --------------------------------------------------------------------


def test_every_auditor_sees_a_rate_change(
    sgd: ExchangeRate, accountant: User, ipal_auditor: User, cintra: Lab
):
    """The event names no lab, yet it changes every lab's EUR figures: IPAL's auditor sees
    it (trail page, admin, selector), but no event of CINTRA's books."""
    services.exchange_rate_set(
        acting_user=accountant,
        currency="SGD",
        valid_from=JANUARY,
        units_per_eur=D("1.4600"),
        source="chancellery",
    )
    event = AuditEvent.objects.filter(action="exchange_rate.set", actor=accountant).get()
    assert event.lab is None

    events = audit_events(scope=audit_scope(ipal_auditor))
    assert event in events
    assert not events.filter(lab=cintra).exists()
    client = logged_in(ipal_auditor)
    trail = client.get("/audit/trail/", {"action": "exchange_rate.set"})
    assert trail.status_code == 200
    assert event in trail.context["events"].object_list
    assert client.get("/audit/trail/", {"lab": "CINTRA"}).status_code == 404
    assert client.get("/admin/ledger/auditevent/").status_code == 200
    assert event in client.get("/admin/ledger/auditevent/").context["cl"].queryset
    assert client.get(f"/admin/ledger/auditevent/{event.pk}/change/").status_code == 200
    cintra_event = AuditEvent.objects.filter(lab=cintra).first()
    assert cintra_event is not None
    assert client.get(f"/admin/ledger/auditevent/{cintra_event.pk}/change/").status_code == 404


def test_a_lab_auditor_sees_no_lab_less_event_of_the_labs_and_roles(
    sgd: ExchangeRate, ipal_auditor: User, office_head: User
):
    """Only the office's reference data (rates, institutions) joins a lab's scope: a role
    granted office-wide (an event without a lab too) stays with office-wide auditors."""
    someone = User.objects.create_user(username="someone", password="pw")
    irls_services.role_grant(acting_user=office_head, user=someone, role=Role.AUDITOR, lab=None)
    grant = AuditEvent.objects.get(action="rolegrant.create", actor=office_head)

    events = audit_events(scope=audit_scope(ipal_auditor))

    assert grant not in events
    assert events.filter(object_type="ledger.ExchangeRate").exists()
    assert events.filter(object_type="irls.Institution").exists()


# -- the statement check ----------------------------------------------------------------


@pytest.mark.parametrize("length", ["abc", "-1", "12x", "١٢", "1e9"])
def test_a_malformed_content_length_on_the_statement_check_is_a_bad_request(
    cintra: Lab, accountant: User, length: str
):
    client = logged_in(accountant)

    response = client.post(
        "/labs/CINTRA/statements/check/",
        {"file": SimpleUploadedFile("statement.pdf", b"%PDF-1.4")},
        CONTENT_LENGTH=length,
    )

    assert response.status_code == 400
    assert str(BAD_LENGTH) in response.content.decode().replace("&#x27;", "'")
