"""Slack's Web API, the one place that calls it (slack_sdk's WebClient at settings.SLACK["api_url"], with the bot
token): who a Slack user is here (``users.info`` → their email, which Slack has verified → the one active account
with that email) and link unfurls (``chat.unfurl``). A 429 is retried after its ``Retry-After`` (slack_sdk's
RateLimitErrorRetryHandler), a connection error once; other errors raise SlackError."""

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
    """Slack could not be asked, or refused (the message names Slack's error, e.g. ``invalid_auth``)."""


def client(timeout=TIMEOUT_SECONDS, max_wait=1):
    """A WebClient for the configured Slack; a 429 is waited out when its Retry-After is at most ``max_wait``."""
    config = settings.SLACK
    return WebClient(token=config["bot_token"], base_url=config["api_url"], timeout=timeout,
                     retry_handlers=[RateLimitWait(max_wait), ConnectionErrorRetryHandler(max_retry_count=1)])


def email_of(slack_user_id):
    """The Slack user's email (verified by Slack), or None for a bot, a deleted user or one without an email."""
    try:
        answer = client().users_info(user=slack_user_id).data
    except SlackApiError as error:
        if error.response.get("error") == "user_not_found":
            return None
        raise SlackError(f"users.info: {error.response.get('error', error.response.status_code)}") from None
    except (SlackClientError, OSError) as error:
        raise SlackError(f"users.info: {error.__class__.__name__}: {error}") from None
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
    try:
        return client(timeout=10, max_wait=60).chat_unfurl(channel=channel, ts=ts, unfurls=unfurls).data
    except SlackApiError as error:
        raise SlackError(f"chat.unfurl: {error.response.get('error', error.response.status_code)}") from None
    except (SlackClientError, OSError) as error:
        raise SlackError(f"chat.unfurl: {error.__class__.__name__}: {error}") from None
