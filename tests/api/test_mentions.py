"""@mentions through the API: the answer to a post or an edit says who its new mentions notified and who
they did not, with the reason in the request's language; each mention is emailed once."""

import pytest
from django.core import mail

from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(user, editor):
    user("viewer", username="yamada", email="yamada@example.com")
    user("viewer", username="sato", email="sato@example.com")
    incident = IncidentFactory(status="published", title="DNS outage", visibility="restricted")
    incident.members.set([editor, user("viewer", username="yamada")])
    return incident


def url(incident, comment=None):
    return f"/api/v1/incidents/{incident.pk}/comments/" + (f"{comment}/" if comment else "")


@pytest.mark.parametrize("language, hidden, unknown", [
    ("en", "They may not see this incident.", "There is no active user with this user name."),
    ("ja", "この障害を閲覧する権限がありません。", "このユーザー名の有効なユーザーはいません。"),
])
def test_the_answer_says_who_was_notified(editor_api, incident, language, hidden, unknown,
                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_api.post(url(incident), {"body": "@Yamada @sato @ghost ok?"}, format="json",
                                   HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 201
    answer = response.json()
    assert answer["mentions"] == {"notified": ["yamada"], "not_notified": [
        {"username": "sato", "reason": hidden}, {"username": "ghost", "reason": unknown}]}
    assert answer["body_html"] == ('<p><span class="mention">@Yamada</span> <span class="mention">@sato</span> '
                                   '<span class="mention">@ghost</span> ok?</p>')
    assert [message.to for message in mail.outbox] == [["yamada@example.com"]]
    assert editor_api.get(url(incident, answer["id"])).json()["mentions"] is None


def test_an_edit_notifies_only_new_mentions(editor_api, user, incident, django_capture_on_commit_callbacks):
    incident.members.add(user("viewer", username="sato"))
    with django_capture_on_commit_callbacks(execute=True):
        comment = editor_api.post(url(incident), {"body": "@yamada look"}, format="json").json()
    with django_capture_on_commit_callbacks(execute=True):
        same = editor_api.patch(url(incident, comment["id"]), {"body": "@yamada look!"}, format="json").json()
    assert same["mentions"] == {"notified": [], "not_notified": []}
    with django_capture_on_commit_callbacks(execute=True):
        more = editor_api.patch(url(incident, comment["id"]), {"body": "@yamada @sato look"}, format="json").json()
    assert more["mentions"] == {"notified": ["sato"], "not_notified": []}
    assert [message.to for message in mail.outbox] == [["yamada@example.com"], ["sato@example.com"]]
