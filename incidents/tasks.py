"""Celery entry points. Each takes primary keys, calls one action (or the search index), is safe to run
twice, and owns its retry policy. Work is queued only through incidents.jobs, by these tasks' names."""

import logging

from celery import shared_task

from .actions import exports, housekeeping as sweeps, notify, reminders, slack
from .actions.github import poll as github_poll
from .models import GitHubReference

log = logging.getLogger(__name__)


@shared_task(bind=True)
def drain_github(self):
    """Sync the GitHub references that are due and file pending follow-up issues. Retries are not Celery's:
    each reference records when to be asked again, and beat runs this every minute. Runs again at once
    while work is left (and GitHub did not ask us to wait)."""
    done = github_poll.drain()
    if done.get("more") and not self.request.is_eager:
        self.apply_async(countdown=1)
    return done


@shared_task(bind=True)
def drain_slack(self):
    """Send the Slack messages that are due (after commit, and on beat every minute for retries). Retries are
    not Celery's: each message records when to be tried again. Runs again at once while work is left."""
    done = slack.drain()
    if done.get("more") and not self.request.is_eager:
        self.apply_async(countdown=1)
    return done


@shared_task
def poll_github():
    """Beat: ask GitHub again about references not heard of for GITHUB_POLL_MINUTES."""
    return github_poll.poll()


@shared_task
def sync_github_reference(reference_id):
    """Kept for messages queued before the drain existed: ask for this reference's sync."""
    return github_poll.queue_github_sync(GitHubReference.objects.filter(pk=reference_id))


@shared_task(bind=True, max_retries=3)
def render_export(self, job_id):
    """Render and store an export job's file. A failure to store it is retried with backoff in a worker;
    in-process, or after the last retry, the job is marked failed."""
    last_try = self.request.is_eager or self.request.retries >= self.max_retries
    try:
        return exports.render_export(job_id, give_up_on_storage_error=last_try)
    except OSError as exc:
        raise self.retry(exc=exc, countdown=min(300, 10 * 2**self.request.retries)) from exc


@shared_task
def housekeeping():
    """Periodic (beat): queue again what a broker outage dropped (GitHub references never synced, export
    jobs still waiting), and remove expired export files and idempotency keys, and orphan attachment files."""
    done = sweeps.sweep()
    log.info("housekeeping: %s", done)
    return done


@shared_task(bind=True, max_retries=4)
def send_notification(self, kind, payload_ids):
    """Send one email or the outgoing webhook (incidents.actions.notify.deliver). A failed send is retried
    with backoff in a worker (1, 2, 4, 8 minutes); in-process, after the last retry, or when retrying cannot
    help, it is logged and given up (the write that asked for it is long committed)."""
    try:
        return notify.deliver(kind, payload_ids)
    except notify.DeliveryFailed as exc:
        if exc.retry and not self.request.is_eager and self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
        log.warning("notification %s %r given up: %s", kind, payload_ids, exc)
        return "failed"


@shared_task
def remind_due_action_items():
    """Beat, daily: email owners about their action items due soon (each item and due date once)."""
    return reminders.remind_due_action_items()
