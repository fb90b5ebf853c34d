"""Loads the glossary's seed (incidents/data/glossary.yaml) on every installation: missing keys only, so
entries edited in the admin are kept. `manage.py load_glossary` loads a newer seed later."""

from django.db import migrations


def load_seed(apps, schema_editor):
    from incidents import glossary

    glossary.load(apps.get_model("incidents", "GlossaryEntry"), glossary.read_seed())


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0005_glossary"),
    ]

    operations = [
        migrations.RunPython(load_seed, migrations.RunPython.noop),
    ]
