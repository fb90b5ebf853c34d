"""In Chromium at 1366 and 390 px, English and Japanese: the factor graph of the demo incidents fits the
viewport (scaled to its column, nothing cut off) and every line of text stays inside its box. Screenshots go
to SCREENSHOT_DIR when it is set."""

import os

import pytest

from incidents.models import Incident
from tests.browser import test_browser

pytestmark = pytest.mark.django_db(transaction=True)
browser, page = test_browser.browser, test_browser.page  # the same signed-in Japanese page

# Per visible factor graph: its box, and per factor box the lines' extent against the box (in the SVG's units).
MEASURE = """() => [...document.querySelectorAll('svg.factor-graph')].filter(svg => svg.getBoundingClientRect().width > 0)
  .map(svg => ({box: svg.getBoundingClientRect().toJSON(), scale: svg.getBoundingClientRect().width / svg.viewBox.baseVal.width,
    outside: [...svg.querySelectorAll('g.node')].flatMap(node => {
      const r = node.querySelector('rect').getBBox();
      return [...node.querySelectorAll('text')].map(t => t.getBBox())
        .filter(t => t.x < r.x || t.x + t.width > r.x + r.width || t.y < r.y || t.y + t.height > r.y + r.height)
        .map(t => node.querySelector('title').textContent);
    })}))"""


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_factor_graph_fits_the_viewport_and_its_boxes_hold_their_text(page, live_server, language):
    many = sorted(Incident.objects.all(), key=lambda incident: -incident.factors.count())[:2]
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for incident in many:
            page.goto(f"{live_server.url}/incidents/{incident.reference}/")
            if page.locator("html").get_attribute("lang") != language:
                with page.expect_navigation():
                    page.select_option("#language-select", language)
            (graph,) = page.evaluate(MEASURE)
            box = graph["box"]
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, (incident.reference, width, box)
            assert graph["outside"] == [], (incident.reference, width)
            assert graph["scale"] > (0.8 if width == 390 else 0.95), (incident.reference, width)  # readable
            if os.environ.get("SCREENSHOT_DIR"):
                page.locator("#factors").screenshot(
                    path=f"{os.environ['SCREENSHOT_DIR']}/factor-graph-{incident.reference}-{language}-{width}.png")
