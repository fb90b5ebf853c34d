"""``manage.py api_token USER`` (what `make token USER=…` runs): prints the user's key in drf_create_token's
words, made if missing and kept otherwise; --regenerate replaces it; an unknown user is an error."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from incidents.models import Incident

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("api_token", *args, stdout=out)
    return out.getvalue()


def test_the_printed_key_works_against_the_api(user):
    user("editor", username="bot")
    out = run("bot")
    key = Token.objects.get(user__username="bot").key
    assert out == f"Generated token {key} for user bot\n"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {out.split()[2]}")
    response = client.post("/api/v1/incidents/", {"title": "from a script"}, format="json")
    assert response.status_code == 201 and response.json()["title"] == "from a script"
    assert Incident.objects.get(title="from a script").revisions.get().author.username == "bot"


def test_an_existing_key_is_printed_again_unless_regenerated(user):
    bot = user("editor", username="bot")
    key = Token.objects.create(user=bot).key
    assert run("bot").split()[2] == key
    new = run("bot", "--regenerate").split()[2]
    assert new != key and Token.objects.get(user=bot).key == new
    assert run("--reset", "bot").split()[2] != new  # drf_create_token's spelling, as `make token` once ran it


def test_an_unknown_user_is_an_error_and_nothing_is_made(user):
    with pytest.raises(CommandError, match="^Cannot create the token: user ghost does not exist.$"):
        run("ghost")
    assert not Token.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_make_s_token_prints_only_the_token_line(user, settings):
    """`make -s token USER=…` (the README's KEY=$(…) line): the migration it runs first says nothing."""
    import os
    import pathlib
    import subprocess

    from tests.conftest import _database_url_for_worker

    user("editor", username="maker")
    root = pathlib.Path(__file__).resolve().parents[3]
    env = {**os.environ, "DATABASE_URL": _database_url_for_worker(),  # the test database, SQLite or PostgreSQL
           "POSTMORTEM_DATA_DIR": str(settings.SEARCH_INDEX_DIR.parent)}
    done = subprocess.run(["make", "-s", "-C", str(root), "token", "USER=maker"], env=env, capture_output=True,
                          text=True, timeout=120)
    key = Token.objects.get(user__username="maker").key
    assert (done.returncode, done.stdout, done.stderr) == (0, f"Generated token {key} for user maker\n", "")
