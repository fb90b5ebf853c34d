"""A node with an empty data directory copies a peer's index over HTTP (a real gunicorn process serving GET
/search-index/snapshot/ from its own data directory) and follows the change log from that copy's cursor; a
peer that is down, refuses the token, or serves a copy of another engine or format is passed over (one log
line each) and the index is rebuilt from the database as before."""

import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time

import pytest
import requests
from django.db import connection

from incidents import search
from incidents.search import backends, follower, generations
from incidents.search.documents import FORMAT
from tests.conftest import ROOT
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db
TOKEN = secrets.token_urlsafe(32)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Peer:
    """A real node (gunicorn, one worker, no follower) serving its data directory's index; the tests write
    that index in-process (``build``). It never touches the database."""

    def __init__(self, data):
        self.data, self.index = data, data / "search-index"
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log = open(data.parent / "peer.log", "w")
        env = {**os.environ, "POSTMORTEM_DATA_DIR": str(data), "PORT": self.url.rsplit(":", 1)[1], "HOST": "127.0.0.1",
               "WEB_CONCURRENCY": "1", "SEARCH_FOLLOWER": "0", "BACKGROUND_THREAD": "0", "SEARCH_PEER_TOKEN": TOKEN}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:postmortem.gunicorn", "postmortem.wsgi:application"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(self.url + "/search-index/snapshot/", timeout=5)
                break
            except requests.ConnectionError:
                assert self.process.poll() is None and time.monotonic() < deadline, "the peer did not start"
                time.sleep(0.2)

    def build(self, settings):
        """Rebuild the peer's index from the test's database (with the engine of SEARCH_BACKEND), then leave
        this process's own index directory empty: a new node."""
        node = settings.SEARCH_INDEX_DIR
        shutil.rmtree(self.index, ignore_errors=True)
        settings.SEARCH_INDEX_DIR = self.index
        backends.forget()
        try:
            follower.rebuild()
        finally:
            settings.SEARCH_INDEX_DIR = node
            backends.forget()
        shutil.rmtree(node)
        return self.index / (self.index / generations.POINTER).read_text()

    def stop(self):
        self.process.terminate()
        self.process.wait(20)
        self.log.close()


@pytest.fixture(scope="module")
def peer(tmp_path_factory):
    node = Peer(tmp_path_factory.mktemp("peer") / "data")
    yield node
    node.stop()


@pytest.fixture
def joining(settings):
    settings.SEARCH_PEER_TOKEN = TOKEN
    settings.SEARCH_PEER_TIMEOUT_SECONDS = 5
    return settings


def titles(text, user):
    return sorted(hit.title for hit in search.search(text, user, page_size=50).hits)


def test_a_new_node_copies_a_peers_index_and_applies_the_changes_after_its_cursor(engine, peer, joining, editor,
                                                                                 caplog):
    for n in range(3):
        IncidentFactory(title=f"peercopy before {n}")
    peer.build(joining)
    IncidentFactory(title="peercopy after")  # logged after the copy's cursor: applied by the catch-up
    down = f"http://127.0.0.1:{free_port()}"
    joining.SEARCH_PEERS = [down, peer.url]
    assert generations.current() is None

    with caplog.at_level(logging.INFO, logger="incidents.search"):
        assert follower.repair() == "there is no index yet"

    assert f"no usable copy from peer {down} (ConnectionError: Connection refused); asking the next peer" in caplog.text
    assert f"search index copied from {peer.url} (" in caplog.text
    # On PostgreSQL the test's own transaction is still open: its changes stay unsettled and are read again.
    assert f"then {1 if connection.vendor == 'sqlite' else 4} change(s) of the log applied" in caplog.text
    assert "rebuilding it from the database" not in caplog.text
    assert titles("peercopy", editor) == ["peercopy after", *(f"peercopy before {n}" for n in range(3))]
    assert follower.needs_rebuild() == ""
    assert generations.read_engine(generations.current()) == engine


def _bad_token(settings, peer):
    settings.SEARCH_PEER_TOKEN = secrets.token_urlsafe(32)
    return "(it answered HTTP 403)"


def _down(settings, peer):
    settings.SEARCH_PEERS = [f"http://127.0.0.1:{free_port()}"]
    return "(ConnectionError: Connection refused)"


def _other_format(settings, peer):
    generations.write_format(peer.index / (peer.index / generations.POINTER).read_text(), FORMAT + 1)
    return f"(it is of format {FORMAT + 1}; this version writes {FORMAT})"


def _other_engine(settings, peer):
    settings.SEARCH_BACKEND = "whoosh"
    return "(it was built by tantivy; SEARCH_BACKEND is whoosh)"


@pytest.mark.parametrize("spoil", [_bad_token, _down, _other_format, _other_engine])
def test_a_peer_whose_copy_cannot_be_used_is_passed_over_and_the_index_rebuilt(peer, joining, editor, caplog, spoil):
    joining.SEARCH_BACKEND = "tantivy"
    IncidentFactory(title="peercopy rebuilt")
    peer.build(joining)
    joining.SEARCH_PEERS = [peer.url]
    expected = spoil(joining, peer)
    backends.forget()

    with caplog.at_level(logging.INFO, logger="incidents.search"):
        assert follower.repair() == "there is no index yet"

    failures = [record.getMessage() for record in caplog.records if "no usable copy" in record.getMessage()]
    assert len(failures) == 1 and expected in failures[0], caplog.text
    assert failures[0].endswith("; rebuilding it from the database")
    assert "search index rebuilt: 1 incidents" in caplog.text
    assert titles("peercopy", editor) == ["peercopy rebuilt"]
    assert [path.name for path in generations.root().glob("gen-*")] == [generations.current().name]
