import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import redis
from django.core.management import call_command
from django.db import connection

from postmortem.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent

# --- users, signed-in clients and incidents: each name means one thing in every test module --------------
# (tests/README.md lists them). The models load after Django is set up, so the imports are inside.


@pytest.fixture
def user(db):
    """Make a user, password "pw": ``user("editor")`` is the editor named "editor" (the same one each time),
    ``user("viewer", username="ann", email="ann@example.com")`` another; ``user()`` has no role. The roles
    are incidents/roles.py's groups: viewer, editor, admin. No name may be the demo data's user "demo"."""
    from tests.factories import UserFactory

    def make(role=None, **fields):
        if role:
            fields.setdefault("username", role)
        assert fields.get("username") != "demo", "demo is the demo data's user (password demo)"
        return UserFactory(role=role, **fields)

    return make


@pytest.fixture
def editor(user):
    """The editor named "editor"."""
    return user("editor")


@pytest.fixture
def viewer(user):
    """The viewer named "viewer"."""
    return user("viewer")


@pytest.fixture
def reviewer(user):
    """An editor named "reviewer" (tests.api.test_serializers' FULL document names them as its reviewer)."""
    return user("editor", username="reviewer")


@pytest.fixture
def client_as(db):
    """A new Django test Client signed in as the user given, for pages: ``client_as(user("admin"))``."""
    from django.test import Client

    def sign_in(who):
        signed_in = Client()
        signed_in.force_login(who)
        return signed_in

    return sign_in


@pytest.fixture
def api_as(db):
    """A new DRF APIClient that sends the given user's API token with each request, as a script does."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def authenticate(who):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=who)[0].key}")
        return api

    return authenticate


@pytest.fixture
def editor_client(client_as, editor):
    return client_as(editor)


@pytest.fixture
def viewer_client(client_as, viewer):
    return client_as(viewer)


@pytest.fixture
def editor_api(api_as, editor):
    return api_as(editor)


@pytest.fixture
def viewer_api(api_as, viewer):
    return api_as(viewer)


@pytest.fixture
def make_incident(db):
    """Make an incident (tests.factories.make_incident): published, started a day ago, unless told otherwise;
    ``make_incident(title=..., tags=[...], services=[...], categories=[...], links=[...], authors=[...])``."""
    from tests.factories import make_incident

    return make_incident


@pytest.fixture
def demo(demo_index):
    """The demo incidents, loaded and indexed (once per module: see ``demo_data``)."""


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo incidents loaded once for the module that asks, committed, and indexed once into an index
    of their own (its directory is the value). Each test that uses them (``demo_index``) sees them, rolls
    back its own changes and starts from a copy of that index. The tests of a module that use them run
    after its other tests (pytest_collection_modifyitems below), and the database is emptied when the
    module ends, as after a transactional test. Not for transactional tests (they would empty it)."""
    from django.test import override_settings

    from incidents.search import backends, follower
    from tests.factories import ensure_glossary_seed, ensure_severity_scale

    index = tmp_path_factory.mktemp("demo-index") / "search-index"
    with django_db_blocker.unblock(), override_settings(SEARCH_INDEX_DIR=index, GITHUB_SYNC=False):
        backends.forget()
        try:
            follower.create_empty()
            ensure_glossary_seed()
            ensure_severity_scale()
            call_command("load_demo", stdout=open(os.devnull, "w"))  # committed: its on-commit work runs
            from incidents import search

            missing, stale, _orphans = search.check()
            assert not missing and not stale, f"the demo index is not complete: {missing} {stale}"
        finally:
            backends.forget()
    yield index
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def demo_index(demo_data, search_index, db):
    """The module's demo data (``demo_data``) for this test, with its own copy of their search index."""
    from incidents.search import backends

    shutil.rmtree(search_index)
    shutil.copytree(demo_data, search_index)
    backends.forget()
    return search_index


@pytest.fixture(scope="module")
def children_corpus(django_db_setup, django_db_blocker, tmp_path_factory):
    """For the query count tests (tests/web/test_query_counts.py, tests/api/test_query_counts.py): the worlds of
    tests.factories.children_worlds (1 or 50 children of every kind, 1 or 50 incidents in lists), loaded once per
    module, committed and indexed as ``demo_data`` is, with their similar incidents stored as the periodic sweep
    keeps them (``index``: their search index). The database is emptied when the module ends."""
    from types import SimpleNamespace

    from django.test import override_settings

    from incidents import search
    from incidents.actions import similarity
    from incidents.search import backends, follower
    from tests.factories import children_worlds, ensure_glossary_seed, ensure_severity_scale

    index = tmp_path_factory.mktemp("children-index") / "search-index"
    with django_db_blocker.unblock(), override_settings(SEARCH_INDEX_DIR=index, GITHUB_SYNC=False):
        backends.forget()
        try:
            ensure_glossary_seed()
            ensure_severity_scale()
            worlds = children_worlds()
            follower.create_empty()
            search.rebuild(procs=1)
            similarity.refresh()
        finally:
            backends.forget()
    yield SimpleNamespace(index=index, **worlds)
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def children(children_corpus, search_index, db, monkeypatch):
    """The module's ``children_corpus`` for this test, with its own copy of their search index. The severity
    scale's and the glossary's caches are not checked again during the test (they are, every few seconds), so
    that two requests take the same queries."""
    from incidents.models import glossary, scales
    from incidents.search import backends

    monkeypatch.setattr(scales, "CHECK_SECONDS", float("inf"))
    monkeypatch.setattr(glossary, "CHECK_SECONDS", float("inf"))

    shutil.rmtree(search_index)
    shutil.copytree(children_corpus.index, search_index)
    backends.forget()
    return children_corpus


def pytest_addoption(parser):
    parser.addoption(
        "--database-only", action="store_true",
        help="run only the tests that use the database: a second pass on another database (.ci/run), where "
             "the tests that never touch one would only repeat the first pass")


def uses_database(item):
    """Whether the test touches the test database (a django_db mark, or a fixture that sets the database up)."""
    return item.get_closest_marker("django_db") is not None or "django_db_setup" in item.fixturenames


MODULE_DATA = {"demo_data", "children_corpus"}  # committed once per module, emptied at its end


@pytest.hookimpl(trylast=True)  # after pytest-django's order (database tests, then transactional, then the rest)
def pytest_collection_modifyitems(config, items):
    """In each run of one module's tests, those on the module's data (``demo_data``, ``children_corpus``) come last: the
    data stay loaded from the first of them to the module's end."""
    ordered, run = [], []
    for item in items + [None]:
        if run and (item is None or item.module is not run[0].module):
            ordered += [i for i in run if not MODULE_DATA & set(i.fixturenames)]
            ordered += [i for i in run if MODULE_DATA & set(i.fixturenames)]
            run = []
        if item is not None:
            if MODULE_DATA & set(item.fixturenames) and (
                    "transactional_db" in item.fixturenames
                    or getattr(item.get_closest_marker("django_db"), "kwargs", {}).get("transaction")):
                raise pytest.UsageError(f"{item.nodeid}: module data (demo_data, children_corpus) are not for transactional tests")
            run.append(item)
    items[:] = ordered
    if config.getoption("database_only"):
        skipped = [item for item in items if not uses_database(item)]
        if skipped:
            config.hook.pytest_deselected(items=skipped)
            items[:] = [item for item in items if uses_database(item)]


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Passwords hashed by one fast round in tests (Django's default, PBKDF2 with a million rounds, costs about
    half a second per user made and per sign-in). Processes started by tests have their own settings: their
    requests sign in with API tokens, never with these passwords."""
    from django.conf import settings
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]):
        yield


# The Redis database that tests with a real worker use (and empty); nothing else should use it.
TEST_BROKER_URL = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(autouse=True, scope="session")
def _celery_for_tests():
    """Tasks run in-process and raise in tests, so a broken task fails its test. The broker is set up
    front (connection pools are made on first use) so tests with a real worker only switch eager off."""
    celery_app.conf.update(task_eager_propagates=True, broker_url=TEST_BROKER_URL)


@pytest.fixture(autouse=True)
def _no_github_by_default(settings):
    """Tests that do not start the fake GitHub server never try to reach GitHub."""
    settings.GITHUB_SYNC = False
    settings.SEARCH_SIMILAR_CACHE_SECONDS = 0  # tests/search/test_similar_cache.py turns it on
    settings.POSTMORTEM_RECURRENCE_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _fresh_glossary(request):
    """The glossary's cache is per process: a test starts without the previous test's (rolled back) entries.
    A test with the database also finds the seeded glossary, as every installation has it (migration
    0006): a transactional test empties every table when it ends, so the seed is loaded again, committed,
    when the table is found empty (search results depend on it). The severity scale's cache likewise: a
    test with the database reads the table (the seeded scale, loaded again after a flush); one without
    sees the default scale and never queries."""
    from incidents.models import DEFAULT_LEVELS, forget_glossary, forget_scale

    forget_glossary()
    if request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames):
        forget_scale()
        request.getfixturevalue("django_db_setup")
        with request.getfixturevalue("django_db_blocker").unblock():
            from incidents.models.types import default_type
            from tests.factories import ensure_glossary_seed, ensure_severity_scale

            ensure_glossary_seed()
            ensure_severity_scale()
            default_type()  # the default incident type (migration 0028), also after a transactional test's flush
    else:
        forget_scale(DEFAULT_LEVELS)
    yield
    forget_glossary()
    forget_scale()


@pytest.fixture(autouse=True)
def search_index(settings, tmp_path):
    """Each test writes to its own search index (empty at first), never the development one under var/."""
    from incidents.search import backends, follower

    settings.SEARCH_INDEX_DIR = tmp_path / "search-index"
    backends.forget()
    follower.create_empty()
    yield settings.SEARCH_INDEX_DIR
    backends.forget()


@pytest.fixture(params=["whoosh", "tantivy"])
def engine(request, settings, search_index):
    """The test's index, empty, built by the engine under test (the test runs once per engine)."""
    from incidents.search import backends, follower

    settings.SEARCH_BACKEND = request.param
    backends.forget()
    follower.create_empty()
    return request.param


def follower_lock_held():
    """Whether some process holds this machine's follower lock (a follower started by the test has begun)."""
    from incidents.search import generations

    probe = generations.FollowerLock()
    if probe.acquire():
        probe.release()
        return False
    return True


@pytest.fixture(autouse=True)
def export_dir(settings, search_index):
    """Files prepared in the background go to the test's own directory (where a real worker, whose
    POSTMORTEM_DATA_DIR is the parent of the search index, puts them too)."""
    settings.EXPORT_DIR = search_index.parent / "exports"
    return settings.EXPORT_DIR


@pytest.fixture(autouse=True)
def attachment_dir(settings, search_index):
    """Attachments go to the test's own directory (beside the search index, as under a data directory)."""
    location = search_index.parent / "attachments"
    settings.STORAGES = {**settings.STORAGES, "attachments": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}}}
    return location


def wait_for(predicate, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def _redis_available(url):
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port or 6379), timeout=2).close()
        return True
    except OSError:
        return False


def _database_url_for_worker():
    db = connection.settings_dict  # inside a test this names the test database
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "") + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def use_broker(url):
    """Send this process's tasks to ``url`` from now on (kombu keeps one connection pool per URL)."""
    celery_app.conf.broker_url = url
    celery_app._pool = None
    if "amqp" in celery_app.__dict__:
        celery_app.__dict__["amqp"]._producer_pool = None


@pytest.fixture
def celery_worker(search_index):
    """Start a real Celery worker process over Redis (on the test database and search index) and
    switch this process from in-process tasks to sending them to the broker. Call with extra env."""
    if not _redis_available(TEST_BROKER_URL):
        message = f"Redis is not reachable at {TEST_BROKER_URL}"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    redis.Redis.from_url(TEST_BROKER_URL).flushdb()  # the tests' own broker database: start empty
    workers = []

    def start(broker_url=TEST_BROKER_URL, beat=False, **env):
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "postmortem", "worker", "--pool=solo", "-Q", "default",
             *(["--beat", "--schedule", str(search_index.parent / "beat-schedule")] if beat else []),
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "DATABASE_URL": _database_url_for_worker(), "CELERY_BROKER_URL": broker_url,
                 "POSTMORTEM_DATA_DIR": str(search_index.parent), **env},
        )
        workers.append(worker)
        celery_app.conf.task_always_eager = False
        use_broker(broker_url)
        return worker

    previously_eager, previous_broker = celery_app.conf.task_always_eager, celery_app.conf.broker_url
    try:
        yield start
    finally:
        celery_app.conf.task_always_eager = previously_eager
        use_broker(previous_broker)
        for worker in workers:
            worker.terminate()
            output, _ = worker.communicate(timeout=30)
            print(output[-5000:])


@pytest.fixture(autouse=True)
def _english():
    """Each test starts in English: a request in Japanese leaves the thread's language active."""
    from django.utils import translation

    with translation.override("en"):
        yield
