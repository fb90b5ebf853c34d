"""The Slack app's endpoints (incidents/web/slack.py), driven with requests signed as Slack signs them, against
a local fake Slack Web API (tests/slack_fake.py)."""

import itertools
import json
import time
from urllib.parse import urlencode

import pytest
from django.core.cache import cache

from incidents.slack_signature import sign
from incidents.web import slack as slack_views
from tests.slack_fake import FakeSlack

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SITE = "https://postmortem.example.com"
TRIGGERS = itertools.count(1)  # Slack's trigger_id: every command's body differs


@pytest.fixture
def slack(settings, monkeypatch):
    """A fake Slack, the app configured for it; unfurls sent in the request's thread (see test_unfurl_in_a_thread)."""
    cache.clear()
    with FakeSlack() as fake:
        settings.SLACK = {"bot_token": fake.token, "signing_secret": SECRET, "api_url": fake.api_url,
                          "default_channel": ""}
        settings.POSTMORTEM_BASE_URL = SITE
        monkeypatch.setattr(slack_views, "in_background", lambda function, *args: function(*args))
        yield fake
    cache.clear()


def signed(client, path, body, content_type, timestamp=None, secret=SECRET, signature=None):
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = signature or sign(secret, body, timestamp)
    return client.post(path, data=body, content_type=content_type, HTTP_X_SLACK_REQUEST_TIMESTAMP=str(timestamp),
                       HTTP_X_SLACK_SIGNATURE=signature)


def command(client, text, user_id="U1", **kwargs):
    body = urlencode({"token": "legacy", "team_id": "T1", "command": "/postmortem", "text": text,
                      "user_id": user_id, "user_name": "ann", "response_url": "https://hooks.slack.com/x",
                      "trigger_id": f"13345224609.738474920.{next(TRIGGERS)}"}).encode()
    return signed(client, "/slack/commands/", body, "application/x-www-form-urlencoded", **kwargs)


def event(client, payload, **kwargs):
    return signed(client, "/slack/events/", json.dumps(payload).encode(), "application/json", **kwargs)


def link_shared(event_id, *urls):
    return {"type": "event_callback", "event_id": event_id, "team_id": "T1",
            "event": {"type": "link_shared", "channel": "C1", "user": "U1", "message_ts": "1800000000.000100",
                      "links": [{"domain": "postmortem.example.com", "url": url} for url in urls]}}


def texts(answer):
    return "\n".join(block["text"]["text"] for block in answer.get("blocks", []))


# The slash command

def test_a_linked_user_gets_japanese_hits_and_an_unlinked_one_nothing(client, slack, user, demo):
    user("viewer", username="ann", email="ann@example.com")
    slack.users = {"U1": {"email": "ann@example.com"}, "U2": {"email": "stranger@example.com"}}
    response = command(client, "名前解決")
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith("「名前解決」に一致するポストモーテム")
    shown = texts(answer)
    assert "*名前解決*" in shown
    assert f"<{SITE}/incidents/INC-" in shown
    assert "公開済み" in shown
    assert 2 <= len(answer["blocks"]) <= 6
    assert slack.calls_of("users.info")[0]["user"] == "U1"

    answer = command(client, "名前解決", user_id="U2").json()
    assert answer["response_type"] == "ephemeral"
    assert "INC-" not in json.dumps(answer, ensure_ascii=False)
    assert answer["text"].startswith("Slack のアカウントが Postmortem のアカウントにつながっていません")


def test_english_query_english_labels_and_visibility(client, slack, user, make_incident, demo):
    user("viewer", username="ann", email="ann@example.com")
    slack.users = {"U1": {"email": "ann@example.com"}}
    answer = command(client, "dns").json()
    assert answer["text"].startswith("Postmortems matching “dns”")
    assert "Published" in texts(answer)
    answer = command(client, "zzzzqqq").json()
    assert answer["text"] == "No postmortem matches “zzzzqqq”."


def test_the_search_keeps_to_what_the_linked_account_may_see(client, slack, user, demo):
    from incidents.models import Incident

    ann = user("viewer", username="ann", email="ann@example.com")
    slack.users = {"U1": {"email": "ann@example.com"}}
    hits = command(client, "名前解決").json()["blocks"][1:]
    assert hits
    references = [block["text"]["text"].split("|")[1].split()[0] for block in hits]
    Incident.objects.filter(pk__in=[int(r.removeprefix("INC-")) for r in references]).update(visibility="restricted")
    answer = command(client, "名前解決").json()
    assert answer["text"] == "「名前解決」に一致するポストモーテムはありません。"
    Incident.objects.get(pk=int(references[0].removeprefix("INC-"))).members.add(ann)
    assert references[0] in texts(command(client, "名前解決").json())


@pytest.mark.parametrize("text", ["", "help", "  HELP "])
def test_help(client, slack, text):
    answer = command(client, text).json()
    assert answer["text"].startswith("Search the postmortems from Slack: /postmortem <words>")
    assert slack.calls == []  # nobody was looked up


def test_help_in_japanese(client, slack):
    assert command(client, "ヘルプ").json()["text"].startswith("Slack からポストモーテムを検索します: /postmortem <語>")


def test_slack_down_is_an_answer_not_a_500(client, slack):
    slack.failures = [500]
    response = command(client, "dns")
    assert response.status_code == 200
    assert response.json()["text"] == "Postmortem cannot search right now; try again in a minute."


# Signatures

@pytest.mark.parametrize("how", ["forged", "old", "missing", "future"])
def test_a_forged_or_old_request_is_refused_and_nothing_done(client, slack, how):
    now = int(time.time())
    kwargs = {"forged": {"secret": "not the secret"}, "old": {"timestamp": now - 301},
              "missing": {"signature": "v0="}, "future": {"timestamp": now + 301}}[how]
    response = command(client, "dns", **kwargs)
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Not a valid request from Slack: ")
    response = event(client, {"type": "url_verification", "challenge": "abc"}, **kwargs)
    assert response.status_code == 401
    assert slack.requests == []


def test_a_replayed_request_is_refused(client, slack):
    body = json.dumps({"type": "url_verification", "challenge": "abc"}).encode()
    timestamp = int(time.time())
    assert signed(client, "/slack/events/", body, "application/json", timestamp=timestamp).status_code == 200
    response = signed(client, "/slack/events/", body, "application/json", timestamp=timestamp)
    assert response.status_code == 401
    assert "replay" in response.json()["detail"]


def test_without_slack_the_endpoints_are_missing(client, settings):
    settings.SLACK = None
    assert client.post("/slack/commands/", {"text": "dns"}).status_code == 404
    assert client.post("/slack/events/", "{}", content_type="application/json").status_code == 404


# Events

def test_url_verification(client, slack):
    response = event(client, {"type": "url_verification", "token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"})
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_bad_event_bodies(client, slack):
    assert event(client, ["not", "an", "object"]).status_code == 400
    body = b"{not json"
    assert signed(client, "/slack/events/", body, "application/json").status_code == 400
    assert event(client, {"type": "event_callback", "event": {"type": "app_mention"}}).json() == {}


def test_only_published_internal_incidents_unfurl_once(client, slack, make_incident):
    shown = make_incident(title="DNS outage", severity="sev2", summary="**Resolver** timed out " + "x" * 400)
    draft = make_incident(title="Secret draft", status="draft")
    restricted = make_incident(title="Restricted one", visibility="restricted")
    urls = [f"{SITE}/incidents/{shown.reference}/", f"{SITE}/incidents/{draft.reference}/",
            f"{SITE}/incidents/{restricted.reference}/", f"{SITE}/incidents/INC-99999/",
            f"https://elsewhere.example.com/incidents/{shown.reference}/"]
    assert event(client, link_shared("Ev1", *urls)).status_code == 200
    [call] = slack.calls_of("chat.unfurl")
    assert call["channel"] == "C1" and call["ts"] == "1800000000.000100"
    assert list(call["unfurls"]) == [urls[0]]
    text = call["unfurls"][urls[0]]["blocks"][0]["text"]["text"]
    assert text.startswith(f"*<{urls[0]}|{shown.reference} DNS outage>*\nStatus: Published · Severity: SEV2 – major\n"
                           "Resolver timed out xxx")
    assert text.endswith("x…") and len(text.split("\n")[2]) == 300
    assert "Secret draft" not in json.dumps(call) and "Restricted one" not in json.dumps(call)

    # Slack's retry of the same event (signed again, a second later)
    assert event(client, link_shared("Ev1", *urls), timestamp=int(time.time()) + 1).status_code == 200
    assert len(slack.calls_of("chat.unfurl")) == 1


def test_nothing_to_unfurl_calls_nothing(client, slack, make_incident):
    draft = make_incident(title="Secret draft", status="draft")
    restricted = make_incident(title="Restricted one", visibility="restricted")
    event(client, link_shared("Ev2", f"{SITE}/incidents/{draft.reference}/", f"{SITE}/incidents/{restricted.reference}/"))
    assert slack.calls == []


def test_unfurl_in_a_thread_after_the_answer(client, slack, make_incident, monkeypatch):
    monkeypatch.undo()  # the real background thread
    incident = make_incident(title="DNS outage")
    url = f"{SITE}/incidents/{incident.reference}/"
    assert event(client, link_shared("Ev3", url)).status_code == 200
    [call] = slack.wait_for("chat.unfurl")
    assert list(call["unfurls"]) == [url]
