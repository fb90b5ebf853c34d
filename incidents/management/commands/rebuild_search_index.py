from django.core.management.base import BaseCommand

from incidents import search


class Command(BaseCommand):
    help = "Recreate the full-text search index from the database."

    def handle(self, *args, **options):
        count, seconds = search.rebuild()
        self.stdout.write(f"Search index rebuilt: {count} incident(s) in {seconds:.1f} s.")
