"""A contributing factor's description is inline Markdown: rendered in the list on the incident page and in
the HTML/PDF export, as plain text in search documents (snippets), and drawn without backticks (code in a monospace run) in the factor diagram."""

import re

import pytest
from django.utils import timezone

from incidents import export
from incidents.export.html import incident_html
from incidents.export.pack import incident_section
from incidents.models import Incident
from incidents.search.documents import document_for
from tests.export.helpers import pdf_text
from tests.factories import FactorFactory, IncidentFactory

pytestmark = pytest.mark.django_db

DESCRIPTION = "`default-address-pools` の設定が **足りなかった**、[手順](https://example.com/runbook) も古い"


@pytest.fixture
def incident():
    incident = IncidentFactory(title="ネットワークを作れない")
    FactorFactory(incident=incident, category="configuration", description=DESCRIPTION)
    return incident


def test_incident_page_renders_the_description_and_draws_code_without_backticks(viewer_client, incident):
    page = viewer_client.get(incident.get_absolute_url()).content.decode()
    assert "<code>default-address-pools</code> の設定が <strong>足りなかった</strong>、手順 も古い" in page
    diagram = page.split('<svg class="factor-graph"')[1].split("</svg>")[0]
    assert re.search(r'<tspan class="code"[^>]*>default-address-pools</tspan>', diagram)
    assert "`" not in diagram and "**" not in diagram


def test_export_renders_the_description(incident, tmp_path, editor):
    section = incident_section(incident, None, Incident.objects.all(), timezone.localdate(), for_meeting=False)
    html = incident_html(section, timezone.localdate())
    assert "<code>default-address-pools</code>" in html and "`default-address-pools`" not in html
    assert ">default-address-pools</tspan>" in html
    text = pdf_text(export.export_incident(incident, editor, "pdf").content, tmp_path)
    assert "default-address-poolsの設定が足りなかった、手順も古い" in "".join(text.split())
    assert "`" not in text and "**" not in text


def test_search_documents_hold_the_description_as_plain_text(incident):
    document = document_for(Incident.objects.for_document().get(pk=incident.pk))
    assert "default-address-pools の設定が 足りなかった、手順 も古い" in document["body"]
    assert "`" not in document["body"] and "https://example.com/runbook" in document["body"]
