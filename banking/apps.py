from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


def drop_guards(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Lift banking's guards before migrating: their bodies name ledger tables, which a
    migration may rebuild on SQLite (copy, drop, rename)."""
    from banking import db_guards

    db_guards.drop(connections[using])


def install_guards(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """(Re)install banking's database guards after every migrate (banking/db_guards.py)."""
    from banking import db_guards

    db_guards.install(connections[using])


class BankingConfig(AppConfig):
    name = "banking"
    verbose_name = _("Bank reconciliation")

    def ready(self) -> None:
        pre_migrate.connect(drop_guards, sender=self, dispatch_uid="banking-drop-guards")
        post_migrate.connect(install_guards, sender=self, dispatch_uid="banking-install-guards")
