"""Is a request really from Slack? ``verify`` checks ``X-Slack-Signature`` (v0: HMAC-SHA256 with the app's signing
secret over ``v0:{timestamp}:{raw body}``, compared in constant time, by slack_sdk's SignatureVerifier) and that
``X-Slack-Request-Timestamp`` is within 5 minutes of now, and refuses a (timestamp, signature) pair seen before
within that window (a replay; kept in Django's cache, so across processes when CACHES is shared). Called on the
raw body before anything parses it. Pure apart from the cache: no models."""

import time

from django.core.cache import cache
from slack_sdk.signature import Clock, SignatureVerifier

WINDOW_SECONDS = 5 * 60


class BadSignature(Exception):
    """The request is not from Slack, too old, or a replay; the message says which (for the log)."""


class _FixedClock(Clock):
    def __init__(self, now):
        self._now = now

    def now(self):
        return self._now


def verify(secret, body, timestamp, signature, now=None):
    """Return None when ``body`` (bytes) with these headers is a fresh request signed with ``secret``; else
    raise BadSignature."""
    now = time.time() if now is None else now
    if not signature or not timestamp:
        raise BadSignature("no X-Slack-Signature or X-Slack-Request-Timestamp header")
    if not timestamp.isascii() or not timestamp.isdigit():
        raise BadSignature("X-Slack-Request-Timestamp is not a number")
    if abs(now - int(timestamp)) > WINDOW_SECONDS:
        raise BadSignature("X-Slack-Request-Timestamp is more than 5 minutes away from now")
    if not SignatureVerifier(secret, clock=_FixedClock(now)).is_valid(body, timestamp, signature):
        raise BadSignature("X-Slack-Signature does not match the body")
    # Only a valid signature reaches the cache: forged requests cannot fill it.
    if not cache.add(f"slack-signature:{timestamp}:{signature}", 1, WINDOW_SECONDS * 2):
        raise BadSignature("this signed request was received before (a replay)")


def sign(secret, body, timestamp):
    """The ``X-Slack-Signature`` Slack would send (for tests and tools)."""
    return SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
