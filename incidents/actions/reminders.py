"""Due-date reminders (daily: beat, or the embedded background thread), by email and by Slack. An unfinished action item of a
draft, in-review or published incident that is due within POSTMORTEM_DUE_REMINDER_DAYS days (or since
yesterday) and whose owner text is a user's user name or email address (case-insensitive; free text that
names nobody gets nothing) is listed in one email to that user. Each (incident, item title, due date,
user) is reminded once: DueReminder rows record it (action item rows are replaced whenever their incident
is saved, so the reminder is keyed by the item's title, not its row). Drafts are left out for an owner who
may not see them."""

import datetime
import logging
from collections import defaultdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents import jobs
from incidents.models import ActionItem, DueReminder, Incident, NotificationPreference, SlackMessage, Status

from . import slack
from .notify import owners, recipients

log = logging.getLogger(__name__)

KEEP_DAYS = 30  # reminders of dates longer ago than this are forgotten (they can never be sent again)


def due_items(today=None):
    """The unfinished action items with an owner whose reminder window includes ``today``."""
    today = today or timezone.localdate()
    return (ActionItem.objects.unfinished()
            .filter(incident__status__in=Status.values, due_date__gte=today - datetime.timedelta(days=1),
                    due_date__lte=today + datetime.timedelta(days=settings.POSTMORTEM_DUE_REMINDER_DAYS))
            .exclude(owner="").select_related("incident").order_by("due_date", "id"))


def remind_due_action_items(today=None):
    """Queue one email per owner listing their items due soon not yet reminded of; returns counts."""
    today = today or timezone.localdate()
    DueReminder.objects.filter(due_date__lt=today - datetime.timedelta(days=KEEP_DAYS)).delete()
    items = list(due_items(today))
    named = owners(item.owner for item in items)
    per_user = defaultdict(list)
    for item in items:
        user = named.get(item.owner.strip().lower())
        if user is not None:
            per_user[user].append(item)
    emails = messages = 0
    chosen = NotificationPreference.for_users(list(per_user)) if settings.SLACK else {}
    for user, user_items in per_user.items():
        by_email = bool(recipients([user]))
        by_slack = bool(settings.SLACK and user.email and chosen[user.pk].wants_slack(SlackMessage.Kind.DUE))
        if not (by_email or by_slack):
            continue
        if any(item.incident.status != Status.PUBLISHED for item in user_items):
            visible = set(Incident.objects.visible_to(user).filter(
                pk__in={item.incident_id for item in user_items}).values_list("pk", flat=True))
            user_items = [item for item in user_items if item.incident_id in visible]
        fresh = [item for item in user_items if _record(item, user)]
        if fresh and by_email:
            jobs.send_notification("due_reminder", {"to": user.pk, "items": [item.pk for item in fresh]})
            emails += 1
        if fresh and by_slack:
            messages += len(slack.direct(SlackMessage.Kind.DUE, [user], payload={"items": [item.pk for item in fresh]}))
    log.info("due-date reminders: %d emails and %d Slack messages about %d items due soon", emails, messages,
             len(items))
    return {"items": len(items), "emails": emails, **({"slack": messages} if settings.SLACK else {})}


def _record(item, user):
    """True when this item and due date had not been reminded of to ``user`` (and now is)."""
    try:
        with transaction.atomic():
            _, created = DueReminder.objects.get_or_create(
                incident_id=item.incident_id, title=item.title, due_date=item.due_date, user=user)
    except IntegrityError:  # another run recorded it at the same moment
        return False
    return created
