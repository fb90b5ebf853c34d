"""/accounts/notifications/: signed-in users turn email off and on and choose the language of their emails
(stored through incidents.actions.preferences); linked from every page's header."""

import pytest

from incidents.models import NotificationPreference
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/accounts/notifications/"


@pytest.fixture
def alice(client):
    user = UserFactory(username="alice", email="alice@example.com", role="viewer")
    client.force_login(user)
    return user


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_email_is_on_by_default_and_can_be_turned_off_and_on(client, alice):
    page = client.get(URL).content.decode()
    assert 'name="email"' in page and "checked" in page and "alice@example.com" in page
    assert f'href="{URL}"' in page  # the header links here

    response = client.post(URL, {})  # the box unticked
    assert response.status_code == 302 and response["Location"] == URL
    assert NotificationPreference.objects.get(user=alice).email is False
    page = client.get(URL).content.decode()
    assert "Email notifications are off." in page and "checked" not in page

    client.post(URL, {"email": "on"})
    assert NotificationPreference.objects.get(user=alice).email is True
    assert NotificationPreference.objects.count() == 1


def test_a_user_without_an_address_is_told(client):
    client.force_login(UserFactory(username="noaddress", email=""))
    assert "no email address" in client.get(URL).content.decode()


def test_japanese_page(client, alice):
    client.cookies["django_language"] = "ja"
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="ja")
    page = response.content.decode()
    assert response.status_code == 200 and 'lang="ja"' in page
    assert "<h1>通知</h1>" in page and f"メールの送信先: {alice.email}" in page and "Emails go to" not in page


def test_the_language_of_emails_can_be_chosen_and_defaults_to_the_one_last_used(client, alice):
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="ja").content.decode()  # her first page: nothing recorded yet
    assert '<option value="" selected>このサイトで最後に使った言語</option>' in page
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="ja").content.decode()  # recorded after the first page
    assert '<option value="" selected>このサイトで最後に使った言語(日本語)</option>' in page
    client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()  # she has used it in English since
    assert '<option value="" selected>The language I last used on this site (English)</option>' in page
    assert '<option value="ja">日本語</option>' in page

    response = client.post(URL, {"email": "on", "language": "ja"})
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=alice)
    assert (preference.email, preference.language, preference.email_language) == (True, "ja", "ja")
    assert '<option value="ja" selected>日本語</option>' in client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_a_language_the_site_does_not_speak_is_a_form_error(client, alice):
    response = client.post(URL, {"email": "on", "language": "fr"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Select a valid choice. fr is not one of the available choices." in response.content.decode()
    assert NotificationPreference.objects.get(user=alice).language == ""
