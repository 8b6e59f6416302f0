"""The `third_parties` sheet, office-wide: files made by LibreOffice in French and in
English (tests/parties/third_party_sheets/make_sheets.py), every problem by row and
column, every row or none, through the services (audited), and the import_sheet
command without --lab."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from ledger.exceptions import NotPermittedError
from ledger.models import AuditEvent
from parties.imports import third_parties_import
from parties.models import ThirdParty
from tests.parties.third_parties import CNRS_SIRET, EXAMPLE_IBAN

pytestmark = pytest.mark.django_db

FILES = Path(__file__).resolve().parent / "third_party_sheets" / "files"
NEW_IN_FRENCH = ["CNRS-DR16", "FOURN-OPTIQUE", "LA-POSTE", "NUS", "POSTDOC-CIN"]
MISTAKES = [
    (
        2,
        "uen",
        "Row 2, column uen: « 53012345D » has the shape of a Singapore UEN but its check "
        "letter is wrong (a typing mistake?)",
    ),
    (
        3,
        "siret",
        "Row 3, column siret: « 18008901303721 » has 14 digits but is not a valid SIRET (its "
        "check digit is wrong: a typing mistake?)",
    ),
    (
        4,
        "kind",
        "Row 4, column kind: « vendorr » is not a kind of third party (supplier, customer, "
        "partner, staff or other)",
    ),
    (4, "country", "Row 4, column country: « XX » is not an ISO 3166 country code (SG, FR, ...)"),
    (
        5,
        "bank_iban",
        "Row 5, column bank_iban: « FR7630006000011234567890188 » is not a valid IBAN (its "
        "check digits are wrong: a typing mistake?)",
    ),
    (6, "code", "Row 6: third party M-UEN already appears on row 2"),
    (7, "name", "Row 7, column name: required for a new third party (M-NONAME)"),
    (
        8,
        "payment_terms_days",
        "Row 8, column payment_terms_days: « thirty » is not a number of days between 0 and 365",
    ),
    (
        9,
        "code",
        "Row 9, column code: sup-01 differs from third party SUP-01 only by upper and lower "
        "case: write SUP-01, or choose a code that differs by more",
    ),
    (10, "email", "Row 10, column email: « no-at-sign » is not an e-mail address"),
    (
        10,
        "bank_swift",
        "Row 10, column bank_swift: « DBS1SGSG » is not a SWIFT/BIC code (4 letters for the "
        "bank, the country code, 2 letters or digits for the place, and optionally 3 for the "
        "branch)",
    ),
]


def _import(user, name: str, **options):
    return third_parties_import(
        acting_user=user, file_name=name, data=(FILES / name).read_bytes(), **options
    )


@pytest.mark.parametrize("name", ["lo-fr-tiers.ods", "lo-fr-tiers.csv"])
def test_a_french_sheet_creates_and_changes_third_parties(accountant, cintra, name):
    before = ThirdParty.objects.get(code="SUP-01")
    outcome = _import(accountant, name)
    assert outcome.ok, outcome.problems
    assert (outcome.rows, outcome.created, outcome.changed) == (6, 5, 1)
    created = ThirdParty.objects.filter(code__in=NEW_IN_FRENCH).order_by("code")
    assert [p.code for p in created] == NEW_IN_FRENCH
    optics = ThirdParty.objects.get(code="FOURN-OPTIQUE")
    assert (optics.kind, optics.uen, optics.payment_terms_days) == ("supplier", "53012345B", 45)
    assert (optics.bank_swift, optics.bank_account_number) == ("DBSSSGSG", "072-345678-9")
    cnrs = ThirdParty.objects.get(code="CNRS-DR16")
    assert (cnrs.kind, cnrs.siret, cnrs.currency, cnrs.bank_iban) == (
        "partner",
        CNRS_SIRET,
        "EUR",
        EXAMPLE_IBAN,
    )
    assert ThirdParty.objects.get(code="LA-POSTE").siret == "35600000049837"
    assert ThirdParty.objects.get(code="NUS").kind == "customer"
    postdoc = ThirdParty.objects.get(code="POSTDOC-CIN")
    assert (postdoc.kind, postdoc.currency, postdoc.payment_terms_days) == ("staff", "SGD", 0)
    # An existing third party: its e-mail set, nothing else touched by the empty cells.
    after = ThirdParty.objects.get(code="SUP-01")
    assert after.email == "ventes@sup01.example"
    assert (after.name, after.kind) == (before.name, before.kind)
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions[-7:] == [
        *["third_party.create"] * 4,
        "third_party.create",
        "third_party.update",
        "import.third_parties",
    ]
    event = AuditEvent.objects.get(action="import.third_parties")
    assert event.lab is None and event.actor == accountant
    assert {k: (event.after or {})[k] for k in ("file_name", "rows", "created", "changed")} == {
        "file_name": name,
        "rows": 6,
        "created": 5,
        "changed": 1,
    }


def test_an_english_sheet_reads_a_siret_kept_in_a_number_cell(accountant):
    outcome = _import(accountant, "lo-en-third-parties.xlsx")
    assert outcome.ok, outcome.problems
    assert outcome.created == 3
    assert ThirdParty.objects.get(code="CNRS-PARIS").siret == CNRS_SIRET
    laser = ThirdParty.objects.get(code="LION-LASER")
    assert (laser.uen, laser.bank_swift) == ("T09LL0001D", "OCBCSGSG")
    assert ThirdParty.objects.get(code="VISITOR-1").kind == "staff"


def test_the_same_sheet_again_changes_nothing(accountant, cintra):
    assert _import(accountant, "lo-fr-tiers.ods").ok
    again = _import(accountant, "lo-fr-tiers.csv")
    assert again.ok and (again.created, again.changed) == (0, 0)
    preview = again.preview()
    assert preview is not None
    assert preview.summary == [
        ("New third parties", "0"),
        ("Third parties changed", "0"),
        ("Third parties unchanged", "6"),
    ]


def test_every_problem_is_told_by_row_and_column_and_nothing_is_written(accountant, cintra):
    count = ThirdParty.objects.count()
    outcome = _import(accountant, "lo-en-third-parties-mistakes.xlsx")
    assert [(p.row, p.column, p.message) for p in outcome.problems] == MISTAKES
    assert ThirdParty.objects.count() == count
    assert not AuditEvent.objects.filter(action__startswith="import.third").exists()


def test_the_problems_are_told_in_french(accountant, cintra):
    with translation.override("fr"):
        outcome = _import(accountant, "lo-en-third-parties-mistakes.xlsx")
    messages = [p.message for p in outcome.problems]
    assert "Ligne 7, colonne name : obligatoire pour un nouveau tiers (M-NONAME)" in messages, (
        messages
    )
    assert messages[0].startswith("Ligne 2, colonne uen : « 53012345D » a la forme d'un UEN")


def test_a_dry_run_previews_and_writes_nothing(accountant, cintra):
    outcome = _import(accountant, "lo-fr-tiers.ods", dry_run=True)
    assert outcome.ok and outcome.created == 0
    assert not ThirdParty.objects.filter(code="NUS").exists()
    preview = outcome.preview()
    assert preview is not None
    first = preview.groups[0].rows[0]
    assert first[:5] == ["2", "new", "FOURN-OPTIQUE", "Optique de Singapour Pte Ltd", "Supplier"]


def test_a_refusal_by_the_database_undoes_every_row(accountant, monkeypatch):
    """All or nothing: a service refusing the last row leaves the first ones unwritten."""
    import parties.imports as module

    real = module.third_party_create

    def refusing(**values):
        if values["code"] == "VISITOR-1":
            raise NotPermittedError("refused at the last row")
        return real(**values)

    monkeypatch.setattr(module, "third_party_create", refusing)
    outcome = _import(accountant, "lo-en-third-parties.xlsx")
    assert [p.message for p in outcome.problems] == [
        "Nothing was imported: refused at the last row"
    ]
    assert not ThirdParty.objects.filter(code__in=["LION-LASER", "CNRS-PARIS"]).exists()
    assert not AuditEvent.objects.filter(action__startswith="third_party.").exists()


def test_directors_and_auditors_import_nothing(director_cintra, auditor):
    for user in (director_cintra, auditor):
        with pytest.raises(NotPermittedError):
            _import(user, "lo-fr-tiers.csv")


# -- manage.py import_sheet third_parties FILE [--as USERNAME] ------------------------------


def test_the_command_imports_office_wide_without_a_lab(accountant, cintra, capsys):
    call_command(
        "import_sheet", "third_parties", str(FILES / "lo-fr-tiers.ods"), "--as", "accountant"
    )
    out = capsys.readouterr().out
    assert "lo-fr-tiers.ods (third_parties, office-wide): 6 rows imported" in out
    assert "New third parties 5, Third parties changed 1" in out
    assert ThirdParty.objects.filter(code="FOURN-OPTIQUE").exists()


def test_the_command_lists_every_problem_and_exits_1(accountant, cintra, capsys):
    with pytest.raises(CommandError) as failed:
        call_command(
            "import_sheet",
            "third_parties",
            str(FILES / "lo-en-third-parties-mistakes.xlsx"),
            "--as",
            "accountant",
        )
    assert str(failed.value).endswith("11 problems; nothing was imported")
    out = capsys.readouterr().out
    assert all(message in out for _, _, message in MISTAKES)


def test_the_command_refuses_a_lab_for_third_parties_and_wants_one_for_the_rest(
    accountant, director_cintra
):
    path = str(FILES / "lo-fr-tiers.csv")
    with pytest.raises(CommandError, match="office-wide: import them without --lab"):
        call_command("import_sheet", "third_parties", path, "--lab", "CINTRA")
    with pytest.raises(CommandError, match="--lab is required to import accounts"):
        call_command("import_sheet", "accounts", path)
    with pytest.raises(CommandError, match="director_cintra may not import third parties"):
        call_command("import_sheet", "third_parties", path, "--as", "director_cintra")
    assert not ThirdParty.objects.filter(code="NUS").exists()
