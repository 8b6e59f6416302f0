from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate, pre_migrate, pre_save
from django.utils.translation import gettext_lazy as _


def drop_guards(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Lift the guards before migrating: on SQLite a migration that rebuilds a table
    (adding a column with a default copies the table and renames the copy) breaks on a
    trigger whose body names it. `install_guards` puts them back once migrate is done."""
    from ledger import db_guards

    db_guards.drop(connections[using])


def install_guards(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """(Re)install the database guards after every migrate, so they always match the
    current tables (the SQLite guard lists the columns of a line)."""
    from ledger import db_guards

    db_guards.install(connections[using])


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = _("Ledger")

    def ready(self) -> None:
        pre_migrate.connect(drop_guards, sender=self, dispatch_uid="ledger-drop-guards")
        post_migrate.connect(install_guards, sender=self, dispatch_uid="ledger-install-guards")
        from ledger.fixture_guard import refuse_raw_save

        pre_save.connect(refuse_raw_save, dispatch_uid="ledger-refuse-raw-save")
