"""Browser pages for reading: the incident list with filters and search, and the detail page."""

import pytest
from django.utils.html import escape

from incidents.models import Incident
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def test_pages_need_sign_in(client, demo):
    for url in ["/incidents/", f"/incidents/{Incident.objects.first().reference}/", "/patterns/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_list_is_newest_first_and_hides_drafts_from_viewers(viewer_client, demo):
    page = viewer_client.get("/incidents/").content.decode()
    published = list(Incident.objects.filter(status="published").newest_first())
    positions = [page.index(escape(i.title)) for i in published]
    assert positions == sorted(positions)
    assert Incident.objects.get(status="draft").title not in page


def test_list_filters(viewer_client, demo):
    podman = Incident.objects.get(title__contains="aardvark-dns", status="published")
    eks = Incident.objects.get(title__contains="pid_max")
    page = viewer_client.get("/incidents/", {"tag": "podman"}).content.decode()
    assert podman.title in page and eks.title not in page
    page = viewer_client.get("/incidents/", {"severity": "sev1"}).content.decode()
    assert escape(eks.title) in page and escape(podman.title) not in page
    response = viewer_client.get("/incidents/", {"started_after": "not a date"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()


def test_list_search_highlights_and_explains_fallback(viewer_client, demo):
    page = viewer_client.get("/incidents/", {"q": "名前解決"}).content.decode()
    assert "<mark>名前解決</mark>" in page
    page = viewer_client.get("/incidents/", {"q": "pid_max aardvark-dns"}).content.decode()
    assert "No incident has every word" in page


def test_detail_in_the_order_of_the_template_with_the_factor_chain(viewer_client, demo):
    eks = Incident.objects.get(title__contains="pid_max")
    page = viewer_client.get(f"/incidents/{eks.reference}/").content.decode()
    order = ['id="summary"', 'id="impact"', 'id="timeline"', 'id="factors"', 'id="analysis"',
             'id="resolution"', 'id="lessons"', 'id="action-items"', 'id="links"', 'id="similar"']
    assert [page.index(marker) for marker in order] == sorted(page.index(marker) for marker in order)
    drawings = page.split('<svg class="factor-graph')[1:]  # the wide layout and the one for small screens
    assert drawings and all(svg.split("</svg>")[0].count('class="edge"') == sum(
        f.leads_to.count() for f in eks.factors.all()) for svg in drawings)
    assert "DataDog/datadog-agent#12997" in page and 'class="overdue"' in page
    assert "same tags:" not in page and 'data-related-url="/incidents/' in page  # fetched after the page
    related = viewer_client.get(f"/incidents/{eks.reference}/related/?part=1").content.decode()
    assert related.lstrip().startswith('<section') and "<html" not in related  # the part the page's script puts in
    assert 'id="similar"' in related and "same tags:" in related
    whole = viewer_client.get(f"/incidents/{eks.reference}/related/").content.decode()  # without script: a page
    assert f"Similar to {eks.reference}" in whole and "same tags:" in whole


def test_detail_by_id_or_reference_and_drafts_are_404_for_viewers(viewer_client, demo):
    draft = Incident.objects.get(status="draft")
    assert viewer_client.get(f"/incidents/{draft.reference}/").status_code == 404
    published = Incident.objects.filter(status="published").first()
    assert viewer_client.get(f"/incidents/{published.pk}/").status_code == 200
    assert viewer_client.get("/incidents/INC-999999/").status_code == 404
    assert viewer_client.get("/incidents/nonsense/").status_code == 404


def test_markup_in_incident_text_is_shown_as_text(editor_client):
    incident = IncidentFactory(title="<b>bold?</b>", summary="<script>alert(1)</script> and <img src=x onerror=alert(1)>")
    page = editor_client.get(f"/incidents/{incident.reference}/").content.decode()
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;bold?&lt;/b&gt;" in page


def test_status_workflow_buttons_and_transitions(editor_client, demo, settings):
    """Without the review gate (tests/reviews has the gate): draft → in review → published by buttons."""
    settings.POSTMORTEM_REVIEW_REQUIRED = False
    draft = Incident.objects.get(status="draft")
    page = editor_client.get(f"/incidents/{draft.reference}/").content.decode()
    assert 'value="in_review"' in page and 'value="published"' in page  # without the gate: publish directly
    url = f"/incidents/{draft.reference}/status/"
    assert editor_client.post(url, {"status": "nonsense"}).status_code == 302  # refused with a message
    draft.refresh_from_db()
    assert draft.status == "draft"
    editor_client.post(url, {"status": "in_review"})
    editor_client.post(url, {"status": "published"})
    draft.refresh_from_db()
    assert draft.status == "published" and draft.version == 3


def test_viewers_cannot_change_status(viewer_client, demo):
    incident = Incident.objects.filter(status="published").first()
    assert 'name="status"' not in viewer_client.get(f"/incidents/{incident.reference}/").content.decode()
    assert viewer_client.post(f"/incidents/{incident.reference}/status/", {"status": "in_review"}).status_code == 403
    incident.refresh_from_db()
    assert incident.status == "published"


def test_list_search_honours_every_filter(viewer_client, demo):
    everything = viewer_client.get("/incidents/", {"q": "pod"}).context["count"]
    sev1 = viewer_client.get("/incidents/", {"q": "pod", "severity": "sev1"})
    assert 0 < sev1.context["count"] < everything
    assert all(incident.severity == "sev1" for incident, _hit in sev1.context["rows"])
    later = viewer_client.get("/incidents/", {"q": "pod", "started_after": "2030-01-01"})
    assert later.context["count"] == 0
    by_service = viewer_client.get("/incidents/", {"q": "pod", "service": "aws-node"})
    assert by_service.context["rows"] and all(
        "aws-node" in [s.name for s in incident.services.all()] for incident, _hit in by_service.context["rows"])
