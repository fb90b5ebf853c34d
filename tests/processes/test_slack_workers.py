"""Slack notifications end to end: writes through the API store them; two real Celery worker processes (over the
tests' Redis) drain them at once; a publication, a review request, a mention and an overdue action item each
reach the fake Slack (tests/slack_fake.py) exactly once."""

import datetime

import pytest
from django.utils import timezone

from incidents import jobs
from incidents.actions import reminders
from incidents.models import SlackMessage
from tests.conftest import wait_for
from tests.factories import ActionItemFactory, make_incident
from tests.slack_fake import FakeSlack

SITE = "https://pm.example.com"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_publish_review_mention_and_overdue_reach_slack_once_each_across_two_workers(
        settings, user, api_as, celery_worker):
    with FakeSlack() as fake:
        settings.SLACK = {"bot_token": fake.token, "signing_secret": "s", "api_url": fake.api_url,
                          "default_channel": "#postmortems"}
        settings.POSTMORTEM_BASE_URL = SITE
        fake.users = {"U1": {"email": "ann@example.com"}, "U2": {"email": "rev@example.com"}}
        env = {"SLACK_BOT_TOKEN": fake.token, "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": fake.api_url,
               "POSTMORTEM_BASE_URL": SITE}
        workers = [celery_worker(**env), celery_worker(**env)]
        ann = user("editor", username="ann", email="ann@example.com")
        rev = user("editor", username="rev", email="rev@example.com")
        incident = make_incident(title="CoreDNS の ndots", status="draft", authors=[ann], tags=["dns"])
        url = f"/api/v1/incidents/{incident.reference}/"

        answer = api_as(ann).patch(url, {"status": "in_review", "reviewers": ["rev"]}, format="json")
        assert answer.status_code == 200, answer.json()
        answer = api_as(rev).post(url + "comments/", {"body": "@ann ndots は 5 のまま?"}, format="json")
        assert answer.json()["mentions"] == {"notified": ["ann"], "not_notified": []}
        answer = api_as(rev).post(url + "reviews/", {"decision": "approved"}, format="json")
        assert answer.status_code == 201, answer.json()
        answer = api_as(ann).patch(url, {"status": "published"}, format="json")
        assert answer.status_code == 200, answer.json()
        ActionItemFactory(incident=incident, title="ndots を 2 に", owner="rev",
                          due_date=timezone.localdate() - datetime.timedelta(days=1))
        reminders.remind_due_action_items()
        for _ in range(6):  # more drains than messages: both workers take some at once
            jobs.queue(jobs.DRAIN_SLACK)

        assert wait_for(lambda: SlackMessage.objects.filter(state="sent").count() == 4, 60), list(
            SlackMessage.objects.values_list("kind", "state", "last_error"))
        assert wait_for(lambda: not any(worker.poll() is not None for worker in workers), 1)
        texts = sorted((call["channel"], call["text"]) for call in fake.calls_of("chat.postMessage"))
        assert texts == [
            ("#postmortems", f"Postmortem published: {incident.reference} CoreDNS の ndots"),
            ("DU1", f"rev mentioned you on {incident.reference} CoreDNS の ndots"),
            ("DU2", "You have 1 overdue action item."),
            ("DU2", f"ann asked you to review {incident.reference} CoreDNS の ndots"),
        ]
