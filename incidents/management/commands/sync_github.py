from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from incidents.actions.github import queue_stale_github_sync


class Command(BaseCommand):
    help = "Queue a refresh from GitHub of every linked issue/PR never synced or synced too long ago."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-hours", type=float, default=6.0)

    def handle(self, *args, older_than_hours, **options):
        if older_than_hours < 0:
            raise CommandError("--older-than-hours must not be negative.")
        count = queue_stale_github_sync(timezone.now() - timedelta(hours=older_than_hours))
        self.stdout.write(f"Queued {count} GitHub reference(s) for sync.")
