"""Links in emails: POSTMORTEM_BASE_URL (or SITE_URL) when set; unset, the address of the request that caused
the email (the port the app really runs on), stored when the write happens and used when the email is sent."""

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def commented(make_incident, user, client_as, django_capture_on_commit_callbacks):
    """Comment on alice's incident through the page, at ``host``; the email alice gets."""
    alice = user(username="alice", email="alice@example.com")
    incident = make_incident(title="DNS slow", authors=[alice])
    commenter = client_as(user("viewer"))

    def comment(host):
        with django_capture_on_commit_callbacks(execute=True):
            response = commenter.post(f"/incidents/{incident.reference}/comments/", {"body": "Same as last week"},
                                      HTTP_HOST=host)
        assert response.status_code == 302
        (message,) = mail.outbox
        return incident, message

    return comment


def test_unset_the_links_use_the_host_and_port_the_comment_was_written_at(commented, settings):
    settings.POSTMORTEM_BASE_URL = ""
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    incident, message = commented("127.0.0.1:8042")
    assert message.body == (f"viewer commented on {incident.reference} DNS slow:\n\nSame as last week\n\n"
                            f"http://127.0.0.1:8042/incidents/{incident.reference}/\n\n-- \n"
                            "Postmortem. Turn these emails off or change their language: "
                            "http://127.0.0.1:8042/accounts/notifications/\n\n")


def test_the_setting_wins_over_the_request(commented, settings):
    settings.POSTMORTEM_BASE_URL = "https://pm.example.com/"
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    incident, message = commented("127.0.0.1:8042")
    assert f"https://pm.example.com/incidents/{incident.reference}/\n" in message.body
    assert "8042" not in message.body


def test_without_a_request_or_setting_links_go_to_the_local_port(settings, monkeypatch):
    from incidents import sites
    settings.POSTMORTEM_BASE_URL = ""
    monkeypatch.setenv("PORT", "8001")
    assert sites.base() == "http://127.0.0.1:8001"
    with sites.serving("https://pm.example.org/"):
        assert sites.base() == "https://pm.example.org" and sites.base("http://stored:1/") == "http://stored:1"
