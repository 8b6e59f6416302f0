from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("Budget alerts")

    def ready(self) -> None:
        # The ledger says when budget lines change (ledger.signals); the check is queued
        # as a task (alerts.receivers), never run inside the ledger's transaction.
        from alerts.receivers import budget_alerts_queue
        from ledger.signals import budget_lines_changed

        budget_lines_changed.connect(budget_alerts_queue, dispatch_uid="alerts-queue-check")
