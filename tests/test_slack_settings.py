"""The Slack app's settings (postmortem/slack.py): pure, no database."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from postmortem import slack

NAMES = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL", "SLACK_DEFAULT_CHANNEL")
BASE = {"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5"}


@pytest.fixture
def environ(monkeypatch):
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)

    def set_env(**values):
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        return slack.read()
    return set_env


def test_unset_means_no_slack(environ):
    assert environ() is None
    assert environ(SLACK_DEFAULT_CHANNEL="#incidents") is None


def test_defaults_and_every_variable(environ):
    assert environ(**BASE) == {"bot_token": "xoxb-1-2-abc", "signing_secret": BASE["SLACK_SIGNING_SECRET"],
                               "api_url": "https://slack.com/api/", "default_channel": ""}
    config = environ(**BASE, SLACK_API_URL="http://127.0.0.1:9999/api", SLACK_DEFAULT_CHANNEL="#incidents")
    assert config["api_url"] == "http://127.0.0.1:9999/api/"
    assert config["default_channel"] == "#incidents"


@pytest.mark.parametrize("values, message", [
    ({"SLACK_BOT_TOKEN": "xoxp-user-token", "SLACK_SIGNING_SECRET": "s"},
     "SLACK_BOT_TOKEN must be the app's bot token (it starts with xoxb-)."),
    ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET must be set with SLACK_BOT_TOKEN"),
    ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN must be set with SLACK_SIGNING_SECRET"),
    ({**BASE, "SLACK_API_URL": "ftp://slack.com/api/"}, "SLACK_API_URL='ftp://slack.com/api/' must be an http(s) URL"),
    ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL='slack.com/api' must be an http(s) URL"),
    ({**BASE, "SLACK_DEFAULT_CHANNEL": "incidents"}, "SLACK_DEFAULT_CHANNEL='incidents' is not a channel"),
])
def test_bad_values_stop_start_up(environ, values, message):
    with pytest.raises(ImproperlyConfigured) as raised:
        environ(**values)
    assert message in str(raised.value)
