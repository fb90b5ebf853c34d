"""In Chromium: the import preview of a Japanese SRE-template write-up, at 1366 px and 390 px in both languages —
it lists where each part lands and is no wider than the viewport. Screenshots go to SCREENSHOT_DIR when set."""

import os
from pathlib import Path

import pytest

from tests.browser import test_browser

pytestmark = pytest.mark.django_db(transaction=True)
browser, editor_page = test_browser.browser, test_browser.editor_page  # one browser for the module
FIXTURE = Path(__file__).parents[1] / "imports" / "fixtures" / "ja_sre_template.md"
WIDE = """width => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > width + 1)
    .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""
WORDS = {"ja": ("各部分の行き先", "補足情報", "リンク"), "en": ("Where each part will land", "補足情報", "Links")}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_preview_fits_and_says_where_each_part_lands(editor_page, live_server, language):
    page = editor_page
    page.goto(f"{live_server.url}/incidents/import/")
    if page.locator("html").get_attribute("lang") != language:
        with page.expect_navigation():
            page.select_option("#language-select", language)
    page.set_input_files("input[type=file]", str(FIXTURE))
    with page.expect_navigation():
        page.locator("form.import-form button[type=submit]").click()
    heading, section, target = WORDS[language]
    outline = page.locator("details.import-outline")
    assert page.get_by_text(heading).is_visible() and outline.get_attribute("open") is not None
    assert outline.locator("li", has_text=section).first.inner_text().endswith(target)
    assert outline.locator(".outline-kind").count() >= 5 + 5 + 2  # timeline rows, action items, factors
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        if os.environ.get("SCREENSHOT_DIR"):
            page.screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/import-preview-{language}-{width}.png", full_page=True)
        wide = page.evaluate(WIDE, width)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, wide
