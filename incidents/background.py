"""The embedded worker: without a broker (the development default), the app process runs what a Celery
worker and beat would — the GitHub and Slack drains when woken after a commit or every DRAIN_SECONDS, the GitHub poll
and the housekeeping sweep on their schedules, the due-date reminders once a day, and the notifications
and export files handed to it (incidents.jobs.send_notification, render_export) — in one daemon thread, so no web request waits for GitHub
or for a mail server.
Started by postmortem/wsgi.py (``make run``); with a broker, `make worker` does this instead.

Several processes may each run one: the drain leases what it takes, so none does the same work twice."""

import logging
import queue
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection

from . import jobs
from .actions import housekeeping, reminders, slack
from .actions.github import poll as github_poll

log = logging.getLogger(__name__)

DRAIN_SECONDS = 30
REMINDER_SECONDS = 24 * 60 * 60  # the due-date reminders: at start, then once a day
_runner = None


class Runner(threading.Thread):
    def __init__(self):
        super().__init__(name="postmortem-background", daemon=True)
        self.woken = threading.Event()
        self.stopped = threading.Event()
        self.runs = 0  # completed drains, for tests
        self.last_poll = self.last_sweep = 0.0
        self.last_reminders = None
        self.submitted = queue.SimpleQueue()  # (task name, args) to run in this thread

    def wake(self):
        self.woken.set()

    def submit(self, name, *args):
        """Run the task ``name`` (in-process) in this thread soon."""
        self.submitted.put((name, args))
        self.woken.set()

    def run_submitted(self):
        while True:
            try:
                name, args = self.submitted.get_nowait()
            except queue.Empty:
                return
            jobs.queue(name, *args)

    def stop(self):
        self.stopped.set()
        self.woken.set()

    def run(self):
        while not self.stopped.is_set():
            self.woken.wait(DRAIN_SECONDS)
            self.woken.clear()
            if self.stopped.is_set():
                break
            self.tick()

    def tick(self):
        close_old_connections()
        try:
            now = time.monotonic()
            if now - self.last_poll >= settings.GITHUB_POLL_MINUTES * 60:
                self.last_poll = now
                github_poll.poll()
            if now - self.last_sweep >= settings.CELERY_BEAT_SCHEDULE["housekeeping"]["schedule"]:
                self.last_sweep = now
                housekeeping.sweep()
            if self.last_reminders is None or now - self.last_reminders >= REMINDER_SECONDS:
                self.last_reminders = now
                reminders.remind_due_action_items()
            self.run_submitted()
            done = github_poll.drain()
            sent = slack.drain()
            if done.get("more") or sent.get("more"):
                self.woken.set()
        except Exception:  # a database blip must not end the thread: the next tick tries again
            log.exception("background run failed")
        finally:
            self.runs += 1
            connection.close()


def start():
    """Start this process's runner (once) when tasks run in-process; returns it, or None."""
    global _runner
    if not (settings.CELERY_TASK_ALWAYS_EAGER and settings.BACKGROUND_THREAD):
        return None
    if _runner is None or not _runner.is_alive():
        _runner = Runner()
        _runner.start()
        jobs.set_background(_runner)
    return _runner


def stop():
    global _runner
    if _runner is not None:
        jobs.set_background(None)
        _runner.stop()
        _runner.join(timeout=30)
        _runner = None
