from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0028_incident_types"),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="extra",
            field=models.JSONField(blank=True, default=dict, verbose_name="extra (from import)"),
        ),
    ]
