"""The third parties' sheet imported from the web (/third-parties/import/): a sheet made by
LibreOffice previewed (nothing written), then confirmed (every row, audited); a sheet
with mistakes listed by row and column and never kept; only the previewed bytes, of the
same user, are ever imported; who may import; the template."""

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ledger.models import AuditEvent
from parties.imports import COLUMNS
from parties.models import ThirdParty

pytestmark = pytest.mark.django_db

FILES = Path(__file__).resolve().parent / "third_party_sheets" / "files"
IMPORT = "/third-parties/import/"
CONFIRM = "/third-parties/import/confirm/"
TEMPLATE = "/third-parties/import/template/"


@pytest.fixture(autouse=True)
def _kept_in_tmp(settings, tmp_path: Path) -> Path:
    settings.IMPORT_UPLOAD_DIR = tmp_path / "uploads"
    return tmp_path / "uploads" / "third-parties"


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, name: str, data: bytes | None = None):
    data = (FILES / name).read_bytes() if data is None else data
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data)})


def sha256_of(response) -> str:
    return response.context["outcome"].sha256


def test_a_sheet_is_previewed_then_imported_as_it_was_previewed(accountant, cintra, _kept_in_tmp):
    client = client_of(accountant)
    page = client.get("/third-parties/")
    assert IMPORT in page.content.decode()  # the list links to the import
    before = ThirdParty.objects.count()
    preview = upload(client, "lo-fr-tiers.ods")
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "FOURN-OPTIQUE" in text and "CNRS-DR16" in text
    assert "Import the sheet" in text
    # Nothing is written by the preview; the bytes wait for the confirmation.
    assert ThirdParty.objects.count() == before
    assert not AuditEvent.objects.filter(action="import.third_parties").exists()
    assert len(list(_kept_in_tmp.iterdir())) == 2
    done = client.post(CONFIRM, {"sha256": sha256_of(preview)})
    assert done.status_code == 302 and done["Location"] == "/third-parties/"
    assert ThirdParty.objects.count() == before + 5
    assert ThirdParty.objects.get(code="FOURN-OPTIQUE").uen == "53012345B"
    event = AuditEvent.objects.get(action="import.third_parties")
    assert (event.actor, event.lab, (event.after or {})["created"]) == (accountant, None, 5)
    assert list(_kept_in_tmp.iterdir()) == []  # forgotten once used
    message = client.get("/third-parties/").content.decode()
    assert "lo-fr-tiers.ods is imported: 5 third parties created, 1 changed." in message
    # The same preview cannot be confirmed twice.
    again = client.post(CONFIRM, {"sha256": sha256_of(preview)})
    assert again.status_code == 400
    assert "That preview has expired" in again.content.decode()
    assert AuditEvent.objects.filter(action="import.third_parties").count() == 1


def test_a_sheet_with_mistakes_lists_them_by_row_and_column_and_is_never_kept(
    accountant, cintra, _kept_in_tmp
):
    client = client_of(accountant)
    before = ThirdParty.objects.count()
    preview = upload(client, "lo-en-third-parties-mistakes.xlsx")
    assert preview.status_code == 400
    problems = preview.context["outcome"].problems
    assert (problems[0].row, problems[0].column) == (2, "uen")
    text = preview.content.decode()
    assert "check letter is wrong" in text and "nothing was imported" in text
    assert "Import the sheet" not in text
    assert not _kept_in_tmp.exists() or list(_kept_in_tmp.iterdir()) == []
    refused = client.post(CONFIRM, {"sha256": sha256_of(preview)})
    assert refused.status_code == 400
    assert ThirdParty.objects.count() == before


def test_not_a_spreadsheet_and_too_large_are_refused_with_the_reason(accountant, settings):
    client = client_of(accountant)
    fake = upload(client, "parties.xlsx", b"MZ\x90\x00 not a workbook at all")
    assert fake.status_code == 400
    assert fake.context["outcome"].problems  # the file's refusal, named
    settings.IMPORT_MAX_BYTES = 100
    large = upload(client, "parties.csv", b"code,name,kind\n" + b"X" * 200)
    assert large.status_code == 400
    assert "files over 100 bytes are refused" in large.content.decode()
    assert not ThirdParty.objects.filter(code="X").exists()


def test_only_the_user_who_previewed_confirms_and_only_a_sha256(accountant, office_head, cintra):
    preview = upload(client_of(accountant), "lo-fr-tiers.csv")
    assert preview.status_code == 200
    before = ThirdParty.objects.count()
    other = client_of(office_head).post(CONFIRM, {"sha256": sha256_of(preview)})
    assert other.status_code == 400  # another user's preview is no preview of theirs
    for forged in ("../../etc/passwd", "0" * 64, ""):
        assert client_of(accountant).post(CONFIRM, {"sha256": forged}).status_code == 400
    assert ThirdParty.objects.count() == before


def test_directors_and_auditors_import_nothing(
    accountant, director_cintra, auditor, cintra, _kept_in_tmp
):
    preview = upload(client_of(accountant), "lo-fr-tiers.csv")
    before = ThirdParty.objects.count()
    for user, status in ((director_cintra, 404), (auditor, 403)):
        client = client_of(user)
        assert client.get(IMPORT).status_code == status
        assert upload(client, "lo-fr-tiers.csv").status_code == status
        assert client.post(CONFIRM, {"sha256": sha256_of(preview)}).status_code == status
        assert client.get(TEMPLATE).status_code == status
    assert ThirdParty.objects.count() == before


def test_the_template_holds_the_columns_the_import_reads(accountant):
    response = client_of(accountant).get(TEMPLATE)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "irl-ledger-third_parties-template.xlsx" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    assert sheet.title == "Third parties"
    header = [cell.value for cell in sheet[1]]
    assert header == [column.name for column in COLUMNS]


def test_the_page_reads_in_french(accountant):
    client = client_of(accountant)
    client.cookies["django_language"] = "fr"
    text = client.get(IMPORT, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Importer une feuille de tiers" in text


def test_the_upload_limit_is_said_in_megabytes(accountant, settings):
    settings.IMPORT_MAX_BYTES = 10_000_000
    assert "at most 10.0 MB" in client_of(accountant).get(IMPORT).content.decode()


def test_a_preview_of_yesterday_is_confirmed_no_more(accountant, cintra, _kept_in_tmp):
    import os
    import time

    client = client_of(accountant)
    preview = upload(client, "lo-fr-tiers.csv")
    day_and_a_minute_ago = time.time() - 24 * 3600 - 60
    for kept_file in _kept_in_tmp.iterdir():
        os.utime(kept_file, (day_and_a_minute_ago, day_and_a_minute_ago))
    before = ThirdParty.objects.count()
    late = client.post(CONFIRM, {"sha256": sha256_of(preview)})
    assert late.status_code == 400 and "That preview has expired" in late.content.decode()
    assert ThirdParty.objects.count() == before
