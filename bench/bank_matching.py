"""Bank matching at scale (issue 14): a month of 5,000 bank lines against a bank account
whose ledger account holds 5,000 lines that month, in a lab of 100,000 other lines.

Per database (each in a process of its own, both side by side with `--database both`):

1. the lab's ledger: `generate.py` writes 100,000 lines of CINTRA 2025 (and 5% of that
   for the other blocks); then 5,000 bank entries of March 2025 (5121 against 580, each
   with its payment reference) imported and posted through `import_file`;
2. the bank's statement of March: a CAMT.053 file of 5,000 lines made from those entries
   as a bank books them (0-3 days later; 2% of the entries not cleared yet, 2% of the
   bank's lines the books lack: charges), imported by `bank_statement_import`;
3. measured: the month's suggestions (`suggestions`), the one-click confirmation of the
   obvious matches (`bank_matches_confirm_obvious`: read, pair, write the matches and
   their links through the database guards, audit), the reconciliation at the month's
   end (`reconciliation_at`), the month's page through Django's test Client, and the
   statement issued as PDF (`bank_reconciliation_issue`).

    .venv/bin/python bench/bank_matching.py --database both
    .venv/bin/python bench/bank_matching.py --database sqlite --lines 100000 --bank-lines 5000

Results: `bench/out/bank-matching-<database>.json`.
"""

import argparse
import json
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import env

TARGET_SECONDS = 2.0
MONTH = date(2025, 3, 1)
MONTH_END = date(2025, 3, 31)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Bank matching benchmark.")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--lines", type=int, default=100_000, help="other lines of the lab")
    parser.add_argument("--bank-lines", type=int, default=5_000, help="bank lines of the month")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--ledger",
        choices=["import", "generate"],
        default="import",
        help="the lab's other lines: posted through the journal import, or bench/generate.py",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database")
    return parser.parse_args()


def _timed(action: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def _bank_entries_sheet(
    count: int, r: random.Random
) -> tuple[bytes, list[tuple[date, Decimal, str]]]:
    """A journal sheet of `count` bank entries of March (5121 against 580), and the bank
    lines they are: (date, amount, reference)."""
    rows = ["entry,date,journal,account,label,debit,credit,piece_ref"]
    moves = []
    for n in range(1, count + 1):
        on = MONTH + timedelta(days=r.randrange(0, 28))
        cents = int(r.lognormvariate(11.0, 1.2)) + 1  # a median around 600 SGD
        amount = Decimal(cents) / 100
        money_in = r.random() < 0.3
        ref = f"PAY-{n:06d}"
        label = f"{'Receipt' if money_in else 'Payment'} {ref} supplier {n % 97:02d}"
        bank_side = (f"{amount:.2f}", "") if money_in else ("", f"{amount:.2f}")
        other_side = ("", f"{amount:.2f}") if money_in else (f"{amount:.2f}", "")
        rows.append(f"B{n},{on.isoformat()},BQS,5121,{label},{bank_side[0]},{bank_side[1]},{ref}")
        rows.append(f"B{n},{on.isoformat()},BQS,580,{label},{other_side[0]},{other_side[1]},{ref}")
        moves.append((on, amount if money_in else -amount, ref))
    return ("\n".join(rows) + "\n").encode(), moves


def _statement(moves: list[tuple[date, Decimal, str]], r: random.Random) -> list[Any]:
    from banking.demo import BankEntry

    entries = []
    for n, (on, amount, ref) in enumerate(moves):
        if r.random() < 0.02:
            continue  # not cleared yet: a book item at the month's end
        booked = min(on + timedelta(days=r.randrange(0, 4)), MONTH_END)
        text = f"GIRO {ref} SUPPLIER" if r.random() < 0.9 else "GIRO PAYMENT"
        entries.append(BankEntry(booked, amount, ref, text, f"BK{n:08d}"))
    extra = len(moves) // 50
    for n in range(extra):  # charges the books lack
        on = MONTH + timedelta(days=r.randrange(0, 31))
        cents = r.randrange(500, 5000)
        entries.append(BankEntry(on, -Decimal(cents) / 100, "", "SERVICE CHARGE", f"SC{n:06d}"))
    entries.sort(key=lambda e: (e.booking_date, e.bank_id))
    return entries


def run(args: argparse.Namespace, vendor: str) -> dict[str, Any]:
    sqlite_file = env.OUT / "bank-matching.sqlite3"
    with env.database(vendor, sqlite_file=sqlite_file, keep=args.keep):
        migrate_s = env.migrate()
        r = random.Random(args.seed)
        if args.ledger == "generate":
            from bench.generate import LedgerSpec, generate

            spec = LedgerSpec(lines=args.lines, labs=2, seed=args.seed)
            generated, generate_s = _timed(lambda: generate(spec, log=lambda _m: None))
            code = generated.main_lab
        else:
            code, generate_s = _timed(lambda: _imported_ledger(args.lines, r))
        return _measure(args, vendor, r, code, generate_s, migrate_s)


def _imported_ledger(lines: int, r: random.Random) -> str:
    """A lab of `lines` other lines over 2025, posted through the journal import: bank
    transfers on another bank account (5122 against 580) and depreciation (6811 against
    28183), none on the bank account measured."""
    from django.contrib.auth.models import User

    from irls import services as irls_services
    from ledger import services
    from ledger.services.imports import import_file

    lab = irls_services.lab_create(
        acting_user=None,
        code="CINTRA",
        name="CINTRA (bench)",
        unit_number="UMI 3288",
        field="nano-electronics",
        start_date=date(2009, 1, 1),
        fec_identifier="180089013",
    )
    chart = [
        ("512", "Banques", "Banks"),
        ("5121", "Banque DBS", "Bank DBS"),
        ("5122", "Banque EUR", "Bank EUR"),
        ("580", "Virements internes", "Internal transfers"),
        ("28183", "Amortissements", "Depreciation"),
        ("6811", "Dotations aux amortissements", "Depreciation charge"),
    ]
    for code, name_fr, name_en in chart:
        services.account_create(
            acting_user=None,
            lab=lab,
            code=code,
            name_fr=name_fr,
            name_en=name_en,
            needs_budget_line=False,
        )
    for code, kind in (("BQS", "bank"), ("OD", "misc")):
        services.journal_create(
            acting_user=None, lab=lab, code=code, name_fr=code, name_en=code, kind=kind
        )
    services.fiscal_year_open(acting_user=None, lab=lab, year=2025)
    user = User.objects.create_user(username="bench_importer", password="x")
    irls_services.role_grant(acting_user=None, user=user, role="accountant", lab=lab)
    rows = ["entry,date,journal,account,label,debit,credit,piece_ref"]
    for n in range(1, lines // 2 + 1):
        on = date(2025, 1, 1) + timedelta(days=r.randrange(0, 365))
        amount = f"{Decimal(int(r.lognormvariate(10.5, 1.0)) + 1) / 100:.2f}"
        if n % 2:
            pair = (("5122", amount, ""), ("580", "", amount), "BQS", f"Transfer {n}")
        else:
            pair = (("6811", amount, ""), ("28183", "", amount), "OD", f"Depreciation {n}")
        first, second, journal, label = pair
        for account, debit, credit in (first, second):
            rows.append(f"O{n},{on.isoformat()},{journal},{account},{label},{debit},{credit},O-{n}")
    outcome = import_file(
        acting_user=user,
        lab=lab,
        kind="journal",
        file_name="ledger.csv",
        data=("\n".join(rows) + "\n").encode(),
        post=True,
    )
    assert not outcome.problems, [str(p) for p in outcome.problems[:3]]
    return lab.code


def _measure(
    args: argparse.Namespace,
    vendor: str,
    r: random.Random,
    code: str,
    generate_s: float,
    migrate_s: float,
) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.test import Client

    from banking.demo import camt053_bytes
    from banking.selectors import reconciliation_at, suggestions
    from banking.services import (
        bank_account_create,
        bank_matches_confirm_obvious,
        bank_reconciliation_issue,
        bank_statement_import,
    )
    from irls import services as irls_services
    from irls.models import Lab
    from ledger import services
    from ledger.models import Account, JournalLine
    from ledger.services.imports import import_file

    lab = Lab.objects.get(code=code)
    accountant = User.objects.create_user(username="bank_bench", password="x", is_staff=True)
    irls_services.role_grant(acting_user=None, user=accountant, role="accountant", lab=None)
    if not Account.objects.filter(lab=lab, code="5121").exists():
        services.account_create(
            acting_user=None, lab=lab, code="5121", name_fr="Banque DBS", name_en="Bank DBS"
        )
    sheet, moves = _bank_entries_sheet(args.bank_lines, r)
    imported, import_entries_s = _timed(
        lambda: import_file(
            acting_user=accountant,
            lab=lab,
            kind="journal",
            file_name="bank.csv",
            data=sheet,
            post=True,
        )
    )
    assert not imported.problems, imported.problems[:3]
    account = Account.objects.get(lab=lab, code="5121")
    bank_account = bank_account_create(
        acting_user=accountant,
        lab=lab,
        account=account,
        name="DBS operations",
        opening_date=MONTH - timedelta(days=1),
        opening_balance=Decimal("0.00"),
    )
    lab_lines = JournalLine.objects.filter(lab=lab).count()
    _analyze()
    entries = _statement(moves, r)
    data = camt053_bytes(
        statement_id="BENCH-2025-03",
        account_number="",
        currency="SGD",
        start=MONTH,
        end=MONTH_END,
        opening=Decimal("0.00"),
        entries=entries,
    )
    outcome, import_statement_s = _timed(
        lambda: bank_statement_import(
            acting_user=accountant, bank_account=bank_account, file_name="march.xml", data=data
        )
    )
    assert outcome.statement is not None, [str(p) for p in outcome.problems[:3]]
    _analyze()
    found, suggestions_s = _timed(lambda: suggestions(bank_account, MONTH, MONTH_END))
    confirmed, confirm_s = _timed(
        lambda: bank_matches_confirm_obvious(
            acting_user=accountant, bank_account=bank_account, date_from=MONTH, date_to=MONTH_END
        )
    )
    figures, reconciliation_s = _timed(lambda: reconciliation_at(bank_account, MONTH_END))
    client = Client(HTTP_HOST="localhost")
    client.force_login(accountant)
    url = f"/labs/{lab.code}/bank/{bank_account.pk}/2025/3/"
    client.get(url)
    page_times = []
    for _ in range(3):
        response, seconds = _timed(lambda: client.get(url))
        assert response.status_code == 200
        page_times.append(seconds)
    _issued, statement_s = _timed(
        lambda: bank_reconciliation_issue(
            acting_user=accountant, bank_account=bank_account, month=MONTH, language="fr"
        )
    )
    return {
        "database": vendor,
        "server": env.server_version(),
        "lab_lines": lab_lines,
        "bank_book_lines": args.bank_lines,
        "statement_lines": len(entries),
        "migrate_s": round(migrate_s, 2),
        "generate_s": round(generate_s, 2),
        "import_entries_s": round(import_entries_s, 3),
        "import_statement_s": round(import_statement_s, 3),
        "suggestions": len(found),
        "obvious": sum(1 for s in found if s.obvious),
        "suggestions_s": round(suggestions_s, 3),
        "confirmed": confirmed,
        "confirm_obvious_s": round(confirm_s, 3),
        "reconciliation_s": round(reconciliation_s, 3),
        "open_book_items": len(figures.book_items),
        "open_bank_items": len(figures.bank_items),
        "difference": str(figures.difference),
        "month_page_s": round(sorted(page_times)[1], 3),
        "statement_pdf_s": round(statement_s, 3),
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
    }


def _analyze() -> None:
    """Fresh planner statistics (PostgreSQL's autovacuum would have them)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _report(results: list[dict[str, Any]]) -> None:
    rows = [
        ("lines in the lab", "lab_lines"),
        ("bank lines of the month / book lines", "statement_lines"),
        ("import the 5,000-line CAMT.053 (s)", "import_statement_s"),
        ("suggestions of the month (s)", "suggestions_s"),
        ("confirm the obvious matches, end to end (s)", "confirm_obvious_s"),
        ("matches confirmed", "confirmed"),
        ("reconciliation at the month's end (s)", "reconciliation_s"),
        ("month page, median of 3 (s)", "month_page_s"),
        ("reconciliation statement PDF (s)", "statement_pdf_s"),
        ("open items: books / bank", "open_book_items"),
        ("difference", "difference"),
    ]
    names = [r["database"] for r in results]
    print(f"{'':45}" + "".join(f"{n:>14}" for n in names))
    for label, key in rows:
        values = []
        for r in results:
            value = r[key]
            if key == "open_book_items":
                value = f"{r['open_book_items']} / {r['open_bank_items']}"
            values.append(f"{value!s:>14}")
        print(f"{label:45}" + "".join(values))
    for r in results:
        matching = r["suggestions_s"] + r["confirm_obvious_s"]
        verdict = "under" if r["confirm_obvious_s"] < TARGET_SECONDS else "OVER"
        print(
            f"{r['database']}: matching (confirm end to end) {r['confirm_obvious_s']:.2f} s, "
            f"{verdict} the {TARGET_SECONDS:.0f} s target (suggestions + confirm {matching:.2f} s)"
        )


def main() -> None:
    args = _arguments()
    env.OUT.mkdir(parents=True, exist_ok=True)
    if args.database == "both":
        results = env.each_database(
            __file__, args, lambda vendor: env.OUT / f"bank-matching-{vendor}.json"
        )
        _report(results)
        return
    result = run(args, args.database)
    (env.OUT / f"bank-matching-{args.database}.json").write_text(json.dumps(result, indent=2))
    _report([result])


if __name__ == "__main__":
    main()
