"""The only module that queues background work. Callers name the work; this module hands it to Celery
once the current transaction commits (at once outside one), by registered task name, so nothing below
the task layer imports incidents.tasks. Without a broker (the embedded default) Celery runs the task
in-process (``task_always_eager``), which ``send_task`` would not do (celery/celery#581).

A failure to queue (the broker is down) is logged and never reaches the response: the data is stored,
and the work is picked up again by the periodic sweeps (incidents.tasks.housekeeping). The search index
is not kept through Celery at all: it follows the change log (incidents.search.follower).

GitHub calls never run inside a web request: with a broker the drain is a Celery task; without one, the
app process's background thread (incidents.background, started by postmortem/wsgi.py) is woken to run it.
Only where no such thread runs (management commands, tests) does the drain run in-process after the commit."""

import logging

from celery import current_app
from django.conf import settings
from django.db import transaction

log = logging.getLogger(__name__)

DRAIN_GITHUB = "incidents.tasks.drain_github"
DRAIN_SLACK = "incidents.tasks.drain_slack"
RENDER_EXPORT = "incidents.tasks.render_export"
SEND_NOTIFICATION = "incidents.tasks.send_notification"

_background = None  # the embedded background runner of this process (incidents.background), if started


def set_background(runner):
    """Register (or, with None, forget) this process's background runner: it has a ``wake()``."""
    global _background
    _background = runner


def queue(name, *args):
    """Hand one task to Celery now; False (and a log line) when that fails."""
    try:
        current_app.tasks[name].delay(*args)
    except Exception as exc:  # broker down, misconfigured, …: the caller's data is already stored
        log.error("could not queue %s%r: %s: %s", name, args, exc.__class__.__name__, exc)
        return False
    return True


def after_commit(name, *args):
    """Queue one task once the current transaction commits."""

    def queue_it():
        queue(name, *args)

    transaction.on_commit(queue_it)


def drain_github():
    """Sync the GitHub references that are due and file pending issues, once the current transaction
    commits: in a worker, or in this process's background thread; never in the caller's thread when one
    of those exists."""
    _drain(DRAIN_GITHUB)  # BACKGROUND_THREAD=0 without a broker: `manage.py sync_github` from cron does it


def drain_slack():
    """Send the Slack messages that are due (incidents.actions.slack), once the current transaction commits,
    as drain_github does (a drain that finds nothing left costs one query)."""
    _drain(DRAIN_SLACK)


def _drain(name):
    def start():
        if not current_app.conf.task_always_eager:
            queue(name)
        elif _background is not None:
            _background.wake()
        elif settings.BACKGROUND_THREAD:  # no thread in this process (a command, a test): run it here
            queue(name)

    transaction.on_commit(start)


def render_export(job_pk):
    """Prepare this export job's file once the current transaction commits: in a worker; without a broker in
    this process's background thread (a pack's PDF takes seconds: the request that asked answers at once with
    the waiting page), or here where none runs (a command, a test)."""

    def start():
        if current_app.conf.task_always_eager and _background is not None:
            _background.submit(RENDER_EXPORT, job_pk)
        else:
            queue(RENDER_EXPORT, job_pk)

    transaction.on_commit(start)


def send_notification(kind, payload_ids):
    """Send one notification (``kind``: an email to one user, or the outgoing webhook; ``payload_ids``: a
    JSON-able dict of the ids it is about, and short texts such as a comment) once the current transaction
    commits: in a worker; without a broker in this process's background thread, or here where none runs
    (a command, a test). Nothing is sent when the transaction rolls back."""
    payload_ids = dict(payload_ids)

    def start():
        if current_app.conf.task_always_eager and _background is not None:
            _background.submit(SEND_NOTIFICATION, kind, payload_ids)
        else:
            queue(SEND_NOTIFICATION, kind, payload_ids)

    transaction.on_commit(start)
