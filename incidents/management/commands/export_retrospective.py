"""Export a retrospective pack: of a saved meeting (--meeting ID), or of the incidents a selection matches
(--tag, --status, --since, --until) without saving a meeting."""

import datetime
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from incidents import export
from incidents.actions import exports
from incidents.models import Incident, Retrospective, Status


def iso_date(option):
    def parse(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"{option} {value!r} is not a date: use YYYY-MM-DD.") from None
    return parse


class Command(BaseCommand):
    help = ("Export a retrospective pack as Markdown, HTML or PDF, for a saved meeting or for the incidents "
            "matching a selection, e.g. --tag postmortem --since 2023-06-01 --format pdf -o pack.pdf")

    def add_arguments(self, parser):
        parser.add_argument("--meeting", type=int, help="Export this saved meeting (its agenda, notes and decisions).")
        parser.add_argument("--tag", action="append", default=[], help="Incidents with this tag (repeatable: all must match).")
        parser.add_argument("--status", help="Incidents with this status: " + ", ".join(Status.values) + ".")
        parser.add_argument("--since", help="Incidents started on or after this date (YYYY-MM-DD, in TIME_ZONE).")
        parser.add_argument("--until", help="Incidents started on or before this date (YYYY-MM-DD, in TIME_ZONE).")
        parser.add_argument("--format", default="md", help="md (default), html or pdf.")
        parser.add_argument("-o", "--output", help="Write to this file (default: standard output).")
        parser.add_argument("--title", help="Title of the pack (default: 'Retrospective' and the date).")
        parser.add_argument("--facilitator", default="")
        parser.add_argument("--user", help="Export what this user may see (default: every incident).")
        parser.add_argument("--language", default="en", help="en (default) or ja.")

    def handle(self, *args, meeting, tag, status, since, until, format, output, title, facilitator, user, language, **options):
        if format not in export.PACK_FORMATS:  # checked before any work
            raise CommandError(f"Unknown format {format!r}: use one of {', '.join(export.PACK_FORMATS)}.")
        if language not in ("en", "ja"):
            raise CommandError(f"Unknown language {language!r}: use en or ja.")
        if status and status not in Status.values:
            raise CommandError(f"Unknown status {status!r}: use one of {', '.join(Status.values)}.")
        since = iso_date("--since")(since) if since else None
        until = iso_date("--until")(until) if until else None
        if since and until and until < since:
            raise CommandError("--until is before --since.")
        reader = self.reader(user)
        with translation.override(language):
            if meeting is not None:
                found = Retrospective.objects.filter(pk=meeting).first()
                if found is None:
                    raise CommandError(f"No meeting with id {meeting}.")
                file = exports.meeting_file(found, reader, format, via="command")
            else:
                incidents = Incident.objects.visible_to(reader).selected(tags=tag, status=status or "",
                                                                         since=since, until=until)
                today = timezone.localdate()
                file = exports.selection_file(incidents, reader, format, via="command",
                                              title=title or f"Retrospective {today}", facilitator=facilitator,
                                              exclude_tags=tag)
        if output:
            try:
                with open(output, "wb") as out:
                    out.write(file.content)
            except OSError as exc:
                raise CommandError(f"Cannot write {output}: {exc.strerror}.") from None
            self.stderr.write(f"Wrote {output} ({len(file.content)} bytes).")
        elif format == "pdf":
            stream = options.get("stdout") or sys.stdout
            if not hasattr(stream, "buffer") or stream.isatty():
                raise CommandError("A PDF is not text: write it to a file with -o FILE (or redirect the output).")
            stream.flush()
            stream.buffer.write(file.content)
            stream.buffer.flush()
        else:
            self.stdout.write(file.content.decode(), ending="")

    def reader(self, username):
        """Whose view of the incidents to export: a user's, or (default) the operator's, who sees everything."""
        User = get_user_model()
        if username is None:
            return User(username="export", is_superuser=True, is_active=True)  # unsaved: never stored
        found = User.objects.filter(username=username).first()
        if found is None:
            raise CommandError(f"No user named {username!r}.")
        return found
