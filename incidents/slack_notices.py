"""What Slack notifications say (incidents.models.SlackMessage, sent by incidents.actions.slack_delivery): a
published postmortem in a channel; review requested, mentioned, action items due or overdue and an action item
GitHub closed or reopened as direct messages. Each is Slack mrkdwn in one section block, with the same words as
the plain ``text`` Slack shows in notifications, written in the language the caller made current. Reads only."""

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext, pgettext

from . import sites
from .models import ActionItem
from .slack_messages import SUMMARY_CHARS, _truncate, escape
from .text.markdown import plain_text

QUOTE_CHARS = 600
ITEMS = 10  # action items listed in one reminder


def _link(url, incident):
    return f"<{url}|{escape(incident.reference)} {escape(incident.title)}>"


def _actor(pk):
    user = get_user_model().objects.filter(pk=pk).first() if pk else None
    if user is None:
        return _("Someone")
    return user.get_full_name() or user.get_username()


def _quote(text):
    text = _truncate(" ".join((text or "").split()), QUOTE_CHARS)
    return f"\n>{escape(text)}" if text else ""


def _message(text, mrkdwn):
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}]


def published(incident, site=""):
    url = sites.base(site) + incident.get_absolute_url()
    head = pgettext("slack", "Postmortem published")
    severity, services_label = _("Severity"), _("Services")  # outside the f-strings, where makemessages finds them
    facts = [f"{severity}: {incident.get_severity_display()}"]
    services = ", ".join(service.name for service in incident.services.all())
    if services:
        facts.append(f"{services_label}: {services}")
    summary = _truncate(" ".join(plain_text(incident.summary).split()), SUMMARY_CHARS)
    lines = [f"{escape(head)}: *{_link(url, incident)}*", escape(" · ".join(facts))]
    if summary:
        lines.append(escape(summary))
    return _message(f"{head}: {incident.reference} {incident.title}", "\n".join(lines))


def review_requested(incident, payload):
    url = sites.base(payload.get("site", "")) + incident.get_absolute_url()
    words = _("%(actor)s asked you to review %(incident)s")
    actor = _actor(payload.get("by"))
    return _message(words % {"actor": actor, "incident": f"{incident.reference} {incident.title}"},
                    words % {"actor": escape(actor), "incident": f"*{_link(url, incident)}*"})


def mentioned(incident, payload):
    url = sites.base(payload.get("site", "")) + incident.get_absolute_url()
    words = _("%(actor)s mentioned you on %(incident)s")
    actor = _actor(payload.get("by"))
    return _message(words % {"actor": actor, "incident": f"{incident.reference} {incident.title}"},
                    words % {"actor": escape(actor), "incident": f"*{_link(url, incident)}*"}
                    + _quote(payload.get("body")))


def due(items, site=""):
    """The reminder of these action items (ActionItem rows with their incident), or None when none is left."""
    if not items:
        return None
    today = timezone.localdate()
    lines = []
    for item in items[:ITEMS]:
        url = sites.base(site) + item.incident.get_absolute_url()
        when = (_("overdue since %(date)s") if item.due_date < today else _("due %(date)s")) % {
            "date": item.due_date.isoformat()}
        lines.append(f"• {escape(item.title)} ({_link(url, item.incident)}) · {escape(when)}")
    if len(items) > ITEMS:
        more = len(items) - ITEMS
        lines.append(escape(ngettext("and %(count)d more", "and %(count)d more", more) % {"count": more}))
    overdue = sum(item.due_date < today for item in items)
    head = (ngettext("You have %(count)d overdue action item.", "You have %(count)d overdue action items.", overdue)
            % {"count": overdue} if overdue else _("Your action items due soon:"))
    return _message(head, escape(head) + "\n" + "\n".join(lines))


GITHUB_EVENTS = {
    "merged": gettext_noop("GitHub merged %(reference)s: your action item “%(title)s” on %(incident)s is now %(status)s."),
    "closed": gettext_noop("GitHub closed %(reference)s: your action item “%(title)s” on %(incident)s is now %(status)s."),
    "not_planned": gettext_noop("GitHub closed %(reference)s as not planned: your action item “%(title)s” on %(incident)s is now "
                    "%(status)s."),
    "reopened": gettext_noop("GitHub reopened %(reference)s: your action item “%(title)s” on %(incident)s is now %(status)s."),
}


def github(incident, payload):
    event = payload.get("event")
    if event not in GITHUB_EVENTS:
        return None
    url = sites.base(payload.get("site", "")) + incident.get_absolute_url()
    status = payload.get("status") or ""
    if status in ActionItem.Status.values:
        status = str(ActionItem.Status(status).label)
    words = _(GITHUB_EVENTS[event])
    values = {"reference": payload.get("reference") or "", "title": payload.get("title") or "", "status": status}
    return _message(words % {**values, "incident": f"{incident.reference} {incident.title}"},
                    words % {**{key: escape(value) for key, value in values.items()},
                             "incident": f"*{_link(url, incident)}*"})
