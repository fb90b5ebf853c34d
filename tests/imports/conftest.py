import pytest
from django.core.management import call_command

from tests.factories import UserFactory


@pytest.fixture
def editor():
    return UserFactory(username="editor", role="editor")


@pytest.fixture
def demo(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo")
