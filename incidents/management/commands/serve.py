"""`make serve`: this node's web processes (gunicorn, which only read the search index) and its one index
writer (`follow_search_index`), side by side. The follower is restarted if it dies.

Stopping: the first SIGTERM or SIGINT asks gunicorn for a graceful stop (it stops accepting connections,
lets the requests in progress finish within its graceful timeout, GUNICORN_TIMEOUT), then the follower is
stopped, and the command exits 0; a second signal asks gunicorn for a quick stop. Both children run in
their own process group, so a terminal's Ctrl-C (sent to the whole foreground group) reaches only this
process, which stops them in that order, and both get SIGTERM/SIGINT from the kernel should this process
die without stopping them (SIGKILL). Without a stop signal, the command exits with gunicorn's status."""

import ctypes
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

RESTART_DELAY = 2
FOLLOWER_STOP_SECONDS = 15
PR_SET_PDEATHSIG = 1


def _die_with_parent(signum):
    """A preexec_fn: the child gets ``signum`` when this process dies (Linux), so no child outlives it."""

    def set_parent_death_signal():
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signum)
        except (OSError, AttributeError):  # not Linux: the stop signal handlers are what stop the children
            pass

    return set_parent_death_signal


class Command(BaseCommand):
    help = "Serve the app with gunicorn (WEB_CONCURRENCY workers on PORT) and this node's search index follower."

    def handle(self, *args, **options):
        if settings.DEBUG:
            self.stderr.write("serve: DEBUG is on (development settings); for production set DEBUG=0, SECRET_KEY and "
                              "ALLOWED_HOSTS.")
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        env = {**os.environ, "SEARCH_FOLLOWER": "0"}  # the workers read; the follower below writes
        # a worker keeps its database connection between requests (opening one costs more than most requests)
        env.setdefault("DATABASE_CONN_MAX_AGE", "60")
        gunicorn = [sys.executable, "-m", "gunicorn", "-c", "python:postmortem.gunicorn", "postmortem.wsgi:application"]
        children = {"web": None, "follower": None}
        stopping = []

        def stop(signum, frame):
            stopping.append(signum)
            if children["web"] is not None and children["web"].poll() is None:
                # gunicorn: SIGTERM is the graceful stop, SIGINT the quick one (for a second signal)
                children["web"].send_signal(signal.SIGTERM if len(stopping) == 1 else signal.SIGINT)

        # installed before any child starts: a stop signal during start-up still stops what was started
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        web = children["web"] = subprocess.Popen(gunicorn, env=env, process_group=0,
                                                 preexec_fn=_die_with_parent(signal.SIGTERM))
        if stopping:
            web.send_signal(signal.SIGTERM)
        follower = None
        try:
            while web.poll() is None:
                if not stopping and (follower is None or follower.poll() is not None):
                    if follower is not None:
                        self.stderr.write(f"search index follower exited ({follower.returncode}); restarting")
                        time.sleep(RESTART_DELAY)
                    follower = children["follower"] = subprocess.Popen(
                        [*manage, "follow_search_index"], env=env, process_group=0,
                        preexec_fn=_die_with_parent(signal.SIGINT))  # SIGINT: the follower's own clean stop
                time.sleep(0.2)
        finally:
            if follower is not None and follower.poll() is None:
                follower.send_signal(signal.SIGINT)
                try:
                    follower.wait(FOLLOWER_STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    self.stderr.write(f"search index follower did not stop within {FOLLOWER_STOP_SECONDS} s; killed")
                    follower.kill()
                    follower.wait()
        if stopping:
            self.stderr.write(f"serve: stopped ({signal.Signals(stopping[0]).name}); gunicorn exited {web.returncode}")
            sys.exit(0 if web.returncode == 0 else 1)
        if web.returncode:
            sys.exit(web.returncode if web.returncode > 0 else 128 - web.returncode)
