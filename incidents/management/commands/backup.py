from django.core.management.base import BaseCommand, CommandError

from incidents import backup


class Command(BaseCommand):
    help = ("Write a consistent backup of the database and the uploaded files into DIR (new or empty), while the "
            "app runs. SQLite: its online backup API; PostgreSQL: pg_dump --format=custom. The search index is not "
            "in it (it is rebuilt). Restore with `manage.py restore DIR`.")

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", help="where to write the backup: a new or empty directory")

    def handle(self, *args, directory, **options):
        try:
            manifest, seconds = backup.backup(directory)
        except backup.BackupError as exc:
            raise CommandError(f"backup: {exc}") from None
        files = manifest["files"]
        size = sum(entry["size"] for entry in files)
        counts = manifest["counts"]
        self.stdout.write(f"Backup written to {directory}: {manifest['database']['vendor']} database, "
                          f"{counts.get('incidents', 0)} incident(s), {len(files)} file(s), {size / 1e6:.1f} MB "
                          f"in {seconds:.1f} s.")
