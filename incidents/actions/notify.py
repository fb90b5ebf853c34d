"""Notifications: who is told what, and the telling. The entry points are called by the writers (reviews,
comments, publishing, GitHub moving an action item) inside their transaction; each picks the recipients
(not the person who acted, not users who turned email off or have no address, not inactive ones) and queues
one job per email through incidents.jobs, sent after the commit (nothing when the transaction rolls back).
``deliver`` is what the task does: read the rows again, render the email in the recipient's language
(templates/notifications/*.txt and the subject under translation.override: the language they chose, else
the one they last used on the site, see NotificationPreference.email_language) or the outgoing webhook's
body, and send it. Emails are the only thing here that reaches a mail server, the webhook the only outbound
HTTP call (incidents.outgoing)."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from incidents import jobs, outgoing, sites
from incidents.models import ActionItem, Incident, NotificationPreference, SlackMessage

from . import slack

log = logging.getLogger(__name__)

DECISIONS = ("approved", "changes_requested")
COMMENT_CHARS = 2000  # the part of a comment quoted in the email
# kind (or review decision) → the subject's first words, translated when the email is rendered; every subject
# then names the incident.
SUBJECTS = {
    "review_requested": pgettext_lazy("email subject", "Review requested"),
    "approved": pgettext_lazy("email subject", "Approved"),
    "changes_requested": pgettext_lazy("email subject", "Changes requested"),
    "comment_added": pgettext_lazy("email subject", "New comment"),
    "mentioned": pgettext_lazy("email subject", "You were mentioned"),
    "published": pgettext_lazy("email subject", "Published"),
}
# what GitHub did to an action item (ActionItem.link_event) → its email's subject, then the item is named.
GITHUB_SUBJECTS = {
    "merged": pgettext_lazy("email subject", "Action item done"),
    "closed": pgettext_lazy("email subject", "Action item done"),
    "not_planned": pgettext_lazy("email subject", "Action item closed as not planned"),
    "reopened": pgettext_lazy("email subject", "Action item reopened"),
}
GITHUB_MOVED = "action_item_github"
EMAIL_KINDS = ("review_requested", "reviewed", "comment_added", "mentioned", "published", "due_reminder", GITHUB_MOVED)
WEBHOOK = "webhook"


class DeliveryFailed(Exception):
    """A notification could not be sent; ``retry`` says whether trying again later may help."""

    def __init__(self, message, *, retry=True):
        super().__init__(message)
        self.retry = retry


# --- entry points (called inside the writer's transaction) -------------------------------------------------

def review_requested(incident, reviewers, *, by):
    """Tell each of ``reviewers`` that ``by`` asked them to review ``incident`` (email, and Slack)."""
    _queue_emails("review_requested", incident, reviewers, by=by)
    slack.direct(SlackMessage.Kind.REVIEW_REQUESTED, [user for user in reviewers if user.pk != getattr(by, "pk", None)],
                 incident=incident, payload=_with_site({"by": getattr(by, "pk", None)}))


def reviewed(incident, *, reviewer, decision, comment):
    """Tell the incident's authors that ``reviewer`` approved it or asked for changes (with ``comment``)."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {DECISIONS}, not {decision!r}")
    _queue_emails("reviewed", incident, incident.authors.all(), by=reviewer,
                  decision=decision, comment=_excerpt(comment))


def comment_added(incident, *, author, body, mentioned=()):
    """Tell the incident's authors (not the commenter) about a new comment; those ``mentioned`` in it are
    told that instead (``mentioned``), once."""
    told = {user.pk for user in mentioned}
    _queue_emails("comment_added", incident, [user for user in incident.authors.all() if user.pk not in told],
                  by=author, body=_excerpt(body))


def mentioned(incident, users, *, by, body, emailed=()):
    """Tell ``users`` (who may see ``incident``: incidents.actions.mentions checked) that ``by`` mentioned them
    in a comment (email, and Slack); ``emailed``: ids of those an email with the comment reached already."""
    _queue_emails("mentioned", incident, [user for user in users if user.pk not in set(emailed)], by=by,
                  body=_excerpt(body))
    slack.direct(SlackMessage.Kind.MENTIONED, [user for user in users if user.pk != getattr(by, "pk", None)],
                 incident=incident, payload=_with_site({"by": getattr(by, "pk", None), "body": _excerpt(body)}))


def published(incident, *, by):
    """Tell the incident's authors it was published, its Slack channels and the outgoing webhook if one is
    configured."""
    _queue_emails("published", incident, incident.authors.all(), by=by)
    slack.published(incident, _with_site({}))
    if settings.POSTMORTEM_WEBHOOK_URL and incident.visibility == "internal":
        jobs.send_notification(WEBHOOK, _with_site({"incident": incident.pk, "event": "published"}))


def action_item_moved(item, reference):
    """Tell the owner of ``item`` that GitHub moved it: ``reference`` was closed, merged or reopened and the
    item's status followed (incidents.actions.github.apply, inside its transaction). The owner is the user
    whose user name or email address the item's owner text is (``owners``); free text that names nobody, an
    owner who may not see the incident (a draft) gets nothing; email and Slack each unless turned off."""
    user = owners([item.owner]).get(item.owner.strip().lower())
    if user is None:
        return
    if not Incident.objects.filter(pk=item.incident_id).visible_to(user).exists():
        log.debug("no notification for %s: may not see incident %s", user, item.incident_id)
        return
    payload = _with_site({"incident": item.incident_id, "to": user.pk, "item": item.pk, "title": item.title,
                          "reference": reference.short, "event": item.link_event, "status": item.status})
    if recipients([user]):
        jobs.send_notification(GITHUB_MOVED, payload)
    slack.direct(SlackMessage.Kind.GITHUB, [user], incident=item.incident, payload=payload)


def owners(texts):
    """{lower-cased owner text: user} for the texts naming an active user: a user name first, else an email
    address (the lowest id among users sharing it)."""
    wanted = {text.strip().lower() for text in texts if text.strip()}
    if not wanted:
        return {}
    users = (get_user_model().objects.filter(is_active=True)
             .annotate(name_key=Lower("username"), email_key=Lower("email")).order_by("-id"))
    by_email = {user.email_key: user for user in users.filter(email_key__in=wanted)}
    by_name = {user.name_key: user for user in users.filter(name_key__in=wanted)}
    return {**by_email, **by_name}


def recipients(users, *, exclude=None):
    """Of ``users``, those who get email: active, with an address, not ``exclude``, email not turned off."""
    users = {user.pk: user for user in users if user is not None and user.pk != getattr(exclude, "pk", None)}
    opted_out = NotificationPreference.objects.opted_out(list(users))
    chosen = []
    for user in users.values():
        if not user.is_active or not user.email:
            log.debug("no notification for %s: %s", user, "inactive" if not user.is_active else "no email address")
        elif user.pk in opted_out:
            log.debug("no notification for %s: email turned off", user)
        else:
            chosen.append(user)
    return chosen


def _queue_emails(kind, incident, users, *, by, **texts):
    for user in recipients(users, exclude=by):
        jobs.send_notification(kind, _with_site({"incident": incident.pk, "to": user.pk, "by": getattr(by, "pk", None),
                                                 **texts}))


def _with_site(payload):
    """The payload with the address its links start with when it is the writer's request's (``site``), so a
    worker sending it later links there too (incidents.sites)."""
    site = sites.of_request()
    return {**payload, "site": site} if site and not settings.POSTMORTEM_BASE_URL else payload


def _excerpt(text):
    text = (text or "").strip()
    return text if len(text) <= COMMENT_CHARS else text[:COMMENT_CHARS].rstrip() + " …"


# --- delivery (the task) ----------------------------------------------------------------------------------

def deliver(kind, payload):
    """Send one queued notification: ``sent``, or ``skipped``/``gone`` when there is nothing to send any more.
    Raises DeliveryFailed when the mail server or the webhook failed."""
    if kind == WEBHOOK:
        return _post_webhook(payload)
    if kind not in EMAIL_KINDS:
        log.error("unknown notification kind %r", kind)
        return "skipped"
    user = get_user_model().objects.filter(pk=payload.get("to")).first()
    if user is None:
        return "gone"
    if not recipients([user]):  # turned email off (or lost the address) since it was queued
        return "skipped"
    # Checked again at delivery: a restricted incident is gone for whoever may not see it now (the one rule,
    # Incident.objects.visible_to), as if it did not exist, whatever was queued before it was restricted.
    hidden = Incident.objects.filter(visibility="restricted").exclude(pk__in=Incident.objects.visible_to(user).values("pk"))
    if "incident" in payload and hidden.filter(pk=payload["incident"]).exists():
        return "gone"
    if "items" in payload:
        payload = {**payload, "items": list(ActionItem.objects.filter(pk__in=payload["items"])
                                            .exclude(incident__in=hidden.values("pk")).values_list("pk", flat=True))}
    language = NotificationPreference.for_user(user).email_language
    with translation.override(language):
        message = RENDERERS.get(kind, _incident_email)(kind, payload)
    if message is None:
        return "gone"
    subject, body = message
    email = EmailMessage(subject, body, to=[user.email],
                         headers={"Auto-Submitted": "auto-generated", "Content-Language": language})
    try:
        email.send()
    except OSError as exc:  # smtplib.SMTPException, refused connections and timeouts are OSErrors
        raise DeliveryFailed(f"email to {user.email} not sent: {exc.__class__.__name__}: {exc}") from exc
    return "sent"


def _incident_email(kind, payload):
    incident = Incident.objects.filter(pk=payload.get("incident")).first()
    if incident is None:
        return None
    actor = get_user_model().objects.filter(pk=payload.get("by")).first()
    topic = payload.get("decision") if kind == "reviewed" else kind
    context = {
        "incident": incident, "url": incident_url(incident, payload.get("site", "")), "actor": _name(actor),
        "decision": payload.get("decision"), **_texts(payload, "comment", "body"),
        "preferences_url": preferences_url(payload.get("site", "")),
    }
    body = render_to_string(f"notifications/{kind}.txt", context)
    return _subject(f"{SUBJECTS[topic]}: {incident.reference} {incident.title}"), body


def _due_reminder(kind, payload):
    items = list(ActionItem.objects.filter(pk__in=payload.get("items", [])).select_related("incident")
                 .order_by("due_date", "incident_id", "id"))
    if not items:
        return None
    today = timezone.localdate()
    rows = [{"item": item, "incident": item.incident, "url": incident_url(item.incident, payload.get("site", "")),
             "overdue": item.due_date is not None and item.due_date < today} for item in items]
    body = render_to_string("notifications/due_reminder.txt",
                            {"rows": rows, "preferences_url": preferences_url(payload.get("site", ""))})
    if len(items) == 1:
        subject = _("Due soon: %(title)s (%(reference)s)") % {"title": items[0].title,
                                                              "reference": items[0].incident.reference}
    else:
        subject = _("%(count)d action items due soon") % {"count": len(items)}
    return _subject(subject), body


def _github_moved(kind, payload):
    incident = Incident.objects.filter(pk=payload.get("incident")).first()
    event = payload.get("event")
    if incident is None or event not in GITHUB_SUBJECTS:
        return None
    site = payload.get("site", "")
    context = {"incident": incident, "url": incident_url(incident, site), "event": event,
               "preferences_url": preferences_url(site), **_texts(payload, "reference", "title", "status")}
    if context["status"] in ActionItem.Status.values:
        context["status"] = ActionItem.Status(context["status"]).label
    body = render_to_string(f"notifications/{GITHUB_MOVED}.txt", context)
    return _subject(f"{GITHUB_SUBJECTS[event]}: {context['title']} ({incident.reference})"), body


RENDERERS = {"due_reminder": _due_reminder, GITHUB_MOVED: _github_moved}  # the other kinds: _incident_email


def _texts(payload, *keys):
    """The short texts a payload carries, "" for one it lacks (never "None" in an email)."""
    return {key: payload.get(key) or "" for key in keys}


def _post_webhook(payload):
    url = settings.POSTMORTEM_WEBHOOK_URL
    # A restricted incident is never posted to the shared channel: for it, the webhook answers "gone".
    incident = Incident.objects.filter(pk=payload.get("incident"), visibility="internal").first()
    if not url or incident is None:
        return "skipped" if not url else "gone"
    try:
        outgoing.post(url, webhook_body(incident, payload.get("site", "")), secret=settings.POSTMORTEM_WEBHOOK_SECRET,
                      event=payload.get("event", "published"), timeout=settings.POSTMORTEM_WEBHOOK_TIMEOUT_SECONDS)
    except outgoing.WebhookFailed as exc:
        raise DeliveryFailed(f"webhook for {incident.reference} failed: {exc}", retry=exc.retry) from exc
    return "sent"


def webhook_body(incident, site=""):
    """The outgoing webhook's JSON for a published incident (``text`` is what Slack shows)."""
    url = incident_url(incident, site)
    return {
        "text": f"Published: {incident.reference} {incident.title} {url}",
        "incident": {"id": incident.pk, "reference": incident.reference, "title": incident.title, "url": url,
                     "severity": incident.severity},
    }


def incident_url(incident, site=""):
    """The incident's address; ``site``: the writer's request's (a payload's ``site``), used when none is set."""
    return sites.base(site) + incident.get_absolute_url()


def preferences_url(site=""):
    return sites.base(site) + reverse("notification-preferences")


def _name(user):
    if user is None:
        return _("Someone")
    return user.get_full_name() or user.get_username()


def _subject(text):
    """One line (a header cannot hold a line break), at most 200 characters."""
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:199] + "…"
