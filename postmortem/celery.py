"""The Celery app. Settings come from Django's settings under the CELERY_ prefix."""

import os
import signal

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postmortem.settings")

app = Celery("postmortem")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Stopping a worker (`make worker`): SIGTERM and a first SIGINT (Ctrl-C) are Celery's warm shutdown (tasks in
# progress finish). Two things Celery leaves undone: its embedded beat process (--beat) is sent SIGTERM but
# not waited for, so it may still run (or be left unreaped) when the worker exits; and a Ctrl-C makes the worker exit
# 1 although it was asked to stop. Both are settled here, when the worker shuts down.
_stop_requests = []  # (signal, "Warm" or "Cold"), in the order received


@signals.worker_shutting_down.connect
def _note_stop_request(sig=None, how=None, **kwargs):
    _stop_requests.append((sig, how))


@signals.worker_shutdown.connect
def _stop_cleanly(sender=None, **kwargs):
    beat = getattr(sender, "beat", None)
    if getattr(beat, "pid", None) is not None:  # the beat process (billiard's Process), started
        beat.join(10)
        if beat.is_alive():
            os.kill(beat.pid, signal.SIGKILL)
            beat.join()
    if _stop_requests[-1:] == [("SIGINT", "Warm")] and getattr(sender, "exitcode", None) == 1:
        sender.exitcode = 0  # a warm stop asked for with Ctrl-C is a clean stop, as SIGTERM's is (a cold one is not)
