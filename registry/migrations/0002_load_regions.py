"""Load the GB/T 2260 divisions of registry/data/regions.csv: all 34 provincial-level units and the
cities and districts the portal's data uses. A later data migration may call the same loader again
to add regions: it updates in place."""

from django.db import migrations

from registry.region_data import load_regions


def forwards(apps, schema_editor):
    load_regions(apps.get_model("registry", "Region"))


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
