from django.core.management.base import BaseCommand, CommandError

from incidents import backup


class Command(BaseCommand):
    help = ("Restore a backup written by `manage.py backup` into the configured database, which must be empty (a "
            "new SQLite file, or a PostgreSQL database just made with createdb), and this data directory; then "
            "apply newer migrations. Stop the app first. The search index is rebuilt when the app starts.")
    requires_system_checks = []  # nothing may open (and so create) the SQLite file before it is checked

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", help="the backup's directory (with its manifest.json)")

    def handle(self, *args, directory, **options):
        try:
            manifest, restored, applied = backup.restore(directory)
        except backup.BackupError as exc:
            raise CommandError(f"restore: {exc}") from None
        self.stdout.write(f"Restored {directory} (made {manifest['created_at']}): "
                          f"{restored.get('incidents', 0)} incident(s), {restored.get('users', 0)} user(s), "
                          f"{restored.get('attachments', 0)} attachment(s); "
                          "every file and row count matches the manifest.")
        if applied:
            self.stdout.write(f"Applied {len(applied)} migration(s) newer than the backup: {', '.join(applied)}.")
        self.stdout.write("The search index is rebuilt from the database when the app starts (the follower), or now "
                          "with `manage.py rebuild_search_index`.")
