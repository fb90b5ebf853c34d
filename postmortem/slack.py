"""The Slack app's settings, read from the environment by settings.py into ``settings.SLACK``: None when neither
``SLACK_BOT_TOKEN`` nor ``SLACK_SIGNING_SECRET`` is set (no Slack: /slack/… answer 404), else a dict. A bad value
stops start-up with ImproperlyConfigured naming the variable. Each variable is documented in docs/operations.md."""

import os
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

from incidents.text.channels import is_channel

DEFAULT_API_URL = "https://slack.com/api/"


def read():
    """settings.SLACK from the SLACK_* variables."""
    token = (os.environ.get("SLACK_BOT_TOKEN") or "").strip()
    secret = (os.environ.get("SLACK_SIGNING_SECRET") or "").strip()
    api_url = (os.environ.get("SLACK_API_URL") or "").strip() or DEFAULT_API_URL
    channel = (os.environ.get("SLACK_DEFAULT_CHANNEL") or "").strip()
    parts = urlparse(api_url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"SLACK_API_URL={api_url!r} must be an http(s) URL without a query, e.g. {DEFAULT_API_URL}.")
    if not token and not secret:
        return None
    if not token or not secret:
        missing = "SLACK_SIGNING_SECRET" if token else "SLACK_BOT_TOKEN"
        raise ImproperlyConfigured(
            f"{missing} must be set with {'SLACK_BOT_TOKEN' if token else 'SLACK_SIGNING_SECRET'} "
            "(the Slack app's bot token and signing secret, from its Basic Information and OAuth pages).")
    if not token.startswith("xoxb-"):
        raise ImproperlyConfigured("SLACK_BOT_TOKEN must be the app's bot token (it starts with xoxb-).")
    if channel and not is_channel(channel):
        raise ImproperlyConfigured(
            f"SLACK_DEFAULT_CHANNEL={channel!r} is not a channel: give #name or the channel's id (C… or G…).")
    return {
        "bot_token": token,
        "signing_secret": secret,
        "api_url": api_url if api_url.endswith("/") else api_url + "/",
        "default_channel": channel,
    }
