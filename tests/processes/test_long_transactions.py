"""No committed change is ever skipped by the index, however long its transaction stayed open (issue #24):
a real follower process, a real process holding a transaction open for longer than the old rescan window
(SEARCH_RESCAN_SECONDS, which used to settle the cursor by time) while other writes commit, and the held
change found within a poll of its commit, without a restart, a rebuild or the reconcile."""

import os
import subprocess
import sys
import threading
import time

import pytest
from django.db import connection

from incidents import search
from incidents.models import IndexChange
from incidents.search import generations
from tests.conftest import ROOT, _database_url_for_worker, follower_lock_held, wait_for
from tests.factories import IncidentFactory, UserFactory

# Creates an incident in a transaction, prints its id, and commits only when a line arrives on stdin.
HOLDER = """
import os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postmortem.settings")
django.setup()
from django.db import transaction
from incidents.models import Incident
with transaction.atomic():
    incident = Incident.objects.create(title=sys.argv[1], status="published")
    print(incident.pk, flush=True)
    sys.stdin.readline()
print("committed", flush=True)
"""


def _titles(text, user):
    return sorted(hit.title for hit in search.search(text, user, page_size=50).hits)


@pytest.mark.django_db(transaction=True)
def test_a_transaction_held_open_past_the_rescan_window_is_found_within_a_poll_of_its_commit(search_index):
    postgres = connection.vendor == "postgresql"
    env = {**os.environ, "DATABASE_URL": _database_url_for_worker(), "POSTMORTEM_DATA_DIR": str(search_index.parent),
           "SEARCH_FOLLOWER": "0", "SEARCH_POLL_SECONDS": "1", "SEARCH_RESCAN_SECONDS": "1",
           # neither a repair (rebuild) nor the reconcile may be what finds it
           "SEARCH_REPAIR_SECONDS": "600", "SEARCH_RECONCILE_SECONDS": "600"}
    follower_process = subprocess.Popen([sys.executable, "manage.py", "follow_search_index"], cwd=ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    holder = None
    try:
        assert wait_for(follower_lock_held, 30), "the follower process did not take the lock"
        editor = UserFactory(role="editor")
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, "held open longheld"], cwd=ROOT, env=env,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert int(holder.stdout.readline())  # its change is logged (an id is taken), not committed

        # Other writes meanwhile. On PostgreSQL they commit at once, with higher change ids; on SQLite each
        # waits for the holder's write lock (writers are serialized), so ids become visible in order.
        def write_others():
            try:
                for n in range(3):
                    IncidentFactory(title=f"meanwhile {n} longheld")
            finally:
                connection.close()

        writer = threading.Thread(target=write_others)
        writer.start()
        if postgres:
            assert wait_for(lambda: len(_titles("meanwhile", editor)) == 3, 15)
            after_others = IndexChange.objects.order_by("pk").last().pk
            assert wait_for(lambda: generations.read_cursor(generations.current()) >= after_others, 10), \
                "the follower's position did not pass the other writes"
        time.sleep(3)  # longer than the old rescan window (1 s) and two polls
        if not postgres:  # the claim cursor.py rests on: the other writer waits for the holder's commit
            assert writer.is_alive() and _titles("meanwhile", editor) == []

        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "committed"
        committed = time.monotonic()
        assert wait_for(lambda: "held open longheld" in _titles("longheld", editor), 5), \
            "a change committed by a transaction held open was skipped by the index"
        assert time.monotonic() - committed < 3  # within a poll (1 s; on PostgreSQL NOTIFY wakes it at once)
        writer.join(30)
        assert wait_for(lambda: len(_titles("longheld", editor)) == 4, 10)
        assert search.status()["behind"] == 0
    finally:
        if holder is not None and holder.poll() is None:
            holder.kill()
            holder.wait(10)
        follower_process.terminate()
        output, _ = follower_process.communicate(timeout=30)
        print(output[-3000:])
