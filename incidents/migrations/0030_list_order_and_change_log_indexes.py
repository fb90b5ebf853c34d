"""Indexes for speed (#33): IndexChange.incident_id (an incident's changes, read for its ETag), and on PostgreSQL
the incident list's order (newest_first: started_at DESC NULLS LAST, created_at DESC, id DESC), so that a page of
the list is read from the index instead of sorting every incident. SQLite cannot index NULLS LAST; it sorts."""

from django.db import migrations, models

INDEX = "incident_newest_first"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS {INDEX} ON incidents_incident '
                              f'(started_at DESC NULLS LAST, created_at DESC, id DESC)')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0029_incident_extra")]

    operations = [
        migrations.AlterField(model_name="indexchange", name="incident_id", field=models.BigIntegerField(db_index=True)),
        migrations.RunPython(create, drop),
    ]
