"""What a Slack channel is written as here: ``#name`` (no spaces) or a channel's id (``C…``, ``G…``). One rule for
SLACK_DEFAULT_CHANNEL (postmortem/slack.py) and the channel routes admins add (incidents.actions.slack_routes)."""

import re

CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,}")


def is_channel(name):
    name = (name or "").strip()
    if name.startswith("#"):
        return len(name) > 1 and not any(character.isspace() for character in name)
    return bool(CHANNEL_ID.fullmatch(name))
