"""Slack's Web API, the one place that calls it (slack_sdk's WebClient at settings.SLACK["api_url"], with the bot
token): who a Slack user is here (``users.info`` → their email, which Slack has verified → the one active account
with that email), link unfurls (``chat.unfurl``), and for notifications messages to a channel or a person
(``chat.postMessage``, ``users.lookupByEmail``, ``conversations.open``). A 429 is retried after its ``Retry-After``
when that is short (slack_sdk's RateLimitErrorRetryHandler), a connection error once; other errors raise
SlackError, PermanentSlackError for those trying again will not mend (``channel_not_found``, ``not_in_channel``,
``invalid_auth``, …)."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2  # users.info runs inside the slash command, which Slack wants answered within 3 s


class RateLimitWait(RateLimitErrorRetryHandler):
    """Wait out a 429 (its ``Retry-After``, and up to a second more) only when that is at most ``max_wait``
    seconds: inside the slash command, Slack wants the answer within 3 s."""

    def __init__(self, max_wait, max_retry_count=2):
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _can_retry(self, *, state, request, response=None, error=None):
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        values = next((values for name, values in response.headers.items() if name.lower() == "retry-after"), ["1"])
        try:
            return int(values[0]) <= self.max_wait
        except (ValueError, IndexError):
            return False


class SlackError(Exception):
    """Slack could not be asked, or refused (the message names Slack's error, e.g. ``invalid_auth``): worth
    trying again later, unless it is a PermanentSlackError."""

    def __init__(self, message, code="", retry_after=None):
        super().__init__(message)
        self.code = code  # Slack's error ("ratelimited", "channel_not_found", …) or the HTTP status; "" unreachable
        self.retry_after = retry_after  # seconds, from a 429's Retry-After


class PermanentSlackError(SlackError):
    """An error that trying again will not mend (the channel is gone, the bot not in it, the token revoked):
    to be shown to an admin, not retried."""


PERMANENT = {"channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "not_authed", "account_inactive",
             "token_revoked", "token_expired", "missing_scope", "user_not_found", "users_not_found",
             "cannot_dm_bot", "msg_too_long", "invalid_blocks", "no_text"}


def _call(method, request):
    """Slack's answer (a dict) to ``request()``, a call of ``method``; its failures as SlackError."""
    try:
        return request().data
    except SlackApiError as error:
        code = str(error.response.get("error") or error.response.status_code)
        kind = PermanentSlackError if code in PERMANENT else SlackError
        raise kind(f"{method}: {code}", code, _retry_after(error.response)) from None
    except (SlackClientError, OSError) as error:
        raise SlackError(f"{method}: {error.__class__.__name__}: {error}") from None


def _retry_after(response):
    if response.status_code != 429:
        return None
    value = next((values for name, values in (response.headers or {}).items() if name.lower() == "retry-after"), None)
    value = value[0] if isinstance(value, list) and value else value
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return None


def client(timeout=TIMEOUT_SECONDS, max_wait=1):
    """A WebClient for the configured Slack; a 429 is waited out when its Retry-After is at most ``max_wait``."""
    config = settings.SLACK
    return WebClient(token=config["bot_token"], base_url=config["api_url"], timeout=timeout,
                     retry_handlers=[RateLimitWait(max_wait), ConnectionErrorRetryHandler(max_retry_count=1)])


def email_of(slack_user_id):
    """The Slack user's email (verified by Slack), or None for a bot, a deleted user or one without an email."""
    try:
        answer = _call("users.info", lambda: client().users_info(user=slack_user_id))
    except PermanentSlackError as error:
        if error.code == "user_not_found":
            return None
        raise
    user = answer.get("user") or {}
    if user.get("deleted") or user.get("is_bot"):
        return None
    return ((user.get("profile") or {}).get("email") or "").strip() or None


def account_for(slack_user_id):
    """The active account here whose email is the Slack user's, or None (none, or several: ambiguous)."""
    email = email_of(slack_user_id)
    if not email:
        return None
    matches = list(get_user_model().objects.filter(email__iexact=email, is_active=True)[:2])
    return matches[0] if len(matches) == 1 else None


def unfurl(channel, ts, unfurls):
    """Show these previews ({url: {"blocks": […]}}) under the message ``ts`` of ``channel``."""
    return _call("chat.unfurl", lambda: client(timeout=10, max_wait=60).chat_unfurl(
        channel=channel, ts=ts, unfurls=unfurls))


# For notifications (sent by a worker or the background thread, never inside a request): a 429 is waited out
# when Slack asks for at most a minute; other failures raise, for the caller's retry policy.

def post_message(channel, text, blocks=None):
    """Post to ``channel`` (#name or id); the message's ts."""
    answer = _call("chat.postMessage", lambda: client(timeout=10, max_wait=60).chat_postMessage(
        channel=channel, text=text, blocks=blocks, unfurl_links=False))
    return answer.get("ts")


def user_id_for(email):
    """The Slack user with this email (users.lookupByEmail), or None."""
    try:
        answer = _call("users.lookupByEmail", lambda: client(timeout=10, max_wait=60).users_lookupByEmail(email=email))
    except PermanentSlackError as error:
        if error.code == "users_not_found":
            return None
        raise
    return (answer.get("user") or {}).get("id")


def direct_message(slack_user_id, text, blocks=None):
    """A direct message from the app to this Slack user (conversations.open, then chat.postMessage); its ts."""
    answer = _call("conversations.open", lambda: client(timeout=10, max_wait=60).conversations_open(
        users=slack_user_id))
    return post_message(answer["channel"]["id"], text, blocks)
