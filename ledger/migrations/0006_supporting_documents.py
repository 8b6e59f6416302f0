# Supporting documents of journal entries (issue 12). The database guards that freeze a
# posted entry's documents are (re)installed after migrate by ledger/db_guards.py.

import django.db.models.deletion
import ledger.models.documents
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('irls', '0003_funding_source_years'),
        ('ledger', '0005_budget_years'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='SupportingDocument',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file', models.FileField(max_length=255, storage=ledger.models.documents.document_storage, upload_to='', verbose_name='file')),
                ('original_name', models.CharField(max_length=255, verbose_name='file name')),
                ('content_type', models.CharField(choices=[('application/pdf', 'PDF'), ('image/jpeg', 'JPEG'), ('image/png', 'PNG')], max_length=40, verbose_name='type')),
                ('size', models.PositiveBigIntegerField(verbose_name='size in bytes')),
                ('sha256', models.CharField(db_index=True, max_length=64, verbose_name='sha256')),
                ('uploaded_at', models.DateTimeField(auto_now_add=True, verbose_name='uploaded at')),
                ('entry', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='documents', to='ledger.journalentry', verbose_name='entry')),
                ('lab', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='irls.lab')),
                ('uploaded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='uploaded by')),
            ],
            options={
                'verbose_name': 'supporting document',
                'verbose_name_plural': 'supporting documents',
                'ordering': ['entry_id', 'uploaded_at', 'id'],
                'constraints': [
                    models.UniqueConstraint(fields=('entry', 'sha256'), name='document_once_per_entry'),
                    models.CheckConstraint(condition=models.Q(('size__gt', 0)), name='document_not_empty'),
                ],
            },
        ),
    ]
