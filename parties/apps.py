from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


def drop_guards(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Lift the lettering guards before migrating: on SQLite a migration that rebuilds a
    ledger table (ALTER TABLE ... RENAME) fails on a trigger whose body names it."""
    from parties import db_guards

    db_guards.drop(connections[using])


def install_guards(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """(Re)install the lettering guards after every migrate (parties/db_guards.py)."""
    from parties import db_guards

    db_guards.install(connections[using])


class PartiesConfig(AppConfig):
    name = "parties"
    verbose_name = _("Third parties and lettering")

    def ready(self) -> None:
        pre_migrate.connect(drop_guards, sender=self, dispatch_uid="parties-drop-guards")
        post_migrate.connect(install_guards, sender=self, dispatch_uid="parties-install-guards")
