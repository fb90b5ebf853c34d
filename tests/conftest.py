import os

import pytest

from postmortem.celery import app as celery_app

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
