"""The third-party statements (issue 14) over a generated lab: payables and receivables
ageing, third-party balance and third-party ledger, built and rendered (PDF and XLSX).

A fresh database; one lab whose 401 and 411 need a third party; `--parties` suppliers
and partners; `--lines` posted lines on 401/411 (half invoices through the purchases
and sales journals, with due dates from the terms; half payments), posted in bulk; two
thirds of the invoices lettered with their payment. Prints and writes
`bench/out/third-party-statements-<database>-<lines>.json`: seconds to build each
statement (its rows read), to render it, and the rows.

    .venv/bin/python bench/third_party_statements.py --database sqlite --lines 100000
"""

import argparse
import json
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import env

YEAR = 2025
BATCH = 2_000


def build_books(lines: int, parties: int, seed: int) -> Any:
    from irls import services as irls_services
    from ledger import services
    from ledger.models import Account, FiscalYear, Journal, JournalLine
    from ledger.services.entries_bulk import EntryDraft, LineDraft, entries_create_drafts
    from parties.lettering.services import lettering_confirm
    from parties.models import ThirdParty

    r = random.Random(seed)
    lab = irls_services.lab_create(
        acting_user=None, code="BENCH", name="Bench lab", unit_number="IRL 0",
        field="physics", start_date=date(2020, 1, 1), fec_identifier="180089013",
    )  # fmt: skip
    for code, name in [("401", "Suppliers"), ("411", "Receivables"), ("512", "Bank"),
                       ("6064", "Supplies"), ("741", "Subsidies")]:  # fmt: skip
        services.account_create(
            acting_user=None, lab=lab, code=code, name_fr=name, name_en=name,
            needs_budget_line=False,
        )  # fmt: skip
    for code, kind in [("ACH", "purchases"), ("VT", "sales"), ("BQS", "bank")]:
        services.journal_create(
            acting_user=None, lab=lab, code=code, name_fr=code, name_en=code, kind=kind
        )
    services.fiscal_year_open(acting_user=None, lab=lab, year=YEAR)
    ThirdParty.objects.bulk_create(
        ThirdParty(
            code=f"TP{i:04d}",
            name=f"Third party {i}",
            kind="supplier",
            payment_terms_days=r.choice((30, 45, 60)),
        )
        for i in range(parties)
    )
    user = bench_user()
    accounts = dict(Account.objects.filter(lab=lab).values_list("code", "id"))
    journals = dict(Journal.objects.filter(lab=lab).values_list("code", "id"))
    year = FiscalYear.objects.get(lab=lab, year=YEAR)

    def side(account: str, cents: int, debit: bool, **extra: Any) -> LineDraft:
        return LineDraft(accounts[account], cents if debit else 0, 0 if debit else cents, **extra)

    drafts: list[EntryDraft] = []
    for _ in range(lines // 4):  # an invoice and its payment: 2 entries of 2 lines
        party = f"TP{r.randrange(parties):04d}"
        cents = r.randrange(1_000, 5_000_000)
        supplier = r.random() < 0.5  # a supplier's invoice (401), else a partner's (411)
        on = date(YEAR, 1, 1) + timedelta(days=r.randrange(330))
        paid = on + timedelta(days=r.randrange(10, 90))
        party_account, other = ("401", "6064") if supplier else ("411", "741")
        due = on + timedelta(days=30)
        invoice = [
            side(other, cents, supplier),
            side(party_account, cents, not supplier, third_party=party, due_date=due),
        ]
        settle = [
            side(party_account, cents, supplier, third_party=party),
            side("512", cents, not supplier),
        ]
        journal = journals["ACH" if supplier else "VT"]
        piece = f"INV-{len(drafts)}"
        drafts.append(EntryDraft(journal, year.pk, on, "Invoice", piece, on, lines=invoice))
        if paid.year == YEAR:
            piece = f"PAY-{len(drafts)}"
            bank = journals["BQS"]
            drafts.append(EntryDraft(bank, year.pk, paid, "Payment", piece, paid, lines=settle))
    started = time.perf_counter()
    from ledger.models import JournalEntry

    for start in range(0, len(drafts), BATCH):
        batch = drafts[start : start + BATCH]
        ids = entries_create_drafts(acting_user=user, lab=lab, entries=batch)
        services.entries_post(
            acting_user=user, entries=list(JournalEntry.objects.filter(pk__in=ids))
        )
    posting = time.perf_counter() - started
    # Letter two thirds of the invoices with their payment (found by account, third party
    # and amount, when no other line shares them).
    party_lines = list(
        JournalLine.objects.filter(lab=lab, third_party__isnull=False).values_list(
            "id", "debit", "credit", "account_id", "third_party"
        )
    )
    by_amount: dict[tuple[Any, ...], list[int]] = {}
    for line_id, debit, credit, account_id, party_code in party_lines:
        by_amount.setdefault((account_id, party_code, debit + credit), []).append(line_id)
    groups = [ids[:2] for ids in by_amount.values() if len(ids) == 2 and r.random() < 0.67]
    started = time.perf_counter()
    for start in range(0, len(groups), 5_000):
        lettering_confirm(acting_user=user, lab=lab, groups=groups[start : start + 5_000],
                          lettered_on=date(YEAR, 12, 31))  # fmt: skip
    lettering = time.perf_counter() - started
    return lab, {"posting_s": round(posting, 1), "lettering_s": round(lettering, 1),
                 "letterings": len(groups)}  # fmt: skip


def bench_user() -> Any:
    from django.contrib.auth.models import User

    from irls import services as irls_services

    user = User.objects.create_user("bench-accountant")
    irls_services.role_grant(acting_user=None, user=user, role="accountant", lab=None)
    return user


def measure(lab: Any, kind: str, fmt: str, at: date) -> dict[str, Any]:
    import dataclasses

    from reports.builders import statement_build
    from reports.services import render
    from reports.statement import Section

    started = time.perf_counter()
    statement = statement_build(kind=kind, lab=lab, date_to=at)
    rows = [(s.title, list(s.rows)) for s in statement.sections]
    built = time.perf_counter() - started
    statement = dataclasses.replace(
        statement, sections=tuple(Section(title, tuple(r)) for title, r in rows)
    )
    started = time.perf_counter()
    data = render(statement, fmt)
    rendered = time.perf_counter() - started
    return {
        "kind": kind,
        "format": fmt,
        "build_s": round(built, 2),
        "render_s": round(rendered, 2),
        "sections": len(rows),
        "rows": sum(len(r) for _t, r in rows),
        "bytes": len(data),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--parties", type=int, default=500)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    sqlite_file = env.OUT / f"third-party-{args.lines}.sqlite3"
    env.OUT.mkdir(exist_ok=True)
    with env.database(args.database, sqlite_file=sqlite_file, pg_name="irl_bench_ageing"):
        env.migrate()
        lab, setup = build_books(args.lines, args.parties, args.seed)
        from ledger.models import JournalLine

        results: dict[str, Any] = {
            "database": args.database,
            "lines": JournalLine.objects.filter(lab=lab).count(),
            "party_lines": JournalLine.objects.filter(lab=lab, third_party__isnull=False).count(),
            **setup,
            "statements": [],
        }
        at = date(YEAR, 12, 31)
        for kind, fmt in [
            ("payables-ageing", "pdf"),
            ("payables-ageing", "xlsx"),
            ("receivables-ageing", "pdf"),
            ("third-party-balance", "pdf"),
            ("third-party-balance", "xlsx"),
            ("third-party-ledger", "xlsx"),
            ("third-party-ledger", "pdf"),
        ]:
            results["statements"].append(measure(lab, kind, fmt, at))
            print(results["statements"][-1], flush=True)
    path = env.OUT / f"third-party-statements-{args.database}-{args.lines}.json"
    path.write_text(json.dumps(results, indent=2))
    print(json.dumps({k: v for k, v in results.items() if k != "statements"}))


if __name__ == "__main__":
    main()
