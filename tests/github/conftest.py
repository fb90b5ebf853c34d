import pytest

from tests.github_fake import FakeGitHub


@pytest.fixture
def fake_github(settings):
    """A local GitHub with two DataDog items; the settings point the client at it, with a token."""
    with FakeGitHub() as fake:
        fake.add("DataDog", "datadog-agent", 12997, "Zombie processes with process agent", state="closed")
        fake.add("DataDog", "datadog-agent", 13019, "Reap zombie processes", state="closed", pull=True, merged=True)
        settings.GITHUB_SYNC = True
        settings.GITHUB_API_URL = fake.url
        settings.GITHUB_TOKEN = "t0ken"
        settings.GITHUB_TIMEOUT_SECONDS = 2
        yield fake
