"""The bank pages through the test client, as the office uses them: an accountant adds a
bank account, imports March (upload, preview, confirm), reconciles it (one click for the
obvious matches, a suggestion, matches by hand, the charge and interest booked) and
downloads the statement; directors and auditors read and act on nothing (403); another
lab's people get 404; hostile input answers 400 or 404 and changes nothing."""

from decimal import Decimal
from html import unescape

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from banking.models import BankAccount, BankMatch, BankStatement, BankStatementLine
from banking.services import bank_statement_import
from ledger.models import JournalEntry
from tests.banking.story import bank_line, file
from tests.books import account

D = Decimal


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def base(bank_account: BankAccount) -> str:
    return f"/labs/CINTRA/bank/{bank_account.pk}/"


def march(bank_account: BankAccount) -> str:
    return base(bank_account) + "2025/3/"


def import_march(client: Client, bank_account: BankAccount, name: str = "dbs-cintra-2025-03.csv"):
    preview = client.post(
        base(bank_account) + "import/", {"file": SimpleUploadedFile(name, file(name))}
    )
    assert preview.status_code == 200
    html = preview.content.decode()
    sha256 = html.split('name="sha256" value="')[1].split('"')[0]
    return client.post(base(bank_account) + "import/confirm/", {"sha256": sha256})


def test_an_accountant_adds_a_bank_account_with_a_banks_csv_layout(accountant, cintra, books):
    client = logged_in(accountant)
    assert client.get("/labs/CINTRA/bank/new/").status_code == 200

    response = client.post(
        "/labs/CINTRA/bank/new/",
        {
            "name": "OCBC grants account",
            "bank_name": "OCBC",
            "account_number": "601-234567-001",
            "currency": "SGD",
            "account": account(cintra, "5122").pk,
            "opening_date": "2025-02-28",
            "opening_balance": "0",
            "preset": "ocbc",
            "csv_date_format": "%d/%m/%Y",
            "csv_decimal_separator": ".",
            "csv_delimiter": ",",
        },
    )

    assert response.status_code == 302
    created = BankAccount.objects.get(name="OCBC grants account")
    assert (created.csv_date_column, created.csv_debit_column) == (
        "Transaction date",
        "Withdrawals (SGD)",
    )
    assert created.journal is not None and created.journal.code == "BQS"
    # The same account twice is refused with the reason, 400.
    again = client.post(
        "/labs/CINTRA/bank/new/",
        {
            "name": "Another",
            "currency": "SGD",
            "account": account(cintra, "5122").pk,
            "opening_balance": "0",
            "csv_date_format": "%d/%m/%Y",
            "csv_decimal_separator": ".",
            "csv_delimiter": ",",
        },
    )
    assert again.status_code == 400
    assert "Account 5122 is already reconciled by the bank account OCBC grants account" in (
        unescape(again.content.decode())
    )


def test_the_whole_month_from_the_pages(accountant, dbs, books, cintra):
    client = logged_in(accountant)

    confirmed = import_march(client, dbs)
    assert confirmed.status_code == 302
    statement = BankStatement.objects.get()
    assert confirmed["Location"] == base(dbs) + f"statements/{statement.pk}/"
    page = client.get(march(dbs), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Confirm the 3 obvious matches" in page
    assert page.count('name="statement_line"') >= 8

    assert client.post(march(dbs) + "obvious/", {"confirm": "1"}).status_code == 302
    lines = {(ln.booking_date.day, str(ln.amount)): ln.pk for ln in BankStatementLine.objects.all()}
    suggested = client.post(
        march(dbs) + "match/",
        {
            "statement_line": lines[(5, "-1351.60")],
            "book_line": bank_line(books["b2"]).pk,
            "kind": "suggested",
        },
    )
    assert suggested.status_code == 302
    by_hand = client.post(
        march(dbs) + "match/",
        {
            "statement_line": [lines[(25, "-980.00")]],
            "book_line": [
                bank_line(books["b8"], "-650.00").pk,
                bank_line(books["b8"], "-330.00").pk,
            ],
        },
    )
    assert by_hand.status_code == 302
    client.post(
        march(dbs) + "match/",
        {"statement_line": lines[(20, "-1351.60")], "book_line": bank_line(books["b5"]).pk},
    )
    booked = client.post(
        march(dbs) + "entries/",
        {"statement_line": [lines[(31, "-55.30")]], "account": account(cintra, "627").pk},
    )
    assert booked.status_code == 302
    client.post(
        march(dbs) + "entries/",
        {"statement_line": [lines[(31, "12.48")]], "account": account(cintra, "768").pk},
    )

    assert BankStatementLine.objects.filter(match_link__isnull=True).count() == 0
    assert sorted(BankMatch.objects.values_list("kind", flat=True)) == [
        "entry",
        "entry",
        "manual",
        "manual",
        "obvious",
        "obvious",
        "obvious",
        "suggested",
    ]
    page = client.get(march(dbs), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    reconciled = "Reconciled: every bank line is matched or booked and the adjusted balances agree."
    assert reconciled in page
    assert "Every bank line is matched." in page
    account_page = client.get(base(dbs), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Reconciled" in account_page

    pdf = client.post(march(dbs) + "statement/", {"language": "fr", "format": "pdf"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Cache-Control"] == "no-store"
    assert 'filename="CINTRA_bank-reconciliation_512_2025-03_fr.pdf"' in pdf["Content-Disposition"]
    assert pdf.content.startswith(b"%PDF")


def test_a_match_that_does_not_agree_is_said_on_the_page(accountant, dbs, books):
    client = logged_in(accountant)
    import_march(client, dbs)
    line = BankStatementLine.objects.get(amount=D("-980.00"))

    response = client.post(
        march(dbs) + "match/",
        {"statement_line": line.pk, "book_line": bank_line(books["b8"], "-650.00").pk},
        follow=True,
    )

    assert "The amounts do not agree: statement lines -980.00, book lines -650.00" in unescape(
        response.content.decode()
    )
    assert not BankMatch.objects.exists()


def test_a_preview_lists_the_problems_and_keeps_nothing(accountant, dbs):
    client = logged_in(accountant)

    response = client.post(
        base(dbs) + "import/",
        {"file": SimpleUploadedFile("dbs-broken.csv", file("dbs-broken.csv"))},
    )

    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert "The file has 4 problems: nothing was imported." in html
    assert "Row 4, column Debit Amount: “1.234,5x” is not an amount" in html
    assert 'name="sha256"' not in html
    assert BankStatement.objects.count() == 0


@override_settings(BANK_STATEMENT_MAX_BYTES=100)
def test_an_upload_over_the_limit_is_refused_before_it_is_read(accountant, dbs):
    response = logged_in(accountant).post(
        base(dbs) + "import/",
        {"file": SimpleUploadedFile("dbs.csv", file("dbs-cintra-2025-03.csv") * 200)},
    )
    assert response.status_code == 413
    assert BankStatementLine.objects.count() == 0


def test_a_confirmation_of_nothing_previewed_is_refused(accountant, dbs):
    client = logged_in(accountant)
    assert client.post(base(dbs) + "import/confirm/", {"sha256": "0" * 64}).status_code == 400
    assert client.post(base(dbs) + "import/confirm/", {"sha256": "../x"}).status_code == 400
    assert BankStatementLine.objects.count() == 0


def test_directors_and_auditors_read_the_pages_and_act_on_nothing(
    director_cintra, auditor, accountant, dbs, books
):
    bank_statement_import(
        acting_user=accountant,
        bank_account=dbs,
        file_name="dbs-cintra-2025-03.csv",
        data=file("dbs-cintra-2025-03.csv"),
    )
    for user in (director_cintra, auditor):
        client = logged_in(user)
        for url in ("/labs/CINTRA/bank/", base(dbs), march(dbs)):
            response = client.get(url)
            assert response.status_code == 200, url
            assert 'name="statement_line"' not in response.content.decode()
        for url in (
            march(dbs) + "obvious/",
            march(dbs) + "match/",
            march(dbs) + "entries/",
            march(dbs) + "unmatch/",
            base(dbs) + "import/",
            base(dbs) + "settings/",
            "/labs/CINTRA/bank/new/",
        ):
            assert client.post(url, {"confirm": "1"}).status_code == 403, url
        # The statement is theirs to read.
        statement = client.post(march(dbs) + "statement/", {"language": "en", "format": "xlsx"})
        assert statement.status_code == 200
    assert not BankMatch.objects.exists()


def test_another_labs_people_get_404(director_majulab, dbs, books):
    client = logged_in(director_majulab)
    for url in ("/labs/CINTRA/bank/", base(dbs), march(dbs), base(dbs) + "settings/"):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(march(dbs) + "statement/", {"language": "en", "format": "pdf"}).status_code
        == 404
    )
    # Their own lab's address with CINTRA's bank account: 404 too.
    assert client.get(f"/labs/MAJULAB/bank/{dbs.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("2025/13/", 404),
        ("0/3/", 404),
        ("2025/3/?window=abc", 400),
        ("2025/3/?window=999", 400),
        ("2025/3/?window=-1", 400),
        ("statements/999999/", 404),
    ],
)
def test_hostile_addresses(accountant, dbs, path: str, status: int):
    assert logged_in(accountant).get(base(dbs) + path).status_code == status


def test_empty_or_hostile_forms_answer_400_and_write_nothing(accountant, dbs, books):
    client = logged_in(accountant)
    import_march(client, dbs)
    entries = JournalEntry.objects.count()
    for url, data in (
        ("obvious/", {}),
        ("match/", {}),
        ("match/", {"statement_line": "1 OR 1=1"}),
        ("match/", {"book_line": "9" * 40}),
        ("entries/", {"statement_line": "1"}),
        ("unmatch/", {"match": "x"}),
        ("statement/", {"language": "de", "format": "pdf"}),
    ):
        response = client.post(march(dbs) + url, data)
        assert response.status_code == 400, (url, data)
    assert not BankMatch.objects.exists()
    assert JournalEntry.objects.count() == entries


def test_the_pages_in_french(accountant, dbs, books):
    client = logged_in(accountant)
    import_march(client, dbs)

    html = unescape(client.get(march(dbs), HTTP_ACCEPT_LANGUAGE="fr").content.decode())

    assert "Rapprochement bancaire, mars 2025" in html
    assert "Confirmer les 3 rapprochements évidents" in html
    assert "Rapprocher les lignes cochées" in html
    listing = unescape(client.get("/labs/CINTRA/bank/", HTTP_ACCEPT_LANGUAGE="fr").content.decode())
    assert "Comptes bancaires et rapprochement" in listing
