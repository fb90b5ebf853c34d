"""GitHub references kept true by polling: ask for a sync (an outbox mark on the reference, in the caller's
transaction), and drain what is due — one reference at a time, honouring GitHub's rate limit for the whole
run, with backoff for temporary failures and a recorded reason for permanent ones. The drain also files
the follow-up issues people asked for (incidents.actions.github.issues). It runs in a worker (Celery,
queued through incidents.jobs, and every minute by beat) or in the embedded background thread; never inside
a web request."""

import datetime
import random
from collections import Counter

from django.conf import settings
from django.utils import timezone

from incidents import jobs
from incidents.github import client

from . import apply
from incidents.models import GitHubPause, GitHubReference

from .issues import file_pending_issues

LEASE = datetime.timedelta(minutes=5)  # a claimed reference is retried after this if its drain died mid-call
MAX_ATTEMPTS = 8
BATCH = 200


def queue_github_sync(references):
    """Ask for a sync of these references once the current transaction commits; returns how many."""
    if not settings.GITHUB_SYNC:
        return 0
    asked = references.request_sync()
    if asked:
        jobs.drain_github()
    return asked


def mark_stale(older_than):
    """Mark every reference never synced or last synced before ``older_than`` due now, queueing no drain (the
    caller drains, or queues one); returns how many."""
    return GitHubReference.objects.stale(older_than).request_sync()


def queue_stale_github_sync(older_than):
    """Ask for a sync of every reference never synced or last synced before ``older_than``."""
    return queue_github_sync(GitHubReference.objects.stale(older_than))


def poll(now=None):
    """The beat schedule's poll, for installations GitHub's webhooks cannot reach: references not heard
    of for GITHUB_POLL_MINUTES are asked again (a conditional request: unchanged ones cost no rate limit)."""
    now = now or timezone.now()
    return queue_stale_github_sync(now - datetime.timedelta(minutes=settings.GITHUB_POLL_MINUTES))


def backoff(attempts):
    """Seconds to wait after the n-th failure in a row: 30 s doubling to an hour, with jitter."""
    return min(3600, 30 * 2 ** (attempts - 1)) * random.uniform(0.8, 1.2)


def drain(limit=BATCH):
    """Sync the references that are due, then file pending follow-up issues. Returns a summary for the
    log: counts per outcome, ``paused_until`` when GitHub asked us to wait, ``more`` when work is left."""
    summary = Counter()
    if not settings.GITHUB_SYNC:
        return {"disabled": 1}
    for _ in range(limit):
        paused = GitHubPause.active_until()
        if paused:
            return {**summary, "paused_until": paused.isoformat()}
        reference = _claim(timezone.now())
        if reference is None:
            break
        summary[sync_one(reference)] += 1
    else:
        summary["more"] = 1
    summary.update(file_pending_issues())
    return dict(summary)


def _claim(now):
    """The next due reference, leased to this drain (another drain skips it until the lease ends)."""
    for pk, due_at in GitHubReference.objects.due(now).values_list("pk", "due_at")[:5]:
        if GitHubReference.objects.filter(pk=pk, due_at=due_at).update(due_at=now + LEASE):
            return GitHubReference.objects.get(pk=pk)
    return None


def sync_one(reference):
    """Ask GitHub about one claimed reference and store the answer or the failure; returns the outcome."""
    try:
        remote = client.fetch(reference.owner, reference.repo, reference.number, etag=reference.etag)
    except client.RateLimited as exc:
        GitHubPause.pause(exc.until, str(exc))
        apply.record_failure(reference, f"GitHub rate limit: waiting until {exc.until:%Y-%m-%d %H:%M:%S} UTC",
                            retry_at=exc.until)
        return "rate-limited"
    except client.GitHubNotFound as exc:
        apply.mark_gone(reference, f"not found on GitHub ({exc})")
        return "gone"
    except client.GitHubForbidden as exc:
        apply.record_failure(reference, f"refused by GitHub ({exc})", retry_at=None, attempts=0)
        return "refused"
    except client.GitHubUnavailable as exc:
        attempts = reference.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            apply.record_failure(reference, f"GitHub unavailable, gave up after {attempts} tries ({exc})",
                                retry_at=None, attempts=attempts)
            return "failed"
        retry_at = timezone.now() + datetime.timedelta(seconds=backoff(attempts))
        apply.record_failure(reference, f"GitHub unavailable, try {attempts} of {MAX_ATTEMPTS} ({exc})",
                            retry_at=retry_at, attempts=attempts)
        return "retrying"
    if remote == client.NOT_MODIFIED:
        GitHubReference.objects.filter(pk=reference.pk).update(
            synced_at=timezone.now(), sync_error="", attempts=0, due_at=None)
        return "not-modified"
    changed, _ = apply.apply_state(
        reference, title=remote.title, state=remote.state, state_reason=remote.state_reason,
        changed_at=remote.changed_at, kind=remote.kind, etag=remote.etag,
        place=(remote.owner, remote.repo, remote.number),
    )
    if remote.exhausted_until:
        GitHubPause.pause(remote.exhausted_until, "x-ratelimit-remaining: 0")
    return "changed" if changed else "unchanged"

