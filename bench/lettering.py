"""Automatic lettering benchmark (issue 14): proposing and confirming the lettering of
100,000 open lines of third-party accounts, on SQLite and PostgreSQL.

    .venv/bin/python bench/lettering.py                        # both databases, 100,000 open lines
    .venv/bin/python bench/lettering.py --database sqlite      # or postgres
    .venv/bin/python bench/lettering.py --open-lines 20000 --runs 3

For each database: a fresh database (SQLite: bench/out/lettering-<lines>.sqlite3;
PostgreSQL: `irl_bench_lettering` on 127.0.0.1:5432, created and dropped; override with
BENCH_PG_LETTERING_DATABASE), Django's migrate, then one lab's year of supplier and
customer invoices and their payments, recorded and posted through the import's bulk
service (`entries_create_posted`: numbered, hashed, audited, guards on), not timed:

- 2,000 suppliers (account 401) and 300 customers and partners (411), office-wide third
  parties; a few big ones (Zipf-like weights), amounts log-normal (an invoice ~350 SGD
  for suppliers, ~4,000 SGD for customers), dates over January to November;
- for each invoice: 55% paid in full with its piece reference (a group by piece), 25%
  paid in full by a transfer of its own reference (a pair by amount), 10% paid in two
  instalments with its reference (a group of three), 5% paid in part (never proposed),
  5% not paid yet; payments 15 to 60 days after their invoice, within the year;
- about 2.05 open lines on 401/411 an invoice: `--open-lines` of them in all;

then ANALYZE, and, timed:

- `lettering_proposal(lab=...)` over every third-party account of the lab (one SQL query
  and the grouping of its rows): median of `--runs` after one unmeasured run; the same
  for account 401 alone;
- the pages: the lettering page of 401 (open lines, first page of 200, totals) and the
  proposal page (the 300 first groups shown) through Django's test Client, median of
  `--runs`;
- `lettering_confirm_proposal` (the whole proposal lettered: codes, letterings, their
  lines, the complete ones marked, one audit event each, the guards' checks): `--runs`
  times rolled back (on PostgreSQL with SET CONSTRAINTS ALL IMMEDIATE before the
  rollback, so the deferred checks are paid), then once committed, the commit timed
  apart (PostgreSQL's deferred check of every complete lettering runs there).

Prints a table and writes bench/out/lettering-<database>-<lines>.json. Figures are
reported, never asserted: see bench/README.md ("Lettering").
"""

import argparse
import json
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import env

PG_DATABASE = os.environ.get("BENCH_PG_LETTERING_DATABASE", "irl_bench_lettering")
TARGET_S = 5.0
YEAR = 2025
SUPPLIERS = 2_000
CUSTOMERS = 300
CUSTOMER_SHARE = 0.15
# How an invoice is settled: (share, kind).
SETTLEMENTS = (
    (0.55, "full_with_piece"),
    (0.25, "full_by_transfer"),
    (0.10, "two_instalments"),
    (0.05, "partial"),
    (0.05, "unpaid"),
)
OPEN_LINES_AN_INVOICE = 2.05
ENTRIES_A_CALL = 20_000


def main() -> None:
    args = _arguments()
    if args.database != "both":
        _report([run(args.database, args)])
        return
    results = env.each_database(__file__, args, lambda vendor: _json_path(vendor, args.open_lines))
    print("\n== Both databases ==")
    _report(results)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--open-lines", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--no-pages", action="store_true", help="leave the pages out")
    return parser.parse_args()


def _json_path(database: str, lines: int) -> Path:
    return env.OUT / f"lettering-{database}-{lines}.json"


def run(database: str, args: argparse.Namespace) -> dict[str, Any]:
    with env.database(
        database,
        sqlite_file=env.OUT / f"lettering-{args.open_lines}.sqlite3",
        pg_name=PG_DATABASE,
        keep=args.keep,
    ):
        result = _measure(database, args)
    env.OUT.mkdir(parents=True, exist_ok=True)
    _json_path(database, args.open_lines).write_text(json.dumps(result, indent=2, default=str))
    return result


@dataclass
class Books:
    lab: Any
    user: Any
    accounts: dict[str, int]
    journals: dict[str, int]
    fiscal_year_id: int


def _measure(database: str, args: argparse.Namespace) -> dict[str, Any]:
    from bench.core import load
    from bench.generate import analyze

    result: dict[str, Any] = {"database": database, "open_lines_asked": args.open_lines}
    result["server_version"] = env.server_version()
    result["migrate_s"] = env.migrate()
    books = _books()
    started = time.perf_counter()
    result["ledger"] = _ledger(books, args.open_lines, args.seed, database)
    result["ledger_s"] = round(time.perf_counter() - started, 1)
    result["analyze_s"] = round(analyze(), 2)
    result["load_before"] = load()
    result["proposal"] = _proposal_runs(books, args.runs)
    print(f"[{database}] proposal: {result['proposal']}", flush=True)
    result["pages"] = {} if args.no_pages else _pages(books, args.runs)
    print(f"[{database}] pages: {result['pages']}", flush=True)
    result["confirm"] = _confirm_runs(books, args.runs)
    print(f"[{database}] confirm: {result['confirm']}", flush=True)
    result["load_after"] = load()
    return result


def _books() -> Books:
    from django.contrib.auth import get_user_model

    from irls import services as irls_services
    from irls.models import Role
    from ledger import services
    from ledger.models import Account, FiscalYear, Journal

    lab = irls_services.lab_create(
        acting_user=None,
        code="CINTRA",
        name="CINTRA",
        unit_number="IRL 3288",
        field="nano-electronics",
        start_date=date(2020, 1, 1),
        fec_identifier="180089013",
    )
    user = get_user_model().objects.create_user(username="bench_accountant")
    irls_services.role_grant(acting_user=None, user=user, role=Role.ACCOUNTANT, lab=None)
    chart = [
        ("401", "Fournisseurs", "Suppliers"),
        ("411", "Clients et partenaires", "Customers and partners"),
        ("512", "Banque SGD", "Bank SGD"),
        ("6064", "Fournitures", "Supplies"),
        ("706", "Prestations de services", "Services rendered"),
    ]
    for code, name_fr, name_en in chart:
        services.account_create(
            acting_user=None, lab=lab, code=code, name_fr=name_fr, name_en=name_en,
            needs_budget_line=False,
        )  # fmt: skip
    for code, name_fr, name_en, kind in (
        ("ACH", "Achats", "Purchases", "purchases"),
        ("VT", "Ventes", "Sales", "sales"),
        ("BQS", "Banque SGD", "Bank SGD", "bank"),
    ):
        services.journal_create(
            acting_user=None, lab=lab, code=code, name_fr=name_fr, name_en=name_en, kind=kind
        )
    services.fiscal_year_open(acting_user=None, lab=lab, year=YEAR)
    return Books(
        lab=lab,
        user=user,
        accounts=dict(Account.objects.filter(lab=lab).values_list("code", "pk")),
        journals=dict(Journal.objects.filter(lab=lab).values_list("code", "pk")),
        fiscal_year_id=FiscalYear.objects.get(lab=lab, year=YEAR).pk,
    )


def _third_parties() -> tuple[list[str], list[str]]:
    from parties.models import ThirdParty

    suppliers = [f"SUP-{n:05d}" for n in range(1, SUPPLIERS + 1)]
    customers = [f"CUS-{n:04d}" for n in range(1, CUSTOMERS + 1)]
    ThirdParty.objects.bulk_create(
        [ThirdParty(code=c, name=f"Supplier {c}", kind="supplier") for c in suppliers]
        + [ThirdParty(code=c, name=f"Customer {c}", kind="customer") for c in customers]
    )
    return suppliers, customers


def _amount(r: random.Random, median: float) -> int:
    """Cents, log-normal around `median` SGD."""
    return max(100, round(math.exp(r.gauss(math.log(median), 0.9)) * 100))


def _day(r: random.Random) -> date:
    return date(YEAR, 1, 1) + timedelta(days=r.randrange(0, 334))  # January to November


def _later(r: random.Random, on: date, low: int = 15, high: int = 60) -> date:
    return min(on + timedelta(days=r.randint(low, high)), date(YEAR, 12, 31))


def _ledger(books: Books, open_lines: int, seed: int, database: str) -> dict[str, Any]:
    """Invoices and payments posted through `entries_create_posted`; returns what it made."""
    from django.db import transaction

    from ledger.services.entries_bulk import EntryDraft, LineDraft
    from ledger.services.entries_bulk_post import entries_create_posted

    r = random.Random(seed)
    suppliers, customers = _third_parties()
    weights_s = [1 / (n + 1) ** 0.8 for n in range(len(suppliers))]
    weights_c = [1 / (n + 1) ** 0.8 for n in range(len(customers))]
    a, j, fy = books.accounts, books.journals, books.fiscal_year_id
    invoices = int(open_lines / OPEN_LINES_AN_INVOICE)
    drafts: list[EntryDraft] = []
    kinds: dict[str, int] = {}

    def entry(journal: str, on: date, piece: str, label: str, lines: list[LineDraft]) -> None:
        drafts.append(EntryDraft(j[journal], fy, on, label, piece, on, lines=lines))

    for n in range(invoices):
        customer = r.random() < CUSTOMER_SHARE
        party = r.choices(
            customers if customer else suppliers, weights_c if customer else weights_s
        )[0]
        amount = _amount(r, 4000 if customer else 350)
        on = _day(r)
        piece = f"INV-{n:06d}"
        third, other, journal = ("411", "706", "VT") if customer else ("401", "6064", "ACH")
        if customer:  # the customer owes: 411 debited
            entry(journal, on, piece, "Invoice", [
                LineDraft(a[third], amount, 0, third_party=party),
                LineDraft(a[other], 0, amount),
            ])  # fmt: skip
        else:  # the lab owes the supplier: 401 credited
            entry(journal, on, piece, "Invoice", [
                LineDraft(a[other], amount, 0),
                LineDraft(a[third], 0, amount, third_party=party),
            ])  # fmt: skip
        kind = _pick(r)
        kinds[kind] = kinds.get(kind, 0) + 1
        for paid, ref, day in _payments(r, kind, amount, piece, n, on):
            if customer:
                lines = [
                    LineDraft(a["512"], paid, 0),
                    LineDraft(a[third], 0, paid, third_party=party),
                ]
            else:
                lines = [
                    LineDraft(a[third], paid, 0, third_party=party),
                    LineDraft(a["512"], 0, paid),
                ]
            entry("BQS", day, ref, "Payment", lines)
    print(f"[{database}] posting {len(drafts):,} entries ...", flush=True)
    for start in range(0, len(drafts), ENTRIES_A_CALL):
        with transaction.atomic():
            entries_create_posted(
                acting_user=books.user,
                lab=books.lab,
                entries=drafts[start : start + ENTRIES_A_CALL],
            )
    return {
        "invoices": invoices,
        "entries": len(drafts),
        "lines": 2 * len(drafts),
        "third_party_lines": sum(1 for d in drafts for line in d.lines if line.third_party),
        "settlements": kinds,
        "suppliers": SUPPLIERS,
        "customers": CUSTOMERS,
    }


def _pick(r: random.Random) -> str:
    x, total = r.random(), 0.0
    for share, kind in SETTLEMENTS:
        total += share
        if x < total:
            return kind
    return SETTLEMENTS[-1][1]


def _payments(
    r: random.Random, kind: str, amount: int, piece: str, n: int, on: date
) -> list[tuple[int, str, date]]:
    if kind == "full_with_piece":
        return [(amount, piece, _later(r, on))]
    if kind == "full_by_transfer":
        return [(amount, f"TRF-{n:06d}", _later(r, on))]
    if kind == "two_instalments":
        first = max(1, amount * r.randint(30, 70) // 100)
        return [
            (first, piece, _later(r, on, 10, 30)),
            (amount - first, piece, _later(r, on, 31, 60)),
        ]
    if kind == "partial":
        return [(max(1, amount * r.randint(20, 80) // 100), piece, _later(r, on))]
    return []


def _median(runs: list[float]) -> float:
    return round(statistics.median(runs), 3)


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def _proposal_runs(books: Books, runs: int) -> dict[str, Any]:
    from ledger.models import Account, JournalLine
    from parties.lettering.selectors import (
        RULE_AMOUNT,
        RULE_PIECE,
        lettering_proposal,
        proposal_keep,
    )

    supplier = Account.objects.get(lab=books.lab, code="401")
    proposal = lettering_proposal(lab=books.lab)  # unmeasured
    every = [_timed(lambda: lettering_proposal(lab=books.lab))[0] for _ in range(runs)]
    keep = [_timed(lambda: proposal_keep(proposal))[0] for _ in range(runs)]
    one = [
        _timed(lambda: lettering_proposal(lab=books.lab, account=supplier))[0] for _ in range(runs)
    ]
    open_lines = JournalLine.objects.filter(
        lab=books.lab, account__code__in=["401", "411"], lettered__isnull=True
    ).count()
    return {
        "open_lines": open_lines,
        "groups": len(proposal.groups),
        "by_piece": proposal.count(RULE_PIECE),
        "by_amount": proposal.count(RULE_AMOUNT),
        "lines_proposed": proposal.lines,
        "every_account_s": _median(every),
        "every_account_runs": [round(t, 3) for t in every],
        "keep_s": _median(keep),
        "account_401_s": _median(one),
    }


def _pages(books: Books, runs: int) -> dict[str, Any]:
    from django.conf import settings
    from django.test import Client

    from ledger.models import Account

    supplier = Account.objects.get(lab=books.lab, code="401").pk
    host = next((h for h in settings.ALLOWED_HOSTS if h and h[0] not in ".*"), "localhost")
    client = Client(SERVER_NAME=host)
    client.force_login(books.user)
    urls = {
        "lettering_401_open": f"/labs/CINTRA/lettering/?account={supplier}",
        "proposal_page_all": "/labs/CINTRA/lettering/propose/",
    }
    found: dict[str, Any] = {}
    for name, url in urls.items():
        assert client.get(url).status_code == 200
        runs_s = []
        for _ in range(runs):
            started = time.perf_counter()
            client.get(url)
            runs_s.append(time.perf_counter() - started)
        found[name + "_s"] = _median(runs_s)
    return found


def _confirm_runs(books: Books, runs: int) -> dict[str, Any]:
    """ "Confirm all" as the page does it: the proposal shown was kept, its fingerprint
    posted back. Also the same without a kept proposal (computed again and compared)."""
    from django.core.cache import cache
    from django.db import connection, transaction

    from parties.lettering.selectors import lettering_proposal, proposal_keep
    from parties.lettering.services import lettering_confirm_proposal
    from parties.models import LetteredLine, Lettering

    class RolledBack(Exception):
        pass

    proposal = lettering_proposal(lab=books.lab)
    proposal_keep(proposal)

    def confirm() -> Any:
        return lettering_confirm_proposal(
            acting_user=books.user, lab=books.lab, fingerprint=proposal.fingerprint
        )

    def rolled_back(action: Callable[[], Any]) -> float:
        started = time.perf_counter()
        try:
            with transaction.atomic():
                action()
                if connection.vendor == "postgresql":  # the deferred checks, paid now
                    with connection.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                seconds = time.perf_counter() - started
                raise RolledBack
        except RolledBack:
            pass
        return seconds

    kept = [rolled_back(confirm) for _ in range(runs)]
    cache.clear()
    again = [rolled_back(confirm) for _ in range(runs)]
    proposal_keep(proposal)
    # Committed: the transaction's end (PostgreSQL's deferred checks) timed apart.
    outer = transaction.atomic()
    started = time.perf_counter()
    outer.__enter__()
    done = confirm()
    written = time.perf_counter() - started
    commit_started = time.perf_counter()
    outer.__exit__(None, None, None)
    commit = time.perf_counter() - commit_started
    after = Lettering.objects.filter(lab=books.lab)
    return {
        "rolled_back_s": _median(kept),
        "rolled_back_runs": [round(t, 3) for t in kept],
        "computed_again_s": _median(again),
        "committed_s": round(written + commit, 3),
        "committed_write_s": round(written, 3),
        "commit_s": round(commit, 3),
        "letterings": len(done),
        "complete": after.filter(complete=True).count(),
        "lettered_lines": LetteredLine.objects.filter(lettering__lab=books.lab).count(),
        "proposal_left": len(lettering_proposal(lab=books.lab).groups),
    }


def _total(result: dict[str, Any]) -> float:
    """What the accountant waits for: the proposal (computed and kept), then "Confirm all"."""
    proposal, confirm = result["proposal"], result["confirm"]
    return float(proposal["every_account_s"] + proposal["keep_s"] + confirm["committed_s"])


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f} s"


def _report(results: list[dict[str, Any]]) -> None:
    rows = [
        ("open lines (401 + 411)", lambda r: f"{r['proposal']['open_lines']:,}"),
        ("groups proposed (piece / amount)", lambda r: (
            f"{r['proposal']['groups']:,} ({r['proposal']['by_piece']:,} / "
            f"{r['proposal']['by_amount']:,})")),
        ("lines proposed", lambda r: f"{r['proposal']['lines_proposed']:,}"),
        ("propose, every account (median)", lambda r: f"{r['proposal']['every_account_s']:.3f} s"),
        ("propose, account 401 (median)", lambda r: f"{r['proposal']['account_401_s']:.3f} s"),
        ("keep the proposal shown (cache)", lambda r: f"{r['proposal']['keep_s']:.3f} s"),
        ("confirm all, rolled back (median)", lambda r: f"{r['confirm']['rolled_back_s']:.3f} s"),
        ("  the same, proposal computed again", lambda r: (
            f"{r['confirm']['computed_again_s']:.3f} s")),
        ("confirm all, committed (write + commit)", lambda r: (
            f"{r['confirm']['committed_s']:.3f} s ({r['confirm']['committed_write_s']:.3f}"
            f" + {r['confirm']['commit_s']:.3f})")),
        ("propose + keep + confirm (committed)", lambda r: f"{_total(r):.3f} s"),
        ("letterings made / lines lettered", lambda r: (
            f"{r['confirm']['letterings']:,} / {r['confirm']['lettered_lines']:,}")),
        ("page: 401 open lines", lambda r: _seconds(r["pages"].get("lettering_401_open_s"))),
        ("page: proposal, every account", lambda r: _seconds(
            r["pages"].get("proposal_page_all_s"))),
        ("load average before / after", lambda r: f"{r['load_before']} / {r['load_after']}"),
    ]  # fmt: skip
    names = [f"{r['database']} {r['server_version']}" for r in results]
    width = max(len(label) for label, _ in rows)
    print(f"{'':{width}}  " + "  ".join(f"{n:>24}" for n in names))
    for label, value in rows:
        print(f"{label:{width}}  " + "  ".join(f"{value(r):>24}" for r in results))
    print(f"(target: propose + confirm under {TARGET_S:.0f} s)")


if __name__ == "__main__":
    main()
