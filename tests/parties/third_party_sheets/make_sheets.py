"""Sheets of third parties as accountants make them, written by LibreOffice headless.

    .venv/bin/python -m tests.parties.third_party_sheets.make_sheets

rewrites tests/parties/third_party_sheets/files/ (committed: the tests only read them).
It needs LibreOffice (`soffice`, Debian's libreoffice-calc-nogui; made with LibreOffice
7.4.7.2), driven as tests/imports/realworld/make_realworld.py drives it: an openpyxl
workbook holding what the accountant typed (text cells for the identifiers, numbers for
the payment terms) is opened by LibreOffice with a user profile of the locale, and saved
in the target format:

* ``lo-fr-tiers.ods``: French headers and words (fournisseur, partenaire, client,
  personnel), fr-FR, saved as .ods;
* ``lo-fr-tiers.csv``: the same sheet saved by fr-FR LibreOffice as CSV (semicolons,
  UTF-8, cells as shown);
* ``lo-en-third-parties.xlsx``: English headers and words, en-GB, saved as .xlsx; its
  SIRET is a number cell, as a sheet holds it when nobody formatted the column as text;
* ``lo-en-third-parties-mistakes.xlsx``: a mistake in nearly every row, each reported
  by row and column (tests/parties/test_third_party_import.py has the list).
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __name__ == "__main__" and __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from tests.imports.realworld.make_realworld import Office, SheetSpec, csv_filter, workbook

FILES = Path(__file__).resolve().parent / "files"

FRENCH_HEADER = [
    "Code",
    "Nom",
    "Type",
    "Pays",
    "UEN",
    "SIRET",
    "Devise",
    "Délai de paiement (jours)",
    "Courriel",
    "Adresse",
    "Banque",
    "Titulaire du compte",
    "Numéro de compte",
    "BIC",
    "IBAN",
]
FRENCH_ROWS: list[list[Any]] = [
    [
        "FOURN-OPTIQUE",
        "Optique de Singapour Pte Ltd",
        "Fournisseur",
        "SG",
        "5301 2345 B",
        "",
        "SGD",
        45,
        "compta@optique.example",
        "10 Science Park Road, Singapour 117684",
        "DBS Bank Ltd",
        "Optique de Singapour Pte Ltd",
        "072-345678-9",
        "DBSSSGSG",
        "",
    ],
    [
        "CNRS-DR16",
        "CNRS, délégation Paris-Normandie",
        "partenaire",
        "FR",
        "",
        "180 089 013 03720",
        "EUR",
        30,
        "",
        "",
        "Banque de France",
        "Agent comptable secondaire du CNRS",
        "",
        "BDFEFRPPCCT",
        "FR76 3000 6000 0112 3456 7890 189",
    ],
    [
        "LA-POSTE",
        "La Poste, bureau du Louvre",
        "fournisseur",
        "FR",
        "",
        "35600000049837",
        "EUR",
        0,
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "NUS",
        "National University of Singapore",
        "client",
        "SG",
        "200604346E",
        "",
        "SGD",
        60,
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    ["POSTDOC-CIN", "Chercheur postdoctoral, CINTRA", "personnel", "SG"]
    + [""] * 3
    + [0]
    + [""] * 7,
    # A third party already in the file: its e-mail given, the rest left as stored.
    ["SUP-01", "", "", "", "", "", "", "", "ventes@sup01.example"] + [""] * 6,
]
ENGLISH_HEADER = [
    "Code",
    "Name",
    "Kind",
    "Country",
    "UEN",
    "SIRET",
    "Currency",
    "Payment terms (days)",
    "E-mail",
    "Address",
    "Bank",
    "Account holder",
    "Account number",
    "SWIFT",
    "IBAN",
]


def _english(code: str, name: str, kind: str, **cells: Any) -> list[Any]:
    row: dict[str, Any] = {"Code": code, "Name": name, "Kind": kind, "Currency": "SGD"}
    row.update({key.replace("_", " "): value for key, value in cells.items()})
    return [row.get(column, "") for column in ENGLISH_HEADER]


ENGLISH_ROWS = [
    _english(
        "LION-LASER",
        "Lion Laser Systems Pte Ltd",
        "supplier",
        Country="SG",
        UEN="T09LL0001D",
        **{"Payment terms (days)": 30, "Account number": "003-901234-5", "SWIFT": "OCBCSGSG"},
    ),
    _english(
        "CNRS-PARIS",
        "CNRS Délégation Paris-Centre",
        "partner",
        Country="FR",
        SIRET=18008901303720,  # a number cell
        Currency="EUR",
        IBAN="FR7630006000011234567890189",
        **{"Payment terms (days)": 30},
    ),
    _english("VISITOR-1", "Visiting professor", "Staff member", **{"Payment terms (days)": 0}),
]
MISTAKES_ROWS = [
    _english("M-UEN", "Check letter", "supplier", UEN="53012345D"),
    _english("M-SIRET", "SIRET key", "supplier", SIRET="18008901303721"),
    _english("M-KIND", "Unknown kind", "vendorr", Country="XX"),
    _english("M-IBAN", "IBAN key", "partner", IBAN="FR7630006000011234567890188"),
    _english("M-UEN", "Again", "supplier"),
    _english("M-NONAME", "", "supplier"),
    _english("M-TERMS", "Terms in words", "other", **{"Payment terms (days)": "thirty"}),
    _english("sup-01", "Case only", "supplier"),
    _english("M-SWIFT", "Bad BIC", "supplier", SWIFT="DBS1SGSG", **{"E-mail": "no-at-sign"}),
]


def make(office: Office) -> dict[str, bytes]:
    french = workbook(SheetSpec("Tiers", [FRENCH_HEADER, *FRENCH_ROWS], widths=22))
    english = workbook(
        SheetSpec("Third parties", [ENGLISH_HEADER, *ENGLISH_ROWS], formats={5: "0"}, widths=22)
    )
    mistakes = workbook(SheetSpec("Third parties", [ENGLISH_HEADER, *MISTAKES_ROWS], widths=22))
    return {
        "lo-fr-tiers.ods": office.save_as(french, "fr-FR", "ods", "tiers"),
        "lo-fr-tiers.csv": office.save_as(
            french, "fr-FR", "csv:Text - txt - csv (StarCalc):" + csv_filter(";", "fr-FR"), "tiers"
        ),
        "lo-en-third-parties.xlsx": office.save_as(english, "en-GB", "xlsx", "third-parties"),
        "lo-en-third-parties-mistakes.xlsx": office.save_as(
            mistakes, "en-GB", "xlsx", "third-parties-mistakes"
        ),
    }


def main(argv: Sequence[str]) -> None:
    FILES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="third-party-sheets-") as scratch:
        for name, data in make(Office(Path(scratch))).items():
            (FILES / name).write_bytes(data)
            print(f"{len(data):>7}  {name}")


if __name__ == "__main__":
    main(sys.argv[1:])
