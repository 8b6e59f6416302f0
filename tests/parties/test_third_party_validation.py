"""The identifiers of a third party: Singapore UEN, French SIRET (La Poste's rule too),
IBAN, SWIFT/BIC, ISO country and currency codes; what is stored, and why a value is
refused, naming its field."""

from datetime import date

import pytest

from parties.exceptions import (
    BIC_INVALID,
    IBAN_CHECKSUM,
    IBAN_INVALID,
    IBAN_LENGTH,
    SIRET_CHECKSUM,
    SIRET_INVALID,
    UEN_CHECK_LETTER,
    UEN_FUTURE,
    UEN_INVALID,
)
from parties.validation import (
    COUNTRIES,
    CURRENCIES,
    bic_problem,
    check_fields,
    compact,
    iban_problem,
    luhn_valid,
    siret_problem,
    uen_problem,
)

TODAY = date(2026, 12, 4)


@pytest.mark.parametrize(
    "uen",
    [
        "53012345B",  # a business (ROB): 8 digits and a check letter
        "00192200M",
        "200604346E",  # the National University of Singapore, a local company (ROC)
        "200604393R",  # Nanyang Technological University
        "196800306E",  # DBS Bank Ltd
        "197401143C",
        "S16FC0121D",  # others: S (19xx) or T (20xx), year, entity type, 4 digits, letter
        "T01FC6132D",
        "T09LL0001D",  # a limited liability partnership of 2009
    ],
)
def test_valid_uens(uen):
    assert uen_problem(uen, today=TODAY) is None


@pytest.mark.parametrize(
    ("uen", "problem", "params"),
    [
        ("53012345D", UEN_CHECK_LETTER, {}),
        ("200604346F", UEN_CHECK_LETTER, {}),
        ("T09LL0001B", UEN_CHECK_LETTER, {}),
        ("202712345A", UEN_FUTURE, {"year": 2027}),
        ("T27LL0001A", UEN_FUTURE, {"year": 2027}),
        ("1234567B", UEN_INVALID, {}),  # 7 digits
        ("A0192200M", UEN_INVALID, {}),
        ("X09LL0001D", UEN_INVALID, {}),  # no such century letter
        ("T09L10001D", UEN_INVALID, {}),  # the entity type is two letters
        ("", UEN_INVALID, {}),
    ],
)
def test_invalid_uens(uen, problem, params):
    assert uen_problem(uen, today=TODAY) == (problem, params)


@pytest.mark.parametrize(
    "siret",
    [
        "18008901303720",  # the CNRS (SIREN 180089013)
        "73282932000074",
        "35600000000048",  # La Poste's head office: the Luhn key, as everyone's
        "35600000049837",  # a La Poste establishment: digits summing to a multiple of 5
        "35600000012346",
    ],
)
def test_valid_sirets(siret):
    assert siret_problem(siret) is None


@pytest.mark.parametrize(
    ("siret", "problem"),
    [
        ("18008901303721", SIRET_CHECKSUM),  # the last digit mistyped
        ("18008901303702", SIRET_CHECKSUM),  # two digits swapped
        ("35600000049838", SIRET_CHECKSUM),  # La Poste, its sum not a multiple of 5
        ("1800890130372", SIRET_INVALID),  # 13 digits
        ("1800890130372A", SIRET_INVALID),
        ("１８００８９０１３０３７２０", SIRET_INVALID),  # full-width digits are no SIRET
    ],
)
def test_invalid_sirets(siret, problem):
    assert siret_problem(siret) == (problem, {})


def test_la_postes_rule_is_not_luhns():
    # The establishment's SIRET fails Luhn and passes La Poste's own rule.
    assert not luhn_valid("35600000049837") and sum(map(int, "35600000049837")) % 5 == 0
    assert luhn_valid("35600000000048")


@pytest.mark.parametrize(
    "iban",
    [
        "FR7630006000011234567890189",
        "GB82WEST12345698765432",
        "DE89370400440532013000",
        "CH9300762011623852957",
        "NO9386011117947",  # the shortest (15)
        "BE68539007547034",
    ],
)
def test_valid_ibans(iban):
    assert iban_problem(iban) is None


@pytest.mark.parametrize(
    ("iban", "problem", "params"),
    [
        ("FR7630006000011234567890188", IBAN_CHECKSUM, {}),
        ("GB82WEST12345698765423", IBAN_CHECKSUM, {}),  # two digits swapped
        (
            "FR763000600001123456789018",
            IBAN_LENGTH,
            {"country": "FR", "expected": 27, "length": 26},
        ),
        ("XX82WEST12345698765432", IBAN_INVALID, {}),  # no such country
        ("FR76", IBAN_INVALID, {}),
        ("7630006000011234567890189", IBAN_INVALID, {}),
    ],
)
def test_invalid_ibans(iban, problem, params):
    assert iban_problem(iban) == (problem, params)


def test_identifiers_are_stored_compact():
    assert compact(" fr76 3000-6000.0112 3456 7890 189 ") == "FR7630006000011234567890189"
    assert compact("2006 04346 e") == "200604346E"


@pytest.mark.parametrize(
    ("bic", "valid"),
    [
        ("DBSSSGSG", True),
        ("DBSSSGSGXXX", True),
        ("BNPAFRPP", True),
        ("OCBCSGSG", True),
        ("DBSSQQSG", False),  # no country QQ
        ("DBS1SGSG", False),
        ("DBSSSGSGXX", False),  # 10 characters
    ],
)
def test_bics(bic, valid):
    assert (bic_problem(bic) is None) is valid
    if not valid:
        assert bic_problem(bic) == (BIC_INVALID, {})


def test_iso_codes():
    assert len(COUNTRIES) == 249 and {"SG", "FR", "MY", "VN"} <= COUNTRIES
    assert {"SGD", "EUR", "USD", "MYR", "VND"} <= CURRENCIES
    assert not {"EU", "UK", "XK"} & COUNTRIES and not {"XXX", "FRF"} & CURRENCIES


def test_each_problem_names_its_field_and_the_stored_values_are_compact():
    checked = check_fields(
        {
            "code": " SUP-9 ",
            "name": "Supplier 9",
            "kind": "SUPPLIER",
            "country": "sg",
            "uen": "5301 2345 b",
            "currency": "eur",
            "payment_terms_days": "45",
            "bank_iban": "GB82 WEST 1234 5698 7654 32",
        },
        today=TODAY,
    )
    assert checked.ok
    assert checked.values == {
        "code": "SUP-9",
        "name": "Supplier 9",
        "kind": "supplier",
        "country": "SG",
        "uen": "53012345B",
        "currency": "EUR",
        "payment_terms_days": 45,
        "bank_iban": "GB82WEST12345698765432",
    }
    wrong = check_fields({"country": "Singapore", "bank_swift": "DBS", "email": "x@"}, today=TODAY)
    assert wrong.problems == {
        "country": ["Country: « SINGAPORE » is not an ISO 3166 country code (SG, FR, ...)"],
        "email": ["E-mail: « x@ » is not an e-mail address"],
        "bank_swift": [
            "SWIFT/BIC: « DBS » is not a SWIFT/BIC code (4 letters for the bank, the country "
            "code, 2 letters or digits for the place, and optionally 3 for the branch)"
        ],
    }
    too_long = check_fields({"code": "C" * 41}, today=TODAY)
    assert too_long.problems == {"code": ["Code: 41 characters, at most 40"]}
