"""The only module that queues background work. Callers name the work; this module hands it to Celery
once the current transaction commits (at once outside one), by registered task name, so nothing below
the task layer imports incidents.tasks. Without a broker (the embedded default) Celery runs the task
in-process (``task_always_eager``), which ``send_task`` would not do (celery/celery#581).

A failure to queue (the broker is down) is logged and never reaches the response: the data is stored,
and the work is picked up again by the periodic sweeps (incidents.tasks.housekeeping). The search index
is not kept through Celery at all: it follows the change log (incidents.search.follower)."""

import logging

from celery import current_app
from django.db import transaction

log = logging.getLogger(__name__)

SYNC_GITHUB_REFERENCE = "incidents.tasks.sync_github_reference"
RENDER_EXPORT = "incidents.tasks.render_export"


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


def sync_github_references(pks):
    """Refresh these GitHub references (primary keys) from GitHub once the current transaction commits."""
    for pk in pks:
        after_commit(SYNC_GITHUB_REFERENCE, pk)


def render_export(job_pk):
    """Prepare this export job's file once the current transaction commits."""
    after_commit(RENDER_EXPORT, job_pk)
