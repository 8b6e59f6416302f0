"""The third party of a line becomes a record (issue 14).

The free text of `JournalLine.third_party` stays in its column and becomes a foreign key
to `ThirdParty.code`: each distinct text becomes a third party of that code (kind guessed
from the accounts it was used on, name = the code, to complete by the office), a blank
becomes NULL. Posted lines are otherwise untouched, so their hashes still verify (the
canonical form reads NULL as the blank it was). Accounts under
LEDGER_THIRD_PARTY_CLASSES are flagged as needing a third party from now on.

The database guards are dropped first (they freeze posted lines, and SQLite rebuilds the
table); the post_migrate handler installs them again.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

KIND_BY_PREFIX = (("40", "supplier"), ("41", "customer"), ("42", "staff"))


def drop_guards(apps, schema_editor):
    from ledger import db_guards

    db_guards.drop(schema_editor.connection)


def free_text_to_records(apps, schema_editor):
    ThirdParty = apps.get_model("parties", "ThirdParty")
    Account = apps.get_model("ledger", "Account")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_journalline SET third_party = NULL WHERE third_party = ''")
        cursor.execute(
            "SELECT l.third_party, MIN(a.code) FROM ledger_journalline l"
            " JOIN ledger_account a ON a.id = l.account_id"
            " WHERE l.third_party IS NOT NULL GROUP BY l.third_party"
        )
        used = cursor.fetchall()
    ThirdParty.objects.bulk_create(
        [
            ThirdParty(
                code=code,
                name=code,
                kind=next((k for p, k in KIND_BY_PREFIX if account.startswith(p)), "other"),
            )
            for code, account in used
        ],
        ignore_conflicts=True,
    )
    prefixes = models.Q()
    for prefix in settings.LEDGER_THIRD_PARTY_CLASSES:
        prefixes |= models.Q(code__startswith=prefix)
    Account.objects.filter(prefixes).update(needs_third_party=True)


def records_to_free_text(apps, schema_editor):
    """Backwards: no third party is a blank again (the records stay)."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_journalline SET third_party = '' WHERE third_party IS NULL")


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0013_third_party_fields"),
        ("parties", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(drop_guards, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="journalline",
            name="third_party",
            field=models.CharField(max_length=40, null=True, blank=True, verbose_name="third party"),
        ),
        migrations.RunPython(free_text_to_records, records_to_free_text),
        migrations.AlterField(
            model_name="journalline",
            name="third_party",
            field=models.ForeignKey(
                blank=True,
                db_column="third_party",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="lines",
                to="parties.thirdparty",
                to_field="code",
                verbose_name="third party",
            ),
        ),
        # Backwards, the guards go first too.
        migrations.RunPython(migrations.RunPython.noop, drop_guards),
    ]
