"""What the entry pages benchmark (bench/entry_pages.py) sends, on the generated ledger:
an accountant of the big lab, the month and budget line its entries use, a posted entry
and a draft to show, fresh drafts to post, the form's data; and the audit trail posting
through the app would have left for the bulk-loaded entries.

Everything is recorded through the services (`entry_create_draft`, `entry_post`,
`role_grant`, `period_reopen`), except the audit trail, written in bulk as generate.py
writes the entries. Call after Django is set up (bench/env.py).
"""

import time
from datetime import date
from decimal import Decimal
from typing import Any

ACCOUNTANT = "bench.cintra.accountant"
MONTH = 6  # the entries' month, in the open year


def audit_trail(user: Any, chunk: int = 20_000) -> dict[str, Any]:
    """The events posting through the app leaves, for every bulk-loaded entry: an
    `entry.create` (by the bench accountant, an hour before posting, with the snapshot
    `entry_create_draft` records) and an `entry.post` (number and hash), written in bulk
    as generate.py writes the entries (COPY on PostgreSQL, executemany on SQLite)."""
    from itertools import groupby

    from django.core.management.color import no_style
    from django.db import connection, transaction

    from bench.generate import RowWriter
    from ledger.models import AuditEvent, JournalEntry, JournalLine
    from ledger.services.audit import audit_json

    started = time.perf_counter()
    rows = RowWriter()
    columns = (
        "id", "at", "actor_id", "action", "lab_id", "object_type", "object_id", "object_repr",
        "after",
    )  # fmt: skip

    def text(after: dict[str, Any]) -> str:
        encoded = audit_json(after)
        return encoded.replace("\\", "\\\\") if rows.postgres else encoded

    last, events = 0, 0
    next_id = (AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    while True:
        entries = list(
            JournalEntry.objects.filter(pk__gt=last, status=JournalEntry.Status.POSTED)
            .order_by("pk")
            .values_list(
                "pk", "lab_id", "journal__code", "date", "label", "piece_ref", "piece_date",
                "number", "hash", "created_at", "posted_at",
            )[:chunk]
        )  # fmt: skip
        if not entries:
            break
        lines = (
            JournalLine.objects.filter(entry_id__gte=entries[0][0], entry_id__lte=entries[-1][0])
            .order_by("entry_id", "id")
            .values_list("entry_id", "account__code", "label", "debit", "credit")
        )
        lines_of = {
            entry_id: [[code, label, str(d), str(c)] for _, code, label, d, c in group]
            for entry_id, group in groupby(lines.iterator(chunk_size=10_000), key=lambda r: r[0])
        }
        batch: list[tuple[Any, ...]] = []
        for (
            pk,
            lab_id,
            journal,
            on,
            label,
            ref,
            piece_date,
            number,
            hashed,
            made,
            posted,
        ) in entries:
            snapshot = {
                "journal": journal,
                "date": on.isoformat(),
                "label": label,
                "piece_ref": ref,
                "piece_date": piece_date.isoformat() if piece_date else None,
                "lines": lines_of.get(pk, []),
            }
            draft = f"draft #{pk} {on}"
            assert posted is not None  # a posted entry
            batch.append(
                (next_id, rows.timestamp(made), user.pk, "entry.create", lab_id,
                 "ledger.JournalEntry", str(pk), draft, text(snapshot))
            )  # fmt: skip
            batch.append(
                (next_id + 1, rows.timestamp(posted), user.pk, "entry.post", lab_id,
                 "ledger.JournalEntry", str(pk), number, text({"number": number, "hash": hashed}))
            )  # fmt: skip
            next_id += 2
        with transaction.atomic():
            rows.write(AuditEvent, columns, batch)
        events += len(batch)
        last = entries[-1][0]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [AuditEvent]):
            cursor.execute(sql)
    return {
        "events": events,
        "audit_events_total": AuditEvent.objects.count(),
        "seconds": time.perf_counter() - started,
    }


class EntryBooks:
    """The big lab's accountant and what the entry pages are sent: a posted entry of six
    lines, a draft of four, `drafts` fresh two-line drafts (one per posting), the form's
    data of a two-line purchase; all dated on the 17th of MONTH of `year`."""

    def __init__(self, lab: Any, year: int, drafts: int) -> None:
        from django.contrib.auth.models import User

        from irls import services as irls_services
        from irls.models import Role, RoleGrant
        from ledger.models import Account, Journal

        self.lab, self.year = lab, year
        self.day = date(year, MONTH, 17)
        user, _ = User.objects.get_or_create(username=ACCOUNTANT)
        if not RoleGrant.objects.filter(user_id=user.pk, role=Role.ACCOUNTANT, lab=lab).exists():
            irls_services.role_grant(acting_user=None, user=user, role=Role.ACCOUNTANT, lab=lab)
        self.user = user
        self.month_open = open_month(lab, self.day)
        self.journal = Journal.objects.select_related("lab").get(lab=lab, code="ACH")
        accounts = Account.objects.select_related("lab").filter(lab=lab)
        self.account = {a.code: a for a in accounts}
        self.budget_line, self.commitment = roomy_budget_line(lab, year)
        self.posted = self._posted_entry()
        self.draft = self.new_draft(0, lines=4)
        self.drafts = [self.new_draft(k) for k in range(1, drafts + 1)]
        self.k = 0

    @classmethod
    def of(cls, year: int, drafts: int) -> "EntryBooks":
        from bench.chart import LAB_CODES
        from irls.models import Lab

        return cls(Lab.objects.get(code=LAB_CODES[0]), year, drafts)

    def form_data(self, action: str) -> dict[str, Any]:
        """A two-line purchase as the form sends it (amount and piece differ each time)."""
        self.k += 1
        amount = f"{100 + self.k % 900},{self.k % 100:02d}"  # French notation
        line = {"label": "", "currency": self.lab.book_currency, "bank_rate": "", "commitment": ""}
        lines = [
            line
            | {
                "account": "6068 Fournitures de laboratoire",
                "label": "Réactifs",
                "debit": amount,
                "credit": "",
                "third_party": "",
                "budget_line": str(self.budget_line.pk),
            },
            line | {"account": "4010007", "debit": "", "credit": amount, "third_party": "S0007"},
        ]
        data: dict[str, Any] = {
            "journal": str(self.journal.pk),
            "date": self.day.isoformat(),
            "label": f"Facture réactifs {self.k}",
            "piece_ref": f"PAGE-{action}-{self.k:05d}",
            "piece_date": self.day.isoformat(),
            "lines-TOTAL_FORMS": str(len(lines)),
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "200",
            "action": action,
        }
        for n, fields in enumerate(lines):
            data |= {f"lines-{n}-{key}": value for key, value in fields.items()}
        return data

    def new_draft(self, k: int, lines: int = 2) -> Any:
        """A balanced purchase draft of `lines` lines (supplies on the budget line, GST,
        the supplier), dated in the open month, recorded through the services."""
        from ledger import services

        amount = Decimal(100 + 7 * k) + Decimal(k % 100).scaleb(-2)
        specs = [
            services.LineInput(
                account=self.account["6068"],
                debit=amount,
                label="Consumables",
                budget_line=self.budget_line,
            )
        ]
        if lines >= 4:
            specs.append(
                services.LineInput(
                    account=self.account["6064"],
                    debit=Decimal("42.10"),
                    label="Office supplies",
                    budget_line=self.budget_line,
                )
            )
            specs.append(services.LineInput(account=self.account["44566"], debit=Decimal("12.00")))
        total = sum((line.debit for line in specs), Decimal(0))
        specs.append(
            services.LineInput(account=self.account["4010012"], credit=total, third_party="S0012")
        )
        return services.entry_create_draft(
            acting_user=self.user,
            lab=self.lab,
            journal=self.journal,
            date=self.day,
            label=f"Bench page purchase {k}",
            piece_ref=f"PAGE-{k:05d}",
            piece_date=self.day,
            lines=specs,
        )

    def _posted_entry(self) -> Any:
        """An invoice of six lines, one in EUR at the chancellery rate, on budget lines
        (one settling a commitment), two suppliers; recorded and posted through the
        services, so its page shows its history (created, posted)."""
        from djmoney.money import Money

        from ledger import services
        from ledger.fields import round_cents
        from ledger.selectors import book_rate

        rate, _ = book_rate(book_currency=self.lab.book_currency, currency="EUR", on=self.day)
        eur = Decimal("1000.00")
        equipment = Decimal("8400.00")
        if self.commitment is not None:  # settle part of the commitment, within its amount
            equipment = min(equipment, round_cents(self.commitment.amount / 2))
        total = equipment + round_cents(eur * rate) + Decimal("310.55") + Decimal("612.00")
        half = round_cents(total / 2)
        lines = [
            services.LineInput(
                account=self.account["2154"],
                debit=equipment,
                label="Spectrometer",
                budget_line=getattr(self.commitment, "budget_line", None),
                commitment=self.commitment,
            ),
            services.LineInput(
                account=self.account["6068"],
                amount_currency=Money(eur, "EUR"),
                side="debit",
                label="Calibration kit (EUR)",
                budget_line=self.budget_line,
            ),
            services.LineInput(
                account=self.account["6064"],
                debit=Decimal("310.55"),
                label="Cables",
                budget_line=self.budget_line,
            ),
            services.LineInput(account=self.account["44566"], debit=Decimal("612.00")),
            services.LineInput(account=self.account["4010003"], credit=half, third_party="S0003"),
            services.LineInput(
                account=self.account["4010004"], credit=total - half, third_party="S0004"
            ),
        ]
        draft = services.entry_create_draft(
            acting_user=self.user,
            lab=self.lab,
            journal=self.journal,
            date=self.day,
            label="Spectrometer and calibration",
            piece_ref="PAGE-POSTED",
            piece_date=self.day,
            lines=lines,
        )
        return services.entry_post(acting_user=self.user, entry=draft)

    def describe(self) -> dict[str, Any]:
        from ledger.models import AuditEvent, BudgetLine, Commitment, JournalLine
        from ledger.selectors.entry_form import open_budget_lines, open_commitments

        return {
            "lab": self.lab.code,
            "year": self.year,
            "day": self.day.isoformat(),
            "month_open": self.month_open,
            "ledger_lines_in_year": JournalLine.objects.filter(
                lab=self.lab, entry_date__year=self.year
            ).count(),
            "ledger_lines_all_labs_years": JournalLine.objects.count(),
            "audit_events": AuditEvent.objects.count(),
            "budget_lines_lab": BudgetLine.objects.filter(lab=self.lab).count(),
            "form_budget_lines": open_budget_lines(self.lab).count(),
            "form_commitments": open_commitments(self.lab).count(),
            "commitments_lab": Commitment.objects.filter(lab=self.lab).count(),
            "accounts": len(self.account),
            "budget_line": self.budget_line.code,
            "commitment": getattr(self.commitment, "reference", None),
            "posted_entry": {"id": self.posted.pk, "number": self.posted.number,
                             "lines": self.posted.lines.count()},
            "draft_entry": {"id": self.draft.pk, "lines": self.draft.lines.count()},
        }  # fmt: skip


def open_month(lab: Any, day: date) -> str:
    """The month of `day` open for posting: 'open', or 'reopened' (through the services)
    when the generated ledger had it closed."""
    from ledger import rules
    from ledger.models import Period
    from ledger.services import period_reopen

    books = rules.books_read(lab)
    if rules.month_state(books, books.year_of(day), day) == rules.OPEN:
        return "open"
    period = Period.objects.get(lab=lab, start_date__lte=day, end_date__gte=day)
    period_reopen(acting_user=None, period=period, reason="Benchmark of the entry pages")
    return "reopened"


def roomy_budget_line(lab: Any, year: int) -> tuple[Any, Any]:
    """The supplies budget line of `year` with the most available (the page's purchases
    never overspend it), and the open equipment commitment whose line has the most."""
    from ledger.models import BudgetLine, Commitment
    from ledger.selectors import budget_availability
    from ledger.selectors.budget import OPEN_STATUSES

    lines = list(
        BudgetLine.objects.filter(lab=lab, fiscal_year__year=year).select_related("fiscal_year")
    )
    available = budget_availability(budget_line_ids=[line.pk for line in lines])
    supplies = max(
        (line for line in lines if line.nature == "supplies"), key=lambda x: available[x.pk]
    )
    commitments = Commitment.objects.filter(
        lab=lab, budget_line__in=lines, budget_line__nature="equipment", status__in=OPEN_STATUSES
    ).select_related("budget_line__fiscal_year", "lab")
    commitment = max(commitments, key=lambda c: (available[c.budget_line_id], -c.pk), default=None)
    return supplies, commitment
