"""What the ledger tells other apps, which it never imports (dependencies run one way).

`budget_lines_changed`: sent once a transaction that changed what budget lines hold
(a posting, a reversal, a bulk or imported posting, a commitment created, amended,
cancelled or carried over, an amendment, a change of a line's alert thresholds) has
committed; once per transaction, with the ids of every line it touched
(`ledger.services.budget.budget_lines_touched`). Arguments: `sender` (BudgetLine) and
`line_ids` (a frozenset of ints). Receivers run after the commit, outside any
transaction of the ledger: they queue work rather than do it (the alerts app queues its
check, alerts/receivers.py).
"""

from django.dispatch import Signal

budget_lines_changed = Signal()
