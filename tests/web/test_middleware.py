"""incidents.web.middleware.LocaleMiddleware: Django's, and the language a signed-in user last used on the site
is remembered (their emails' language unless they chose one), asked of the database only when the session's
language changes and written only when the stored one differs; a failure to record never spoils the page."""

import logging

import pytest
from django.core import mail
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from incidents.actions import notify, preferences
from incidents.models import NotificationPreference
from tests.factories import IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db
PAGE = "/accounts/notifications/"


@pytest.fixture
def alice(client):
    user = UserFactory(username="alice", email="alice@example.com", role="viewer")
    client.force_login(user)
    return user


def used(user):
    return NotificationPreference.objects.filter(user=user).values_list("ui_language", flat=True).first()


def preference_queries(queries):
    return [query["sql"].split()[0] for query in queries if "notificationpreference" in query["sql"]]


def test_the_language_of_a_signed_in_users_pages_is_recorded_once(client, alice):
    assert client.get(PAGE, HTTP_ACCEPT_LANGUAGE="ja").status_code == 200
    assert used(alice) == "ja"
    with CaptureQueriesContext(connection) as queries:
        client.get(PAGE, HTTP_ACCEPT_LANGUAGE="ja")
    # the page reads the preference for its form; the middleware asks nothing (the session knows "ja")
    assert preference_queries(queries) == ["SELECT"]


def test_switching_the_language_is_recorded_and_the_next_email_follows_it(client, alice):
    client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en")
    assert used(alice) == "en"
    client.post("/i18n/setlang/", {"language": "ja", "next": PAGE})
    client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en")  # the cookie wins over the browser's language
    assert used(alice) == "ja"
    incident = IncidentFactory(title="ディスク満杯")
    notify.deliver("published", {"incident": incident.pk, "to": alice.pk})
    assert mail.outbox[0].subject == f"公開されました: {incident.reference} ディスク満杯"


def test_anonymous_requests_record_nothing(client):
    client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ja")
    assert not NotificationPreference.objects.exists()


def test_an_api_call_with_a_token_records_nothing_and_gets_no_session(api_as):
    bob = UserFactory(username="bob", role="viewer")
    response = api_as(bob).get("/api/v1/incidents/", HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 200 and "sessionid" not in response.cookies
    assert not NotificationPreference.objects.exists()


def test_a_failure_to_record_is_logged_and_tried_again_on_the_next_request(client, alice, monkeypatch, caplog):
    def broken(user, language):
        raise DatabaseError("database is locked")

    monkeypatch.setattr(preferences, "record_ui_language", broken)
    with caplog.at_level(logging.WARNING, logger="incidents.web.middleware"):
        assert client.get(PAGE, HTTP_ACCEPT_LANGUAGE="ja").status_code == 200
    assert [record.getMessage() for record in caplog.records] == ["could not record the language of alice: database is locked"]
    monkeypatch.undo()
    client.get(PAGE, HTTP_ACCEPT_LANGUAGE="ja")
    assert used(alice) == "ja"
