"""How a pack reads on paper: action item titles of earlier incidents as inline Markdown, short status cells
never broken, the agenda and the first incident on the cover page, and a wide factor graph on a landscape page
at a legible size rather than shrunk to a few points."""

import re
import subprocess

import pytest
from django.utils import translation

from incidents import export
from incidents.export import pack
from incidents.export.html import pack_html
from tests.export.helpers import TODAY, fixture_meeting, pdf_text
from tests.factories import ActionItemFactory, FactorFactory

pytestmark = pytest.mark.django_db

CHAIN = ["spotcheck alpha", "spotcheck bravo", "spotcheck charlie", "spotcheck delta", "spotcheck echo",
         "spotcheck foxtrot"]


@pytest.fixture
def meeting(editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        meeting, first, second, third = fixture_meeting()
        ActionItemFactory(incident=first, title="Alert on `pg_wal` size", owner="ito", status="in_progress")
        factors = [FactorFactory(incident=third, category="change", description=text) for text in CHAIN]
        for cause, effect in zip(factors, factors[1:]):
            cause.leads_to.set([effect])
    return meeting


def test_titles_are_inline_markdown_and_status_cells_do_not_wrap(meeting, editor):
    with translation.override("ja"):
        html = pack_html(pack.meeting_pack(meeting, editor, today=TODAY))
    assert "`pg_wal`" not in html and "Alert on <code>pg_wal</code> size" in html
    assert '<span class="nowrap">対応中</span>: Alert on <code>pg_wal</code> size' in html  # an earlier incident's
    assert '<td class="nowrap">未着手</td>' in html and "<td>未着手</td>" not in html  # this one's, and open items


def test_the_cover_holds_the_agenda_and_the_first_incident(meeting, editor, tmp_path):
    pdf = export.export_meeting(meeting, editor, "pdf").content
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    first_page = subprocess.run(["pdftotext", "-enc", "UTF-8", "-f", "1", "-l", "1", str(path), "-"],
                                capture_output=True, text=True, check=True).stdout
    assert "Agenda" in first_page and "Disk full again | db-2" in first_page and "Key timeline" in first_page
    assert "spotcheck" in pdf_text(pdf, tmp_path)


def test_a_six_factor_graph_is_printed_at_a_legible_size(meeting, editor, tmp_path):
    (path := tmp_path / "pack.pdf").write_bytes(export.export_meeting(meeting, editor, "pdf").content)
    boxes = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    heights = [float(y2) - float(y1) for y1, y2 in
               re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">foxtrot</word>', boxes)]
    graph, listed = sorted(heights)  # in the graph and in the list below it (10.5 pt)
    assert graph >= 0.65 * listed, heights  # the graph's 12 px (9 pt) text at 7 pt or more, not about 5 pt

