"""@mentions on the incident page: posting or editing a comment tells each newly mentioned person who may see
the incident by email (once), and the author, in their language, who was notified and who was not and why;
mentions are highlighted; the comment box's autocomplete lists only people who may see the incident."""

import pytest
from django.core import mail

from incidents.models import Comment
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(user):
    return {
        "yamada": user("viewer", username="yamada", email="yamada@example.com", first_name="Taro", last_name="Yamada"),
        "yano": user("viewer", username="yano", email="yano@example.com"),
        "sato": user("viewer", username="sato", email="sato@example.com"),
        "gone": user("editor", username="yagi", email="yagi@example.com", is_active=False),
        "ed": user("editor", username="yasuda", email="yasuda@example.com", first_name="Hanako", last_name="Yasuda"),
    }


@pytest.fixture
def restricted(people, editor):
    incident = IncidentFactory(status="published", title="DNS outage", visibility="restricted")
    incident.members.set([people["yamada"], people["ed"], editor])
    return incident


def post(client, incident, body, language="en"):
    client.cookies["django_language"] = language
    response = client.post(f"/incidents/{incident.reference}/comments/", {"body": body}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def edit(client, comment, body, language="en"):
    client.cookies["django_language"] = language
    response = client.post(f"/incidents/{comment.incident.reference}/comments/{comment.pk}/edit/", {"body": body},
                           follow=True)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("language, shown", [
    ("en", ["Comment posted.", "Notified: @yamada.",
            "@sato was not notified: They may not see this incident.",
            "@ghost was not notified: There is no active user with this user name.",
            "@yagi was not notified: There is no active user with this user name."]),
    ("ja", ["コメントを投稿しました。", "通知しました: @yamada。",
            "@sato さんには通知していません: この障害を閲覧する権限がありません。",
            "@ghost さんには通知していません: このユーザー名の有効なユーザーはいません。",
            "@yagi さんには通知していません: このユーザー名の有効なユーザーはいません。"]),
])
def test_the_author_is_told_who_was_notified_and_who_not(editor_client, people, restricted, language, shown,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        html = post(editor_client, restricted, "@yamada @sato @ghost @yagi, see `@yano` and ops@example.com", language)
    for message in shown:
        assert message in html
    assert '<span class="mention">@yamada</span>' in html and "<code>@yano</code>" in html
    assert [message.to for message in mail.outbox] == [["yamada@example.com"]]


def test_the_email_names_the_comment_and_is_sent_once(editor_client, people, django_capture_on_commit_callbacks):
    incident = IncidentFactory(status="published", title="DNS outage")
    incident.authors.set([people["yamada"]])  # an author who is mentioned gets the mention, not also "new comment"
    with django_capture_on_commit_callbacks(execute=True):
        post(editor_client, incident, "@yamada @Yamada can you check ndots?")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == f"You were mentioned: {incident.reference} DNS outage"
    assert f"editor mentioned you in a comment on {incident.reference} DNS outage:" in message.body
    assert "@yamada @Yamada can you check ndots?" in message.body
    comment = Comment.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        html = edit(editor_client, comment, "@yamada @Yamada can you check ndots? (edited)")
    assert len(mail.outbox) == 1 and "Comment saved." in html and "Notified" not in html
    with django_capture_on_commit_callbacks(execute=True):
        html = edit(editor_client, comment, "@yamada and @yano, can you check ndots?", "ja")
    assert "通知しました: @yano。" in html and "@yamada" not in html.split('class="comment-list"')[0].split("<main")[1]
    assert [message.to for message in mail.outbox] == [["yamada@example.com"], ["yano@example.com"]]


def test_a_draft_hides_the_incident_from_viewers(editor_client, people, django_capture_on_commit_callbacks):
    draft = IncidentFactory(status="draft")
    with django_capture_on_commit_callbacks(execute=True):
        html = post(editor_client, draft, "@yamada @yasuda")
    assert "Notified: @yasuda." in html and "@yamada was not notified: They may not see this incident." in html
    assert [message.to for message in mail.outbox] == [["yasuda@example.com"]]


def test_mentioning_yourself_tells_nobody(editor_client, people, django_capture_on_commit_callbacks):
    incident = IncidentFactory(status="published")
    with django_capture_on_commit_callbacks(execute=True):
        html = post(editor_client, incident, "note to @editor")
    assert "Notified" not in html and "was not notified" not in html and mail.outbox == []


def test_someone_who_turned_email_off_gets_none(editor_client, people, django_capture_on_commit_callbacks):
    from incidents.actions.preferences import save_notification_preferences

    save_notification_preferences(people["yamada"], email=False)
    with django_capture_on_commit_callbacks(execute=True):
        post(editor_client, IncidentFactory(status="published"), "@yamada")
    assert mail.outbox == []


def test_autocomplete_lists_people_who_may_see_the_incident(editor_client, people, restricted):
    answer = editor_client.get(f"/incidents/{restricted.reference}/mentionable/", {"q": "ya"})
    assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
    assert answer.json() == {"users": [{"username": "yamada", "name": "Taro Yamada"},
                                       {"username": "yasuda", "name": "Hanako Yasuda"}]}
    assert editor_client.get(f"/incidents/{restricted.reference}/mentionable/", {"q": "@Hana"}).json() == {
        "users": [{"username": "yasuda", "name": "Hanako Yasuda"}]}
    published = IncidentFactory(status="published")
    names = [row["username"] for row in editor_client.get(f"/incidents/{published.reference}/mentionable/",
                                                         {"q": "ya"}).json()["users"]]
    assert names == ["yamada", "yano", "yasuda"]  # not the inactive yagi


def test_autocomplete_shows_at_most_ten(editor_client, user):
    for number in range(12):
        user("viewer", username=f"ops{number:02d}")
    answer = editor_client.get(f"/incidents/{IncidentFactory(status='published').reference}/mentionable/", {"q": "ops"})
    assert [row["username"] for row in answer.json()["users"]] == [f"ops{number:02d}" for number in range(10)]


def test_autocomplete_on_a_hidden_incident_is_a_404(client_as, people, restricted, client):
    assert client_as(people["sato"]).get(f"/incidents/{restricted.reference}/mentionable/", {"q": "ya"}).status_code == 404
    assert client.get(f"/incidents/{restricted.reference}/mentionable/").status_code == 302  # to sign in


def test_the_comment_box_loads_the_autocomplete(editor_client, restricted):
    html = editor_client.get(f"/incidents/{restricted.reference}/").content.decode()
    assert f'data-mentionable="/incidents/{restricted.reference}/mentionable/"' in html
    assert 'data-mention-label="People to mention"' in html and "/static/js/mentions.js" in html


def test_the_email_is_in_the_recipients_language(editor_client, people, django_capture_on_commit_callbacks):
    from incidents.actions.preferences import save_notification_preferences

    save_notification_preferences(people["yamada"], email=True, language="ja")
    incident = IncidentFactory(status="published", title="DNS 障害")
    with django_capture_on_commit_callbacks(execute=True):
        post(editor_client, incident, "@yamada 確認お願いします")
    (message,) = mail.outbox
    assert message.subject == f"メンションされました: {incident.reference} DNS 障害"
    assert f"editor さんが {incident.reference}「DNS 障害」のコメントであなたをメンションしました:" in message.body
