"""Comments beside a row of the incident page: posted on a timeline event, a factor or an action item, shown
in that row's thread (not in the general discussion) with a count on the section; the thread is resolved and
reopened; a row of another incident is refused with a message; in English and Japanese."""

import pytest

from incidents.models import Comment
from tests.factories import ActionItemFactory, FactorFactory, IncidentFactory, TimelineEventFactory

pytestmark = pytest.mark.django_db
WORDS = {
    "en": {"posted": "Comment posted.", "count": "1 comment", "two": "2 comments", "resolve": "Resolve thread",
           "resolved": "Thread resolved.", "reopen": "Reopen thread", "reopened": "Thread reopened.",
           "state": "1 comment · resolved", "no_row": "This incident has no such row.", "start": "Comment on this"},
    "ja": {"posted": "コメントを投稿しました。", "count": "コメント 1 件", "two": "コメント 2 件", "resolve": "スレッドを解決",
           "resolved": "スレッドを解決しました。", "reopen": "スレッドを再開", "reopened": "スレッドを再開しました。",
           "state": "コメント 1 件 · 解決済み", "no_row": "この障害にそのような行はありません。", "start": "この行にコメント"},
}


@pytest.fixture
def incident():
    incident = IncidentFactory(status="published", title="DNS outage")
    TimelineEventFactory(incident=incident, description="resolver restarted")
    FactorFactory(incident=incident, description="ndots:5")
    ActionItemFactory(incident=incident, title="Monitor SERVFAIL")
    return incident


def section(html, name, following):
    return html[html.index(f'<section id="{name}"'):html.index(f'<section id="{following}"')]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_thread_beside_a_timeline_row(editor_client, incident, language):
    words = WORDS[language]
    editor_client.cookies["django_language"] = language
    event = incident.timeline.get()
    response = editor_client.post(f"/incidents/{incident.reference}/comments/",
                                  {"body": "Why **here**?", "anchor_type": "timeline", "anchor_id": str(event.pk)})
    assert response["Location"] == f"/incidents/{incident.reference}/#thread-timeline-{event.pk}"
    html = editor_client.get(response["Location"]).content.decode()
    assert words["posted"] in html
    timeline = section(html, "timeline", "factors")
    assert f'id="thread-timeline-{event.pk}" open' in timeline and "Why <strong>here</strong>?" in timeline
    assert f'<span class="thread-count">{words["count"]}</span></h2>' in timeline
    assert words["resolve"] in timeline and words["start"] in section(html, "factors", "analysis")
    assert "Why <strong>here</strong>?" not in html[html.index('id="comments"'):]  # not in the general discussion
    comment = Comment.objects.get()
    answer = editor_client.post(f"/incidents/{incident.reference}/comments/{comment.pk}/resolve/", {"resolved": "1"},
                                follow=True).content.decode()
    assert words["resolved"] in answer and words["state"] in answer and words["reopen"] in answer
    assert f'id="thread-timeline-{event.pk}" open' not in answer  # a resolved thread is closed
    answer = editor_client.post(f"/incidents/{incident.reference}/comments/{comment.pk}/resolve/", {"resolved": "0"},
                                follow=True).content.decode()
    assert words["reopened"] in answer and Comment.objects.get().resolved_at is None


@pytest.mark.parametrize("kind, section_names", [("factor", ("factors", "analysis")),
                                                 ("action_item", ("action-items", "links"))])
def test_threads_on_factors_and_action_items(viewer_client, editor_client, incident, kind, section_names):
    row = incident.factors.get() if kind == "factor" else incident.action_items.get()
    for client in (viewer_client, editor_client):
        client.post(f"/incidents/{incident.reference}/comments/",
                    {"body": f"from {client}", "anchor_type": kind, "anchor_id": str(row.pk)})
    html = section(viewer_client.get(f"/incidents/{incident.reference}/").content.decode(), *section_names)
    assert '<span class="thread-count">2 comments</span>' in html and f'id="thread-{kind}-{row.pk}"' in html


@pytest.mark.parametrize("language", ["en", "ja"])
def test_another_incidents_row_is_refused(editor_client, incident, language):
    editor_client.cookies["django_language"] = language
    elsewhere = TimelineEventFactory(incident=IncidentFactory(status="published"))
    response = editor_client.post(f"/incidents/{incident.reference}/comments/",
                                  {"body": "x", "anchor_type": "timeline", "anchor_id": str(elsewhere.pk)})
    assert response.status_code == 400 and WORDS[language]["no_row"] in response.content.decode()
    for kind, anchor_id in [("lesson", "1"), ("timeline", "abc"), ("timeline", ""), ("timeline", "9" * 30), ("", "1")]:
        response = editor_client.post(f"/incidents/{incident.reference}/comments/",
                                      {"body": "x", "anchor_type": kind, "anchor_id": anchor_id})
        assert response.status_code == 400
    assert not Comment.objects.exists()


def test_only_some_may_resolve(viewer_client, client_as, user, incident):
    event = incident.timeline.get()
    viewer_client.post(f"/incidents/{incident.reference}/comments/",
                       {"body": "?", "anchor_type": "timeline", "anchor_id": str(event.pk)})
    comment = Comment.objects.get()
    other = client_as(user("viewer", username="other"))
    assert "Resolve thread" not in other.get(f"/incidents/{incident.reference}/").content.decode()
    assert other.post(f"/incidents/{incident.reference}/comments/{comment.pk}/resolve/", {"resolved": "1"}).status_code == 403
    assert viewer_client.post(f"/incidents/{incident.reference}/comments/{comment.pk}/resolve/",
                              {"resolved": "1"}).status_code == 302  # its author may
    assert Comment.objects.get().resolved_at is not None


def test_editing_or_deleting_a_comment_on_a_row_returns_to_its_thread(editor_client, incident):
    item = incident.action_items.get()
    editor_client.post(f"/incidents/{incident.reference}/comments/",
                       {"body": "owner?", "anchor_type": "action_item", "anchor_id": str(item.pk)})
    comment = Comment.objects.get()
    page = editor_client.get(f"/incidents/{incident.reference}/").content.decode()
    assert f"/incidents/{incident.reference}/comments/{comment.pk}/delete/" in section(page, "action-items", "links")
    edited = editor_client.post(f"/incidents/{incident.reference}/comments/{comment.pk}/edit/", {"body": "owner!"})
    assert edited["Location"].endswith(f"#thread-action_item-{item.pk}")
    deleted = editor_client.post(f"/incidents/{incident.reference}/comments/{comment.pk}/delete/")
    assert deleted["Location"].endswith(f"#thread-action_item-{item.pk}") and not Comment.objects.exists()
