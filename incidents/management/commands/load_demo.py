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

from incidents.models import Incident, Source
from incidents.roles import ensure_roles
from incidents.api.serializers import IncidentSerializer, error_lines

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
            serializer = IncidentSerializer(data=document, context={"sync_github": False, "source": Source.IMPORT,
                                                                   "skip_review_gate": True})
            if not serializer.is_valid():
                problems = "; ".join(error_lines(serializer.errors))
                raise CommandError(f"{file}: incident #{position} ({title or 'untitled'}): {problems}")
            # the demo user is its author unless the file names others (in the first revision too)
            serializer.save(**({} if serializer.validated_data.get("authors") else {"authors": [user]}))
            created += 1
        self.stdout.write(f"Demo data: {created} incident(s) created, {len(documents) - created} already present.")

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
