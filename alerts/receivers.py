"""What the alerts app does when the ledger says budget lines changed (ledger.signals):
queue a check of those lines (alerts.tasks), once the ledger's transaction has
committed. Nothing is checked here: a worker does it (or, with TASKS_BACKEND=immediate,
the request once its response's work is committed)."""

import logging
from typing import Any

logger = logging.getLogger("alerts")


def budget_alerts_queue(sender: Any, line_ids: frozenset[int], **kwargs: Any) -> None:
    """Queue the check of `line_ids` (a failure to queue is logged: the posting is
    committed already, and the daily check will see the lines)."""
    from alerts.tasks import budget_alerts_check

    try:
        budget_alerts_check.enqueue(line_ids=sorted(line_ids))
    except Exception:
        logger.exception("could not queue the budget alerts' check of lines %s", sorted(line_ids))
