"""``manage.py export_retrospective``: a pack without a saved meeting, or of one; clear errors."""

import datetime
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from incidents.actions.retrospectives import add_to_agenda
from incidents.models import Incident
from tests.factories import RetrospectiveFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("export_retrospective", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_markdown_of_a_selection_to_standard_output(demo):
    out, _ = run("--tag", "postmortem", "--since", "2023-06-01", "--title", "June")
    assert out.startswith("# June\n")
    titles = [i.title for i in Incident.objects.with_tags(["postmortem"]) if i.started_at.date() >= datetime.date(2023, 6, 1)]
    assert titles and all(title in out for title in titles)
    # Started in 2022: no section of its own (it may be listed among an agenda item's earlier similar incidents).
    earlier = Incident.objects.get(title__contains="pid_max").reference
    assert re.search(r"^## \d+\. (INC-\d+) ", out, re.M) and not re.search(rf"^## \d+\. {earlier} ", out, re.M)


def test_pdf_to_a_file(demo, tmp_path):
    target = tmp_path / "pack.pdf"
    _, err = run("--tag", "postmortem", "--since", "2023-06-01", "--format", "pdf", "-o", str(target))
    assert target.read_bytes().startswith(b"%PDF-") and f"Wrote {target}" in err


def test_a_saved_meeting_in_japanese(demo, tmp_path):
    meeting = RetrospectiveFactory(date=datetime.date(2026, 11, 22))
    add_to_agenda(meeting, Incident.objects.filter(status="published")[:2])
    target = tmp_path / "pack.html"
    run("--meeting", str(meeting.pk), "--format", "html", "--language", "ja", "-o", str(target))
    html = target.read_text(encoding="utf-8")
    assert '<html lang="ja">' in html and meeting.agenda.first().incident.title in html


def test_only_what_a_user_may_see(demo):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        run("--user", "nobody")
    from tests.factories import UserFactory

    UserFactory(username="reader", role="viewer")
    out, _ = run("--tag", "podman", "--user", "reader")
    assert Incident.objects.get(status="draft").title not in out
    assert Incident.objects.get(title__contains="aardvark-dns", status="published").title in out


@pytest.mark.parametrize("args, message", [
    (["--since", "2023-13-01"], "--since '2023-13-01' is not a date: use YYYY-MM-DD."),
    (["--until", "yesterday"], "--until 'yesterday' is not a date: use YYYY-MM-DD."),
    (["--since", "2023-06-02", "--until", "2023-06-01"], "--until is before --since."),
    (["--format", "docx"], "Unknown format 'docx': use one of md, html, pdf."),
    (["--status", "archived"], "Unknown status 'archived'"),
    (["--language", "fr"], "Unknown language 'fr'"),
    (["--meeting", "999999"], "No meeting with id 999999."),
])
def test_bad_input_is_a_command_error(args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        run(*args)


@pytest.mark.parametrize("args, message", [
    (["--since", "2023-13-01"], "--since '2023-13-01' is not a date"),
    (["--format", "docx"], "Unknown format 'docx'"),
])
def test_exit_code_and_message_from_the_shell(args, message):
    """Run as a person would: a non-zero exit and the message on standard error (before any database access)."""
    result = subprocess.run([sys.executable, "manage.py", "export_retrospective", *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and message in result.stderr and result.stdout == ""
