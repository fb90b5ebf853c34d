"""A full disk (a small tmpfs this module mounts, never the machine's disks) answers 503 "storage is full"
with Retry-After, never 500; /healthz says 503 and names what is full; nothing stored before is lost; once
space is freed, writes and indexing resume within 10 s by themselves — through a real `manage.py serve`
(DEBUG=0, SQLite, its data directory on the tmpfs), and at the index level for both engines, whose writers
must release the index's write lock after a commit that failed half-way."""

import errno
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, wait_for
from tests.processes.test_serve import PRODUCTION, Node, call

FULL = "The storage is full; nothing was changed. Try again once space has been freed."


class Tmpfs:
    def __init__(self, size, inodes=10_000):
        if os.geteuid() != 0:
            self._unavailable("mounting a small filesystem needs root")
        self.path = tempfile.mkdtemp(prefix="pm-full-")
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},nr_inodes={inodes}", "tmpfs", self.path],
                                 capture_output=True, text=True)
        if mounted.returncode:
            os.rmdir(self.path)
            self._unavailable(f"mount -t tmpfs is not permitted here: {mounted.stderr.strip()}")
        self.ballast = os.path.join(self.path, "ballast")

    @staticmethod
    def _unavailable(message):
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)

    def fill(self, what="space"):
        """Write a ballast file until the filesystem has no byte left, or (``inodes``) create empty files in
        a ballast directory until it has no file left."""
        if what == "inodes":
            os.mkdir(self.ballast)
            try:
                for n in range(100_000):
                    open(os.path.join(self.ballast, str(n)), "w").close()
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
            return
        with open(self.ballast, "ab", buffering=0) as ballast:
            for chunk in (1 << 20, 1 << 12, 1):
                try:
                    while True:
                        ballast.write(b"\0" * chunk)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC, exc

    def free(self):
        shutil.rmtree(self.ballast) if os.path.isdir(self.ballast) else os.remove(self.ballast)

    def remove(self):
        subprocess.run(["umount", "-l", self.path], check=False)
        os.rmdir(self.path)


@pytest.fixture
def tmpfs():
    mounted = Tmpfs("4m", inodes=400)
    try:
        yield mounted
    finally:
        mounted.remove()


# --- the index, for both engines (in-process) ------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
@pytest.mark.parametrize("full", ["space", "inodes"])  # inodes: the writer fails making its files, not committing
def test_an_index_write_that_hit_a_full_disk_is_applied_once_space_returns(engine, full, settings, tmpfs,
                                                                           django_capture_on_commit_callbacks):
    from incidents import search
    from incidents.search import backends, follower, generations
    from tests.factories import IncidentFactory, UserFactory

    reader = UserFactory(username="reader", role="viewer")
    settings.SEARCH_BACKEND = engine
    settings.SEARCH_INDEX_DIR = os.path.join(tmpfs.path, "search-index")
    backends.forget()
    follower.create_empty()
    with django_capture_on_commit_callbacks(execute=True):
        IncidentFactory(title="stored before the disk filled")
    tmpfs.fill(full)
    with django_capture_on_commit_callbacks(execute=True):  # the commit's catch-up fails (logged), the change stays
        IncidentFactory(title="written while the disk was full", summary="cache stampede " * 2000)
    assert search.search('"written while the disk was full"', reader).count == 0  # not applied: no space
    assert follower.needs_rebuild() == "" and not generations.damaged()  # a full disk is not damage

    tmpfs.free()
    started = time.monotonic()
    assert follower.catch_up() >= 1
    assert time.monotonic() - started < 10, "the index's write lock was left behind by the failed commit"
    assert search.search('"written while the disk was full"', reader).count == 1
    assert search.search('"stored before the disk filled"', reader).count == 1
    assert not generations.damaged()


# --- a real server on SQLite ----------------------------------------------------------------------------


def test_a_full_data_directory_answers_503_storage_is_full_and_resumes_by_itself(tmp_path):
    disk = Tmpfs("24m")
    node = None
    try:
        data = os.path.join(disk.path, "data")
        env = {**os.environ, **PRODUCTION, "GITHUB_SYNC": "0", "SEARCH_POLL_SECONDS": "1", "WEB_CONCURRENCY": "1",
               "POSTMORTEM_DATA_DIR": data, "POSTMORTEM_MIN_FREE_MB": "1"}
        for name in ("DATABASE_URL", "CELERY_BROKER_URL"):
            env.pop(name, None)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
        token = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c",
             "from rest_framework.authtoken.models import Token\nfrom tests.factories import UserFactory\n"
             "print(Token.objects.create(user=UserFactory(username='lead', role='admin')).key)"],
            cwd=ROOT, env=env, check=True, timeout=120, capture_output=True, text=True).stdout.split()[-1]
        server = Node("data", tmp_path, env)
        server.data, server.env["POSTMORTEM_DATA_DIR"] = Path(data), data
        (tmp_path / "no-static").mkdir()  # only the API and /healthz are asked: no collectstatic (minutes)
        node = server.start(static_from=tmp_path / "no-static")
        assert wait_for(node.healthy, 90), "the node did not become healthy"
        api = f"{node.url}/api/v1/incidents/"

        def create(title):
            return call(api, token, "POST", {"title": title, "status": "published", "summary": "disk full " * 50})

        def found(title):
            return call(f"{node.url}/api/v1/search/?q=%22{title.replace(' ', '+')}%22", token)[1].get("count") == 1

        status, before, _ = create("stored before the disk filled")
        assert status == 201
        assert wait_for(lambda: found("stored before the disk filled"), 10)

        disk.fill()
        answers = []
        for n in range(40):  # SQLite may still have room in its write-ahead log for a few
            answers.append(create(f"written while full {n}"))
            if answers[-1][0] == 503:
                break
        for status, body, headers in answers:
            assert status in (201, 503), (status, str(body)[:500])
        status, body, headers = answers[-1]
        assert status == 503 and body == {"detail": FULL} and headers["Retry-After"] == "5"
        status, report, _ = call(f"{node.url}/healthz")
        assert status == 503 and report["status"] == "failing"
        assert report["storage"]["ok"] is False and {"database", "search_index"} <= set(report["storage"]["full"])
        assert "storage is full: database, search_index" in report["storage"]["error"]
        assert call(f"{api}{before['id']}/", token)[1]["title"] == "stored before the disk filled"  # nothing lost

        disk.free()
        freed = time.monotonic()
        assert wait_for(lambda: create("written after space returned")[0] == 201, 10), "writes did not resume"
        assert wait_for(lambda: found("written after space returned"), 10 - (time.monotonic() - freed)), \
            "indexing did not resume within 10 s of freeing space"
        acknowledged = [body["title"] for status, body, _ in answers if status == 201]
        assert all(found(title) for title in acknowledged + ["stored before the disk filled"])
        assert wait_for(lambda: call(f"{node.url}/healthz")[0] == 200, 10)
    finally:
        try:
            if node is not None:
                node.stop()
        finally:
            disk.remove()
