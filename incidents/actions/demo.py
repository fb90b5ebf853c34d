"""Loading the demo: the demo user and the demo incidents, each saved through save_incident (the document's rules,
its revision, the search index) like any other write, all in one transaction: a bad document stores nothing.

The demo user (password known to everyone) is an editor, never staff or superuser: one left staff by an older
loader loses that status here. Incidents whose title is already stored are left alone, so loading again is safe."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from incidents.models import Incident, Source
from incidents.roles import ensure_roles

from .document import DocumentInvalid, lines
from .incidents import save_incident

USERNAME = "demo"


class DemoInvalid(Exception):
    """Document ``position`` (1-based, titled ``title``) cannot be loaded: ``problem`` says why."""

    def __init__(self, position, title, problem):
        super().__init__(f"incident #{position} ({title or 'untitled'}): {problem}")


@transaction.atomic
def load_demo(documents, *, password):
    """Create the demo user and the demo incidents; (incidents created, notes for the operator)."""
    ensure_roles()
    user, notes = _demo_user(password)
    created = 0
    for position, document in enumerate(documents, start=1):
        title = document.get("title") if isinstance(document, dict) else None
        if title and Incident.objects.filter(title=title).exists():
            continue
        if not isinstance(document, dict):
            raise DemoInvalid(position, title, "expected a mapping of the incident's fields.")
        try:  # the demo user is its author unless the document names others (in the first revision too)
            data = {**document, "authors": _accounts(document.get("authors")) or [user]}
            save_incident(Incident(), data, sync_github=False, source=Source.IMPORT, review_gate=False)
        except DocumentInvalid as invalid:
            raise DemoInvalid(position, title, "; ".join(lines(invalid.errors))) from None
        except ValueError as problem:
            raise DemoInvalid(position, title, str(problem)) from None
        created += 1
    return created, notes


def _accounts(names):
    """The accounts a document names as its authors (user names); ValueError for one that does not exist."""
    if not names:
        return []
    if not isinstance(names, list):
        raise ValueError("authors: expected a list of user names.")
    users = {user.get_username(): user for user in get_user_model().objects.filter(username__in=map(str, names))}
    missing = [str(name) for name in names if str(name) not in users]
    if missing:
        raise ValueError(f"authors: no such user: {', '.join(missing)}.")
    return [users[str(name)] for name in names]


def _demo_user(password):
    user, made = get_user_model().objects.get_or_create(username=USERNAME, defaults={"first_name": "Demo"})
    if made:
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name="editor"))
        return user, ["Demo user 'demo' created."]
    if user.is_staff or user.is_superuser:
        user.is_staff = user.is_superuser = False
        user.save(update_fields=["is_staff", "is_superuser"])
        return user, ["Demo user 'demo': staff and superuser status removed (the demo user is an editor)."]
    return user, []
