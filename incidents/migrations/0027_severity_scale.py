"""The severity scale admins define (SeverityLevel), seeded with the four levels the application had, their
labels as the Japanese catalogue had them and the badge colours of static/css/app.css; Incident.severity holds
any key of the scale (up to 20 characters), its stored values unchanged."""

import django.core.validators
import incidents.models.scales
from django.db import migrations, models


LEVELS = [  # key, label_ja, label_en, order, color, default
    ("sev1", "SEV1 – 致命的", "SEV1 – critical", 1, "#b3261e", False),
    ("sev2", "SEV2 – 重大", "SEV2 – major", 2, "#c4420c", False),
    ("sev3", "SEV3 – 軽微", "SEV3 – minor", 3, "#8a5300", True),
    ("sev4", "SEV4 – 低", "SEV4 – low", 4, "#59636e", False),
]


def seed(apps, schema_editor):
    SeverityLevel = apps.get_model("incidents", "SeverityLevel")
    for key, label_ja, label_en, order, color, default in LEVELS:
        SeverityLevel.objects.get_or_create(key=key, defaults={
            "label_ja": label_ja, "label_en": label_en, "order": order, "color": color, "default": default})


def unseed(apps, schema_editor):
    pass  # the table goes with the reversed CreateModel


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0026_slack_notifications'),
    ]

    operations = [
        migrations.CreateModel(
            name='SeverityLevel',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.SlugField(help_text='A short stable name, e.g. sev1 or p0; incidents store it.', max_length=20, unique=True, verbose_name='key')),
                ('label_ja', models.CharField(blank=True, max_length=100, verbose_name='Japanese label')),
                ('label_en', models.CharField(blank=True, max_length=100, verbose_name='English label')),
                ('order', models.IntegerField(help_text='Smaller comes first: the most severe level first.', unique=True, verbose_name='order')),
                ('color', models.CharField(default='#59636e', max_length=7, validators=[django.core.validators.RegexValidator('^#[0-9a-fA-F]{6}\\Z', 'Enter a colour as #rrggbb, e.g. #b3261e.')], verbose_name='colour')),
                ('description', models.TextField(blank=True, help_text='When to choose this level, shown as help in the form.', max_length=500, verbose_name='description')),
                ('default', models.BooleanField(default=False, help_text='New incidents get this level (exactly one level is the default).', verbose_name='default')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': 'severity level',
                'verbose_name_plural': 'severity levels',
                'ordering': ['order', 'key'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('default', True)), fields=('default',), name='one_default_severity_level')],
            },
        ),
        migrations.RunPython(seed, unseed),
        migrations.AlterField(
            model_name='incident',
            name='severity',
            field=models.CharField(default=incidents.models.scales.default_severity, max_length=20, verbose_name='severity'),
        ),
    ]
