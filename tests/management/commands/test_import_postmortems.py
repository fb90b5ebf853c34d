"""manage.py import_postmortems: files and directories, broken files reported with their line while the others
import, the exit status, --dry-run, --status, --time-zone, the summary line, importing again, an edited file,
and write-ups in the SRE book's shape (English, Japanese)."""

import datetime
import io
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from incidents.models import Incident, IncidentRevision
from tests.export.helpers import at
from tests.factories import IncidentFactory, UserFactory
from tests.imports.helpers import exported

FIXTURES = Path(__file__).resolve().parents[2] / "imports" / "fixtures"


def run(*args):
    """(exit status, stdout, stderr) of the command."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_postmortems", *map(str, args), stdout=out, stderr=err)
        status = 0
    except SystemExit as exit:
        status = exit.code
    return status, out.getvalue(), err.getvalue()


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_up(title, summary="It broke.", severity="sev2"):
    return f"---\ntitle: {title}\nseverity: {severity}\n---\n\n## Summary\n\n{summary}\n"


@pytest.fixture
def tree(tmp_path):
    """Write-ups in nested directories, .md and .markdown, beside files that are not write-ups."""
    write(tmp_path / "a.md", write_up("Alpha outage"))
    write(tmp_path / "nested" / "deeper" / "b.markdown", write_up("Beta outage"))
    write(tmp_path / "nested" / "c.MD", write_up("Gamma outage"))
    write(tmp_path / "nested" / "notes.txt", write_up("Not a write-up"))
    write(tmp_path / "nested" / "d.md.bak", write_up("Not a write-up either"))
    return tmp_path


@pytest.mark.django_db
def test_a_directory_is_searched_recursively_for_md_and_markdown_files_only(tree):
    status, out, err = run(tree)
    assert (status, err) == (0, "")
    assert out.splitlines()[-1] == "3 imported, 0 updated, 0 unchanged, 0 failed."
    assert sorted(Incident.objects.values_list("title", flat=True)) == ["Alpha outage", "Beta outage", "Gamma outage"]
    assert set(Incident.objects.values_list("status", flat=True)) == {"draft"}  # the default


@pytest.mark.django_db
def test_files_and_directories_can_be_mixed(tree, tmp_path):
    single = write(tmp_path / "elsewhere" / "single.md", write_up("Delta outage"))
    status, out, _err = run(single, tree / "nested")
    assert status == 0 and out.endswith("3 imported, 0 updated, 0 unchanged, 0 failed.\n")


@pytest.mark.django_db
def test_broken_files_are_reported_with_their_line_and_the_others_still_import(tree):
    unclosed = write(tree / "unclosed.md", "---\ntitle: Never closed\nseverity: sev1\n\n# Body\n")
    invalid = write(tree / "invalid.md", "---\ntitle: Bad YAML\ntags: [a, b\n---\n\n# Bad YAML\n")
    status, out, err = run(tree)
    assert status == 1
    problems = err.splitlines()
    assert len(problems) == 2, err
    assert problems[0].startswith(f"{invalid}: line ") and problems[1].startswith(f"{unclosed}: line 1: ")
    assert all(": line " in line and line.split(": line ")[1].split(":")[0].isdigit() for line in problems)
    assert out.splitlines()[-1] == "3 imported, 0 updated, 0 unchanged, 2 failed."
    assert Incident.objects.count() == 3


@pytest.mark.django_db
def test_dry_run_writes_nothing_and_says_so(tree):
    status, out, _err = run(tree, "--dry-run")
    assert status == 0
    assert out.splitlines()[-1] == "Dry run: 3 imported, 0 updated, 0 unchanged, 0 failed; nothing was written."
    assert not Incident.objects.exists() and not IncidentRevision.objects.exists()


@pytest.mark.django_db
def test_status_published_applies_to_every_file(tree):
    status, _out, _err = run(tree, "--status", "published")
    assert status == 0
    assert set(Incident.objects.values_list("status", flat=True)) == {"published"}


@pytest.mark.django_db
def test_status_takes_only_a_step_the_workflow_has(tree):
    """The command skips the review gate, not the workflow: a published incident does not go back to draft."""
    run(tree, "--status", "published")
    status, out, _err = run(tree, "--status", "draft", "-v", "2")
    assert (status, out.splitlines()[-1]) == (0, "0 imported, 0 updated, 3 unchanged, 0 failed.")
    assert f"  {tree / 'a.md'}: status “draft” not applied (Published cannot go to Draft.); it stays Published" in out
    assert set(Incident.objects.values_list("status", flat=True)) == {"published"}


@pytest.mark.django_db
def test_a_second_run_is_all_unchanged_and_an_edited_file_updates_the_same_incident(tree):
    run(tree)
    references = dict(Incident.objects.values_list("title", "id"))
    revisions = IncidentRevision.objects.count()

    status, out, _err = run(tree)
    assert (status, out.splitlines()[-1]) == (0, "0 imported, 0 updated, 3 unchanged, 0 failed.")
    assert IncidentRevision.objects.count() == revisions

    # the files have no uuid or URL: the incident is the file's own, through the uuid the first import gave it
    alpha = Incident.objects.get(title="Alpha outage")
    [(_uid, data)] = exported([alpha], UserFactory(role="editor")).items()
    write(tree / "a.md", data.decode().replace("It broke.", "It broke twice."))
    status, out, _err = run(tree, "-v", "2")
    assert status == 0 and out.splitlines()[-1] == "0 imported, 1 updated, 2 unchanged, 0 failed."
    assert f"{tree / 'a.md'}: updated {alpha.reference}" in out.splitlines()
    assert dict(Incident.objects.values_list("title", "id")) == references
    assert Incident.objects.get(pk=alpha.pk).summary == "It broke twice."


@pytest.mark.django_db
def test_editing_an_exported_write_up_updates_its_incident_without_a_duplicate(tmp_path):
    incident = IncidentFactory(title="Queue stuck", summary="The queue stopped.", started_at=at("2024-01-02 03:04"))
    [(_uid, data)] = exported([incident], UserFactory(role="editor")).items()
    path = write(tmp_path / "queue.md", data.decode())
    assert run(path)[1].endswith("0 imported, 0 updated, 1 unchanged, 0 failed.\n")
    write(path, data.decode().replace("The queue stopped.", "The queue stopped for an hour."))
    status, out, _err = run(path)
    assert status == 0 and out.endswith("0 imported, 1 updated, 0 unchanged, 0 failed.\n")
    assert Incident.objects.get().summary == "The queue stopped for an hour."
    assert Incident.objects.get().pk == incident.pk


@pytest.mark.django_db
def test_a_missing_path_is_named_and_the_exit_status_is_not_zero(tree):
    missing = tree / "no-such-dir"
    status, out, err = run(tree / "a.md", missing)
    assert status == 1
    assert f"{missing}: no such file or directory" in err.splitlines()
    assert out.endswith("1 imported, 0 updated, 0 unchanged, 0 failed.\n")


@pytest.mark.django_db
def test_an_unknown_time_zone_is_refused(tree):
    with pytest.raises(CommandError, match="Mars/Base"):
        call_command("import_postmortems", str(tree), "--time-zone", "Mars/Base")
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_an_sre_shaped_write_up_keeps_what_it_says(tmp_path):
    """Authors without an account are kept by name (one with an account is linked to it), tracker text and
    TODO/DONE, kind "other", the postmortem date, an intranet http link; a javascript: link is kept only as
    text; the missing severity is reported with -v 2; times are UTC as the file says."""
    tanaka = UserFactory(username="tanaka")
    path = shutil.copy(FIXTURES / "sre_ledger.md", tmp_path / "ledger.md")
    status, out, err = run(path, "-v", "2", "--time-zone", "Asia/Tokyo")
    assert (status, err) == (0, "")
    incident = Incident.objects.get()
    assert list(incident.authors.all()) == [tanaka]
    assert incident.author_names == ["jennifer", "martym"]
    assert incident.postmortem_date == datetime.date(2021, 4, 12)
    items = {item.title: item for item in incident.action_items.all()}
    limit = items["Add a rate limit to the replay job"]
    assert (limit.tracker, limit.status, limit.url) == ("Bug 5554823", "open", "")
    assert items["Document how to pause a replay"].status == "done"
    assert items["Freeze replays until the limit ships"].kind == "other"
    assert [link.url for link in incident.links.all()] == ["http://monitor/ledger?queue=writes"]
    assert "javascript:alert(document.cookie)" in incident.analysis
    assert incident.started_at == datetime.datetime(2021, 4, 12, 9, 5, tzinfo=datetime.UTC)
    assert incident.resolved_at == datetime.datetime(2021, 4, 12, 9, 57, tzinfo=datetime.UTC)
    assert incident.severity == "sev3"
    warnings = [line for line in out.splitlines() if line.startswith(f"  {path}: ")]
    assert sum("severity" in line for line in warnings) == 1, out  # once: the parser's, not again when saving
    assert any("javascript" in line or "not an http(s) URL" in line for line in warnings), out


@pytest.mark.django_db
def test_the_missing_severity_warning_is_only_shown_with_verbosity_2(tmp_path):
    path = shutil.copy(FIXTURES / "sre_ledger.md", tmp_path / "ledger.md")
    status, out, err = run(path)
    assert (status, err, out) == (0, "", "1 imported, 0 updated, 0 unchanged, 0 failed.\n")


@pytest.mark.django_db
def test_a_write_up_with_japanese_headings_imports(tmp_path):
    path = shutil.copy(FIXTURES / "ja_headings.md", tmp_path / "ja.md")
    status, out, err = run(path)
    assert (status, err) == (0, "")
    incident = Incident.objects.get()
    assert incident.title == "決済バッチの二重実行"
    assert incident.severity == "sev2" and incident.author_names == ["鈴木", "高橋"]
    assert incident.summary == "夜間の決済バッチが二重に実行され、一部の請求が重複した。"
    assert [factor.description for factor in incident.factors.all()] == ["cron の設定が二台のサーバーに残っていた"]
    assert incident.resolved_at == datetime.datetime(2022, 9, 14, 2, 0, tzinfo=datetime.UTC)  # 11:00 JST
    assert incident.timeline.count() == 4
