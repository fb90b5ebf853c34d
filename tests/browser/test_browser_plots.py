"""In Chromium at 1366 px: the incident list shows its facet panel without a search, and the patterns
page draws its plots (the SVGs take up space). Screenshots go to SCREENSHOT_DIR when it is set."""

import os

import pytest

from tests.browser import test_browser

pytestmark = pytest.mark.django_db(transaction=True)
browser, page = test_browser.browser, test_browser.page  # the same signed-in Japanese page


def size(locator):
    box = locator.bounding_box()
    return (box["width"], box["height"]) if box else (0, 0)


def shoot(page, name):
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/{name}.png", full_page=True)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_facets_beside_the_list_and_plots_on_the_patterns_page(page, live_server, language):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/incidents/")
    if page.locator("html").get_attribute("lang") != language:
        with page.expect_navigation():
            page.select_option("#language-select", language)
    facets = page.locator("aside.facets")
    assert facets.is_visible() and facets.locator("li a").count() > 3
    assert all(side > 0 for side in size(facets))
    shoot(page, f"list-{language}")
    first = facets.locator("section").first.locator("li a").first
    expected = int(first.locator("xpath=..").locator(".count").inner_text())
    first.click()
    page.wait_for_load_state()
    assert page.locator("table.incident-table tbody tr").count() == expected

    page.goto(f"{live_server.url}/patterns/")
    for chart in ("svg.bar-chart", "svg.line-chart >> nth=0", "svg.line-chart >> nth=1"):
        width, height = size(page.locator(chart))
        assert width > 200 and height > 150, chart
    assert page.locator("svg.bar-chart rect.bar").count() >= 1
    shoot(page, f"patterns-{language}")
    page.goto(f"{live_server.url}/action-items/?status=all")
    assert page.locator("table.action-item-table tbody tr").count() >= 1
    shoot(page, f"action-items-{language}")
