"""@mentions: who the names in a comment are, and who of them may be told (incidents.text.mentions finds the
names). A mentioned person is notified when they are an active user who may see the incident (the one rule,
Incident.objects.visible_to); the others are reported back to the author with a reason that tells nothing
they do not know already: "no such user", or "may not see this incident" (never why: draft, restricted).
``mentionable`` is the comment box's autocomplete: the same people, found by the start of a name."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from incidents.models import Incident
from incidents.text import mentions

UNKNOWN, HIDDEN = "unknown", "hidden"
REASONS = {
    UNKNOWN: _("There is no active user with this user name."),
    HIDDEN: _("They may not see this incident."),
}
SUGGESTIONS = 10
CANDIDATES = 200  # at most this many users matching the typed text are checked for visibility


@dataclass
class Outcome:
    """Who was notified (users) and who was not (``(name as written, reason code)``)."""

    notified: list = field(default_factory=list)
    not_notified: list = field(default_factory=list)

    def as_json(self):
        return {"notified": [user.get_username() for user in self.notified],
                "not_notified": [{"username": name, "reason": str(REASONS[reason])} for name, reason in self.not_notified]}


def may_see(incident, user):
    return Incident.objects.filter(pk=incident.pk).visible_to(user).exists()


def users_named(names):
    """{lower-cased name: active user} for those of ``names`` (lower-cased) that are one's user name; of users
    whose names differ only in case, the lowest id."""
    if not names:
        return {}
    users = (get_user_model().objects.filter(is_active=True).annotate(name_key=Lower("username"))
             .filter(name_key__in=names).order_by("-id"))
    return {user.name_key: user for user in users}


def resolve(incident, body, *, by, previous=""):
    """The mentions in ``body`` that ``previous`` (the text before an edit) did not have, but the author's
    own: an Outcome."""
    names = [name for name in mentions.find(body) if name not in set(mentions.find(previous))]
    users = users_named(names)
    outcome = Outcome()
    for name in names:
        user = users.get(name)
        if user is not None and by is not None and user.pk == by.pk:
            continue
        if user is None:
            outcome.not_notified.append((name, UNKNOWN))
        elif not may_see(incident, user):
            outcome.not_notified.append((user.get_username(), HIDDEN))
        else:
            outcome.notified.append(user)
    return outcome


def mentionable(incident, typed):
    """Up to ten active users who may see ``incident`` whose user name starts with ``typed`` or whose
    name contains it, by user name."""
    typed = (typed or "").strip().lstrip("@")
    users = get_user_model().objects.filter(is_active=True)
    if typed:
        users = users.filter(Q(username__istartswith=typed) | Q(first_name__icontains=typed)
                             | Q(last_name__icontains=typed))
    found = []
    for user in users.order_by(Lower("username"), "id")[:CANDIDATES]:
        if may_see(incident, user):
            found.append(user)
            if len(found) == SUGGESTIONS:
                break
    return found
