from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from incidents import jobs
from incidents.actions.github import poll as github_poll
from incidents.models import GitHubReference


class Command(BaseCommand):
    help = ("Ask GitHub about every linked issue/PR never synced or synced too long ago. Without a broker the "
            "sync runs here and its outcome is printed; with one it is queued for the worker.")

    def add_arguments(self, parser):
        parser.add_argument("--older-than-hours", type=float, default=6.0)

    def handle(self, *args, older_than_hours, **options):
        if older_than_hours < 0:
            raise CommandError("--older-than-hours must not be negative.")
        if not settings.GITHUB_SYNC:
            raise CommandError("GITHUB_SYNC is off: nothing is sent to GitHub.")
        asked = github_poll.mark_stale(timezone.now() - timedelta(hours=older_than_hours))
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            jobs.queue(jobs.DRAIN_GITHUB)
            self.stdout.write(f"Queued {asked} GitHub reference(s) for sync.")
            return
        done = github_poll.drain(limit=max(asked, 1) + 50)
        counts = ", ".join(f"{key} {value}" for key, value in sorted(done.items())) or "nothing to do"
        self.stdout.write(f"Asked GitHub about {asked} reference(s): {counts}.")
        failed = GitHubReference.objects.exclude(sync_error="").count()
        if failed:
            self.stdout.write(f"{failed} reference(s) have a sync problem; see the incident pages or /admin/.")
