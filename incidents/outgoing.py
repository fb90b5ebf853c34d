"""The outgoing webhook: a JSON body POSTed to one URL (a Slack-compatible incoming webhook), signed like
GitHub's webhooks: ``X-Postmortem-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the secret>``.
The only outbound call of the notifications; called from a task, never inside a request. Redirects are
not followed (a POST body is not re-sent elsewhere)."""

import hashlib
import hmac
import json
import urllib.error
import urllib.request

SIGNATURE_HEADER = "X-Postmortem-Signature-256"


class WebhookFailed(Exception):
    """The receiver did not take the delivery; ``retry`` says whether trying again later may help."""

    def __init__(self, message, *, retry):
        super().__init__(message)
        self.retry = retry


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 3xx becomes an HTTPError


_opener = urllib.request.build_opener(_NoRedirects)


def signature(secret, body):
    """The header value that signs ``body`` (bytes) with ``secret``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(url, payload, *, secret="", event="", timeout=5):
    """POST ``payload`` as JSON; returns the status. Raises WebhookFailed: retry on timeouts, connection
    errors, 429 and 5xx; not on other answers (a wrong URL or a refusal stays so)."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Postmortem-Webhook"}
    if event:
        headers["X-Postmortem-Event"] = event
    if secret:
        headers[SIGNATURE_HEADER] = signature(secret, body)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        raise WebhookFailed(f"HTTP {exc.code} from the webhook", retry=exc.code == 429 or exc.code >= 500) from None
    except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections
        raise WebhookFailed(f"the webhook could not be reached: {exc}", retry=True) from None
