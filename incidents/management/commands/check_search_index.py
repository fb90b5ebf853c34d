from django.core.management.base import BaseCommand, CommandError

from incidents import search


class Command(BaseCommand):
    help = "Report incidents missing from or stale in the search index (exit code 1 if any)."

    def handle(self, *args, **options):
        missing, stale, orphans = search.check()
        for label, ids in (("missing from the index", missing), ("stale in the index", stale),
                           ("in the index but not in the database", orphans)):
            if ids:
                self.stdout.write(f"{len(ids)} incident(s) {label}: {', '.join(f'INC-{pk}' for pk in ids)}")
        if missing or stale or orphans:
            raise CommandError("The search index is out of date; run `manage.py rebuild_search_index`.", returncode=1)
        self.stdout.write("Search index is up to date.")
