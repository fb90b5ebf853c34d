"""/accounts/token/: a signed-in user creates, sees, regenerates and revokes their own API token; the key
authenticates against the API until it is replaced or revoked; the page is linked from every page's header."""

import pytest
from rest_framework.authtoken.models import Token

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/accounts/token/"
API = "/api/v1/incidents/"


@pytest.fixture
def alice(client):
    user = UserFactory(username="alice", role="viewer")
    client.force_login(user)
    return user


def api_status(client_class, key):
    """The status of an API request with only this token (a fresh client: no session)."""
    return client_class().get(API, HTTP_AUTHORIZATION=f"Token {key}").status_code


def test_anonymous_is_sent_to_sign_in(client):
    for response in (client.get(URL), client.post(URL, {"action": "create"})):
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Token.objects.exists()


def test_create_then_show_the_key_and_a_curl_line(client, alice):
    page = client.get(URL).content.decode()
    assert "You have no API token." in page and 'value="create"' in page
    assert '<a href="/api/v1/docs/">API</a>' in page
    assert "no-store" in client.get(URL)["Cache-Control"]  # the page shows a secret

    response = client.post(URL, {"action": "create"})
    assert response.status_code == 302 and response["Location"] == URL
    key = Token.objects.get(user=alice).key
    page = client.get(URL).content.decode()
    assert "Your API token was created." in page
    assert f'<code id="api-token-key">{key}</code>' in page
    assert f'curl -s -H "Authorization: Token {key}" http://testserver{API}' in page
    assert api_status(type(client), key) == 200

    client.post(URL, {"action": "create"})  # a second create keeps the key
    assert Token.objects.get(user=alice).key == key
    assert "You already have an API token." in client.get(URL).content.decode()


def test_regenerate_replaces_the_key_and_the_old_one_stops_working(client, alice):
    old = Token.objects.create(user=alice).key
    assert api_status(type(client), old) == 200

    response = client.post(URL, {"action": "regenerate"})
    assert response.status_code == 302 and response["Location"] == URL
    new = Token.objects.get(user=alice).key
    assert new != old
    assert api_status(type(client), old) == 401
    assert api_status(type(client), new) == 200
    page = client.get(URL).content.decode()
    assert new in page and old not in page and "the old one no longer works" in page


def test_revoke_deletes_the_key(client, alice):
    key = Token.objects.create(user=alice).key
    response = client.post(URL, {"action": "revoke"})
    assert response.status_code == 302 and response["Location"] == URL
    assert not Token.objects.filter(user=alice).exists()
    assert api_status(type(client), key) == 401
    page = client.get(URL).content.decode()
    assert "Your API token was revoked." in page and key not in page

    client.post(URL, {"action": "revoke"})
    assert "You had no API token." in client.get(URL).content.decode()


def test_another_users_token_is_never_shown_or_touched(client, alice):
    bob_key = Token.objects.create(user=UserFactory(username="bob", role="viewer")).key
    assert bob_key not in client.get(URL).content.decode()
    for action in ("create", "regenerate", "revoke"):
        client.post(URL, {"action": action})
        assert bob_key not in client.get(URL).content.decode()
    assert Token.objects.get(user__username="bob").key == bob_key


def test_unknown_action_and_missing_csrf_are_refused(alice):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert strict.post(URL, {"action": "create"}).status_code == 403
    assert not Token.objects.exists()
    strict.get(URL)
    assert strict.post(URL, {"action": "drop", "csrfmiddlewaretoken": strict.cookies["csrftoken"].value}).status_code == 400


def test_linked_from_the_user_menu(client, alice):
    page = client.get("/incidents/").content.decode()
    assert f'href="{URL}"' in page and "API token" in page


def test_japanese_page(client, alice):
    Token.objects.create(user=alice)
    client.cookies["django_language"] = "ja"
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="ja")
    page = response.content.decode()
    assert response.status_code == 200 and 'lang="ja"' in page
    assert "<h1>API トークン</h1>" in page and "あなたのトークン(" in page
    assert ">再生成</button>" in page and ">無効にする</button>" in page and ">Regenerate<" not in page
