"""`make serve`: this node's web processes (gunicorn, which only read the search index) and its one index
writer (`follow_search_index`), side by side. The follower is restarted if it dies; a stop signal
(SIGTERM, SIGINT) stops both; the command exits with gunicorn's status."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

RESTART_DELAY = 2


class Command(BaseCommand):
    help = "Serve the app with gunicorn (WEB_CONCURRENCY workers on PORT) and this node's search index follower."

    def handle(self, *args, **options):
        if settings.DEBUG:
            self.stderr.write("serve: DEBUG is on (development settings); for production set DEBUG=0, SECRET_KEY and "
                              "ALLOWED_HOSTS.")
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        env = {**os.environ, "SEARCH_FOLLOWER": "0"}  # the workers read; the follower below writes
        gunicorn = [sys.executable, "-m", "gunicorn", "-c", "python:postmortem.gunicorn", "postmortem.wsgi:application"]
        web = subprocess.Popen(gunicorn, env=env)
        follower = None
        stopping = []

        def stop(signum, frame):
            stopping.append(signum)
            web.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while web.poll() is None:
                if not stopping and (follower is None or follower.poll() is not None):
                    if follower is not None:
                        self.stderr.write(f"search index follower exited ({follower.returncode}); restarting")
                        time.sleep(RESTART_DELAY)
                    follower = subprocess.Popen([*manage, "follow_search_index"], env=env)
                time.sleep(0.5)
        finally:
            if follower is not None and follower.poll() is None:
                follower.send_signal(signal.SIGINT)
                try:
                    follower.wait(15)
                except subprocess.TimeoutExpired:
                    follower.kill()
        if web.returncode:
            sys.exit(web.returncode)
