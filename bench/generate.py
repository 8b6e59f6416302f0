"""Build a large, valid ledger quickly: labs x fiscal years x entries x lines.

The books (labs, chart of accounts, journals, fiscal years, the bench user) are set up
through the real services. The entries themselves are *not* posted through
`entries_post`: at ~2,000 entries/s that would take minutes per million lines. They are
written as already-posted rows in bulk instead (SQLite: `executemany`, PostgreSQL:
`COPY`), with the database guards lifted for the duration (`ledger.db_guards.drop`,
reinstalled by `ledger.db_guards.install` in a `finally`), because the guards refuse,
by design, any entry inserted as posted. Everything the guards and `ledger_verify`
check is computed here exactly as posting would:

- numbers `<JOURNAL>-<YEAR>-<NNNNNN>` continuous per lab, journal and fiscal year, and
  the matching `LedgerSequence` rows, so later posting goes on from the last number;
- the hash chain, entry by entry, with `ledger.hashing.chain_hash` over the same
  canonical form posting hashes, and the lab's `LedgerChain` head;
- balanced entries (debit = credit in cents), lines dated with their entry's date
  (`entry_date`, which posting stamps), foreign-currency lines with rate, date, source;
- every expense and equipment line names a budget line of its fiscal year, and the
  monthly spending totals (`BudgetSpending`) the posting trigger would have kept;
  by default 12 budget lines a lab and year (2 funding sources x 6 natures); with
  `budget_lines` (--budget-lines 200) that many over 8 funding sources, allocated from
  the spending expected, and the big lab's year then also gets amendments (top-ups,
  cuts, transfers) and open commitments, some partly invoiced by posted entries, all
  through the services once the guards are back;
- EUR lines converted at the monthly chancellery rates, which are recorded
  (`exchange_rate_set`).

One audit event per lab records the bulk load (no per-entry events: the audit trail is
not read by any measured query). Deterministic: the same spec and seed give the same
rows and the same hash-chain heads.

Run alone (on a database already migrated, or pass --migrate):

    DATABASE_URL=sqlite:////tmp/big.sqlite3 .venv/bin/python bench/generate.py --migrate \
        --lines 100000
"""

import argparse
import bisect
import calendar
import functools
import math
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a script: make the project importable, set Django up
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.env import django_setup

    django_setup()

from django.contrib.auth.models import User
from django.core.management.color import no_style
from django.db import connection, models, transaction

from bench.chart import (
    ACCOUNTS,
    BENCH_USER,
    BUDGET_NATURES,
    FUNDING_SOURCES,
    INSTITUTIONS,
    JOURNALS,
    LAB_CODES,
    MORE_FUNDING_SOURCES,
    NATURE_OF,
    TEMPLATES,
    Built,
    PlannedBudgetLine,
    Spec,
    budget_line_plan,
    plan,
)
from irls import services as irls_services
from irls.models import Institution, Lab, Role, RoleGrant
from ledger import db_guards, services
from ledger.fields import round_cents
from ledger.hashing import chain_hash
from ledger.models import (
    Account,
    BudgetAmendment,
    BudgetLine,
    BudgetSpending,
    Commitment,
    Journal,
    JournalEntry,
    JournalLine,
    LedgerChain,
    LedgerSequence,
)
from ledger.selectors import budget_availability
from parties.models import ThirdParty


@dataclass(frozen=True)
class LedgerSpec:
    lines: int = 1_000_000  # lines of the first lab in `year`
    labs: int = 4
    year: int = 2025
    others: float = 0.05  # every other block (other labs, the year before) holds lines*others
    seed: int = 2025
    chunk: int = 50_000  # lines written per transaction
    # Budget lines of each lab and year. None: one per funding source and nature (12),
    # with allocations no line exceeds. A number: that many (see BudgetPlan).
    budget_lines: int | None = None


@dataclass
class LabBooks:
    """A lab's ids, and what its bulk-written entries have added up to so far."""

    lab: Lab
    accounts: dict[str, int]
    journals: dict[str, int]
    fiscal_years: dict[int, int]
    budget_lines: dict[tuple[int, str], int]  # (year, code) -> id
    # (year, nature) -> ids of its budget lines and their cumulative weights (many lines)
    budget_choices: dict[tuple[int, str], tuple[list[int], list[float]]] = field(
        default_factory=dict
    )
    chain_length: int = 0
    head_hash: str = ""
    seqs: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))
    balances: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    spending: dict[tuple[int, date], int] = field(default_factory=lambda: defaultdict(int))


@dataclass
class Generated:
    main_lab: str
    year: int
    labs: dict[str, dict[str, Any]]
    entries: int = 0
    lines: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    budget: dict[str, Any] = field(default_factory=dict)  # the budget activity, if any


def entry_dates(r: random.Random, year: int, k: int) -> list[date]:
    """`k` sorted dates over the year: working days, month ends twice as busy."""
    days, weights = [], []
    day = date(year, 1, 1)
    while day.year == year:
        last = calendar.monthrange(year, day.month)[1]
        days.append(day)
        weights.append(0.05 if day.weekday() >= 5 else 2.0 if day.day > last - 3 else 1.0)
        day += timedelta(days=1)
    return sorted(r.choices(days, weights=weights, k=k))


def fx_rates(seed: int, year: int) -> dict[int, Decimal]:
    """SGD for one EUR month by month, recorded as the chancellery rates of the first of
    each month (the rates EUR lines are converted at)."""
    r = random.Random(seed * 10_000 + year)
    rates = {}
    for month in range(1, 13):
        rate = Decimal(f"{1.45 + 0.03 * math.sin(month + year) + r.uniform(-0.005, 0.005):.8f}")
        services.exchange_rate_set(
            acting_user=None,
            currency="SGD",
            valid_from=date(year, month, 1),
            units_per_eur=rate,
            source="chancellery",
        )
        rates[month] = rate
    return rates


class RowWriter:
    """Bulk insert: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"

    def timestamp(self, moment: datetime) -> str:
        # Django keeps naive UTC text on SQLite; PostgreSQL reads the offset.
        text = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        return text + "+00" if self.postgres else text

    def write(
        self, model: type[models.Model], columns: tuple[str, ...], rows: list[tuple[Any, ...]]
    ) -> None:
        """Insert `rows` (values of `columns`); any other NOT NULL column gets its default."""
        if not rows:
            return
        table = model._meta.db_table
        extra = [
            (f.column, f.get_db_prep_save(f.get_default(), connection))
            for f in model._meta.concrete_fields
            if f.column not in columns and not f.null
        ]
        if extra:
            columns = columns + tuple(c for c, _ in extra)
            tail = tuple(v for _, v in extra)
            rows = [row + tail for row in rows]
        with connection.cursor() as cursor:
            if self.postgres:
                data = "".join(
                    "\t".join("\\N" if v is None else str(v) for v in row) + "\n" for row in rows
                )
                with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    copy.write(data)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
                )


ENTRY_COLUMNS = (
    "id", "lab_id", "journal_id", "fiscal_year_id", "date", "label", "piece_ref", "piece_date",
    "status", "seq", "number", "reversal_of_id", "created_by_id", "created_at", "posted_by_id",
    "posted_at", "chain_index", "prev_hash", "hash",
)  # fmt: skip
LINE_COLUMNS = (
    "id", "entry_id", "lab_id", "entry_date", "account_id", "label", "debit", "credit",
    "amount_currency", "amount_currency_currency", "fx_rate", "fx_rate_date", "fx_rate_source",
    "third_party", "budget_line_id",
)  # fmt: skip


def _cents(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


class BlockWriter:
    """Turns built entries into posted rows (numbers, hashes) and writes them in chunks."""

    def __init__(self, spec: LedgerSpec, user: User) -> None:
        self.spec = spec
        self.user_id = user.pk
        self.rows = RowWriter()
        self.entries: list[tuple[Any, ...]] = []
        self.lines: list[tuple[Any, ...]] = []
        self.next_entry = _next_id(JournalEntry)
        self.next_line = _next_id(JournalLine)
        self.write_seconds = 0.0
        self.total_entries = 0
        self.total_lines = 0
        # Draws the budget line of each expense line when there are several of a nature;
        # apart from the entries' generator, so the entries stay those of the default.
        self.pick = random.Random(spec.seed + 1)

    @functools.cache  # noqa: B019  (one writer a run, a few hundred days)
    def _day(self, on: date) -> tuple[str, datetime, str, str]:
        # One posting run a day, as an accountant posts the day's drafts in one batch.
        posted_at = datetime(on.year, on.month, on.day, 10, 0, tzinfo=UTC)
        created = self.rows.timestamp(posted_at - timedelta(hours=1))
        return on.isoformat(), posted_at, created, self.rows.timestamp(posted_at)

    def add(self, books: LabBooks, year: int, journal: str, on: date, built: Built) -> None:
        label, piece_ref, specs = built
        lab = books.lab
        books.seqs[(journal, year)] += 1
        seq = books.seqs[(journal, year)]
        number = f"{journal}-{year}-{seq:06d}"
        books.chain_length += 1
        day, posted_at, created_text, posted_text = self._day(on)
        hashed_lines = []
        entry_id = self.next_entry
        month = on.replace(day=1)
        for code, debit, credit, third_party, fx in specs:
            books.balances[code] += debit - credit
            budget_line = None
            if code in NATURE_OF and journal != "AN":
                budget_line = self._budget_line(books, year, NATURE_OF[code])
                books.spending[(budget_line, month)] += debit - credit
            if fx is None:
                foreign, currency, rate, fx_date, rate_source = None, None, None, None, ""
            else:
                foreign, currency, rate = _cents(fx[0]), "EUR", fx[1]
                fx_date, rate_source = month, "chancellery"
            hashed_lines.append(
                {
                    "account__code": code,
                    "label": label,
                    "debit": _cents(debit),
                    "credit": _cents(credit),
                    "amount_currency": foreign,
                    "amount_currency_currency": currency,
                    "fx_rate": rate,
                    "fx_rate_date": fx_date,
                    "fx_rate_source": rate_source,
                    "third_party": third_party,
                }
            )
            self.lines.append(
                (
                    self.next_line, entry_id, lab.pk, day, books.accounts[code], label,
                    debit, credit, None if foreign is None else str(foreign), currency,
                    None if rate is None else str(rate),
                    None if fx_date is None else fx_date.isoformat(), rate_source,
                    third_party or None,
                    budget_line,
                )
            )  # fmt: skip
            self.next_line += 1
        entry = {
            "lab__code": lab.code,
            "journal__code": journal,
            "number": number,
            "date": on,
            "label": label,
            "piece_ref": piece_ref,
            "piece_date": on,
            "posted_by_id": self.user_id,
            "posted_at": posted_at,
            "reversal_of__number": None,
            "chain_index": books.chain_length,
        }
        prev_hash = books.head_hash
        books.head_hash = chain_hash(prev_hash, entry, hashed_lines)
        self.entries.append(
            (
                entry_id, lab.pk, books.journals[journal], books.fiscal_years[year], day, label,
                piece_ref, day, "posted", seq, number, None, self.user_id, created_text,
                self.user_id, posted_text, books.chain_length, prev_hash, books.head_hash,
            )
        )  # fmt: skip
        self.next_entry += 1
        if len(self.lines) >= self.spec.chunk:
            self.flush()

    def _budget_line(self, books: LabBooks, year: int, nature: str) -> int:
        choices = books.budget_choices.get((year, nature))
        if choices is None:
            # Four lines in five on the CNRS allocation, the others on the partner's.
            source = FUNDING_SOURCES[self.next_line % 5 == 0][0]
            return books.budget_lines[(year, f"{source}-{nature}")]
        ids, cumulative = choices
        return ids[bisect.bisect_right(cumulative, self.pick.random() * cumulative[-1])]

    def flush(self) -> None:
        started = time.perf_counter()
        with transaction.atomic():
            if self.rows.postgres:
                # Foreign keys hold by construction; checking ~5 of them a row at commit
                # would take most of the load time (PostgreSQL's RI triggers are skipped
                # in replica mode, which needs the superuser the bench connects as).
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL session_replication_role = replica")
            self.rows.write(JournalEntry, ENTRY_COLUMNS, self.entries)
            self.rows.write(JournalLine, LINE_COLUMNS, self.lines)
        self.write_seconds += time.perf_counter() - started
        self.total_entries += len(self.entries)
        self.total_lines += len(self.lines)
        self.entries, self.lines = [], []


def _next_id(model: type[JournalEntry] | type[JournalLine]) -> int:
    last = model.objects.order_by("-id").values_list("id", flat=True).first()
    return (last or 0) + 1


def bench_user() -> User:
    """The accountant (office-wide) who records and posts the bench's entries."""
    user, _ = User.objects.get_or_create(username=BENCH_USER)
    if not RoleGrant.objects.filter(user_id=user.pk, role=Role.ACCOUNTANT, lab=None).exists():
        irls_services.role_grant(acting_user=None, user=user, role=Role.ACCOUNTANT, lab=None)
    return user


def _institution(code: str) -> Institution:
    existing = Institution.objects.filter(code=code).first()
    if existing:
        return existing
    name, kind, country = INSTITUTIONS[code]
    return irls_services.institution_create(
        acting_user=None, code=code, name=name, kind=kind, country=country
    )


def nature_spending(seed: int, lines: int = 50_000) -> dict[str, float]:
    """Spending (cents) each nature gets per ledger line, on average: a sample of
    `lines` lines of the usual mix of entries, from a generator of its own."""
    r = random.Random(seed + 2)
    spent: dict[str, float] = defaultdict(float)
    for k, (t, n) in enumerate(plan(r, lines)):
        for code, debit, credit, _, _ in TEMPLATES[t].build(r, n, k, Decimal("1.45"))[2]:
            if code in NATURE_OF:
                spent[NATURE_OF[code]] += debit - credit
    return {nature: cents / lines for nature, cents in spent.items()}


class BudgetPlan:
    """The budget lines each lab opens each year, what each is allocated, and (with
    `spec.budget_lines`) how the expense lines of a nature spread over its lines.

    Default: the 12 lines of `budget_line_plan(None)`, each allocated more than the
    whole block could spend, expense lines split 4 to 1 between the two sources.
    With a number of lines: each line draws a weight (log-normal), its share of the
    spending of its nature; its allocation is the spending expected from that share
    (`nature_spending` x the block's lines) times a factor: 1.15-1.7 for three lines in
    four, 0.97-1.08 (near the limit, most over 90% once committed) for 15%, 0.82-0.95
    (overspent) for 10%; rounded to 1,000."""

    def __init__(self, spec: LedgerSpec) -> None:
        self.lines = budget_line_plan(spec.budget_lines)
        used = {planned.source for planned in self.lines}
        self.sources = [s for s in FUNDING_SOURCES + MORE_FUNDING_SOURCES if s[0] in used]
        self.block_lines = {(i, year): total for i, year, total in blocks(spec)}
        self.default = Decimal(max(spec.lines, 10_000) * 100)
        self.weights: list[float] | None = None
        if spec.budget_lines is None:
            return
        r = random.Random(spec.seed + 3)
        self.weights = [math.exp(r.gauss(0.0, 0.8)) for _ in self.lines]
        self.factors = []
        for _ in self.lines:
            x = r.random()
            low, high = (0.82, 0.95) if x < 0.10 else (0.97, 1.08) if x < 0.25 else (1.15, 1.7)
            self.factors.append(r.uniform(low, high))
        self.nature_weight: dict[str, float] = defaultdict(float)
        for planned, weight in zip(self.lines, self.weights, strict=True):
            self.nature_weight[planned.nature] += weight
        self.per_line = nature_spending(spec.seed)

    def allocation(self, lab_index: int, year: int, i: int) -> Decimal:
        if self.weights is None:
            return self.default
        nature = self.lines[i].nature
        share = self.weights[i] / self.nature_weight[nature]
        cents = self.per_line.get(nature, 0.0) * self.block_lines.get((lab_index, year), 0)
        thousands = round(cents * share * self.factors[i] / 100_000)
        return Decimal(max(thousands, 1) * 1000)

    def choices(
        self, ids: dict[tuple[int, str], int], years: list[int]
    ) -> dict[tuple[int, str], tuple[list[int], list[float]]]:
        """(year, nature) -> ids of its lines and cumulative weights (none by default)."""
        if self.weights is None:
            return {}
        choices: dict[tuple[int, str], tuple[list[int], list[float]]] = {}
        for year in years:
            for planned, weight in zip(self.lines, self.weights, strict=True):
                line_ids, cumulative = choices.setdefault((year, planned.nature), ([], []))
                line_ids.append(ids[(year, planned.code)])
                cumulative.append((cumulative[-1] if cumulative else 0.0) + weight)
        return choices


BENCH_SUPPLIERS = 60
BENCH_STAFF = 40  # bench/chart.py's staff codes E001..E040


def bench_third_parties() -> None:
    """Every third party the bench's entries name, office-wide, once: the suppliers
    S0001..S0060, the staff E001..E040 (missions, advances), the partners (recharges) and
    the CNRS (its allocation received)."""
    from bench.chart import PARTNERS

    parties = [
        ThirdParty(code=f"S{n:04d}", name=f"Supplier {n}", kind=ThirdParty.Kind.SUPPLIER)
        for n in range(1, BENCH_SUPPLIERS + 1)
    ]
    parties += [
        ThirdParty(code=f"E{n:03d}", name=f"Staff member {n}", kind=ThirdParty.Kind.STAFF)
        for n in range(1, BENCH_STAFF + 1)
    ]
    parties += [
        ThirdParty(code=code, name=code, kind=ThirdParty.Kind.PARTNER)
        for code in [*PARTNERS, "CNRS"]
    ]
    ThirdParty.objects.bulk_create(
        parties,
        ignore_conflicts=True,
    )


def books_open(code: str, lab_index: int, years: list[int], budget: BudgetPlan) -> LabBooks:
    """A lab with the bench chart, its journals, open fiscal years, funding sources and
    budget lines (`budget`), all through the services."""
    bench_third_parties()
    cnrs = _institution("CNRS")
    lab = irls_services.lab_create(
        acting_user=None,
        code=code,
        name=f"{code} (benchmark)",
        unit_number="IRL 0000",
        field="benchmark",
        start_date=date(min(years), 1, 1),
        fec_identifier="180089013",
    )
    irls_services.partnership_create(
        acting_user=None, lab=lab, institution=cnrs, role="cnrs", start_date=lab.start_date
    )
    accounts = {
        code: services.account_create(
            acting_user=None,
            lab=lab,
            code=code,
            name_fr=name_fr,
            name_en=name_en,
            needs_budget_line=code in NATURE_OF,
        ).pk
        for code, name_fr, name_en in sorted(ACCOUNTS)
    }
    journals = {
        code: services.journal_create(
            acting_user=None, lab=lab, code=code, name_fr=name_fr, name_en=name_en, kind=kind
        ).pk
        for code, name_fr, name_en, kind in JOURNALS
    }
    fiscal_years = {
        year: services.fiscal_year_open(acting_user=None, lab=lab, year=year) for year in years
    }
    sources = {
        source: irls_services.funding_source_create(
            acting_user=None,
            lab=lab,
            code=source,
            name=name,
            funder=_institution(funder),
            kind=kind,
            start_date=lab.start_date,
            currency=currency,
        )
        for source, name, funder, kind, currency in budget.sources
    }
    natures = {nature: (envelope, kind) for nature, envelope, kind, _ in BUDGET_NATURES}
    budget_lines = {
        (year, planned.code): _budget_line_open(
            lab,
            fiscal_year,
            sources[planned.source],
            planned,
            *natures[planned.nature],
            budget.allocation(lab_index, year, i),
        )
        for year, fiscal_year in fiscal_years.items()
        for i, planned in enumerate(budget.lines)
    }
    return LabBooks(
        lab,
        accounts,
        journals,
        {year: fy.pk for year, fy in fiscal_years.items()},
        budget_lines,
        budget.choices(budget_lines, years),
    )


def _budget_line_open(
    lab: Lab,
    fiscal_year: Any,
    funding_source: Any,
    planned: PlannedBudgetLine,
    envelope: str,
    kind: str,
    allocation: Decimal,
) -> int:
    label = f"{funding_source.name} - {kind}" + (f" {planned.part}" if planned.part else "")
    return services.budget_line_create(
        acting_user=None,
        lab=lab,
        fiscal_year=fiscal_year,
        funding_source=funding_source,
        code=planned.code,
        label_fr=label,
        label_en=label,
        envelope=envelope,
        nature=kind,
        allocated=allocation,
        allocated_on=fiscal_year.start_date,
    ).pk


def opening_entry(books: LabBooks) -> Built | None:
    """The AN entry carrying the balance-sheet balances of the year before (classes 1-5),
    the result of classes 6-7 going to retained earnings."""
    lines: list[Spec] = []
    result = 0
    for code, net in sorted(books.balances.items()):
        if code[0] in "67":
            result += net
        elif net:
            lines.append((code, max(net, 0), max(-net, 0), "", None))
    if result:
        lines.append(("119", result, 0, "", None) if result > 0 else ("110", 0, -result, "", None))
    books.balances.clear()
    return ("Opening balances", "AN", lines) if len(lines) >= 2 else None


def blocks(spec: LedgerSpec) -> Iterator[tuple[int, int, int]]:
    """(lab index, year, lines) in posting order: each lab's previous year, then `year`."""
    other = int(spec.lines * spec.others)
    for i in range(spec.labs):
        if other:
            yield i, spec.year - 1, other
        yield i, spec.year, spec.lines if i == 0 else other


def generate(spec: LedgerSpec, log: Callable[[str], None] = print) -> Generated:
    """Write the ledger of `spec` into the default database (see the module docstring)."""
    if spec.labs > len(LAB_CODES):
        raise ValueError(f"at most {len(LAB_CODES)} labs")
    r = random.Random(spec.seed)
    started = time.perf_counter()
    user = bench_user()
    years = [spec.year - 1, spec.year] if spec.others else [spec.year]
    budget = BudgetPlan(spec)
    all_books = [
        books_open(code, i, years, budget) for i, code in enumerate(LAB_CODES[: spec.labs])
    ]
    rates = {year: fx_rates(spec.seed, year) for year in years}
    result = Generated(main_lab=all_books[0].lab.code, year=spec.year, labs={})
    result.seconds["books"] = time.perf_counter() - started

    started = time.perf_counter()
    writer = BlockWriter(spec, user)
    db_guards.drop(connection)
    try:
        pragmas = _sqlite_pragmas({"cache_size": -256_000, "synchronous": 0})
        for i, year, total in blocks(spec):
            books = all_books[i]
            before = writer.total_lines + len(writer.lines)
            opening = opening_entry(books) if year != min(years) else None
            if opening:
                writer.add(books, year, "AN", date(year, 1, 1), opening)
                total -= len(opening[2])
            entries = plan(r, total)
            for (t, n), on in zip(entries, entry_dates(r, year, len(entries)), strict=True):
                template = TEMPLATES[t]
                k = books.chain_length + 1
                writer.add(
                    books,
                    year,
                    template.journal,
                    on,
                    template.build(r, n, k, rates[year][on.month]),
                )
            writer.flush()
            log(f"  {books.lab.code} {year}: {writer.total_lines - before:,} lines")
        _finish(all_books, result)
        _sqlite_pragmas(pragmas)
    finally:
        db_guards.install(connection)
    result.entries, result.lines = writer.total_entries, writer.total_lines
    result.seconds["rows"] = time.perf_counter() - started - writer.write_seconds
    result.seconds["write"] = writer.write_seconds
    if spec.budget_lines is not None:
        started = time.perf_counter()
        result.budget = budget_activity(all_books[0].lab, spec.year, spec.seed, user)
        result.seconds["budget_activity"] = time.perf_counter() - started
        log(f"  {all_books[0].lab.code} {spec.year}: {result.budget}")
    return result


# The account a commitment of each nature is invoiced to, and the kind of commitment.
INVOICED_TO = {
    "MIS": ("6256", Commitment.Kind.MISSION_ORDER),
    "REC": ("6257", Commitment.Kind.PURCHASE_ORDER),
    "FOU": ("6068", Commitment.Kind.PURCHASE_ORDER),
    "SER": ("6156", Commitment.Kind.CONVENTION),
    "CDD": ("6411", Commitment.Kind.CONVENTION),
    "EQP": ("2154", Commitment.Kind.PURCHASE_ORDER),
}


def _hundreds(value: Decimal, share: float) -> Decimal:
    """`share` of `value`, rounded down to the hundred."""
    return Decimal(int(value * Decimal(share)) // 100 * 100)


def budget_activity(lab: Lab, year: int, seed: int, user: User) -> dict[str, int]:
    """A year of budget management on `lab`'s lines of `year`, through the services (the
    guards are back): top-ups on a quarter of the lines, cuts on a tenth, transfers
    between random pairs (one for ten lines); 0 to 5 commitments per line (purchase,
    mission orders and conventions, 0.5-6% of the allocation each, open); one in five
    then partly invoiced (30-80%) by a posted purchase that settles it."""
    r = random.Random(seed * 31 + year)
    lines = list(
        BudgetLine.objects.filter(lab=lab, fiscal_year__year=year)
        .select_related("lab", "fiscal_year")
        .order_by("id")
    )
    nature_of = {kind: code for code, _, kind, _ in BUDGET_NATURES}

    def day(first_month: int, last_month: int) -> date:
        start, end = date(year, first_month, 1), date(year, last_month, 28)
        return start + timedelta(days=r.randrange((end - start).days + 1))

    for line in lines:
        x = r.random()
        if x < 0.25:
            services.budget_line_amend(
                acting_user=None,
                budget_line=line,
                amount=_hundreds(line.allocated, r.uniform(0.05, 0.25)) or Decimal(100),
                on=day(2, 11),
                justification="Top-up notified by the funder",
            )
        elif x < 0.35:
            cut = _hundreds(line.allocated, r.uniform(0.02, 0.08))
            if 0 < cut < budget_availability(budget_line_ids=[line.pk])[line.pk]:
                services.budget_line_amend(
                    acting_user=None,
                    budget_line=line,
                    amount=-cut,
                    on=day(2, 11),
                    justification="Cut notified by the funder",
                )
    for _ in range(len(lines) // 10):
        source, target = r.sample(lines, 2)
        available = budget_availability(budget_line_ids=[source.pk])[source.pk]
        amount = _hundreds(available, r.uniform(0.02, 0.1))
        if amount > 0:
            services.budget_transfer(
                acting_user=None,
                source=source,
                target=target,
                amount=amount,
                on=day(3, 11),
                justification="Reallocation decided by the lab council",
            )
    commitments: list[Commitment] = []
    for line in lines:
        _, kind = INVOICED_TO[nature_of[line.nature]]
        for _ in range(r.choice([0, 1, 1, 2, 2, 3, 3, 4, 5])):
            k = len(commitments) + 1
            commitments.append(
                services.commitment_create(
                    acting_user=None,
                    budget_line=line,
                    kind=kind,
                    reference=f"CMT-{year}-{k:05d}",
                    third_party=f"S{r.randrange(1, 61):04d}",
                    label=f"{kind.label} {k}",
                    amount=round_cents(line.allocated * Decimal(r.uniform(0.005, 0.06))),
                    on=day(6, 11),
                )
            )
    invoices = _invoices(lab, year, user, r, [c for c in commitments if r.random() < 0.2])
    return {
        "budget_lines": len(lines),
        "amendments": BudgetAmendment.objects.filter(budget_line__in=lines).count(),
        "commitments": len(commitments),
        "commitments_partly_settled": Commitment.objects.filter(
            budget_line__in=lines, status=Commitment.Status.PARTLY_SETTLED
        ).count(),
        "invoices_posted": invoices,
    }


def _invoices(
    lab: Lab, year: int, user: User, r: random.Random, commitments: list[Commitment]
) -> int:
    """Purchases that settle part of `commitments`, posted in one batch."""
    journal = Journal.objects.get(lab=lab, code="ACH")
    accounts = {a.code: a for a in Account.objects.filter(lab=lab).select_related("lab")}
    nature_of = {kind: code for code, _, kind, _ in BUDGET_NATURES}
    drafts = []
    for commitment in commitments:
        line = commitment.budget_line
        account, _ = INVOICED_TO[nature_of[line.nature]]
        on = min(commitment.date + timedelta(days=r.randrange(5, 40)), date(year, 12, 31))
        amount = round_cents(commitment.amount * Decimal(r.uniform(0.3, 0.8)))
        drafts.append(
            services.entry_create_draft(
                acting_user=user,
                lab=lab,
                journal=journal,
                date=on,
                label=f"Invoice on {commitment.reference}",
                piece_ref=f"INV-{commitment.reference}",
                piece_date=on,
                lines=[
                    services.LineInput(
                        account=accounts[account],
                        debit=amount,
                        budget_line=line,
                        commitment=commitment,
                    ),
                    services.LineInput(
                        account=accounts["4010001"],
                        credit=amount,
                        third_party=commitment.third_party,
                    ),
                ],
            )
        )
    if drafts:
        services.entries_post(acting_user=user, entries=drafts)
    return len(drafts)


def _sqlite_pragmas(values: dict[str, int]) -> dict[str, int]:
    """Set SQLite pragmas of this connection; return their previous values. While loading:
    a large page cache (fewer re-reads of index pages) and no fsync (a benchmark database
    is rebuilt rather than recovered). The measurements run with the project's settings."""
    previous: dict[str, int] = {}
    if connection.vendor != "sqlite":
        return previous
    with connection.cursor() as cursor:
        for name, value in values.items():
            cursor.execute(f"PRAGMA {name}")
            previous[name] = int(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA {name} = {int(value)}")
    return previous


def _finish(all_books: list[LabBooks], result: Generated) -> None:
    """Numbering counters, chain heads and one audit event per lab; database sequences."""
    with transaction.atomic():
        for books in all_books:
            LedgerSequence.objects.bulk_create(
                LedgerSequence(
                    lab=books.lab,
                    journal_id=books.journals[journal],
                    fiscal_year_id=books.fiscal_years[year],
                    last_seq=last,
                )
                for (journal, year), last in books.seqs.items()
            )
            LedgerChain.objects.filter(lab=books.lab).update(
                length=books.chain_length, head_hash=books.head_hash
            )
            BudgetSpending.objects.bulk_create(
                BudgetSpending(budget_line_id=line, month=month, amount=_cents(cents))
                for (line, month), cents in sorted(books.spending.items())
            )
            summary = {
                "entries": books.chain_length,
                "head_hash": books.head_hash,
                "note": "bulk load by bench/generate.py, guards lifted during the load",
            }
            services.audit_record(
                actor=None, action="ledger.bulk_load", obj=books.lab, lab=books.lab, after=summary
            )
            result.labs[books.lab.code] = summary
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [JournalEntry, JournalLine]):
                cursor.execute(sql)


def analyze() -> float:
    """Refresh the planner statistics (and, on PostgreSQL, the visibility map that
    index-only scans need), as autovacuum or `PRAGMA optimize` would in production."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=LedgerSpec.lines)
    parser.add_argument("--labs", type=int, default=LedgerSpec.labs)
    parser.add_argument("--year", type=int, default=LedgerSpec.year)
    parser.add_argument("--others", type=float, default=LedgerSpec.others)
    parser.add_argument("--seed", type=int, default=LedgerSpec.seed)
    parser.add_argument(
        "--budget-lines",
        type=int,
        default=None,
        help="budget lines per lab and year (default: 12, one per funding source and nature)",
    )
    parser.add_argument("--migrate", action="store_true", help="run Django's migrate first")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        parser.error("set DATABASE_URL to the database to fill (never the working database)")
    if args.migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    spec = LedgerSpec(
        args.lines, args.labs, args.year, args.others, args.seed, budget_lines=args.budget_lines
    )
    done = generate(spec)
    seconds = ", ".join(f"{k} {v:.1f} s" for k, v in done.seconds.items())
    print(f"{done.entries:,} entries, {done.lines:,} lines ({seconds})")
    print(f"ANALYZE: {analyze():.1f} s")


if __name__ == "__main__":
    main()
