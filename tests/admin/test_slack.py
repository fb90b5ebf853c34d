"""The admin site's Slack pages (incidents/admin/slack.py): routes saved through incidents.actions.slack_routes
(a bad channel or a duplicate is a form error), and the Slack messages, read-only, with "Try again"."""

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import SlackMessage, SlackRoute

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client_as, user):
    return client_as(user("admin", is_staff=True, is_superuser=True))


def test_routes_are_listed_added_and_checked(admin_client):
    SlackRoute.objects.create(match="service", name="nginx", channel="#web")
    page = admin_client.get(reverse("admin:incidents_slackroute_changelist"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "#web" in page.content.decode()
    assert "?match__exact=tag" in page.content.decode()  # the match filter

    add = reverse("admin:incidents_slackroute_add")
    response = admin_client.post(add, {"match": "tag", "name": "DNS", "channel": "#dns"})
    assert response.status_code == 302
    assert SlackRoute.objects.filter(match="tag", name="dns", channel="#dns").exists()

    response = admin_client.post(add, {"match": "tag", "name": "db", "channel": "general"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "is not a Slack channel" in response.content.decode()
    response = admin_client.post(add, {"match": "service", "name": "NGINX", "channel": "#web"},
                                 HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "service NGINX already goes to #web." in response.content.decode()
    assert SlackRoute.objects.count() == 2


def test_messages_are_read_only_and_can_be_tried_again(admin_client, make_incident):
    incident = make_incident()
    message = SlackMessage.objects.create(kind="published", incident=incident, channel="#gone", state="failed",
                                          attempts=1, due_at=timezone.now(), error_code="channel_not_found")
    changelist = reverse("admin:incidents_slackmessage_changelist")
    page = admin_client.get(changelist, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "channel_not_found" in page and "#gone" in page and "?state__exact=failed" in page
    assert admin_client.get(reverse("admin:incidents_slackmessage_add")).status_code == 403

    response = admin_client.post(changelist, {"action": "try_again", "_selected_action": [message.pk]},
                                 HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "1 message will be sent again." in response.content.decode()
    message.refresh_from_db()
    assert (message.state, message.attempts, message.error_code) == ("pending", 0, "")
