"""Comments through the API: whoever may see an incident comments on it (viewers on published ones, a
404 on drafts as reading them is), only the author changes a comment, the author or an admin deletes
it, the body is Markdown rendered sanitized, and bad input is a 400 naming the field."""

import pytest
from rest_framework.test import APIClient

from incidents.models import Comment
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def url(incident, comment=None):
    base = f"/api/v1/incidents/{incident.pk}/comments/"
    return f"{base}{comment['id'] if isinstance(comment, dict) else comment.pk}/" if comment else base


@pytest.fixture
def other_viewer_api(user, api_as):
    return api_as(user("viewer", username="other"))


@pytest.fixture
def admin_api(user, api_as):
    return api_as(user("admin"))


@pytest.fixture
def published():
    return IncidentFactory(status="published")


@pytest.fixture
def draft():
    return IncidentFactory(status="draft")


def test_a_viewer_comments_on_a_published_incident(viewer_api, published):
    response = viewer_api.post(url(published), {"body": "Seen this **before**: INC-3."}, format="json")
    assert response.status_code == 201
    answer = response.json()
    assert set(answer) == {"id", "author", "body", "body_html", "created_at", "edited_at", "anchor", "resolved", "mentions"}
    assert answer["anchor"] is None and answer["resolved"] is False  # the general discussion
    assert answer.pop("mentions") == {"notified": [], "not_notified": []}  # only on a write's answer
    assert answer["author"] == "viewer" and answer["body"] == "Seen this **before**: INC-3."
    assert answer["body_html"] == "<p>Seen this <strong>before</strong>: INC-3.</p>"
    assert answer["edited_at"] is None and answer["created_at"].endswith("Z")
    assert viewer_api.get(url(published)).json() == [{**answer, "mentions": None}]
    assert viewer_api.get(url(published, answer)).json() == {**answer, "mentions": None}


def test_comments_are_listed_oldest_first(viewer_api, editor_api, published):
    for client, body in [(viewer_api, "first"), (editor_api, "second"), (viewer_api, "third")]:
        assert client.post(url(published), {"body": body}, format="json").status_code == 201
    listed = editor_api.get(url(published)).json()
    assert [(c["author"], c["body"]) for c in listed] == [("viewer", "first"), ("editor", "second"), ("viewer", "third")]


def test_a_viewer_gets_404_on_a_draft_as_when_reading_it(viewer_api, editor_api, draft):
    assert viewer_api.get(f"/api/v1/incidents/{draft.pk}/").status_code == 404
    assert viewer_api.post(url(draft), {"body": "hello"}, format="json").status_code == 404
    assert viewer_api.get(url(draft)).status_code == 404
    comment = editor_api.post(url(draft), {"body": "editors discuss drafts"}, format="json").json()
    assert viewer_api.get(url(draft, comment)).status_code == 404
    assert viewer_api.delete(url(draft, comment)).status_code == 404
    assert Comment.objects.count() == 1


def test_an_editor_comments_on_a_draft(editor_api, draft):
    response = editor_api.post(url(draft), {"body": "まだ書きかけ"}, format="json")
    assert response.status_code == 201 and response.json()["author"] == "editor"
    assert [c["body"] for c in editor_api.get(url(draft)).json()] == ["まだ書きかけ"]


def test_a_viewer_who_authored_a_draft_comments_on_it(draft, user, api_as):
    author = user("viewer", username="writer")
    draft.authors.add(author)
    assert api_as(author).post(url(draft), {"body": "mine"}, format="json").status_code == 201


def test_anonymous_gets_401(published):
    assert APIClient().get(url(published)).status_code == 401
    assert APIClient().post(url(published), {"body": "x"}, format="json").status_code == 401


def test_missing_incident_or_comment_of_another_incident_is_404(viewer_api, published):
    other = IncidentFactory(status="published")
    comment = viewer_api.post(url(other), {"body": "there"}, format="json").json()
    assert viewer_api.get(url(published, comment)).status_code == 404
    assert viewer_api.patch(url(published, comment), {"body": "moved?"}, format="json").status_code == 404
    assert viewer_api.get("/api/v1/incidents/999999/comments/").status_code == 404
    assert viewer_api.get(f"/api/v1/incidents/{published.pk}/comments/99999999999999999999999/").status_code == 404


def test_the_author_edits_and_deletes_their_own(viewer_api, published):
    comment = viewer_api.post(url(published), {"body": "typo teh"}, format="json").json()
    response = viewer_api.patch(url(published, comment), {"body": "typo the"}, format="json")
    assert response.status_code == 200
    assert response.json()["body"] == "typo the" and response.json()["edited_at"] is not None
    assert response.json()["created_at"] == comment["created_at"]
    assert viewer_api.delete(url(published, comment)).status_code == 204
    assert not Comment.objects.exists()


def test_others_may_not_edit_or_delete_a_comment(viewer_api, other_viewer_api, editor_api, published):
    comment = viewer_api.post(url(published), {"body": "mine"}, format="json").json()
    for client in (other_viewer_api, editor_api):
        response = client.patch(url(published, comment), {"body": "theirs"}, format="json")
        assert response.status_code == 403
        assert response.json() == {"detail": "Only the author may change a comment."}
        assert client.patch(url(published, comment), {"body": ""}, format="json").status_code == 403  # before the body
        response = client.delete(url(published, comment))
        assert response.status_code == 403
        assert response.json() == {"detail": "Only the author or an admin may delete a comment."}
    assert Comment.objects.get().body == "mine"


def test_an_admin_deletes_any_comment_but_does_not_edit_it(viewer_api, admin_api, published):
    comment = viewer_api.post(url(published), {"body": "spam"}, format="json").json()
    assert admin_api.patch(url(published, comment), {"body": "edited by admin"}, format="json").status_code == 403
    assert admin_api.delete(url(published, comment)).status_code == 204
    assert not Comment.objects.exists()


def test_markdown_is_rendered_sanitized(viewer_api, published):
    body = ('<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n'
            "```\n<b>log</b>\n```")
    html = viewer_api.post(url(published), {"body": body}, format="json").json()["body_html"]
    assert "<script" not in html and "<img" not in html and "javascript:" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;log&lt;/b&gt;" in html


@pytest.mark.parametrize("payload, message", [
    ({}, "This field is required."),
    ({"body": ""}, "This field may not be blank."),
    ({"body": " \n\t "}, "This field may not be blank."),
    ({"body": None}, "This field may not be null."),
    ({"body": 42}, "Not a valid string."),
    ({"body": ["a"]}, "Not a valid string."),
    ({"body": {"text": "a"}}, "Not a valid string."),
    ({"body": True}, "Not a valid string."),
    ({"body": "a\x00b"}, "Null characters are not allowed."),
    ({"body": "x" * 20_001}, "Ensure this field has no more than 20000 characters."),
])
def test_bad_input_is_a_400_naming_the_field(viewer_api, viewer, published, payload, message):
    response = viewer_api.post(url(published), payload, format="json")
    assert response.status_code == 400
    assert response.json() == {"body": [message]}
    comment = Comment.objects.create(incident=published, author=viewer, body="kept")
    if payload:
        response = viewer_api.patch(url(published, comment), payload, format="json")
        assert response.status_code == 400 and response.json() == {"body": [message]}
    assert list(Comment.objects.values_list("body", flat=True)) == ["kept"]


def test_malformed_json_surrogates_and_a_huge_body_are_refused(viewer_api, published, settings):
    assert viewer_api.post(url(published), b'{"body": ', content_type="application/json").status_code == 400
    response = viewer_api.post(url(published), b'{"body": "\\ud800"}', content_type="application/json")
    assert response.status_code == 400 and response.json() == {"body": ["Surrogate characters are not allowed: U+D800."]}
    assert viewer_api.post(url(published), b'"just a string"', content_type="application/json").status_code == 400
    assert viewer_api.post(url(published), b'[1, 2]', content_type="application/json").status_code == 400
    response = viewer_api.post(url(published), {"body": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}, format="json")
    assert response.status_code == 413
    assert viewer_api.post(url(published), {"body": "x" * 20_000}, format="json").status_code == 201
    assert Comment.objects.count() == 1


def test_the_schema_documents_the_comment_endpoints(viewer_api):
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    operations = schema["paths"]["/api/v1/incidents/{incident_id}/comments/"]
    assert set(operations) - {"parameters"} == {"get", "post"}
    detail = schema["paths"]["/api/v1/incidents/{incident_id}/comments/{comment_id}/"]
    assert set(detail) - {"parameters"} == {"get", "patch", "delete"}
    assert set(detail["patch"]["responses"]) == {"200", "400", "401", "403", "404", "413"}
    body = schema["components"]["schemas"]["Comment"]["properties"]["body"]
    assert (body["minLength"], body["maxLength"]) == (1, 20000)
