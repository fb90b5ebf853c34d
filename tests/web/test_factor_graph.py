"""The factor graph on the incident page and in the export: every factor's whole text (no cut after three
lines) and every arrow, SVG that is safe inline (no script, no style attribute), a list without Graphviz."""

import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from incidents import diagram
from incidents.export.html import incident_html
from incidents.export.pack import incident_section
from incidents.models import Incident
from tests.factories import FactorFactory, IncidentFactory

pytestmark = pytest.mark.django_db

TEXTS = [
    "aws-node の再起動が繰り返され、そのたびに残ったゾンビプロセスがノードに溜まり続けた。"
    "誰も「pid の数」を監視していなかったため、数週間気づかれなかった（既定値のまま）。",
    "`kernel.pid_max` (32768) was reached on every node of the pool, so no new process could start there, "
    "not even the kubelet's health checks or the container runtime's shims",
    "ノードが NotReady になり、Pod が退避された",
]


@pytest.fixture
def incident():
    incident = IncidentFactory(title="pid_max に達した")
    first, second, third = (FactorFactory(incident=incident, category=category, description=text)
                            for category, text in zip(["process", "resource-exhaustion", "defect"], TEXTS))
    first.leads_to.set([second, third])
    second.leads_to.set([third])
    return incident


def svgs(html):
    return re.findall(r'<svg class="factor-graph.*?</svg>', html, re.S)


def drawn_texts(svg):
    """Per box, the text of its lines (the box's title line and markup left out), spaces removed."""
    boxes = re.findall(r'<g class="node[^"]*">(.*?)</g>', svg, re.S)
    return [re.sub(r"<[^>]+>|\s", "", "".join(re.findall(r"<text(?! class=\"node-title\")[^>]*>(.*?)</text>", box, re.S)))
            for box in boxes]


def whole(text):
    return re.sub(r"\s|`", "", text).replace("'", "&#x27;")


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_page_draws_every_factor_whole_and_every_arrow(viewer_client, incident, language):
    page = viewer_client.get(incident.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    drawings = svgs(page)
    assert drawings
    for svg in drawings:
        assert drawn_texts(svg) == [whole(text) for text in TEXTS]
        assert len(re.findall(r'class="edge"', svg)) == 3
        assert "…" not in svg and "<script" not in svg and "style=" not in svg and not re.search(r"\son\w+=", svg)
        assert 'width="100%"' in svg or re.search(r'viewBox="0 0 \d+ \d+"', svg)
    title = "プロセス・手順" if language == "ja" else "Process"
    assert f"<title>{title}: aws-node の再起動が繰り返され" in drawings[0]  # the full text, for screen readers


def test_the_export_draws_every_factor_whole(incident):
    section = incident_section(incident, None, Incident.objects.all(), timezone.localdate(), for_meeting=False)
    (svg,) = svgs(incident_html(section, timezone.localdate()))
    assert drawn_texts(svg) == [whole(text) for text in TEXTS]
    assert len(re.findall(r'class="edge"', svg)) == 3 and ">1. " in svg


def test_without_graphviz_the_page_lists_the_factors_and_their_effects(viewer_client, incident, monkeypatch):
    monkeypatch.setattr(diagram, "DOT", "/nonexistent/dot")
    diagram._run_dot.cache_clear()
    cache.clear()  # the layouts kept under their digest
    page = viewer_client.get(incident.get_absolute_url())
    diagram._run_dot.cache_clear()
    cache.clear()  # the layouts kept under their digest
    html = page.content.decode()
    assert page.status_code == 200 and not svgs(html)
    assert '<ul class="factor-list">' in html and html.count('<span class="leads-to">→ ') == 2
    assert "<strong>Process</strong>: aws-node の再起動が繰り返され" in html
