"""Slack channel routes (SlackRoute: a tag or a service → a channel), added and deleted by admins on
/people/slack/ and in the admin site. A channel is ``#name`` or a channel id (``C…``, ``G…``), as
SLACK_DEFAULT_CHANNEL (postmortem/slack.py); the same tag or service routed twice to one channel is refused.
Mistakes are ValidationErrors keyed by field ("channel") or NON_FIELD_ERRORS (the duplicate), for the form to show."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from incidents.models import Service, SlackRoute, Tag
from incidents.text.channels import is_channel


def channel_error(channel):
    """Why ``channel`` is not a Slack channel (a sentence), or "" when it is one."""
    channel = (channel or "").strip()
    if is_channel(channel):
        return ""
    return _("“%(channel)s” is not a Slack channel: give #name or the channel's id (C… or G…).") % {
        "channel": channel}


def _normalized(match, name):
    return (Tag if match == SlackRoute.Match.TAG else Service).normalize(name)


def check_route(route):
    """Raise ValidationError when ``route`` (not saved yet, or changed) may not be saved as it is."""
    error = channel_error(route.channel)
    if error:
        raise ValidationError({"channel": error})
    name = _normalized(route.match, route.name)
    if not name:
        raise ValidationError({"name": _("Give the tag or service.")})
    if (SlackRoute.objects.filter(match=route.match, name__iexact=name, channel=route.channel.strip())
            .exclude(pk=route.pk).exists()):
        raise ValidationError({NON_FIELD_ERRORS: _("%(match)s %(name)s already goes to %(channel)s.") % {
            "match": SlackRoute.Match(route.match).label, "name": name, "channel": route.channel.strip()}})


def save_route(route):
    """Store ``route`` (new or changed) after check_route; returns it."""
    check_route(route)
    try:
        with transaction.atomic():
            route.save()
    except IntegrityError:  # the same route stored by someone else meanwhile
        check_route(route)
        raise
    return route


def add_route(match, name, channel):
    """Publications of incidents with tag (``match`` "tag") or service ``name`` go to ``channel`` too."""
    if match not in SlackRoute.Match.values:
        raise ValidationError({"match": _("Choose tag or service.")})
    return save_route(SlackRoute(match=match, name=name, channel=(channel or "").strip()))


def delete_route(route):
    """Remove ``route`` (a SlackRoute or its primary key); False when it was already gone."""
    pk = route.pk if isinstance(route, SlackRoute) else route
    deleted, _counts = SlackRoute.objects.filter(pk=pk).delete()
    return bool(deleted)
