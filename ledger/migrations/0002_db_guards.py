"""Install the database guards of ledger/db_guards.py (triggers on both databases)."""

from django.db import migrations


def install(apps, schema_editor):
    from ledger import db_guards

    db_guards.install(schema_editor.connection)


def drop(apps, schema_editor):
    from ledger import db_guards

    db_guards.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(install, drop)]
