"""incidents.actions.exports and the audit log: each file holding a restricted incident, from every path that
makes one (the incident's export, a meeting's pack, on a page, through the API, with the command, an export
job's download), is one entry per restricted incident in it, naming who took it; internal incidents are not
audited. What an admin reads on /people/audit/ (English and Japanese) and in /api/v1/audit/."""

import io
import re

import pytest
from django.core.management import call_command

from incidents.models import AgendaItem, AuditEntry, ExportJob
from tests.factories import RetrospectiveFactory, make_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(user):
    people = {"admin": user("admin"), "ann": user("viewer", username="ann"), "outsider": user("editor", username="outsider")}
    public = make_incident(title="Public outage")
    secret = make_incident(title="Payroll leak", visibility="restricted")
    secret.members.set([people["ann"]])
    meeting = RetrospectiveFactory(title="Weekly review")
    AgendaItem.objects.create(retrospective=meeting, incident=public, position=1)
    AgendaItem.objects.create(retrospective=meeting, incident=secret, position=2)
    return {"public": public, "secret": secret, "meeting": meeting, **people}


def entries():
    return [(e.actor_name, e.action, e.incident_id, e.details) for e in AuditEntry.objects.order_by("pk")]


def test_the_incident_export_on_the_page_and_through_the_api(world, client_as, api_as):
    secret, public = world["secret"], world["public"]
    assert client_as(world["ann"]).get(f"/incidents/{secret.reference}/export.md").status_code == 200
    assert client_as(world["ann"]).get(f"/incidents/{public.reference}/export.md").status_code == 200
    assert client_as(world["ann"]).get(f"/incidents/{secret.reference}/export.txt").status_code == 404
    assert api_as(world["admin"]).get(f"/api/v1/incidents/{secret.pk}/export/", {"format": "md"}).status_code == 200
    assert api_as(world["outsider"]).get(f"/api/v1/incidents/{secret.pk}/export/").status_code == 404
    assert entries() == [("ann", "incident_exported", secret.pk, {"format": "md", "via": "page"}),
                         ("admin", "incident_exported", secret.pk, {"format": "md", "via": "api"})]


def test_a_meetings_pack_on_the_page_through_the_api_and_with_the_command(world, client_as, api_as):
    meeting, secret = world["meeting"], world["secret"]
    assert "Payroll leak" in client_as(world["ann"]).get(f"/retrospectives/{meeting.pk}/export.md").content.decode()
    outsider = client_as(world["outsider"]).get(f"/retrospectives/{meeting.pk}/export.md").content.decode()
    assert "Public outage" in outsider and "Payroll leak" not in outsider  # nothing of it: nothing recorded
    assert api_as(world["admin"]).get(f"/api/v1/retrospectives/{meeting.pk}/export/",
                                      {"format": "html"}).status_code == 200
    call_command("export_retrospective", "--meeting", str(meeting.pk), stdout=io.StringIO())
    call_command("export_retrospective", "--user", "ann", "--format", "md", stdout=io.StringIO())  # a selection
    call_command("export_retrospective", "--user", "outsider", stdout=io.StringIO())
    assert entries() == [
        ("ann", "incident_exported", secret.pk, {"format": "md", "via": "page", "retrospective": meeting.pk}),
        ("admin", "incident_exported", secret.pk, {"format": "html", "via": "api", "retrospective": meeting.pk}),
        ("", "incident_exported", secret.pk, {"format": "md", "via": "command", "retrospective": meeting.pk}),
        ("ann", "incident_exported", secret.pk, {"format": "md", "via": "command"}),
    ]


def test_an_export_job_is_audited_at_each_download(world, client_as, export_dir, django_capture_on_commit_callbacks):
    meeting, secret = world["meeting"], world["secret"]
    jobs = {}
    for name in ("ann", "outsider"):
        with django_capture_on_commit_callbacks(execute=True):
            client_as(world[name]).post(f"/retrospectives/{meeting.pk}/exports/", {"format": "md"})
        jobs[name] = ExportJob.objects.latest("pk")
    assert (jobs["ann"].status, jobs["ann"].restricted, jobs["outsider"].restricted) == ("done", [secret.pk], [])
    assert not AuditEntry.objects.exists()  # prepared, not taken yet
    for name in ("ann", "ann", "outsider"):
        response = client_as(world[name]).get(f"/exports/{jobs[name].pk}/download/")
        assert response.status_code == 200 and (b"Payroll leak" in b"".join(response.streaming_content)) == (
            name == "ann")
    assert client_as(world["outsider"]).get(f"/exports/{jobs['ann'].pk}/download/").status_code == 404
    details = {"format": "md", "retrospective": meeting.pk, "job": jobs["ann"].pk}
    assert entries() == [("ann", "incident_downloaded", secret.pk, details)] * 2


def test_what_an_admin_reads(world, client_as, api_as, export_dir, django_capture_on_commit_callbacks):
    meeting, secret, ann = world["meeting"], world["secret"], client_as(world["ann"])
    ann.get(f"/incidents/{secret.reference}/export.md")
    api_as(world["ann"]).get(f"/api/v1/retrospectives/{meeting.pk}/export/", {"format": "html"})
    call_command("export_retrospective", "--user", "ann", stdout=io.StringIO())
    with django_capture_on_commit_callbacks(execute=True):
        ann.post(f"/retrospectives/{meeting.pk}/exports/", {"format": "md"})
    job = ExportJob.objects.get()
    ann.get(f"/exports/{job.pk}/download/")
    answer = api_as(world["admin"]).get("/api/v1/audit/").json()
    assert [(e["actor"], e["action"], e["incident"], e["details"]) for e in answer["results"]] == [
        ("ann", "incident_downloaded", secret.pk, {"format": "md", "retrospective": meeting.pk, "job": job.pk}),
        ("ann", "incident_exported", secret.pk, {"format": "md", "via": "command"}),
        ("ann", "incident_exported", secret.pk, {"format": "html", "via": "api", "retrospective": meeting.pk}),
        ("ann", "incident_exported", secret.pk, {"format": "md", "via": "page"}),
    ]
    admin = client_as(world["admin"])
    page = admin.get("/people/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    rows = [re.sub(r"\s+", " ", row).strip() for row in re.findall(r"<tr>\s*<td>[^<]+</td>(.*?)</tr>", page, re.S)]
    link = f'<td><a href="/incidents/{secret.reference}/">{secret.reference}</a></td>'
    assert rows == [
        f"<td>ann</td><td>restricted incident downloaded</td> <td>—</td> {link} "
        f"<td>Markdown file prepared in the background (export job {job.pk}); "
        "in the pack of the meeting “Weekly review”</td>",
        f"<td>ann</td><td>restricted incident exported</td> <td>—</td> {link} "
        "<td>Markdown file from the export_retrospective command</td>",
        f"<td>ann</td><td>restricted incident exported</td> <td>—</td> {link} "
        "<td>HTML file through the API; in the pack of the meeting “Weekly review”</td>",
        f"<td>ann</td><td>restricted incident exported</td> <td>—</td> {link} <td>Markdown file from the web page</td>",
    ]
    meeting.delete()
    page = admin.get("/people/audit/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "<td>限定公開の障害をダウンロード</td>" in page and "<td>限定公開の障害をエクスポート</td>" in page
    assert f"<td>バックグラウンドで作成した Markdown ファイル（エクスポートジョブ {job.pk}）; 削除済みの会議の資料</td>" in page
    assert "<td>export_retrospective コマンドで出力した Markdown ファイル</td>" in page
    assert "<td>API で取得した HTML ファイル; 削除済みの会議の資料</td>" in page
    assert "<td>Web ページから取得した Markdown ファイル</td>" in page
