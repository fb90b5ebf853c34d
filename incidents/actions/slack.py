"""Slack notifications: the writers store them (inside their transaction, through incidents.actions.notify) as
SlackMessage rows; the drain sends them after the commit, from a worker (``drain_slack``, also on beat every
minute) or the app's background thread, never inside a request. Nothing is stored when Slack is not configured.

- ``published``: a postmortem published for everyone (internal visibility) goes to the channels routed from its
  tags and services (SlackRoute, on /people/slack/), else to SLACK_DEFAULT_CHANNEL, else nowhere.
- direct messages (review requested, mentioned, action items due or overdue, an action item GitHub closed or
  reopened) go to the person's Slack account, found by their email (``users.lookupByEmail``), unless they
  turned that kind off on /accounts/notifications/.

The drain leases each message before sending it (``due_at`` moved ahead, as the GitHub drain does), so two
workers draining at once send every message once. Whether the recipient may see the incident, still wants the
message and whether the incident is still published for everyone is checked again at sending. A 429 waits its
``Retry-After``; other failures are retried with backoff (30 s doubling, up to MAX_ATTEMPTS tries); errors that
trying again cannot mend (``channel_not_found``, ``not_in_channel``, ``invalid_auth``, …) fail at once. Failed
and retrying messages are listed for admins on /people/slack/, with a button to try again."""

import datetime
import logging
from collections import Counter

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone, translation

from incidents import jobs, slack_client, slack_notices
from incidents.models import ActionItem, Incident, NotificationPreference, SlackMessage, SlackRoute, Status, Visibility

log = logging.getLogger(__name__)

Kind, State = SlackMessage.Kind, SlackMessage.State
LEASE = datetime.timedelta(minutes=5)
MAX_ATTEMPTS = 8
BATCH = 50


# --- storing (inside the writer's transaction) -----------------------------------------------------------------

def _store(kind, *, incident=None, user=None, channel="", payload=None):
    message = SlackMessage.objects.create(kind=kind, incident=incident, user=user, channel=channel,
                                          payload=payload or {}, due_at=timezone.now())
    jobs.drain_slack()
    return message


def channels_for(incident):
    """The channels a publication of ``incident`` goes to: those routed from its tags and services, else the
    default channel (none when that is not set either)."""
    tags = [tag.name.lower() for tag in incident.tags.all()]
    services = [service.name.lower() for service in incident.services.all()]
    routes = (SlackRoute.objects.annotate(key=Lower("name"))
              .filter(Q(match=SlackRoute.Match.TAG, key__in=tags) | Q(match=SlackRoute.Match.SERVICE, key__in=services)))
    channels = sorted({route.channel for route in routes})
    default = settings.SLACK["default_channel"]
    return channels or ([default] if default else [])


def published(incident, payload=None):
    """Announce ``incident`` (just published) in its channels, when everyone may see it."""
    if not settings.SLACK or incident.visibility != Visibility.INTERNAL:
        return []
    return [_store(Kind.PUBLISHED, incident=incident, channel=channel, payload=payload)
            for channel in channels_for(incident)]


def direct(kind, users, *, incident=None, payload=None):
    """A direct message of ``kind`` to each of ``users`` who may get one: active, with an email address (how
    their Slack account is found), and not having turned this kind off. The caller checked who may see what."""
    if not settings.SLACK:
        return []
    users = [user for user in users if user is not None and user.is_active and user.email]
    chosen = NotificationPreference.for_users(users)
    return [_store(kind, incident=incident, user=user, payload=payload) for user in users
            if chosen[user.pk].wants_slack(kind)]


def retry(messages):
    """Send these (failed or waiting) messages again now, from the first attempt; returns how many."""
    count = messages.filter(state__in=[State.FAILED, State.PENDING]).update(
        state=State.PENDING, attempts=0, due_at=timezone.now(), error_code="", last_error="")
    if count:
        jobs.drain_slack()
    return count


# --- sending (the drain) --------------------------------------------------------------------------------------

def drain(limit=BATCH):
    """Send the messages that are due; a summary for the log (counts per outcome, ``more`` when work is left)."""
    summary = Counter()
    if not settings.SLACK:
        return {}
    for _ in range(limit):
        message = _claim(timezone.now())
        if message is None:
            break
        summary[_send(message)] += 1
    else:
        summary["more"] = int(SlackMessage.objects.due(timezone.now()).exists())
    return dict(summary)


def _claim(now):
    """The next due message, leased to this drain (another drain skips it until the lease ends)."""
    for pk, due_at in SlackMessage.objects.due(now).values_list("pk", "due_at")[:5]:
        if SlackMessage.objects.filter(pk=pk, state=State.PENDING, due_at=due_at).update(due_at=now + LEASE):
            return SlackMessage.objects.select_related("incident", "user").get(pk=pk)
    return None


def _send(message):
    now = timezone.now()
    try:
        skipped = _deliver(message)
    except slack_client.PermanentSlackError as error:
        log.warning("Slack message %s failed for good: %s", message.pk, error)
        return _finish(message, State.FAILED, error=str(error), code=error.code, attempts=message.attempts + 1)
    except slack_client.SlackError as error:
        attempts = message.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            log.warning("Slack message %s given up after %d attempts: %s", message.pk, attempts, error)
            return _finish(message, State.FAILED, error=str(error), code=error.code, attempts=attempts)
        wait = error.retry_after if error.retry_after is not None else min(3600, 30 * 2 ** (attempts - 1))
        SlackMessage.objects.filter(pk=message.pk).update(
            attempts=attempts, due_at=now + datetime.timedelta(seconds=wait), error_code=error.code[:60],
            last_error=str(error)[:500])
        log.info("Slack message %s: %s; trying again in %d s", message.pk, error, wait)
        return "retrying"
    if skipped:
        return _finish(message, State.SKIPPED, error=skipped, attempts=message.attempts)
    return _finish(message, State.SENT, attempts=message.attempts + 1)


def _finish(message, state, *, error="", code="", attempts=0):
    SlackMessage.objects.filter(pk=message.pk).update(
        state=state, attempts=attempts, error_code=code[:60], last_error=error[:500],
        sent_at=timezone.now() if state == State.SENT else None)
    return str(state)


def _deliver(message):
    """Send ``message``; the reason it was not sent ("" when it was). Raises slack_client.SlackError."""
    incident = message.incident
    if message.kind == Kind.PUBLISHED:
        if incident is None or incident.status != Status.PUBLISHED or incident.visibility != Visibility.INTERNAL:
            return "no longer published for everyone"
        with translation.override(settings.LANGUAGE_CODE):
            text, blocks = slack_notices.published(incident, message.payload.get("site", ""))
        slack_client.post_message(message.channel, text, blocks)
        return ""
    user = message.user
    if user is None or not user.is_active or not user.email:
        return "the recipient is inactive or has no email address"
    preference = NotificationPreference.for_user(user)
    if not preference.wants_slack(message.kind):
        return "turned off by the recipient"
    with translation.override(preference.email_language):
        rendered = _render(message, user)
    if rendered is None:
        return "nothing the recipient may see is left to tell"
    slack_user = slack_client.user_id_for(user.email)
    if slack_user is None:
        return "no Slack account has the recipient's email address"
    slack_client.direct_message(slack_user, *rendered)
    return ""


def _render(message, user):
    payload = message.payload
    if message.kind == Kind.DUE:
        visible = Incident.objects.visible_to(user).values("pk")
        items = list(ActionItem.objects.unfinished().filter(pk__in=payload.get("items", []), incident__in=visible)
                     .exclude(due_date=None).select_related("incident").order_by("due_date", "incident_id", "pk"))
        return slack_notices.due(items, payload.get("site", ""))
    incident = message.incident
    if incident is None or not Incident.objects.filter(pk=incident.pk).visible_to(user).exists():
        return None
    render = {Kind.REVIEW_REQUESTED: slack_notices.review_requested, Kind.MENTIONED: slack_notices.mentioned,
              Kind.GITHUB: slack_notices.github}.get(message.kind)
    return render(incident, payload) if render else None
