from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _create_roles(sender, **kwargs):
    from .roles import ensure_roles

    ensure_roles()


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # signals connects the search index receivers; tasks registers the Celery tasks that incidents.jobs
        # queues by name (a worker imports them itself, a web process only through this line).
        from . import signals, tasks  # noqa: F401

        post_migrate.connect(_create_roles, sender=self)
