"""Layout in a real browser: the main pages at a laptop's 1366 px and a phone's 390 px, in Japanese and
English, are never wider than the window; header links and short table cells never break inside a word."""

import datetime
import os

import pytest
from django.core.management import call_command

from incidents.actions.retrospectives import add_to_agenda
from incidents.models import Incident, Retrospective
from tests.browser.test_browser import SHORT_CELL, SPLIT_WORDS, browser, signed_in
from tests.factories import ActionItemFactory

__all__ = ["browser"]  # the module's Chromium: test_browser's fixture, shared by import

pytestmark = pytest.mark.django_db(transaction=True)

# Header links and buttons whose text sits on more than one line ("通/知", "サインア/ウト").
BROKEN_HEADER_LINKS = """() => [...document.querySelectorAll(".site-header a, .site-header button")].filter(link => {
  const range = document.createRange();
  range.selectNodeContents(link);
  return new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size > 1;
}).map(link => link.innerText)"""


def demo_pages():
    """The demo data plus what a newcomer writes: Japanese action items with a tracker and a long title, and a
    retrospective whose agenda holds the incidents; the pages to look at, by name."""
    call_command("load_demo")
    eks = Incident.objects.get(title__contains="pid_max")
    ActionItemFactory(incident=eks, title="kubelet の --max-pods と pid_max の関係を runbook に書き、"
                                          "ノードごとのプロセス数の上限を監視ダッシュボードに追加する",
                      owner="田中", kind="prevent", due_date=datetime.date(2023, 12, 20), tracker="JIRA-1234")
    ActionItemFactory(incident=eks, title="ゾンビプロセスを回収しないコンテナイメージを棚卸しする", owner="山田",
                      kind="detect", url="https://tracker.example.com/browse/OPS-77", tracker="OPS-77")
    meeting = Retrospective.objects.create(title="ポストモーテム定例", date=datetime.date(2026, 11, 22),
                                           facilitator="田中", select_tag="postmortem")
    add_to_agenda(meeting, meeting.apply_selection())
    return {"list": "/incidents/", "search": "/incidents/?q=%E3%82%BE%E3%83%B3%E3%83%93",
            "incident": f"/incidents/{eks.reference}/", "edit": f"/incidents/{eks.reference}/edit/",
            "action-items": "/action-items/", "patterns": "/patterns/", "retrospectives": "/retrospectives/",
            "agenda": f"/retrospectives/{meeting.pk}/", "not-found": "/incidents/INC-99999/"}


def test_main_pages_fit_the_window_and_words_stay_whole(browser, live_server):
    pages = demo_pages()
    page = signed_in(browser, live_server, "demo", "demo")
    shots = os.environ.get("SCREENSHOT_DIR")
    problems = []
    for width in [1366, 390]:
        page.set_viewport_size({"width": width, "height": 900})
        for language in ["ja", "en"]:
            page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
            for name, url in pages.items():
                page.goto(f"{live_server.url}{url}")
                where = f"{name} {language} {width}px"
                assert page.locator("html").get_attribute("lang") == language
                scroll_width = page.evaluate("document.documentElement.scrollWidth")
                if scroll_width > width:
                    problems.append(f"{where}: {scroll_width} px wide")
                if broken := page.evaluate(BROKEN_HEADER_LINKS):
                    problems.append(f"{where}: header links broken {broken}")
                if split := page.evaluate(SPLIT_WORDS, SHORT_CELL):
                    problems.append(f"{where}: words split in cells {split}")
                if shots:
                    page.screenshot(path=f"{shots}/layout-{name}-{language}-{width}.png", full_page=True)
    page.context.close()
    assert not problems, "\n".join(problems)


def test_the_tracker_column_of_action_items_is_on_screen(browser, live_server):
    demo_pages()
    page = signed_in(browser, live_server, "demo", "demo")
    for width in [1366, 390]:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/action-items/?owner=%E7%94%B0%E4%B8%AD")  # 田中
        tracker = page.get_by_text("JIRA-1234")
        box = tracker.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, width
        title = page.get_by_text("監視ダッシュボードに追加する", exact=False)
        assert title.bounding_box()["width"] <= width
    page.context.close()
