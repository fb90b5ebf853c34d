"""@mentions in a review's comment (a change request): the people mentioned who may see the incident once it
is a draft again are emailed, the reviewer is told who was not and why (page messages in their language,
the API's ``mentions``); the incident's authors hear of the review once, not twice."""

import pytest
from django.core import mail

from incidents.actions.reviews import request_review
from incidents.models import Review
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_review(user, reviewer):
    author = user("editor", username="author", email="author@example.com")
    user("editor", username="yasuda", email="yasuda@example.com")
    user("viewer", username="yamada", email="yamada@example.com")
    incident = IncidentFactory(status="draft", title="DNS が引けない")
    incident.authors.set([author])
    request_review(incident, [reviewer], by=author)
    return incident


@pytest.mark.parametrize("language, shown", [
    ("en", ["Changes requested: the incident is a draft again.", "Notified: @yasuda, @author.",
            "@yamada was not notified: They may not see this incident."]),
    ("ja", ["通知しました: @yasuda, @author。", "@yamada さんには通知していません: この障害を閲覧する権限がありません。"]),
])
def test_a_change_request_mentions_people(client, reviewer, in_review, language, shown,
                                          django_capture_on_commit_callbacks):
    client.force_login(reviewer)
    client.cookies["django_language"] = language
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/incidents/{in_review.reference}/reviews/",
                               {"decision": "changes_requested", "comment": "@yasuda @yamada @author 根拠は?"}, follow=True)
    html = response.content.decode()
    for message in shown:
        assert message in html
    assert '<span class="mention">@yasuda</span>' in html
    assert Review.objects.get().decision == "changes_requested"
    # the author is told by the review's own email (with the comment), once; in their language, not the reviewer's
    assert sorted((message.to[0], message.subject.split(":")[0]) for message in mail.outbox) == [
        ("author@example.com", "Changes requested"),
        ("yasuda@example.com", "You were mentioned")]


def test_the_api_answer_says_who_was_notified(api_as, reviewer, in_review, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(reviewer).post(f"/api/v1/incidents/{in_review.pk}/reviews/",
                                         {"decision": "changes_requested", "comment": "@yasuda @yamada @nobody"},
                                         format="json", HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 201
    assert response.json()["mentions"] == {"notified": ["yasuda"], "not_notified": [
        {"username": "yamada", "reason": "この障害を閲覧する権限がありません。"},
        {"username": "nobody", "reason": "このユーザー名の有効なユーザーはいません。"}]}
