"""Import postmortems written elsewhere: this app's own Markdown export (a round trip), Markdown with YAML
front matter such as the public icco/postmortems corpus, and write-ups in the headings of the Google SRE
postmortem template (English or Japanese). See incidents.imports."""

import sys
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from incidents.imports.files import from_paths
from incidents.actions.imports import import_sources
from incidents.models import Status


class Command(BaseCommand):
    help = ("Import Markdown postmortems (files, or directories searched for .md/.markdown). Each file is stored "
            "in its own transaction; exit status 1 when any file failed.")

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--dry-run", action="store_true", help="Read and check everything; write nothing.")
        # -v 2 lists each file's outcome and what was guessed (severity, time zone) or kept as text
        parser.add_argument("--status", choices=Status.values,
                            help="Status of every imported incident (default: the file's own, else draft).")
        parser.add_argument("--time-zone", help="Zone of times that state none (default: TIME_ZONE).")
        parser.add_argument("--user", help="User name recorded as having made the import in the history.")

    def handle(self, *args, paths, dry_run, status, time_zone, user, verbosity, **options):
        if time_zone:
            try:
                ZoneInfo(time_zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise CommandError(f"--time-zone {time_zone}: not a known time zone (e.g. UTC, Asia/Tokyo)") from None
        importer = None
        if user:
            importer = get_user_model().objects.filter(username=user).first()
            if importer is None:
                raise CommandError(f"--user {user}: no such user")
        sources, problems = from_paths(paths)
        report = import_sources(sources, user=importer, status=status, dry_run=dry_run, time_zone=time_zone)
        for problem in problems:
            self.stderr.write(problem)
        for file in report.files:
            for line in file.problems:
                self.stderr.write(line)
            if verbosity >= 2:  # what happened to each file, and what was guessed or kept elsewhere
                self.stdout.write(f"{file.name}: {file.outcome}" + (f" {file.reference}" if file.reference else ""))
                for line in file.warnings:
                    self.stdout.write(f"  {line}")
        self.stdout.write(report.summary())
        if problems or report.failed:
            sys.exit(1)
