"""PostgreSQL: the queue of entries to check for balance at commit.

Each statement that posts entries queues their ids (one row a statement); a deferred
constraint trigger on this table checks each set at commit, then deletes its row
(`ledger.db_guards`, which installs the triggers after every migrate). Not a model: it
holds nothing between transactions. SQLite checks the balance as an entry is posted.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

CREATE = """CREATE TABLE ledger_balance_pending (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  entry_ids bigint[] NOT NULL
)"""
DROP = "DROP TABLE IF EXISTS ledger_balance_pending"


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0011_budget_fk_verbose_names")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
