"""Load the demo incidents and the demo user (incidents.actions.demo). Safe to run again: incidents already
stored are not changed.

The demo user (password ``demo`` or $DEMO_PASSWORD, known to everyone) is an editor, never staff or
superuser: a demo user left staff by an earlier version of this command loses that status here."""

import os
from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError

from incidents.actions.demo import DemoInvalid, load_demo

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

    def handle(self, *args, file, **options):
        documents = read_documents(file)
        try:
            created, notes = load_demo(documents, password=os.environ.get("DEMO_PASSWORD", "demo"))
        except DemoInvalid as invalid:
            raise CommandError(f"{file}: {invalid}") from None
        for note in notes:
            self.stdout.write(note)
        self.stdout.write(f"Demo data: {created} incident(s) created, {len(documents) - created} already present.")
