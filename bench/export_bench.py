"""Export benchmark: a retrospective pack of many incidents (copies of the demo write-ups, Japanese text,
factor chains, action items) as Markdown, HTML and PDF.

    python bench/export_bench.py [--count 50]

Runs against a throw-away SQLite database and index in a temporary directory, through the code the
pages, the API and the command use (incidents.export.export_meeting), and prints the times.
"""

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus import throwaway_django  # noqa: E402 - the throw-away database and index (bench/ is on the path)


def generate(count):
    """``count`` incidents: the demo documents again and again, each copy a year earlier than the last."""
    from django.utils.dateparse import parse_datetime

    from incidents.management.commands.load_demo import DEMO_FILE, read_documents
    from incidents.api.serializers import IncidentSerializer

    documents = read_documents(DEMO_FILE)
    for n in range(count):
        document = dict(documents[n % len(documents)])
        shift = timedelta(days=365 * (n // len(documents)))
        document["title"] = f"{document['title']} (#{n + 1})"
        for key in ("started_at", "detected_at", "mitigated_at", "resolved_at"):
            if document.get(key):
                document[key] = (parse_datetime(document[key]) - shift).isoformat()
        document["timeline"] = [{**event, "occurred_at": (parse_datetime(event["occurred_at"]) - shift).isoformat()}
                                for event in document.get("timeline", [])]
        serializer = IncidentSerializer(data=document, context={"sync_github": False})
        serializer.is_valid(raise_exception=True)
        serializer.save()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=50, help="incidents on the agenda (default 50)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (and the files)")
    args = parser.parse_args()
    with throwaway_django("postmortem-export-bench-", keep=args.keep) as directory:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        from incidents import export, search
        from incidents.models import Incident, Retrospective
        from incidents.roles import ensure_roles

        ensure_roles()
        generate(args.count)
        search.rebuild(procs=1)
        editor = get_user_model().objects.create_user("bench-editor")
        editor.groups.add(Group.objects.get(name="editor"))
        editor = get_user_model().objects.get(pk=editor.pk)
        meeting = Retrospective.objects.create(title="Export benchmark", date=date(2026, 11, 22))
        meeting.add_to_agenda(Incident.objects.order_by("started_at"))
        print(f"a pack of {meeting.agenda.count()} incidents:")
        for fmt in export.PACK_FORMATS:
            began = time.perf_counter()
            file = export.export_meeting(meeting, editor, fmt)
            seconds = time.perf_counter() - began
            (directory / file.filename).write_bytes(file.content)
            print(f"  {fmt:<5} {seconds:6.2f} s  {len(file.content) / 2**10:8.0f} KiB")


if __name__ == "__main__":
    main()
