"""Slack's Web API client (incidents/slack_client.py) against a local fake Slack (tests/slack_fake.py)."""

import pytest

from incidents import slack_client
from tests.slack_fake import FakeSlack


@pytest.fixture
def slack(settings):
    with FakeSlack() as fake:
        settings.SLACK = {"bot_token": fake.token, "signing_secret": "secret", "api_url": fake.api_url,
                          "default_channel": ""}
        yield fake


def test_the_email_of_a_slack_user(slack):
    slack.users = {"U1": {"email": "ann@example.com"}, "U2": {"email": "bot@example.com", "is_bot": True},
                   "U3": {"email": "gone@example.com", "deleted": True}, "U4": {}}
    assert slack_client.email_of("U1") == "ann@example.com"
    assert [slack_client.email_of(user) for user in ("U2", "U3", "U4", "U404")] == [None] * 4
    assert slack.calls_of("users.info")[0]["user"] == "U1"


def test_the_account_is_the_one_active_user_with_that_email(slack, user):
    slack.users = {"U1": {"email": "Ann@Example.com"}, "U2": {"email": "old@example.com"},
                   "U3": {"email": "twice@example.com"}, "U4": {"email": "nobody@example.com"}}
    ann = user("viewer", username="ann", email="ann@example.com")
    user("viewer", username="old", email="old@example.com", is_active=False)
    user("viewer", username="twice1", email="twice@example.com")
    user("viewer", username="twice2", email="twice@example.com")
    assert slack_client.account_for("U1") == ann
    assert [slack_client.account_for(user_id) for user_id in ("U2", "U3", "U4")] == [None, None, None]


def test_a_rate_limit_is_waited_out(slack):
    slack.users = {"U1": {"email": "ann@example.com"}}
    slack.failures = [429]
    assert slack_client.email_of("U1") == "ann@example.com"
    assert slack.requests == [("POST", "users.info"), ("POST", "users.info")]


def test_a_long_rate_limit_is_not_waited_for_inside_the_command(slack):
    slack.users = {"U1": {"email": "ann@example.com"}}
    slack.failures = [{"status": 429, "headers": {"Retry-After": "30"}}]
    with pytest.raises(slack_client.SlackError, match="users.info: ratelimited"):
        slack_client.email_of("U1")
    assert slack.requests == [("POST", "users.info")]


def test_an_unfurl_waits_out_a_rate_limit(slack):
    slack.failures = [{"status": 429, "headers": {"Retry-After": "1"}}]
    slack_client.unfurl("C1", "1.2", {"https://x/": {"blocks": []}})
    assert slack.requests == [("POST", "chat.unfurl"), ("POST", "chat.unfurl")]
    assert len(slack.calls_of("chat.unfurl")) == 1


def test_slack_errors_are_named(slack, settings):
    slack.failures = [500]
    with pytest.raises(slack_client.SlackError, match="users.info: internal_error"):
        slack_client.email_of("U1")
    settings.SLACK = {**settings.SLACK, "bot_token": "xoxb-revoked"}
    with pytest.raises(slack_client.SlackError, match="chat.unfurl: invalid_auth"):
        slack_client.unfurl("C1", "1.2", {"https://x/": {"blocks": []}})


def test_slack_unreachable(settings):
    settings.SLACK = {"bot_token": "xoxb-1", "signing_secret": "s", "api_url": "http://127.0.0.1:9/api/",
                      "default_channel": ""}
    with pytest.raises(slack_client.SlackError, match="users.info: "):
        slack_client.email_of("U1")


def test_an_unfurl(slack):
    unfurls = {"https://postmortem.example.com/incidents/INC-1/": {"blocks": [{"type": "section"}]}}
    slack_client.unfurl("C1", "1800000000.000100", unfurls)
    assert slack.calls_of("chat.unfurl") == [{"channel": "C1", "ts": "1800000000.000100", "unfurls": unfurls}]


# For notifications

def test_a_message_to_a_channel(slack):
    assert slack_client.post_message("#incidents", "INC-1 published", [{"type": "section"}]) == "1800000001.000100"
    [call] = slack.calls_of("chat.postMessage")
    assert (call["channel"], call["text"], call["blocks"]) == ("#incidents", "INC-1 published", [{"type": "section"}])


def test_a_direct_message_to_the_person_with_an_email(slack):
    slack.users = {"U7": {"email": "ann@example.com"}}
    assert slack_client.user_id_for("ann@example.com") == "U7"
    assert slack_client.user_id_for("nobody@example.com") is None
    slack_client.direct_message("U7", "Review requested")
    assert slack.calls_of("conversations.open")[0]["users"] == "U7"
    assert slack.calls_of("chat.postMessage")[0]["channel"] == "DU7"


@pytest.mark.parametrize("failure, kind, message", [
    ({"status": 200, "body": {"ok": False, "error": "channel_not_found"}}, slack_client.PermanentSlackError,
     "chat.postMessage: channel_not_found"),
    ({"status": 200, "body": {"ok": False, "error": "not_in_channel"}}, slack_client.PermanentSlackError,
     "chat.postMessage: not_in_channel"),
    ({"status": 503, "body": {"ok": False, "error": "service_unavailable"}}, slack_client.SlackError,
     "chat.postMessage: service_unavailable"),
    ({"status": 429, "headers": {"Retry-After": "120"}}, slack_client.SlackError, "chat.postMessage: ratelimited"),
])
def test_permanent_and_passing_failures(slack, failure, kind, message):
    slack.failures = [failure]
    with pytest.raises(kind, match=message) as raised:
        slack_client.post_message("#incidents", "hello")
    assert type(raised.value) is kind
    assert slack.calls_of("chat.postMessage") == []


def test_a_revoked_token_is_permanent(slack, settings):
    settings.SLACK = {**settings.SLACK, "bot_token": "xoxb-revoked"}
    with pytest.raises(slack_client.PermanentSlackError, match="invalid_auth"):
        slack_client.post_message("#incidents", "hello")
