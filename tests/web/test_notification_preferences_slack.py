"""/accounts/notifications/ with Slack (incidents/forms/notifications.py): the Slack direct messages a person
gets, one switch per kind, shown and stored only when Slack is configured (settings.SLACK)."""

import re

import pytest

from incidents.models import NotificationPreference

pytestmark = pytest.mark.django_db
URL = "/accounts/notifications/"
SLACK = {"bot_token": "xoxb-test", "signing_secret": "secret", "api_url": "http://127.0.0.1:9/api/",
         "default_channel": ""}
SWITCHES = ("slack_review_requested", "slack_mentioned", "slack_due", "slack_github")


def checked(page, name):
    """Whether the page's checkbox ``name`` is ticked (None when there is none)."""
    box = re.search(rf'<input type="checkbox" name="{name}"[^>]*>', page)
    return None if box is None else " checked" in box.group(0)


@pytest.fixture
def alice(client, user):
    person = user("viewer", username="alice", email="alice@example.com")
    client.force_login(person)
    return person


def test_without_slack_there_are_no_slack_switches_and_stored_ones_stay(client, alice, settings):
    settings.SLACK = None
    NotificationPreference.objects.create(user=alice, slack_mentioned=False)
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<legend>Slack</legend>" not in page
    assert all(checked(page, name) is None for name in SWITCHES)
    response = client.post(URL, {"email": "on"})
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=alice)
    assert preference.slack_mentioned is False and preference.slack_due is True


def test_with_slack_the_switches_are_shown_on_by_default(client, alice, settings):
    settings.SLACK = SLACK
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<legend>Slack</legend>" in page
    assert "Slack direct messages go to the Slack account with the same email address as your account." in page
    assert all(checked(page, name) for name in SWITCHES)
    assert 'for="id_slack_mentioned">Mentions in comments' in page
    assert '<small class="help" id="id_slack_mentioned_helptext">Someone mentions you (@your-name) in a comment.' in page


def test_saving_turns_slack_mentions_off(client, alice, settings):
    settings.SLACK = SLACK
    response = client.post(URL, {"email": "on", "slack_review_requested": "on", "slack_due": "on",
                                 "slack_github": "on"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == URL
    preference = NotificationPreference.objects.get(user=alice)
    assert preference.email is True and preference.slack_mentioned is False
    assert preference.slack_review_requested and preference.slack_due and preference.slack_github
    assert not preference.wants_slack("mentioned")
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Email notifications are on." in page  # the message is about email, as before
    assert checked(page, "slack_mentioned") is False and checked(page, "slack_due") is True

    client.post(URL, {"email": "on", "slack_mentioned": "on"})
    preference.refresh_from_db()
    assert preference.slack_mentioned and not preference.slack_due


# Japanese: needs this fieldset's msgids translated in incidents/locale/ja (the lead's).

def test_the_slack_switches_in_japanese(client, alice, settings):
    settings.SLACK = SLACK
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "<legend>Slack</legend>" in page
    assert "Slack のダイレクトメッセージは、このアカウントと同じメールアドレスの Slack アカウントに届きます。" in page
    assert 'for="id_slack_mentioned">コメントでのメンション' in page
