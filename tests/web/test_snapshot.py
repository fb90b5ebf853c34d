"""GET /search-index/snapshot/ (incidents.web.snapshot): not there without SEARCH_PEER_TOKEN, 403 without the
token, 503 without an index, else the current generation as a tar, whatever Host a peer sends."""

import io
import secrets
import shutil

import pytest

from incidents.search import follower, generations, snapshot
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db
URL = "/search-index/snapshot/"
TOKEN = secrets.token_urlsafe(32)


@pytest.fixture
def token(settings):
    settings.SEARCH_PEER_TOKEN = TOKEN
    return TOKEN


def test_without_a_token_configured_the_path_is_not_there(client, settings):
    settings.SEARCH_PEER_TOKEN = ""
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


@pytest.mark.parametrize("authorization", [None, "Bearer", f"Bearer {TOKEN}x", f"Token {TOKEN}", TOKEN])
def test_anything_but_the_token_is_refused(client, token, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = client.get(URL, **headers)
    assert response.status_code == 403
    assert b"gen-" not in response.content


def test_only_get(client, token):
    assert client.post(URL, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 405


def test_no_index_yet_is_503_with_retry_after(client, token, search_index):
    shutil.rmtree(search_index)
    response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 503 and response["Retry-After"]
    assert "no index on this node yet" in response.json()["detail"]


def test_the_current_generation_as_a_tar_by_address(engine, client, token, tmp_path):
    IncidentFactory(title="by address")
    follower.catch_up()
    # a peer calls the node by its address: neither ALLOWED_HOSTS nor the HTTPS redirect applies
    response = client.get(URL, HTTP_AUTHORIZATION=f"bearer {token}", HTTP_HOST="10.0.0.9:8000")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/x-tar" and response["X-Search-Engine"] == engine
    data = b"".join(response.streaming_content)
    assert len(data) == int(response["Content-Length"])
    copy = tmp_path / "copy"
    copy.mkdir()
    snapshot.unpack(io.BytesIO(data), copy)
    current = generations.current()
    assert generations.read_state(copy) == generations.read_state(current)
    assert {path.name for path in copy.iterdir()} == {
        path.name for path in current.iterdir() if snapshot._copied(path.name) or path.name == generations.CURSOR}


def test_a_copy_that_fails_is_503_and_logged_never_500(client, token, caplog):
    generations.write_engine(generations.current(), "lucene")  # no such engine: its write lock cannot be taken
    response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 503 and response["Retry-After"]
    assert "search index snapshot: copying the current generation failed" in caplog.text
    assert not list(generations.root().glob(f"{snapshot.STAGING_PREFIX}*"))
