"""Loads the glossary's seed (incidents/data/glossary.yaml) on every installation: missing keys only, so
entries edited in the admin are kept. `manage.py load_glossary` loads a newer seed later."""

from django.db import migrations


def load_seed(apps, schema_editor):
    from incidents import glossary

    entries = apps.get_model("incidents", "GlossaryEntry")
    existing = set(entries.objects.values_list("key", flat=True))
    for group in glossary.read_seed():
        if group["key"] not in existing:
            entries.objects.create(**group)


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0005_glossary"),
    ]

    operations = [
        migrations.RunPython(load_seed, migrations.RunPython.noop),
    ]
