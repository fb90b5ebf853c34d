"""In a real browser, at 1366 and 390 px in both languages: a broken GitHub link on an action item is explained
next to its box in the page's language, within the screen; a GitHub sync problem reads as a sentence, with
GitHub's technical answer only in the tooltip. Skipped only when Chromium is missing and REQUIRE_BROWSER is
not set."""

import os

import pytest
from django.utils import timezone

from incidents.models import GitHubReference
from tests.factories import ActionItemFactory, IncidentFactory, UserFactory
from tests.browser.test_browser import browser  # noqa: F401 - the module's Chromium

pytestmark = pytest.mark.django_db(transaction=True)
ERRNO = "GitHub unavailable, try 2 of 8 (<urlopen error [Errno 111] Connection refused>)"
WORDS = {
    "en": ("is not a valid GitHub issue or pull request (OWNER/REPO#N or",
           "GitHub sync failed: GitHub could not be reached; it will be tried again shortly."),
    "ja": ("は GitHub の issue / pull request として正しくありません (OWNER/REPO#N か",
           "GitHub との同期に失敗: GitHub に接続できませんでした。しばらくしてから再試行します。"),
}


@pytest.mark.parametrize("language", ["en", "ja"])
def test_link_error_and_sync_problem_in_the_page_language_within_the_screen(browser, live_server, language):
    UserFactory(username="writer", role="editor")
    incident = IncidentFactory(title="DNS の名前解決に失敗", status="published")
    item = ActionItemFactory(incident=incident, title="resolver の SERVFAIL 率を監視", url="acme/api#42")
    GitHubReference.objects.filter(pk=item.github_id).update(sync_error=ERRNO, synced_at=timezone.now())
    context = browser.new_context(locale={"en": "en-US", "ja": "ja-JP"}[language], timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "writer")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/incidents/")
    link_error, sync_problem = WORDS[language]
    shots = os.environ.get("SCREENSHOT_DIR")
    try:
        for width in (1366, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{live_server.url}/incidents/{incident.reference}/")
            note = page.locator(".sync-error").first
            assert sync_problem in note.inner_text() and "Errno" not in note.inner_text()
            assert note.get_attribute("title") == ERRNO
            if shots:
                page.locator("#action-items").screenshot(path=f"{shots}/sync-{language}-{width}.png")

            page.goto(f"{live_server.url}/incidents/{incident.reference}/edit/")
            page.fill("#id_actions-0-url", "https://github.com/acme/api/issues/abc")
            page.click("button.primary[value=save]")
            error = page.locator(".errorlist", has_text=link_error)
            assert error.count() == 1
            box = error.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, box  # wraps within the screen
            if shots:
                error.scroll_into_view_if_needed()
                page.screenshot(path=f"{shots}/link-error-{language}-{width}.png")
    finally:
        context.close()
