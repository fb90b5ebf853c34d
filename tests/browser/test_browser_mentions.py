"""In a real browser, in both languages: typing "@ya" in the comment box lists the people who may see the
incident as an ARIA listbox under it; ↓ and Enter pick one, and posting tells the author who was notified in
the page's language, with the mention highlighted; a comment posted on a timeline row shows beside it with
the count on the section. Skipped only when Chromium is missing and
REQUIRE_BROWSER is not set."""

import pytest

from tests.browser.test_browser import browser, csp_violations  # noqa: F401 - the module's Chromium
from tests.factories import IncidentFactory, TimelineEventFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def on_the_incident_page(browser, live_server, language, incident):
    """(context, page, CSP violations) of "writer" signed in, on ``incident``'s page in ``language``."""
    context = browser.new_context(locale={"en": "en-US", "ja": "ja-JP"}[language], timezone_id="Asia/Tokyo")
    page = context.new_page()
    refused = csp_violations(page)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "writer")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/incidents/")
    page.goto(f"{live_server.url}/incidents/{incident.reference}/")
    return context, page, refused
WORDS = {"en": ("People to mention", "Notified: @yasuda."), "ja": ("メンションする人", "通知しました: @yasuda。")}


@pytest.mark.parametrize("language", ["en", "ja"])
def test_mention_autocomplete_by_keyboard(browser, live_server, language):
    UserFactory(username="writer", role="editor")
    UserFactory(username="yamada", role="viewer", first_name="Taro", last_name="Yamada", email="yamada@example.com")
    UserFactory(username="yasuda", role="editor", first_name="Hanako", last_name="Yasuda", email="yasuda@example.com")
    incident = IncidentFactory(title="DNS の名前解決に失敗", status="draft")  # yamada, a viewer, may not see a draft
    context, page, refused = on_the_incident_page(browser, live_server, language, incident)
    try:
        box = page.locator("#comments textarea")
        box.click()
        box.press_sequentially("Could @ya")
        listbox = page.get_by_role("listbox", name=WORDS[language][0])
        options = listbox.get_by_role("option")
        options.first.wait_for()
        assert options.all_inner_texts() == ["@yasuda Hanako Yasuda"]
        assert box.get_attribute("aria-expanded") == "true"
        assert box.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
        assert options.first.get_attribute("aria-selected") == "true"
        box.press("ArrowDown")  # one option: back to it
        box.press("Enter")
        assert box.input_value() == "Could @yasuda " and listbox.is_hidden()
        box.press_sequentially("check?")
        page.locator("#comments button[type=submit]").click()
        page.wait_for_url(f"{live_server.url}/incidents/{incident.reference}/#comments")
        assert WORDS[language][1] in page.locator(".message").all_inner_texts()
        assert page.locator(".comment .mention").inner_text() == "@yasuda"
        assert refused == []
    finally:
        context.close()


@pytest.mark.parametrize("language", ["en", "ja"])
def test_an_anchored_comment_beside_a_timeline_row(browser, live_server, language):
    UserFactory(username="writer", role="editor")
    UserFactory(username="yasuda", role="editor", first_name="Hanako", last_name="Yasuda")
    incident = IncidentFactory(title="DNS の名前解決に失敗", status="published")
    event = TimelineEventFactory(incident=incident, description="resolver を再起動")
    start, count = {"en": ("Comment on this", "1 comment"), "ja": ("この行にコメント", "コメント 1 件")}[language]
    context, page, refused = on_the_incident_page(browser, live_server, language, incident)
    try:
        thread = page.locator(f"#thread-timeline-{event.pk}")
        thread.locator("summary").click()
        box = thread.get_by_label(start)
        box.press_sequentially("@yas")
        thread.get_by_role("option").first.wait_for()
        box.press("Enter")
        box.press_sequentially("再起動の理由は?")
        thread.get_by_role("button").last.click()
        page.wait_for_url(f"{live_server.url}/incidents/{incident.reference}/#thread-timeline-{event.pk}")
        row = page.locator("#timeline li", has_text="resolver を再起動")
        assert row.locator(".row-thread .comment .prose").inner_text() == "@yasuda 再起動の理由は?"
        assert row.locator(".row-thread .mention").inner_text() == "@yasuda"
        assert page.locator("#timeline h2 .thread-count").inner_text() == count
        assert page.locator("#comments .comment").count() == 0  # not in the general discussion
        assert refused == []
    finally:
        context.close()
