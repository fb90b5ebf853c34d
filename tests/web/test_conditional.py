"""Conditional GETs (incidents.conditional): an incident page or API document answers 304 to its own ETag
until anything it shows changes, never across users, roles or languages, and a hidden incident answers like a
missing one whatever ETag is sent. The kept answer (the "pages" cache) is the same bytes as a render."""

import pytest
from django.core.cache import caches
from django.urls import reverse

from incidents.models import Comment, Review
from tests.factories import TimelineEventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a write as if its transaction committed (each request's write is its own transaction): a change
    logged in the test's one transaction would otherwise be folded into the first."""
    def run(write, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(*args, **kwargs)
    return run


@pytest.fixture(autouse=True)
def _empty_pages():
    caches["pages"].clear()
    yield
    caches["pages"].clear()


def page(client, incident, etag=None, **headers):
    if etag:
        headers["HTTP_IF_NONE_MATCH"] = etag
    return client.get(incident.get_absolute_url(), **headers)


def signed_in(client_as, who, incident):
    """A browser that has been on the site (it has its CSRF cookie, as after the sign-in page)."""
    client = client_as(who)
    client.get(reverse("incident-list"))
    return client


def test_an_unchanged_page_is_304_and_any_change_it_shows_is_a_new_200(client_as, editor, make_incident, committed):
    incident = committed(make_incident, title="DNS の名前解決が失敗した")
    client = signed_in(client_as, editor, incident)
    first = page(client, incident)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag.startswith('"page-')
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert "Cookie" in first.headers["Vary"] and "Accept-Language" in first.headers["Vary"]

    again = page(client, incident, etag)
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == etag

    committed(TimelineEventFactory, incident=incident, description="coredns を再起動した")  # a child: logged
    changed = page(client, incident, etag)
    assert changed.status_code == 200 and "coredns を再起動した" in changed.content.decode()
    assert changed.headers["ETag"] != etag

    etag = changed.headers["ETag"]
    Review.objects.create(incident=incident, reviewer=editor, decision="approved", version=incident.version)
    assert page(client, incident, etag).status_code == 200  # reviews are not in the change log, but in the ETag


def test_a_comment_changes_the_page(client_as, editor, make_incident, committed):
    incident = committed(make_incident)
    client = signed_in(client_as, editor, incident)
    etag = page(client, incident).headers["ETag"]
    committed(Comment.objects.create, incident=incident, author=editor, body="resolv.conf を確認")
    answer = page(client, incident, etag)
    assert answer.status_code == 200 and "resolv.conf を確認" in answer.content.decode()


def test_an_etag_is_never_good_for_another_user_role_or_language(client_as, user, editor, viewer, make_incident):
    incident = make_incident()
    editors = signed_in(client_as, editor, incident)
    etag = page(editors, incident).headers["ETag"]
    viewers = signed_in(client_as, viewer, incident)
    answer = page(viewers, incident, etag)
    assert answer.status_code == 200 and answer.headers["ETag"] != etag
    assert "/edit/" not in answer.content.decode()  # what a viewer may do, not the editor's page

    japanese = page(editors, incident, etag, HTTP_ACCEPT_LANGUAGE="ja")
    assert japanese.status_code == 200 and japanese.headers["ETag"] != etag
    assert "編集" in japanese.content.decode()


def test_a_hidden_incident_answers_404_whatever_etag_is_sent(client_as, user, editor, make_incident):
    incident = make_incident(visibility="restricted", authors=[editor])
    client = signed_in(client_as, editor, incident)
    etag = page(client, incident).headers["ETag"]
    outsider = signed_in(client_as, user("editor", username="outsider"), incident)
    hidden = page(outsider, incident, etag)
    missing = outsider.get("/incidents/INC-999999/", HTTP_IF_NONE_MATCH=etag)
    assert hidden.status_code == missing.status_code == 404
    assert "ETag" not in hidden.headers and "ETag" not in missing.headers
    assert "There is nothing here, or you may not see it." in hidden.content.decode()
    assert "There is nothing here, or you may not see it." in missing.content.decode()


def test_a_page_with_a_message_waiting_is_shown_in_full(client_as, editor, make_incident):
    incident = make_incident()
    client = signed_in(client_as, editor, incident)
    etag = page(client, incident).headers["ETag"]
    moved = client.post(reverse("incident-status", args=[incident.reference]), {"status": "draft"})
    assert moved.status_code == 302
    answer = page(client, incident, etag)
    assert answer.status_code == 200 and '<p class="message' in answer.content.decode(), answer.content.decode()[:3000]


def test_the_kept_page_is_the_rendered_one_and_costs_no_render(client_as, editor, make_incident,
                                                               django_assert_max_num_queries):
    incident = make_incident(title="接続プールが枯渇した")
    client = signed_in(client_as, editor, incident)
    rendered = page(client, incident)
    with django_assert_max_num_queries(6):  # session, user, permissions (2), the stamp
        kept = page(client, incident)
    assert kept.status_code == 200 and kept.content == rendered.content
    assert kept.headers["ETag"] == rendered.headers["ETag"]


def test_the_api_document_answers_304_until_it_changes(api_as, editor, viewer, make_incident, committed):
    incident = committed(make_incident, title="ロードバランサの設定ミス")
    api = api_as(editor)
    url = f"/api/v1/incidents/{incident.pk}/"
    first = api.get(url)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag.startswith('"document-')
    again = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    kept = api.get(url)
    assert kept.status_code == 200 and kept.json() == first.json() and kept["Content-Type"] == "application/json"

    assert api_as(viewer).get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200  # another user: never 304
    assert api.get(url, HTTP_IF_NONE_MATCH=etag, HTTP_ACCEPT="text/html").status_code == 200  # another format

    patched = api.patch(url, {"title": "ロードバランサの設定ミス (再発)", "version": first.json()["version"]}, format="json")
    assert patched.status_code == 200
    answer = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert answer.status_code == 200 and answer.json()["title"] == "ロードバランサの設定ミス (再発)"
