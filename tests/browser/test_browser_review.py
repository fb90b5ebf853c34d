"""In Chromium, both languages, at 1366 and 390 px: the review panel of a one-person team (how to get a
reviewer), the "Waiting for your review" box, the history with its restore confirmation, and an agenda
reorder that keeps the notes being typed. No page is wider than the window. Screenshots go to
SCREENSHOT_DIR when it is set."""

import os

import pytest
from django.contrib.auth import get_user_model

from incidents.actions import reviews
from incidents.actions.incidents import save_incident
from incidents.actions.retrospectives import add_to_agenda
from incidents.models import Incident
from tests.browser import test_browser
from tests.factories import IncidentFactory, RetrospectiveFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
browser, page = test_browser.browser, test_browser.page  # one browser for the module; signed in as demo


def shoot(page, name):
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/{name}.png", full_page=True)


def fits(page, width, selector=None):
    """The page (or, where the page's other parts are another item's to fix, the part this test is about) is
    no wider than the window."""
    if selector is None:
        assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
    else:
        box = page.locator(selector).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (page.url, selector, box)
        assert page.locator(selector).evaluate("e => e.scrollWidth <= e.clientWidth"), (page.url, selector)


@pytest.mark.parametrize("width", [1366, 390])
@pytest.mark.parametrize("language", ["ja", "en"])
def test_review_history_and_agenda(page, live_server, language, width):
    page.set_viewport_size({"width": width, "height": 900})
    if page.locator("html").get_attribute("lang") != language:
        with page.expect_navigation():
            page.select_option("#language-select", language)
    demo = get_user_model().objects.get(username="demo")
    draft = Incident.objects.get(status="draft")
    draft.authors.set([demo])
    page.goto(f"{live_server.url}/incidents/{draft.reference}/")
    note = page.locator("#review .no-reviewer")
    assert note.is_visible()
    assert "POSTMORTEM_REVIEW_REQUIRED=0" in note.inner_text()
    fits(page, width, "#review")
    note.scroll_into_view_if_needed()
    shoot(page, f"review-alone-{language}-{width}")

    writer = UserFactory(username=f"writer-{language}-{width}", role="editor")
    asked = IncidentFactory(status="draft", title="DNS の名前解決が遅延した")
    asked.authors.set([writer])
    reviews.request_review(asked, [demo], by=writer)
    page.goto(f"{live_server.url}/incidents/")
    waiting = page.locator(".waiting-review")
    assert waiting.is_visible() and asked.reference in waiting.inner_text()
    fits(page, width)
    shoot(page, f"waiting-review-{language}-{width}")

    save_incident(draft, {"severity": "sev1", "summary": draft.summary + " 追記", "tags": ["dns", "review"]}, user=demo)
    page.goto(f"{live_server.url}/incidents/{draft.reference}/history/")
    assert page.locator(".revision").first.locator("del").first.is_visible()
    fits(page, width)
    shoot(page, f"history-{language}-{width}")
    page.locator(".revision a.button").first.click()
    page.wait_for_load_state()
    assert page.locator("form button.primary").is_visible()
    fits(page, width)
    shoot(page, f"restore-confirm-{language}-{width}")

    meeting = RetrospectiveFactory(title="定例")
    first, second = Incident.objects.filter(status="published")[:2]
    add_to_agenda(meeting, [first, second])
    page.goto(f"{live_server.url}/retrospectives/{meeting.pk}/")
    item = meeting.agenda.get(incident=first)
    page.fill(f"#id_item-{item.pk}-notes", "書きかけのメモ")
    with page.expect_navigation():
        page.locator(f"button[value='down:{item.pk}']").click()
    assert page.dialogs == []  # no "leave the page?" prompt
    assert page.input_value(f"#id_item-{item.pk}-notes") == "書きかけのメモ"
    assert list(meeting.agenda.values_list("incident", flat=True)) == [second.pk, first.pk]
    fits(page, width, "#notes")
    shoot(page, f"agenda-{language}-{width}")
