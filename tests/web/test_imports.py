"""The import page: editors upload, see a dry run, then import the files kept server-side; only the uploader
can confirm; every bad upload is a form error."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from incidents.models import Incident, PendingImport
from tests.imports.helpers import sre, two_files

pytestmark = pytest.mark.django_db

URL = "/incidents/import/"


def test_the_list_links_to_the_page_for_editors_only(editor_client, viewer_client, client):
    assert URL in editor_client.get("/incidents/").content.decode()
    assert URL not in viewer_client.get("/incidents/").content.decode()
    assert viewer_client.get(URL).status_code == 403
    assert client.get(URL).status_code == 302  # to the sign-in page


def test_preview_then_import(editor, editor_client):
    assert editor_client.get(URL).status_code == 200
    files = [SimpleUploadedFile("batch.zip", two_files()), SimpleUploadedFile("dns.md", sre())]
    response = editor_client.post(URL, {"files": files, "status": "", "time_zone": "UTC"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Dry run: 2 imported, 0 updated, 0 unchanged, 1 failed; nothing was written." in page
    assert "batch.zip/broken.md: line 3:" in page and "would be imported" in page
    assert Incident.objects.count() == 0
    pending = PendingImport.objects.get()
    assert pending.user == editor and [name for name, _ in pending.contents()] == [
        "batch.zip/broken.md", "batch.zip/good.md", "dns.md"]
    confirm = reverse("incident-import-confirm", args=[pending.pk])
    assert f'action="{confirm}"' in page

    response = editor_client.post(confirm)
    page = response.content.decode()
    assert response.status_code == 200 and "2 imported, 0 updated, 0 unchanged, 1 failed." in page
    assert Incident.objects.count() == 2 and not PendingImport.objects.exists()
    for incident in Incident.objects.all():
        assert f'href="{incident.get_absolute_url()}"' in page
    assert editor_client.post(confirm).status_code == 404  # once only


def test_nothing_to_import_keeps_nothing(editor_client):
    editor_client.post(URL, {"files": [SimpleUploadedFile("dns.md", sre())]})
    editor_client.post(reverse("incident-import-confirm", args=[PendingImport.objects.get().pk]))
    response = editor_client.post(URL, {"files": [SimpleUploadedFile("dns.md", sre())]})
    assert "Nothing to import" in response.content.decode() and not PendingImport.objects.exists()


def test_someone_else_cannot_confirm_a_pending_import(editor_client, viewer_client, user, client_as):
    editor_client.post(URL, {"files": [SimpleUploadedFile("dns.md", sre())]})
    pending = PendingImport.objects.get()
    other = client_as(user("editor", username="other"))
    assert other.post(reverse("incident-import-confirm", args=[pending.pk])).status_code == 404
    assert viewer_client.post(reverse("incident-import-confirm", args=[pending.pk])).status_code == 403
    assert PendingImport.objects.exists() and not Incident.objects.exists()


def test_old_pending_imports_are_deleted_when_a_new_one_is_made(editor_client):
    editor_client.post(URL, {"files": [SimpleUploadedFile("dns.md", sre())]})
    old = PendingImport.objects.get()
    PendingImport.objects.filter(pk=old.pk).update(created_at=old.created_at - PendingImport.KEEP * 2)
    editor_client.post(URL, {"files": [SimpleUploadedFile("dns.md", sre())]})
    assert list(PendingImport.objects.values_list("pk", flat=True)) != [old.pk]
    assert PendingImport.objects.count() == 1


@pytest.mark.parametrize("files, data, message", [
    ([SimpleUploadedFile("notes.txt", b"# hello")], {}, "notes.txt: only .md, .markdown and .zip files can be imported."),
    ([SimpleUploadedFile("batch.zip", b"not a zip")], {}, "batch.zip: not a readable zip file"),
    ([SimpleUploadedFile("huge.md", b"x" * (2 * 1024 * 1024 + 1))], {}, "huge.md: larger than 2 MB"),
    ([], {}, "Choose at least one file."),
    ([SimpleUploadedFile("dns.md", sre())], {"time_zone": "Mars/Olympus"}, "is not a known time zone"),
    ([SimpleUploadedFile("dns.md", sre())], {"status": "closed"}, "Select a valid choice."),
])
def test_bad_uploads_are_form_errors(files, data, message, editor_client):
    response = editor_client.post(URL, {"files": files, **data})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="errorlist"' in page and message in page
    assert not PendingImport.objects.exists() and not Incident.objects.exists()


def test_an_editor_gets_a_draft_and_a_warning_for_a_published_write_up(editor_client):
    editor_client.post(URL, {"files": [SimpleUploadedFile("dns.md", sre("published"))]})
    response = editor_client.post(reverse("incident-import-confirm", args=[PendingImport.objects.get().pk]))
    assert "not applied" in response.content.decode()
    assert Incident.objects.get().status == "draft"


def test_too_many_files_or_a_body_over_the_upload_limit_is_refused_not_a_500(settings, editor_client):
    many = [SimpleUploadedFile(f"{n}.md", b"# x\n") for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    assert editor_client.post(URL, {"files": many}).status_code == 400
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE, settings.POSTMORTEM_MAX_UPLOAD_BYTES = 1024, 4096
    assert editor_client.post(URL, {"files": [SimpleUploadedFile("small.md", b"x" * 2000)]}).status_code == 200
    assert editor_client.post(URL, {"files": [SimpleUploadedFile("big.md", b"x" * 5000)]}).status_code == 413
    assert not PendingImport.objects.exists()


def test_a_bundle_keeps_its_files_from_the_preview_to_the_import(editor, editor_client, editor_api):
    from incidents.actions.attachments import add_attachment
    from tests.factories import IncidentFactory

    incident = IncidentFactory(title="Worker fork storm")
    log = add_attachment(incident, b"worker 7 exited\n", name="worker.log", by=editor, alt="the log")
    incident.summary = f"See [the log](attachment:{log.pk})."
    incident.save()
    bundle = editor_api.get(f"/api/v1/incidents/{incident.pk}/export/?format=zip").content
    incident.delete()
    page = editor_client.post(URL, {"files": [SimpleUploadedFile("b.zip", bundle)]}).content.decode()
    assert "Dry run: 1 imported" in page
    page = editor_client.post(reverse("incident-import-confirm", args=[PendingImport.objects.get().pk])).content.decode()
    assert "1 imported, 0 updated, 0 unchanged, 0 failed." in page
    imported = Incident.objects.get()
    [attachment] = imported.attachments.all()
    assert (attachment.name, attachment.alt, attachment.file.read()) == ("worker.log", "the log", b"worker 7 exited\n")
    assert imported.summary == f"See [the log](attachment:{attachment.pk})."


JA_TEMPLATE = (Path(__file__).parents[1] / "imports" / "fixtures" / "ja_sre_template.md").read_bytes()


def _preview(client, name, data, language="ja"):
    client.cookies["django_language"] = language
    response = client.post(URL, {"files": [SimpleUploadedFile(name, data)], "time_zone": "UTC"},
                           HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def test_the_preview_shows_where_each_part_lands_in_japanese(editor_client):
    page = _preview(editor_client, "ja.md", JA_TEMPLATE)
    assert "各部分の行き先" in page
    assert "<strong>補足情報</strong> → リンク" in page and "<strong>再発防止策</strong> → アクションアイテム" in page
    assert "<strong>影響</strong> → 影響" in page and "<strong>時系列</strong> → タイムライン" in page
    assert "<strong>発生の契機</strong> → 分析 <span class=\"outline-note\">(見出しを付けて)</span>" in page
    for kind, title in (("予防", "DNS 実装を修正版に更新する"), ("検知", "プロキシのレイテンシにアラートを設定する"),
                        ("緩和", "upstream のタイムアウトを短くする"), ("プロセス・手順", "コンテナ再作成の手順書に DNS 確認を入れる"),
                        ("調査", "古いレコードが返る条件を調べる")):
        assert f'<span class="outline-kind">{kind}</span> {title}' in page
    assert "上流の不具合報告: <span class=\"outline-url\">https://github.com/containers/aardvark-dns/issues/389</span>" in page
    assert "発生: <time datetime=\"2023-06-22T10:07:00+09:00\">" in page
    assert "検知: <time datetime=\"2023-06-22T11:40:00+09:00\">" in page
    assert '<span class="outline-kind">寄与要因</span>' not in page and "F1 <span class=\"outline-kind\">ネットワーク</span>" in page
    assert page.count('<li><time datetime="2023-06-22T') == 5  # the timeline rows
    assert "調査は再発防止策の種類にはありません" not in page  # 調査 is a kind of its own
    assert Incident.objects.count() == 0


def test_the_preview_warns_about_an_unknown_heading_in_english(editor_client):
    data = b"# Disk full\n\n## Summary\n\nThe disk filled up.\n\n## Musings\n\nWhy us?\n"
    page = _preview(editor_client, "disk.md", data, language="en")
    assert "Where each part will land" in page
    assert "<strong>Summary</strong> → Summary" in page
    assert "<strong>Musings</strong> → Analysis <span class=\"outline-note\">(unknown heading: appended under its heading)</span>" in page
    assert ("disk.md: line 7: The section “Musings” has no field of its own: it is appended to the analysis under "
            "its heading.") in page


def test_a_corpus_style_file_previews_one_service_per_product_and_the_company_tag(editor_client):
    data = (b"---\nurl: https://example.com/aws\ntitle: Power loss\ncompany: Amazon\nproduct: EC2, EBS\n---\n\nText.\n")
    page = _preview(editor_client, "aws.md", data, language="en")
    assert ('Services: <span class="outline-label">EC2</span>, <span class="outline-label">EBS</span>' in page)
    assert 'Tags: <span class="outline-label">company:Amazon</span>' in page
    assert "<strong>The text after the front matter</strong> → Analysis" in page
