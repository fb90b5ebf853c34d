"""/settings/severities/ (admins): the scale with its colours, levels added, changed and removed with the errors
shown, the preview; /severities.css and the badges and form every page shows from the scale."""

import pytest
from django.utils import timezone

from incidents.export.html import incident_html
from incidents.export.pack import incident_section
from incidents.models import Incident, SeverityLevel

pytestmark = pytest.mark.django_db

URL = "/settings/severities/"


@pytest.fixture
def admin_client(client_as, user):
    return client_as(user("admin"))


def level_form(**fields):
    return {"key": "sev0", "label_ja": "SEV0 – 全面停止", "label_en": "SEV0 – total outage", "order": "0",
            "color": "#7a0000", "description": "Every customer is affected.", **fields}


def test_only_admins_see_the_settings(editor_client, viewer_client, client):
    assert editor_client.get(URL).status_code == 403
    assert viewer_client.post(URL, level_form()).status_code == 403
    assert editor_client.get(URL + "sev1/").status_code == 403
    assert client.get(URL).status_code == 302  # to sign in
    assert not SeverityLevel.objects.filter(key="sev0").exists()


def test_the_list_shows_the_levels_in_order_with_swatches_and_a_preview(admin_client, make_incident):
    make_incident(severity="sev2")
    page = admin_client.get(URL, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    rows = [page.index(f'id="level-{key}"') for key in ("sev1", "sev2", "sev3", "sev4")]
    assert rows == sorted(rows)
    assert '<span class="swatch sev-sev1" aria-hidden="true"></span> <code>#b3261e</code>' in page
    assert '<span class="badge sev-sev2">SEV2 – 重大</span>' in page  # the preview, in the page's language
    assert 'id="severity-preview"' in page and '<option value="sev3" selected>SEV3 – 軽微</option>' in page
    assert 'style=' not in page.split("<main", 1)[-1]  # the CSP allows no inline styles


def test_an_admin_adds_a_level_and_every_form_offers_it(admin_client, editor_client):
    response = admin_client.post(URL, level_form())
    assert response.status_code == 302
    assert SeverityLevel.objects.get(key="sev0").label_ja == "SEV0 – 全面停止"
    form = editor_client.get("/incidents/new/").content.decode()
    options = [form.index(f'<option value="{key}"') for key in ("sev0", "sev1", "sev2", "sev3", "sev4")]
    assert options == sorted(options)
    assert "SEV0 – total outage: Every customer is affected." in form  # the description as help
    assert '<option value="sev3" selected>' in form  # the default


def test_errors_are_shown_on_the_fields(admin_client):
    page = admin_client.post(URL, level_form(key="sev1", color="red", label_ja="", label_en=""))
    assert page.status_code == 400
    text = page.content.decode()
    assert "Enter a colour as #rrggbb" in text
    assert SeverityLevel.objects.count() == 4
    page = admin_client.post(URL, level_form(order="1"))
    assert page.status_code == 400 and "order already exists" in page.content.decode().lower()
    page = admin_client.post(URL, level_form(label_ja="", label_en=""))
    assert page.status_code == 400 and "Give a label in Japanese or English." in page.content.decode()


def test_an_admin_edits_a_level_and_a_stale_edit_is_refused(admin_client):
    level = SeverityLevel.objects.get(key="sev1")
    form = level_form(key="ignored", label_en="SEV1 – everything is down", order="1", color="#990000", version="1")
    assert admin_client.post(URL + "sev1/", form).status_code == 302
    level.refresh_from_db()
    assert (level.key, level.label_en, level.color, level.version) == ("sev1", "SEV1 – everything is down", "#990000", 2)
    stale = admin_client.post(URL + "sev1/", {**form, "label_en": "SEV1 – lost edit"})
    assert stale.status_code == 409
    assert "Someone else changed this severity level" in stale.content.decode()
    assert SeverityLevel.objects.get(key="sev1").label_en == "SEV1 – everything is down"


def test_removing_a_level_in_use_shows_the_count(admin_client, make_incident):
    for _ in range(3):
        make_incident(severity="sev2")
    page = admin_client.post(URL + "sev2/", {"action": "delete", "version": "1"}, HTTP_ACCEPT_LANGUAGE="ja")
    assert page.status_code == 409
    assert "SEV2 – 重大 " in page.content.decode() and "3" in page.content.decode()
    assert SeverityLevel.objects.filter(key="sev2").exists()
    assert admin_client.post(URL + "sev4/", {"action": "delete", "version": "1"}).status_code == 302
    assert not SeverityLevel.objects.filter(key="sev4").exists()


def test_the_stylesheet_styles_every_badge_and_is_cached_by_the_scale(admin_client, client, editor_client, make_incident):
    response = client.get("/severities.css")  # no sign-in needed: colours only
    assert response["Content-Type"].startswith("text/css")
    assert response.content.decode().splitlines() == [
        ".sev-sev1 { color: #b3261e; }", ".sev-sev2 { color: #c4420c; }", ".sev-sev3 { color: #8a5300; }",
        ".sev-sev4 { color: #59636e; }"]
    etag = response["ETag"]
    assert client.get("/severities.css", HTTP_IF_NONE_MATCH=etag).status_code == 304
    page = editor_client.get("/incidents/").content.decode()
    link = f'/severities.css?v={etag.strip(chr(34))}'
    assert f'<link rel="stylesheet" href="{link}">' in page
    assert client.get(link)["Cache-Control"] == "public, max-age=86400"
    admin_client.post(URL + "sev1/", level_form(label_en="SEV1", order="1", color="#010203", version="1"))
    changed = client.get("/severities.css", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and ".sev-sev1 { color: #010203; }" in changed.content.decode()
    assert link not in editor_client.get("/incidents/").content.decode()


def test_badges_show_the_scales_labels(editor_client, make_incident):
    incident = make_incident(severity="sev1", title="Disk full")
    listing = editor_client.get("/incidents/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert '<span class="badge sev-sev1">SEV1 – 致命的</span>' in listing
    detail = editor_client.get(f"/incidents/{incident.reference}/").content.decode()
    assert '<span class="badge sev-sev1">SEV1 – critical</span>' in detail


def test_the_html_and_pdf_export_embeds_the_scales_colours(make_incident):
    incident = make_incident(severity="sev2", title="Cache stampede")
    section = incident_section(incident, None, Incident.objects.all(), timezone.localdate(), for_meeting=False)
    page = incident_html(section, timezone.localdate())  # what the PDF is printed from
    assert ".sev-sev2 { color: #c4420c; }" in page
    assert '<span class="badge sev-sev2">SEV2 – major</span>' in page


def test_the_people_page_links_the_scale(admin_client):
    assert f'href="{URL}"' in admin_client.get("/people/").content.decode()
