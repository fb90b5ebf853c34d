"""The Discussion section of an incident page: comments in TIME_ZONE with their Markdown rendered
sanitized, a form for anyone who may see the incident, and edit/delete for your own comments."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Comment
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    return IncidentFactory(status="published", title="DNS outage")


def page(client, incident):
    response = client.get(f"/incidents/{incident.reference}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_viewer_posts_a_comment_and_sees_it_rendered(viewer_client, published):
    response = viewer_client.post(f"/incidents/{published.reference}/comments/", {"body": "Same as **INC-3**"})
    assert response.status_code == 302 and response["Location"] == f"/incidents/{published.reference}/#comments"
    comment = Comment.objects.get()
    assert comment.author.username == "viewer" and comment.incident == published
    html = page(viewer_client, published)
    assert 'id="comments"' in html and "Discussion" in html
    assert "Same as <strong>INC-3</strong>" in html and f'id="comment-{comment.pk}"' in html
    assert html.index('id="similar"') < html.index('id="comments"')  # at the end of the page
    assert f"/incidents/{published.reference}/comments/{comment.pk}/edit/" in html
    assert f"/incidents/{published.reference}/comments/{comment.pk}/delete/" in html


def test_times_are_shown_in_the_display_time_zone(viewer_client, viewer, published, settings):
    Comment.objects.create(incident=published, author=viewer, body="late",
                           created_at=datetime.datetime(2026, 1, 1, 15, 30, tzinfo=datetime.UTC))
    assert settings.TIME_ZONE == "Asia/Tokyo"
    assert "2026-01-02 00:30 JST" in page(viewer_client, published)


def test_script_in_a_comment_never_becomes_script(viewer_client, viewer, published):
    Comment.objects.create(incident=published, author=viewer,
                           body="<script>alert('x')</script> [a](javascript:alert(1)) <img src=x onerror=alert(1)>")
    html = page(viewer_client, published)
    section = html[html.index('id="comments"'):]
    assert "<script>alert" not in section and "<img" not in section and "javascript:" not in section
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in section or "&lt;script&gt;alert('x')&lt;/script&gt;" in section


def test_a_viewer_may_not_comment_on_a_draft(viewer_client):
    draft = IncidentFactory(status="draft")
    assert viewer_client.get(f"/incidents/{draft.reference}/").status_code == 404
    assert viewer_client.post(f"/incidents/{draft.reference}/comments/", {"body": "hello"}).status_code == 404
    assert not Comment.objects.exists()


def test_an_editor_comments_on_a_draft(editor_client):
    draft = IncidentFactory(status="draft")
    response = editor_client.post(f"/incidents/{draft.reference}/comments/", {"body": "needs a timeline"})
    assert response.status_code == 302
    assert "needs a timeline" in page(editor_client, draft)


def test_signing_in_is_needed(client, published):
    response = client.post(f"/incidents/{published.reference}/comments/", {"body": "anonymous"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Comment.objects.exists()


@pytest.mark.parametrize("body, error", [
    ("", "This field is required."),
    ("   \n ", "Write something first."),
    ("a\x00b", "Null characters are not allowed."),
    ("x" * 20_001, "Ensure this value has at most 20000 characters (it has 20001)."),
])
def test_bad_input_shows_the_form_with_its_error_and_stores_nothing(viewer_client, published, body, error):
    response = viewer_client.post(f"/incidents/{published.reference}/comments/", {"body": body})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert response.context["form"].errors == {"body": [error]}
    assert not Comment.objects.exists()


def test_the_author_edits_their_comment(viewer_client, viewer, published):
    comment = Comment.objects.create(incident=published, author=viewer, body="teh typo")
    edit = f"/incidents/{published.reference}/comments/{comment.pk}/edit/"
    response = viewer_client.get(edit)
    assert response.status_code == 200 and "teh typo" in response.content.decode()
    response = viewer_client.post(edit, {"body": "the typo"})
    assert response.status_code == 302 and response["Location"].endswith("#comments")
    comment.refresh_from_db()
    assert comment.body == "the typo" and comment.edited_at is not None
    assert "(edited " in page(viewer_client, published)
    response = viewer_client.post(edit, {"body": ""})
    assert response.status_code == 200 and response.context["form"].errors == {"body": ["This field is required."]}
    comment.refresh_from_db()
    assert comment.body == "the typo"


def test_others_may_not_edit_or_delete(editor_client, user, published):
    comment = Comment.objects.create(incident=published, author=user("viewer", username="author"), body="mine")
    assert f"/comments/{comment.pk}/edit/" not in page(editor_client, published)
    assert editor_client.get(f"/incidents/{published.reference}/comments/{comment.pk}/edit/").status_code == 403
    assert editor_client.post(f"/incidents/{published.reference}/comments/{comment.pk}/edit/", {"body": "x"}).status_code == 403
    assert editor_client.post(f"/incidents/{published.reference}/comments/{comment.pk}/delete/").status_code == 403
    assert Comment.objects.get().body == "mine"


def test_the_author_and_an_admin_delete(client, user, published):
    author = user("viewer", username="author")
    first = Comment.objects.create(incident=published, author=author, body="one")
    second = Comment.objects.create(incident=published, author=author, body="two")
    client.force_login(author)
    response = client.post(f"/incidents/{published.reference}/comments/{first.pk}/delete/")
    assert response.status_code == 302 and response["Location"].endswith("#comments")
    client.force_login(user("admin", username="boss"))
    html = page(client, published)
    assert f"/comments/{second.pk}/delete/" in html and f"/comments/{second.pk}/edit/" not in html
    assert client.post(f"/incidents/{published.reference}/comments/{second.pk}/delete/").status_code == 302
    assert not Comment.objects.exists()


def test_a_comment_of_another_or_a_hidden_incident_is_404(viewer_client, viewer, published):
    other = IncidentFactory(status="published")
    comment = Comment.objects.create(incident=other, author=viewer, body="elsewhere")
    assert viewer_client.get(f"/incidents/{published.reference}/comments/{comment.pk}/edit/").status_code == 404
    other.status = "draft"
    other.save()
    assert viewer_client.get(f"/incidents/{other.reference}/comments/{comment.pk}/edit/").status_code == 404
    assert viewer_client.post(f"/incidents/{other.reference}/comments/{comment.pk}/delete/").status_code == 404
    assert Comment.objects.count() == 1


def test_a_deleted_users_comment_stays(viewer_client, user, published):
    gone = user("viewer", username="gone")
    Comment.objects.create(incident=published, author=gone, body="still useful", created_at=timezone.now())
    gone.delete()
    html = page(viewer_client, published)
    assert "still useful" in html and "A deleted user" in html


def test_staff_find_comments_in_the_admin(client, user, published):
    Comment.objects.create(incident=published, author=user("viewer", username="author"), body="a comment about pgbouncer")
    client.force_login(user("admin", username="staff", is_staff=True))
    page = client.get(reverse("admin:incidents_comment_changelist"), {"q": "pgbouncer"}).content.decode()
    assert "author" in page and published.reference in page
