"""Requests from Slack (incidents/slack_signature.py): signature, age, replay. No database (the cache is locmem)."""

import pytest
from django.core.cache import cache

from incidents.slack_signature import BadSignature, sign, verify

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BODY = b"token=x&command=%2Fpostmortem&text=dns&user_id=U1"
NOW = 1_800_000_000


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_signature_is_slacks_v0_hmac():
    # Slack's documented example (docs.slack.dev, "Verifying requests from Slack")
    body = (b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&"
            b"channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&"
            b"response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
            b"trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
    assert sign(SECRET, body, 1531420618) == "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_a_fresh_signed_request_passes_once():
    signature = sign(SECRET, BODY, NOW)
    assert verify(SECRET, BODY, str(NOW), signature, now=NOW + 10) is None
    with pytest.raises(BadSignature, match="replay"):
        verify(SECRET, BODY, str(NOW), signature, now=NOW + 20)


@pytest.mark.parametrize("body, timestamp, signature, now, message", [
    (BODY, str(NOW), None, NOW, "no X-Slack-Signature"),
    (BODY, None, "v0=00", NOW, "no X-Slack-Signature"),
    (BODY, "12ab", "v0=00", NOW, "not a number"),
    (BODY, str(NOW), sign(SECRET, BODY, NOW), NOW + 301, "more than 5 minutes"),
    (BODY, str(NOW), sign(SECRET, BODY, NOW), NOW - 301, "more than 5 minutes"),
    (BODY + b"&x=1", str(NOW), sign(SECRET, BODY, NOW), NOW, "does not match"),
    (BODY, str(NOW), sign("another secret", BODY, NOW), NOW, "does not match"),
    (BODY, str(NOW + 1), sign(SECRET, BODY, NOW), NOW, "does not match"),
])
def test_refused(body, timestamp, signature, now, message):
    with pytest.raises(BadSignature, match=message):
        verify(SECRET, body, timestamp, signature, now=now)


def test_a_forged_request_does_not_use_up_the_real_one():
    signature = sign(SECRET, BODY, NOW)
    with pytest.raises(BadSignature):
        verify(SECRET, BODY + b"x", str(NOW), signature, now=NOW)
    verify(SECRET, BODY, str(NOW), signature, now=NOW)
