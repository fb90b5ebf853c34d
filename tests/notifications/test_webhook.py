"""The outgoing webhook for "published": a Slack-compatible JSON body POSTed from the task (after the
commit), signed with HMAC-SHA256 over the raw body; a failing receiver breaks nothing."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail

from incidents import outgoing
from incidents.actions import notify
from tests.factories import IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db
SECRET = "s3cr3t-ключ"


class Receiver:
    """A small local HTTP server that records each delivery and answers with ``status``."""

    def __init__(self):
        self.deliveries = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.deliveries.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/T000/B000"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    receiver = Receiver()
    settings.POSTMORTEM_WEBHOOK_URL = receiver.url
    settings.POSTMORTEM_WEBHOOK_SECRET = SECRET
    settings.POSTMORTEM_BASE_URL = "https://pm.example.com"
    yield receiver
    receiver.close()


def test_published_posts_a_signed_slack_compatible_body(receiver, django_capture_on_commit_callbacks):
    incident = IncidentFactory(title="CoreDNS の名前解決が遅い", severity="sev2")
    with django_capture_on_commit_callbacks(execute=True):
        notify.published(incident, by=UserFactory())
        assert receiver.deliveries == []  # not inside the transaction
    [(headers, body)] = receiver.deliveries
    url = f"https://pm.example.com/incidents/{incident.reference}/"
    assert json.loads(body) == {
        "text": f"Published: {incident.reference} CoreDNS の名前解決が遅い {url}",
        "incident": {"id": incident.pk, "reference": incident.reference, "title": "CoreDNS の名前解決が遅い",
                     "url": url, "severity": "sev2"},
    }
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Postmortem-Signature-256"], expected)
    assert headers["Content-Type"].startswith("application/json") and headers["X-Postmortem-Event"] == "published"


def test_no_webhook_without_a_url(receiver, settings, django_capture_on_commit_callbacks):
    settings.POSTMORTEM_WEBHOOK_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        notify.published(IncidentFactory(), by=UserFactory())
    assert receiver.deliveries == []


def test_unsigned_without_a_secret(receiver, settings, django_capture_on_commit_callbacks):
    settings.POSTMORTEM_WEBHOOK_SECRET = ""
    with django_capture_on_commit_callbacks(execute=True):
        notify.published(IncidentFactory(), by=UserFactory())
    [(headers, _)] = receiver.deliveries
    assert "X-Postmortem-Signature-256" not in headers


@pytest.mark.parametrize("status", [500, 404])
def test_a_failing_receiver_breaks_nothing(receiver, status, caplog, django_capture_on_commit_callbacks):
    receiver.status = status
    incident = IncidentFactory()
    incident.authors.set([UserFactory(username="alice", email="alice@example.com")])
    with caplog.at_level("WARNING"), django_capture_on_commit_callbacks(execute=True):
        notify.published(incident, by=UserFactory())
    assert len(receiver.deliveries) == 1 and f"HTTP {status}" in caplog.text
    assert [message.to for message in mail.outbox] == [["alice@example.com"]]  # the emails still went


def test_an_unreachable_receiver_is_retryable(receiver):
    receiver.close()
    with pytest.raises(outgoing.WebhookFailed) as failed:
        outgoing.post(receiver.url, {"text": "x"}, timeout=1)
    assert failed.value.retry
    receiver.server = receiver.thread = None
    receiver.close = lambda: None


def test_redirects_are_not_followed(receiver):
    receiver.status = 302
    with pytest.raises(outgoing.WebhookFailed) as failed:
        outgoing.post(receiver.url, {"text": "x"})
    assert not failed.value.retry and len(receiver.deliveries) == 1
