"""Fixtures of the real-process tests: a redis-server of the test's own, the static files of the production
profile collected once per session, and a fresh empty database to restore a backup into."""

import os
import secrets
import shutil
import socket
import subprocess
import sys
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

from tests.conftest import ROOT, _redis_available, wait_for


class PrivateRedis:
    """A redis-server of the test's own on a free port (no persistence), to stop and start at will:
    tests that break the broker never touch the machine's Redis."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_for(lambda: _redis_available(self.url), 10), "redis-server did not start"

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture(scope="session")
def production_static(tmp_path_factory):
    """`collectstatic` with DEBUG off (hashed names, compressed copies: minutes on a busy machine), run once per
    test session; real-process tests copy it into each node's data directory (tests.processes.test_serve.Node)."""
    data = tmp_path_factory.mktemp("production-static")
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "s" * 20 + "-static-only-" + "t" * 30, "ALLOWED_HOSTS": "localhost",
           "POSTMORTEM_DATA_DIR": str(data)}
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True,
                   timeout=600)
    return data / "staticfiles"


@pytest.fixture
def private_redis():
    if not shutil.which("redis-server"):
        message = "redis-server is not installed"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fresh_database(tmp_path):
    """The URL of a new, empty database: a SQLite file in a new data directory, or a PostgreSQL database
    created on the test server under a name of its own (dropped afterwards)."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'postmortem.sqlite3'}"
        return
    db = connection.settings_dict
    name = f"{db['NAME']}_restore_{secrets.token_hex(4)}"
    params = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"], "dbname": "postgres",
              "password": db["PASSWORD"] or None, "autocommit": True}
    with psycopg.connect(**params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    credentials = quote(db["USER"] or "") + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
    try:
        yield f"postgres://{credentials}@{params['host']}:{params['port']}/{name}"
    finally:
        with psycopg.connect(**params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
