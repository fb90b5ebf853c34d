"""The only module that queues background work. Callers name the work; this module hands it to Celery
once the current transaction commits (at once outside one), by registered task name, so nothing below
the task layer imports incidents.tasks. Without a broker (the embedded default) Celery runs the task
in-process (``task_always_eager``), which ``send_task`` would not do (celery/celery#581)."""

from functools import partial

from celery import current_app
from django.db import transaction

UPDATE_SEARCH_INDEX = "incidents.tasks.update_search_index"
SYNC_GITHUB_REFERENCE = "incidents.tasks.sync_github_reference"
RENDER_EXPORT = "incidents.tasks.render_export"


def _delay(name, *args):
    current_app.tasks[name].delay(*args)


class _Reindex:
    """An on-commit callback that queues the re-indexing of one incident. Equal ones compare equal,
    so a transaction that touches an incident fifty times queues it once."""

    def __init__(self, pk):
        self.pk = pk

    def __call__(self):
        _delay(UPDATE_SEARCH_INDEX, self.pk)

    def __eq__(self, other):
        return isinstance(other, _Reindex) and other.pk == self.pk

    def __hash__(self):
        return hash(self.pk)


def reindex(pk):
    """Re-index this incident once the current transaction commits (at once outside a transaction)."""
    callback = _Reindex(pk)
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(entry[1] == callback for entry in connection.run_on_commit):
        return
    transaction.on_commit(callback, robust=True)


def sync_github_references(pks):
    """Refresh these GitHub references (primary keys) from GitHub once the current transaction commits."""
    for pk in pks:
        transaction.on_commit(partial(_delay, SYNC_GITHUB_REFERENCE, pk))


def render_export(job_pk):
    """Prepare this export job's file once the current transaction commits."""
    transaction.on_commit(partial(_delay, RENDER_EXPORT, job_pk))
