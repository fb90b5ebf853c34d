"""Load the glossary's seed (incidents/data/glossary.yaml, or --file). Migration 0006 already loaded it once;
run this after the seed grows. Existing keys are kept as they are (admin edits survive) unless --replace."""

import yaml
from django.core.management.base import BaseCommand, CommandError

from incidents import glossary
from incidents.actions.glossary import load_seed
from incidents.models import GlossaryEntry


class Command(BaseCommand):
    help = "Load the glossary seed: create missing entries; --replace also overwrites existing keys."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(glossary.SEED_PATH), help="YAML file of glossary groups.")
        parser.add_argument("--replace", action="store_true",
                            help="Overwrite entries whose key exists (their category, terms and enabled flag).")

    def handle(self, *args, file, replace, **options):
        try:
            groups = glossary.read_seed(file)
        except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError) as exc:
            raise CommandError(f"cannot load the glossary: {exc}") from None
        created, replaced, kept = load_seed(groups, replace=replace)
        self.stdout.write(f"Glossary: {created} created, {replaced} replaced, {kept} kept "
                          f"({GlossaryEntry.objects.count()} entries).")
