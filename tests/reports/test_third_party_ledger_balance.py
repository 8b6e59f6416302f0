"""Third-party ledger and third-party balance of the worked example
(tests/reports/third_party_books.py): per account and third party, and always in
agreement with the trial balance (and the general ledger) of the same period, in one
fiscal year and across a closed year; files in both languages; the command and the page.
"""

import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from pypdf import PdfReader

from ledger.models import LedgerChain
from reports.builders import (
    general_ledger_build,
    statement_build,
    third_party_balance_build,
    third_party_ledger_build,
    trial_balance_build,
)
from reports.exceptions import NO_THIRD_PARTY, OPTION_NOT_FOR_KIND, StatementError
from reports.models import IssuedStatement
from reports.services import render
from reports.statement import Statement
from tests.reports.conftest import chancellery_rates, close_year
from tests.reports.tables import sections
from tests.reports.third_party_books import (
    PartyBooks,
    money,
    moneys,
    party_books,
    payment,
    post,
    text,
)

D = Decimal
NBSP = "\u00a0"
JUNE = date(2025, 6, 30)
PARTY_ACCOUNTS = ("401", "411", "421", "467")


@pytest.fixture
def books(accountant: User) -> PartyBooks:
    return party_books(accountant)


def trial_balance_figures(statement: Statement) -> dict[str, tuple[Decimal, ...]]:
    """Per account: opening, debit, credit, closing."""
    return {
        text(row, 0): moneys(row, 2, 6)
        for rows in sections(statement).values()
        for row in rows
        if row.cells[0]
    }


def balance_by_account(statement: Statement) -> dict[str, tuple[Decimal, ...]]:
    """Per account, from its total row: opening, debit, credit, closing (signed)."""
    found: dict[str, tuple[Decimal, ...]] = {}
    for title, rows in sections(statement).items():
        total = rows[-1]
        assert total.style == "subtotal"
        od, oc, debit, credit, cd, cc = moneys(total, 2)
        found[title.split()[0]] = (od - oc, debit, credit, cd - cc)
    return found


def test_the_balance_per_third_party(books: PartyBooks):
    statement = third_party_balance_build(lab=books.lab, date_to=JUNE)
    rows = {title: [r.cells for r in rs] for title, rs in sections(statement).items()}
    zero = D("0.00")
    assert rows["401 Suppliers"] == [
        ("ALPHA", "Alpha Optics Pte Ltd", zero, zero, D("1000"), D("1970"), zero, D("970")),
        ("BETA", "Beta Lasers Pte Ltd", zero, zero, D("800"), D("2700"), zero, D("1900")),
        ("", "Total 401", zero, zero, D("1800.00"), D("4670.00"), zero, D("2870.00")),
    ]  # fmt: skip
    assert rows["467 Other debtors and creditors"][0] == (
        "STAFF-2", "Staff member two", zero, zero, D("300.00"), zero, D("300.00"), zero,
    )  # fmt: skip
    assert statement.totals[0].cells == (
        "", "Total", zero, zero, D("14600.00"), D("10790.00"), D("6800.00"), D("2990.00"),
    )  # fmt: skip


@pytest.mark.parametrize(
    "period",
    [
        {"year": 2025},
        {"date_from": date(2025, 3, 1), "date_to": JUNE},
        {"date_from": date(2025, 2, 16), "date_to": date(2025, 5, 31)},
    ],
)
def test_the_balance_and_the_ledger_agree_with_the_trial_balance(
    books: PartyBooks, period: dict[str, Any]
):
    trial = trial_balance_figures(trial_balance_build(lab=books.lab, **period))
    wanted = {code: trial[code] for code in PARTY_ACCOUNTS if code in trial}
    assert balance_by_account(third_party_balance_build(lab=books.lab, **period)) == wanted
    ledger = third_party_ledger_build(lab=books.lab, **period)
    found = sections(ledger)  # the lines, each with its running balance
    for title, rows in found.items():
        lines = [r for r in rows if r.style == "normal"]
        balance = money(rows[0], 9) + sum((money(r, 7) - money(r, 8) for r in lines), D(0))
        assert rows[-1].cells[9] == balance, title
    totals = {text(r, 4).split()[1]: moneys(r, 7) for r in ledger.totals[:-1]}
    assert totals == {code: (f[1], f[2], f[3]) for code, f in wanted.items()}


def test_the_ledger_lists_each_line_with_its_due_date_and_lettering(books: PartyBooks):
    statement = third_party_ledger_build(lab=books.lab, date_to=JUNE, language="fr")
    rows = sections(statement)
    assert statement.title == "Grand livre auxiliaire des tiers 2025"
    beta = [r.cells for r in rows["401 · BETA Beta Lasers Pte Ltd"]]
    assert beta[0][4:] == ("Solde d'ouverture", None, "", None, None, D("0.00"))
    assert beta[1] == (
        date(2025, 3, 1), "ACH", "ACH-2025-000003", "P9", "Laser diodes", date(2025, 4, 1),
        "", None, D("400.00"), D("-400.00"),
    )  # fmt: skip  # lettered AC on 10 July, after the period
    assert beta[3][5:7] == (date(2025, 7, 4), "ab")  # P4: 2 May + 60 days; partial
    assert beta[4][0:7] == (date(2025, 6, 10), "BQS", "BQS-2025-000004", "P5",
                            "Beta paid in part", None, "ab")  # fmt: skip
    assert beta[-1][4:] == (
        "Total de la période et solde de clôture", None, "", D("800.00"), D("2700.00"),
        D("-1900.00"),
    )  # fmt: skip
    alpha = [r.cells for r in rows["401 · ALPHA Alpha Optics Pte Ltd"]]
    assert [(c[3], c[6]) for c in alpha[1:3]] == [("P1", "AA"), ("P3", "AA")]  # complete


def test_the_ledger_agrees_with_the_general_ledger(books: PartyBooks):
    general = sections(general_ledger_build(lab=books.lab, year=2025))
    ledger = third_party_ledger_build(lab=books.lab, year=2025)
    for code in PARTY_ACCOUNTS:
        [title] = [t for t in general if t.split()[0] == code]
        closing = general[title][-1]
        [total] = [r for r in ledger.totals[:-1] if text(r, 4).split()[1] == code]
        assert total.cells[7:] == closing.cells[4:7]


def test_one_third_party_and_refusals(books: PartyBooks):
    statement = third_party_ledger_build(lab=books.lab, year=2025, third_party="PARTNER-X")
    assert list(sections(statement)) == ["411 · PARTNER-X Partner X University"]
    assert statement.parameters["third_party"] == "PARTNER-X"
    assert statement.notes[-1] == "One third party only: PARTNER-X Partner X University."
    with pytest.raises(StatementError) as refused:
        third_party_balance_build(lab=books.lab, year=2025, third_party="NOBODY")
    assert str(refused.value) == NO_THIRD_PARTY.format(code="NOBODY")
    with pytest.raises(StatementError) as refused:
        statement_build(kind="trial-balance", lab=books.lab, year=2025, third_party="ALPHA")
    assert str(refused.value) == OPTION_NOT_FOR_KIND.format(
        option="third-party",
        kind="payables-ageing or receivables-ageing or third-party-ledger or third-party-balance",
    )


def test_eur_statements_convert_and_show_the_rates(books: PartyBooks):
    chancellery_rates()
    statement = third_party_ledger_build(lab=books.lab, date_to=JUNE, currency="EUR")
    assert statement.currency == "EUR" and statement.annex_rows
    rows = sections(statement)["411 · PARTNER-X Partner X University"]
    assert rows[1].cells[7] == D("6896.55")  # 10,000.00 SGD / 1.45 (January)
    ageing = statement_build(kind="receivables-ageing", lab=books.lab, date_to=JUNE,
                             currency="EUR")  # fmt: skip
    partner = sections(ageing)["411 · PARTNER-X Partner X University"]
    items = sum((money(r, 11) for r in partner if r.style == "normal"), D(0))
    notes = sum((money(r, 11) for r in partner if r.style == "note"), D(0))
    assert items + notes == partner[-1].cells[11]  # the items, and their rounding if any


# Across a closed year ------------------------------------------------------------------


@pytest.fixture
def closed(books: PartyBooks) -> PartyBooks:
    """2025 closed by the real service: the opening entry of 2026 carries 401, 411, 421
    and 467 per third party; then ALPHA is paid 500 (P2) in January 2026."""
    close_year(books.user, books.lab, 2025)
    post(books.user, books.lab, "BQS", date(2026, 1, 15), "Alpha paid", "P2-PAY",
         payment("ALPHA", "500.00"))  # fmt: skip
    return books


def test_after_closing_the_opening_entry_is_not_counted_twice(closed: PartyBooks):
    lab = closed.lab
    december = statement_build(kind="payables-ageing", lab=lab, date_to=date(2025, 12, 31))
    new_year = statement_build(kind="payables-ageing", lab=lab, date_to=date(2026, 1, 1))
    # The same items, each with its own due date, not the opening entry's one line a party.
    assert new_year.totals[-1].cells[6:] == december.totals[-1].cells[6:]
    assert money(december.totals[-1], 11) == D("2990.00") + D("999.00") - D("400.00")
    january = statement_build(kind="payables-ageing", lab=lab, date_to=date(2026, 1, 31))
    assert money(january.totals[-1], 11) == money(december.totals[-1], 11) - D("500.00")


def test_after_closing_each_third_party_opens_with_its_closing_balance(closed: PartyBooks):
    lab = closed.lab
    last = {
        (title, row.cells[0]): row.cells[6:]
        for title, rows in sections(third_party_balance_build(lab=lab, year=2025)).items()
        for row in rows
    }
    following = {
        (title, row.cells[0]): row.cells[2:4]
        for title, rows in sections(third_party_balance_build(lab=lab, year=2026)).items()
        for row in rows
    }
    assert following == last
    for period in ({"year": 2026}, {"date_from": date(2025, 7, 1), "date_to": date(2026, 1, 31)}):
        trial = trial_balance_figures(trial_balance_build(lab=lab, **period))
        wanted = {code: trial[code] for code in PARTY_ACCOUNTS if code in trial}
        assert balance_by_account(third_party_balance_build(lab=lab, **period)) == wanted
    ledger = sections(third_party_ledger_build(lab=lab, year=2026))
    alpha = [r.cells for r in ledger["401 · ALPHA Alpha Optics Pte Ltd"]]
    assert alpha[0][9] == D("-1969.00")  # 970 + 999 from 2025, carried by the AN entry
    assert [c[3] for c in alpha if c[0]] == ["P2-PAY"]  # the AN entry is no line here


# Files, command and page ---------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return text.replace(NBSP, " ")


def test_files_in_english_and_french(books: PartyBooks):
    english = pdf_text(render(third_party_balance_build(lab=books.lab, date_to=JUNE), "pdf"))
    assert "Third-party balance 2025" in english
    assert "BETA Beta Lasers Pte Ltd 0.00 0.00 800.00 2,700.00 0.00 1,900.00" in english
    french = pdf_text(render(third_party_ledger_build(lab=books.lab, date_to=JUNE,
                                                      language="fr"), "pdf"))  # fmt: skip
    assert "Grand livre auxiliaire des tiers 2025" in french
    assert "Date Jal Écriture Pièce Libellé Échéance Let. Débit Crédit Solde" in french
    assert "Total 401 Fournisseurs 1 800,00 4 670,00 -2 870,00" in french
    data = render(third_party_balance_build(lab=books.lab, date_to=JUNE, language="fr"), "xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    assert next(r for r in rows if r[0] == "Tiers")[2:] == (
        "Solde d'ouverture débiteur", "Solde d'ouverture créditeur", "Débit", "Crédit",
        "Solde de clôture débiteur", "Solde de clôture créditeur",
    )  # fmt: skip
    partner = next(r for r in rows if r[0] == "PARTNER-X")
    assert partner[2:] == (0, 0, 12500, 6000, 6500, 0)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("statement", *args, stdout=out)
    return out.getvalue()


def test_the_command_issues_them_with_their_proof(books: PartyBooks, tmp_path: Path):
    output = run("payables-ageing", "--lab", "IPAL", "--at", "2025-06-30", "--third-party",
                 "BETA", "--format", "xlsx", "--lang", "fr", "-o", str(tmp_path))  # fmt: skip
    issued = IssuedStatement.objects.get()
    path = tmp_path / "IPAL_payables-ageing_20250101-20250630_BETA_fr_SGD.xlsx"
    assert path.read_bytes() == bytes(issued.content)
    assert str(path) in output and issued.sha256 in output
    assert issued.parameters == {
        "kind": "payables-ageing", "lab": "IPAL", "year": "2025", "date_from": "2025-01-01",
        "date_to": "2025-06-30", "language": "fr", "currency": "SGD", "at": "2025-06-30",
        "third_party": "BETA", "format": "xlsx",
    }  # fmt: skip
    chain = LedgerChain.objects.get(lab=books.lab)
    assert (issued.chain_length, issued.chain_head) == (chain.length, chain.head_hash)
    for kind in ("receivables-ageing", "third-party-ledger", "third-party-balance"):
        run(kind, "--lab", "IPAL", "--year", "2025", "-o", str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "IPAL_payables-ageing_20250101-20250630_BETA_fr_SGD.xlsx",
        "IPAL_receivables-ageing_2025_en_SGD.pdf",
        "IPAL_third-party-balance_2025_en_SGD.pdf",
        "IPAL_third-party-ledger_2025_en_SGD.pdf",
    ]
    with pytest.raises(CommandError, match="third-party is only for the payables-ageing"):
        run("trial-balance", "--lab", "IPAL", "--year", "2025", "--third-party", "BETA")
    with pytest.raises(CommandError, match="No third party has the code 'NOBODY'"):
        run("third-party-ledger", "--lab", "IPAL", "--year", "2025", "--third-party", "NOBODY")


ASK = {
    "year": "2025",
    "date_from": "",
    "date_to": "",
    "language": "en",
    "currency": "SGD",
    "format": "pdf",
    "partner": "",
    "grant": "",
    "third_party": "",
}


def test_the_statements_page_issues_them(client: Client, books: PartyBooks, auditor: User):
    client.force_login(auditor)
    issue = "/labs/IPAL/statements/issue/"
    ask = {**ASK, "kind": "receivables-ageing", "date_to": "2025-06-30",
           "date_from": "2025-01-01", "year": ""}  # fmt: skip
    response = client.post(issue, ask)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith("attachment")
    issued = IssuedStatement.objects.get()
    assert response["X-Statement-SHA256"] == issued.sha256
    assert "Total receivables 2,500.00 0.00 0.00 300.00 4,000.00 6,800.00" in pdf_text(
        response.getvalue()
    )
    refused = client.post(issue, {**ASK, "kind": "third-party-ledger", "third_party": "NOBODY"})
    assert refused.status_code == 400
    assert "No third party has the code" in refused.content.decode()
    # A third party given to another statement is dropped, not refused.
    other = client.post(issue, {**ASK, "kind": "trial-balance", "third_party": "BETA"})
    assert other.status_code == 200
    assert IssuedStatement.objects.latest("pk").parameters.get("third_party") is None
    page = client.get("/labs/IPAL/statements/").content.decode()
    assert "Payables ageing" in page and "Third-party balance" in page


def test_a_director_of_another_lab_gets_404(client: Client, books: PartyBooks, director_cintra):
    client.force_login(director_cintra)
    ask = {**ASK, "kind": "payables-ageing"}
    assert client.post("/labs/IPAL/statements/issue/", ask).status_code == 404
