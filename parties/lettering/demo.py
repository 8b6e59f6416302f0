"""The demo's lettering: what the office's accountant has lettered on the day of loading.

`letter_demo(lab, user)` runs after the demo's entries are posted (ledger/demo/load.py):
the automatic proposal of every third-party account, confirmed whole (invoices with
their payments, by piece reference then by amount), then the invoices paid in part
lettered with their payments by hand (partial letterings: same account, third party and
piece reference, lines that do not cancel out yet). Running it again letters nothing.
"""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import User
from django.db.models import Count, Max, Q

from irls.models import Lab
from ledger.models import JournalLine
from parties.lettering.selectors import third_party_accounts
from parties.lettering.services import lettering_confirm_proposal, lettering_letter


@dataclass(frozen=True)
class DemoLettering:
    complete: int
    partial: int


def letter_demo(lab: Lab, user: User) -> DemoLettering:
    """Letter the lab's invoices with their payments, fully and partly (idempotent)."""
    accounts = [a.pk for a in third_party_accounts(lab)]
    open_lines = JournalLine.objects.filter(
        lab=lab, account__in=accounts, entry_date__isnull=False, lettered__isnull=True
    )
    last = open_lines.aggregate(last=Max("entry_date"))["last"]
    if last is None:
        return DemoLettering(0, 0)
    on: date = last
    complete = lettering_confirm_proposal(acting_user=user, lab=lab, lettered_on=on)
    partial = 0
    # An invoice and the payments that name it but do not settle it yet.
    groups = (
        open_lines.exclude(entry__piece_ref="")
        .values("account_id", "third_party_id", "entry__piece_ref")
        .annotate(
            lines=Count("id"),
            debits=Count("id", filter=Q(debit__gt=0)),
            credits=Count("id", filter=Q(credit__gt=0)),
        )
        .filter(lines__gte=2, debits__gte=1, credits__gte=1)
        .order_by("account_id", "third_party_id", "entry__piece_ref")
    )
    for group in groups:
        ids = list(
            open_lines.filter(
                account_id=group["account_id"],
                third_party_id=group["third_party_id"],
                entry__piece_ref=group["entry__piece_ref"],
            ).values_list("id", flat=True)
        )
        lettering_letter(acting_user=user, lab=lab, line_ids=ids, lettered_on=on)
        partial += 1
    return DemoLettering(len(complete), partial)
