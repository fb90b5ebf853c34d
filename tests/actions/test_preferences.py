"""incidents.actions.preferences: the choices stored from the preferences page, and the language last used
on the site recorded only when it changed; NotificationPreference.email_language picks between them."""

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from incidents.actions.preferences import record_ui_language, save_notification_preferences
from incidents.models import NotificationPreference
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return UserFactory(username="alice", email="alice@example.com")


def stored(user):
    row = NotificationPreference.objects.get(user=user)
    return row.email, row.language, row.ui_language


def writes(queries):
    return [query["sql"].split()[0] for query in queries if query["sql"].split()[0] in ("INSERT", "UPDATE")]


def test_the_choices_are_stored_in_one_row(alice):
    save_notification_preferences(alice, email=False, language="ja")
    save_notification_preferences(alice, email=True)
    assert stored(alice) == (True, "", "")
    assert NotificationPreference.objects.count() == 1


def test_slack_switches_are_stored_and_left_alone_when_not_given(alice):
    save_notification_preferences(alice, email=True, slack_mentioned=False, slack_due=False)
    save_notification_preferences(alice, email=False)  # the page without Slack: the switches stay as they are
    row = NotificationPreference.objects.get(user=alice)
    assert (row.email, row.slack_review_requested, row.slack_mentioned, row.slack_due, row.slack_github) == (
        False, True, False, False, True)
    save_notification_preferences(alice, email=False, slack_mentioned=True, slack_github=False)
    row.refresh_from_db()
    assert (row.slack_mentioned, row.slack_due, row.slack_github) == (True, False, False)
    assert not row.wants_slack("github") and row.wants_slack("mentioned")


def test_a_language_the_site_does_not_speak_is_refused(alice):
    with pytest.raises(ValueError) as refused:
        save_notification_preferences(alice, email=True, language="fr")
    assert str(refused.value) == "'fr' is not one of the site's languages"
    assert not NotificationPreference.objects.exists()


def test_the_language_used_is_written_only_when_it_changes(alice):
    assert record_ui_language(alice, "ja") is True  # the row made
    assert stored(alice) == (True, "", "ja")
    with CaptureQueriesContext(connection) as queries:
        assert record_ui_language(alice, "ja") is False
    assert writes(queries) == []
    assert record_ui_language(alice, "en") is True
    assert stored(alice) == (True, "", "en")
    assert record_ui_language(alice, "fr") is False and record_ui_language(alice, "") is False
    assert stored(alice) == (True, "", "en")


def test_a_row_another_request_made_meanwhile_is_updated(alice, monkeypatch):
    record_ui_language(alice, "en")
    first, missed = QuerySet.first, []

    def not_there_yet(queryset):  # the other request's row is not seen by the first look, only by the insert
        if queryset.model is NotificationPreference and not missed:
            missed.append(True)
            return None
        return first(queryset)

    monkeypatch.setattr(QuerySet, "first", not_there_yet)
    assert record_ui_language(alice, "ja") is True
    assert stored(alice) == (True, "", "ja") and missed == [True]


def test_recording_keeps_the_choices(alice):
    save_notification_preferences(alice, email=False, language="en")
    record_ui_language(alice, "ja")
    assert stored(alice) == (False, "en", "ja")


@pytest.mark.parametrize("language, ui_language, expected", [
    ("", "", "en"),  # settings.LANGUAGE_CODE
    ("", "ja", "ja"),  # the language last used on the site
    ("en", "ja", "en"),  # the one chosen wins
    ("ja", "en", "ja"),
    ("fr", "de", "en"),  # codes the site no longer speaks count as none
    ("fr", "ja", "ja"),
])
def test_the_email_language(language, ui_language, expected):
    assert NotificationPreference(language=language, ui_language=ui_language).email_language == expected
