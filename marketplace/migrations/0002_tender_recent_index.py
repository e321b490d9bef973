from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0001_tender_exchange"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="tender",
            index=models.Index(fields=["-published_at", "-id"], name="marketplace_tender_recent"),
        ),
    ]
