"""Evidence files keep their names as uploaded (`evidence_name`); new files are stored under random
names. Existing rows get the name their file is stored under, which is the one they were uploaded
with unless storage renamed it on a collision."""

from pathlib import PurePath

from django.db import migrations, models


def names_from_stored_files(apps, schema_editor):
    for model_name in ("Application", "SettlementClaim"):
        model = apps.get_model("vouchers", model_name)
        batch = []
        for row in model.objects.exclude(evidence="").only("pk", "evidence").iterator(chunk_size=2_000):
            row.evidence_name = PurePath(row.evidence.name).name[-100:]
            batch.append(row)
            if len(batch) == 2_000:
                model.objects.bulk_update(batch, ["evidence_name"])
                batch = []
        model.objects.bulk_update(batch, ["evidence_name"])


class Migration(migrations.Migration):

    dependencies = [
        ('vouchers', '0003_running_totals'),
    ]

    operations = [
        migrations.AddField(
            model_name='application',
            name='evidence_name',
            field=models.CharField(blank=True, max_length=100, verbose_name='evidence file name'),
        ),
        migrations.AddField(
            model_name='settlementclaim',
            name='evidence_name',
            field=models.CharField(blank=True, max_length=100, verbose_name='evidence file name'),
        ),
        migrations.RunPython(names_from_stored_files, migrations.RunPython.noop),
    ]
