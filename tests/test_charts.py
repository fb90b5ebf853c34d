"""The plots over time on the patterns page: incidents per quarter as bars, median times as lines."""

import datetime
import re

import pytest

from incidents import charts
from incidents.models import Tag
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def quarters(db):
    """2023-Q1: two incidents (detected after 10 and 30 min); 2023-Q2: none; 2023-Q3: one tagged eks,
    detected after 1 h and resolved after 2 h; and a draft in 2023-Q4 that a viewer does not see."""
    def incident(started, detect, resolve=None, status="published", tags=()):
        made = IncidentFactory(started_at=started, detected_at=started + detect,
                               resolved_at=started + resolve if resolve else None, status=status)
        made.tags.set([Tag.objects.get_or_create(name=name)[0] for name in tags])

    incident(datetime.datetime(2023, 1, 10, tzinfo=datetime.UTC), 10 * MINUTE)
    incident(datetime.datetime(2023, 2, 10, tzinfo=datetime.UTC), 30 * MINUTE)
    incident(datetime.datetime(2023, 8, 10, tzinfo=datetime.UTC), 60 * MINUTE, 120 * MINUTE, tags=["eks"])
    incident(datetime.datetime(2023, 11, 10, tzinfo=datetime.UTC), 5 * MINUTE, status="draft")


def svg(page, css_class):
    found = re.search(rf'<svg class="{css_class}".*?</svg>', page, re.S)
    return found.group(0) if found else None


def test_bars_count_incidents_per_quarter_and_lines_join_the_medians(viewer_client, quarters):
    page = viewer_client.get("/patterns/").content.decode()
    bars = svg(page, "bar-chart")
    assert re.findall(r'<text class="quarter"[^>]*>([^<]+)<', bars) == ["2023-Q1", "2023-Q2", "2023-Q3"]
    assert bars.count('<rect class="bar"') == 2  # no bar for the empty quarter, none for the draft's
    assert re.findall(r'<text class="bar-value"[^>]*>(\d+)<', bars) == ["2", "1"]
    assert "<title id=\"counts-title\">Incidents per quarter</title>" in bars and 'role="img"' in bars
    detect = re.search(r'aria-labelledby="detect-title.*?</svg>', page, re.S).group(0)
    assert re.findall(r"<circle[^>]*><title>([^<]+)</title>", detect) == ["2023-Q1: 20 min", "2023-Q3: 1 h 0 min"]
    resolve = re.search(r'aria-labelledby="resolve-title.*?</svg>', page, re.S).group(0)
    assert re.findall(r"<circle[^>]*><title>([^<]+)</title>", resolve) == ["2023-Q3: 2 h 0 min"]
    assert ">1 h<" in detect and ">0 min<" in detect  # the value axis in human units


def test_a_tag_limits_the_plots_and_a_tag_without_incidents_says_so(viewer_client, quarters):
    page = viewer_client.get("/patterns/", {"tag": "EKS"}).content.decode()
    assert '<option value="eks" selected>' in page
    assert svg(page, "bar-chart").count('<rect class="bar"') == 1
    assert "No incident in these quarters has this time yet." not in page
    page = viewer_client.get("/patterns/", {"tag": "nothing"}).content.decode()
    assert svg(page, "bar-chart") is None and "No incident with this tag." in page
    assert page.count("No incident in these quarters has this time yet.") == 2


def test_no_dated_incident_no_plot(viewer_client):
    IncidentFactory(started_at=None)
    page = viewer_client.get("/patterns/").content.decode()
    assert svg(page, "bar-chart") is None and svg(page, "line-chart") is None
    assert "No dated incidents yet." in page


def test_durations_on_the_plots_are_in_the_language_of_the_page(viewer_client, quarters):
    page = viewer_client.get("/patterns/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "2023-Q1: 20 分" in svg(page, "line-chart")


def test_value_axes_step_in_round_numbers():
    chart = charts.bar_chart(["2023-Q1", "2023-Q2"], [7, 0])
    assert [t["text"] for t in chart["ticks"]] == ["0", "2", "4", "6", "8"]
    chart = charts.line_chart(["2023-Q1"], [5 * 3600])
    assert [t["text"] for t in chart["ticks"]] == ["0 min", "2 h", "4 h", "6 h"]
    assert charts.line_chart(["2023-Q1"], [None])["empty"]
