"""Load the demo incidents and the demo user. Safe to run again: incidents already stored are not changed.

The demo user (password ``demo`` or $DEMO_PASSWORD, known to everyone) is an editor, never staff or
superuser: a demo user left staff by an earlier version of this command loses that status here."""

import os
from pathlib import Path

import yaml
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from incidents.actions.document import DocumentInvalid, lines
from incidents.actions.incidents import save_incident
from incidents.models import Incident, Source
from incidents.roles import ensure_roles

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo" / "incidents.yaml"


def read_documents(path):
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CommandError(f"{path}: cannot read demo data: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("incidents"), list):
        raise CommandError(f"{path}: expected a mapping with an 'incidents' list.")
    return data["incidents"]


class Command(BaseCommand):
    help = "Create the demo user and the demo incidents (idempotent: existing titles are skipped)."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DEMO_FILE), help="YAML file of incident documents.")

    @transaction.atomic
    def handle(self, *args, file, **options):
        documents = read_documents(file)
        ensure_roles()
        user = self._demo_user()
        created = 0
        for position, document in enumerate(documents, start=1):
            title = (document or {}).get("title") if isinstance(document, dict) else None
            if title and Incident.objects.filter(title=title).exists():
                continue
            where = f"{file}: incident #{position} ({title or 'untitled'})"
            if not isinstance(document, dict):
                raise CommandError(f"{where}: expected a mapping of the incident's fields.")
            try:  # the demo user is its author unless the file names others (in the first revision too)
                data = {**document, "authors": self._accounts(document.get("authors"), where) or [user]}
                save_incident(Incident(), data, sync_github=False, source=Source.IMPORT, review_gate=False)
            except DocumentInvalid as invalid:
                raise CommandError(f"{where}: {'; '.join(lines(invalid.errors))}") from None
            created += 1
        self.stdout.write(f"Demo data: {created} incident(s) created, {len(documents) - created} already present.")

    @staticmethod
    def _accounts(names, where):
        """The accounts a document names as its authors (user names)."""
        if not names:
            return []
        if not isinstance(names, list):
            raise CommandError(f"{where}: authors: expected a list of user names.")
        users = {user.get_username(): user for user in get_user_model().objects.filter(username__in=map(str, names))}
        missing = [str(name) for name in names if str(name) not in users]
        if missing:
            raise CommandError(f"{where}: authors: no such user: {', '.join(missing)}.")
        return [users[str(name)] for name in names]

    def _demo_user(self):
        User = get_user_model()
        user, made = User.objects.get_or_create(username="demo", defaults={"first_name": "Demo"})
        if made:
            user.set_password(os.environ.get("DEMO_PASSWORD", "demo"))
            user.save()
            user.groups.add(Group.objects.get(name="editor"))
            self.stdout.write("Demo user 'demo' created.")
        elif user.is_staff or user.is_superuser:
            user.is_staff = user.is_superuser = False
            user.save(update_fields=["is_staff", "is_superuser"])
            self.stdout.write("Demo user 'demo': staff and superuser status removed (the demo user is an editor).")
        return user
