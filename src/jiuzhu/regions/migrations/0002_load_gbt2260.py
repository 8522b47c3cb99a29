"""Load the packaged GB/T 2260 divisions (Guangdong, Inner Mongolia) into every database."""

import csv
from importlib import resources

from django.db import migrations


def load(apps, schema_editor):
    Region = apps.get_model("regions", "Region")
    text = resources.files("jiuzhu.rules").joinpath("data/regions.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    existing = set(Region.objects.values_list("code", flat=True))
    Region.objects.bulk_create(
        [
            Region(code=r["code"], name=r["name"], level=r["level"], parent_id=r["parent"] or None)
            for r in rows
            if r["code"] not in existing
        ]
    )


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
