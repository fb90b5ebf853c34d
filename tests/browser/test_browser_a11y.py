"""Accessibility in a real browser: axe-core (vendored under tests/browser/vendor/axe-core, never served)
on every main page, in Japanese at 390 px and English at 1366 px, finds no serious or critical WCAG 2.1 A/AA violation."""

import json
from pathlib import Path

import pytest

from tests.browser.test_browser import browser
from tests.browser.test_browser_layout import demo_pages
from tests.factories import UserFactory

__all__ = ["browser"]  # the module's Chromium: test_browser's fixture, shared by import

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " " + n.failureSummary)}));
}"""


def violations(page):
    # The app's CSP allows scripts from itself only: axe comes in through a context that bypasses the CSP.
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE)


def test_main_pages_have_no_serious_accessibility_violation(browser, live_server):
    pages = demo_pages()
    pages.update({"people": "/people/", "slack": "/people/slack/", "severities": "/settings/severities/",
                  "types": "/settings/types/", "type": "/settings/types/postmortem/", "import": "/incidents/import/",
                  "notifications": "/accounts/notifications/", "token": "/accounts/token/"})
    UserFactory(username="kanri", role="admin")
    found = {}
    # Japanese on a phone, English on a laptop: what scrolls sideways at 390 px must be reachable by keyboard
    for language, width in [("ja", 390), ("en", 1366)]:
        context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", bypass_csp=True,
                                      viewport={"width": width, "height": 900})
        context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        if problems := violations(page):
            found[f"sign-in {language} {width}"] = problems
        page.fill("#id_username", "kanri")
        page.fill("#id_password", "pw")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/incidents/")
        for name, url in pages.items():
            page.goto(f"{live_server.url}{url}")
            assert page.locator("html").get_attribute("lang") == language
            if problems := violations(page):
                found[f"{name} {language} {width}"] = problems
        context.close()
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
