"""/people/slack/ (admins only, incidents/web/people_slack.py): channel routes added and deleted through
incidents.actions.slack_routes, where unrouted publications go, and the undelivered Slack messages with Slack's
error, a hint and buttons to try again (incidents.actions.slack.retry). Messages are made with the ORM: nothing
here talks to Slack."""

import datetime
import re

import pytest
from django.utils import timezone

from incidents.models import SlackMessage, SlackRoute

pytestmark = pytest.mark.django_db
URL = "/people/slack/"
SLACK = {"bot_token": "xoxb-test", "signing_secret": "secret", "api_url": "http://127.0.0.1:9/api/",
         "default_channel": "#incidents"}


@pytest.fixture
def admin_client(client_as, user):
    return client_as(user("admin", email="admin@example.com"))


def failed(incident, code="channel_not_found", **fields):
    return SlackMessage.objects.create(
        kind=SlackMessage.Kind.PUBLISHED, incident=incident, channel="#ops", state=SlackMessage.State.FAILED,
        attempts=1, due_at=timezone.now(), error_code=code, last_error=f"Slack answered {code}", **fields)


def row(page, message):
    return re.search(rf'<tr id="slack-message-{message.pk}">.*?</tr>', page, re.S).group(0)


def test_only_admins(client, viewer_client, editor_client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"] == f"/accounts/login/?next={URL}"
    assert viewer_client.get(URL).status_code == 403
    assert editor_client.get(URL).status_code == 403
    assert viewer_client.post(URL, {"action": "add", "match": "tag", "name": "dns", "channel": "#dns"}).status_code == 403
    assert not SlackRoute.objects.exists()


def test_people_links_here(admin_client):
    page = admin_client.get("/people/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'<a href="{URL}">Slack</a>' in page


def test_add_and_delete_a_route(admin_client, settings):
    settings.SLACK = SLACK
    response = admin_client.post(URL, {"action": "add", "match": "tag", "name": " DNS ", "channel": "#dns-team"},
                                 HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == URL
    route = SlackRoute.objects.get()
    assert (route.match, route.name, route.channel) == ("tag", "dns", "#dns-team")
    page = admin_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Publications with tag dns now go to #dns-team." in page
    assert "<td>tag</td><td>dns</td><td>#dns-team</td>" in page
    assert "no-store" in admin_client.get(URL)["Cache-Control"]

    admin_client.post(URL, {"action": "add", "match": "service", "name": "nginx", "channel": "C0123ABCD"})
    assert SlackRoute.objects.filter(match="service", name="nginx", channel="C0123ABCD").exists()

    response = admin_client.post(URL, {"action": "delete", "route": route.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert list(SlackRoute.objects.values_list("name", flat=True)) == ["nginx"]
    page = admin_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The route was deleted." in page and "#dns-team" not in page


@pytest.mark.parametrize("channel", ["general", "#", "# ops", "c0123", "Cx"])
def test_a_channel_that_is_not_one_is_a_form_error(admin_client, channel):
    response = admin_client.post(URL, {"action": "add", "match": "tag", "name": "dns", "channel": channel},
                                 HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 400
    assert "is not a Slack channel: give #name or the channel&#x27;s id (C… or G…)." in page
    assert not SlackRoute.objects.exists()


def test_a_duplicate_route_is_a_form_error(admin_client):
    admin_client.post(URL, {"action": "add", "match": "service", "name": "Nginx", "channel": "#web"})
    response = admin_client.post(URL, {"action": "add", "match": "service", "name": "nginx", "channel": "#web"},
                                 HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "service nginx already goes to #web." in response.content.decode()
    assert SlackRoute.objects.count() == 1
    # the same name as a tag, or to another channel, is another route
    admin_client.post(URL, {"action": "add", "match": "tag", "name": "nginx", "channel": "#web"})
    admin_client.post(URL, {"action": "add", "match": "service", "name": "nginx", "channel": "#ops"})
    assert SlackRoute.objects.count() == 3


def test_where_unrouted_publications_go(admin_client, settings):
    settings.SLACK = SLACK
    page = admin_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "goes to the default channel #incidents (SLACK_DEFAULT_CHANNEL)." in page
    assert 'id="slack-not-configured"' not in page
    settings.SLACK = {**SLACK, "default_channel": ""}
    page = admin_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "A publication that no route matches goes nowhere (SLACK_DEFAULT_CHANNEL is not set)." in page


def test_without_slack_the_page_says_so_and_routes_still_work(admin_client, settings):
    settings.SLACK = None
    page = admin_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="slack-not-configured"' in page
    assert "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET" in page and "docs/operations.md" in page
    assert 'id="slack-default-channel"' not in page
    admin_client.post(URL, {"action": "add", "match": "tag", "name": "dns", "channel": "#dns"})
    assert SlackRoute.objects.filter(channel="#dns").exists()


def test_undelivered_messages_show_slacks_error_and_a_hint(admin_client, make_incident, user):
    incident = make_incident(title="DNS outage")
    lost = failed(incident)
    revoked = failed(incident, code="token_revoked")
    later = timezone.now() + datetime.timedelta(minutes=10)
    retrying = SlackMessage.objects.create(kind=SlackMessage.Kind.MENTIONED, incident=incident,
                                           user=user("editor", username="kim"), attempts=2, due_at=later,
                                           error_code="ratelimited", last_error="Slack answered 429")
    SlackMessage.objects.create(kind=SlackMessage.Kind.PUBLISHED, incident=incident, channel="#fine",
                                state=SlackMessage.State.SENT, attempts=1, due_at=timezone.now(),
                                sent_at=timezone.now())
    SlackMessage.objects.create(kind=SlackMessage.Kind.PUBLISHED, channel="#new", due_at=timezone.now())

    page = admin_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Undelivered messages" in page
    assert "1 message sent in the last 7 days" in page and "2 messages waiting" in page
    assert "#fine" not in page and "#new" not in page  # sent, and not tried yet: not undelivered
    shown = row(page, lost)
    assert "<code>channel_not_found</code>" in shown and "The channel does not exist or was renamed." in shown
    assert f'<a href="{incident.get_absolute_url()}">{incident.reference}</a>' in shown
    assert "<td>#ops</td>" in shown and "<td>failed</td>" in shown and "Published postmortem" in shown
    assert "The bot token is wrong or was revoked: check SLACK_BOT_TOKEN." in row(page, revoked)
    shown = row(page, retrying)
    assert "<td>kim</td>" in shown and "<td>waiting</td>" in shown and "<td>2</td>" in shown
    assert "<code>ratelimited</code>" in shown and "Slack answered 429" in shown
    assert page.index(f'id="slack-message-{retrying.pk}"') < page.index(f'id="slack-message-{lost.pk}"')


def test_not_in_channel_hint(admin_client, make_incident):
    message = failed(make_incident(), code="not_in_channel")
    page = admin_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Invite the app to the channel (/invite @app)." in row(page, message)


def test_try_again_sends_a_failed_message_again_from_the_first_attempt(admin_client, make_incident):
    incident = make_incident()
    message, other = failed(incident), failed(incident, code="not_in_channel")
    response = admin_client.post(URL, {"action": "retry", "message": message.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.state, message.attempts, message.error_code, message.last_error) == ("pending", 0, "", "")
    other.refresh_from_db()
    assert other.state == "failed"
    page = admin_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 message will be sent again." in page
    assert f'id="slack-message-{message.pk}"' not in page and f'id="slack-message-{other.pk}"' in page


def test_try_all_again(admin_client, make_incident):
    incident = make_incident()
    failed(incident), failed(incident, code="not_in_channel")
    admin_client.post(URL, {"action": "retry-all"})
    assert set(SlackMessage.objects.values_list("state", "attempts")) == {("pending", 0)}
    page = admin_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 messages will be sent again." in page and "Every Slack message was delivered." in page


def test_an_unknown_action_is_a_bad_request(admin_client):
    assert admin_client.post(URL, {"action": "explode"}).status_code == 400


def test_the_undelivered_list_is_paginated(admin_client, make_incident):
    incident = make_incident()
    for _ in range(51):
        failed(incident)
    page = admin_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count('id="slack-message-') == 50 and "Page 1 of 2" in page
    assert admin_client.get(URL + "?page=2").content.decode().count('id="slack-message-') == 1


# Japanese: these assertions need the msgids of this page translated in incidents/locale/ja (the lead's).

def test_the_page_in_japanese(admin_client, make_incident, settings):
    settings.SLACK = SLACK
    message = failed(make_incident())
    page = admin_client.get(URL, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "<h1>Slack</h1>" in page and "未配信のメッセージ" in page and "もう一度試す" in page
    assert "チャンネルが存在しないか、名前が変更されました。" in row(page, message)
    assert "<code>channel_not_found</code>" in row(page, message)
    assert "既定のチャンネル #incidents" in page


def test_a_bad_channel_in_japanese(admin_client):
    page = admin_client.post(URL, {"action": "add", "match": "tag", "name": "dns", "channel": "general"},
                             HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "「general」は Slack のチャンネルではありません" in page
