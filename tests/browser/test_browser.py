"""In a real browser (Debian's Chromium driven by Playwright): reading, searching, and no script runs
from incident text. Skipped only when Chromium is missing and REQUIRE_BROWSER is not set."""

import datetime
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from incidents.actions.retrospectives import add_to_agenda
from incidents.models import Incident, SearchOpen, SearchRecord
from tests.factories import IncidentFactory, UserFactory

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still sync.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


def signed_in(browser, live_server, username, password):
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/incidents/")
    return page


@pytest.fixture
def page(browser, live_server):
    """Signed in as the demo editor, on the demo data (loaded for each test: live-server tests are transactional)."""
    call_command("load_demo")
    page = signed_in(browser, live_server, "demo", "demo")
    yield page
    page.context.close()


@pytest.fixture
def editor_page(browser, live_server):
    """Signed in as an editor, on an empty database: for tests that make their own incidents."""
    UserFactory(username="writer", role="editor")
    page = signed_in(browser, live_server, "writer", "pw")
    yield page
    page.context.close()


def test_search_then_read_the_incident_with_its_factor_chain(page, live_server):
    page.fill("#id_q", "ゾンビプロセス")
    page.press("#id_q", "Enter")
    eks = Incident.objects.get(title__contains="pid_max")
    assert page.locator("mark").first.inner_text().startswith("ゾンビ")
    page.click(f"text={eks.title}")
    page.wait_for_url(f"{live_server.url}/incidents/{eks.reference}/")
    # the result's link went through /search/open/ (no script): the search and the opening are logged
    assert list(SearchOpen.objects.values_list("query", "incident")) == [("ゾンビプロセス", eks.pk)]
    assert list(SearchRecord.objects.values_list("query", "source")) == [("ゾンビプロセス", "page")]
    graph = page.locator("svg.factor-graph >> visible=true")
    assert graph.is_visible()
    assert graph.locator("path.edge").count() == sum(f.leads_to.count() for f in eks.factors.all())
    page.wait_for_selector("#similar li")  # fetched after the page (js/related.js)
    assert page.locator("#similar li").count() >= 1


def test_markup_in_incident_text_never_runs(editor_page, live_server):
    page = editor_page
    incident = IncidentFactory(
        title="XSS を含む報告",
        summary="<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[link](javascript:alert(1))",
    )
    page.goto(f"{live_server.url}/incidents/{incident.reference}/")
    summary = page.locator("#summary").inner_text()
    assert "<script>alert(1)</script>" in summary and "<img src=x onerror=alert(1)>" in summary
    hrefs = page.locator("#summary a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert not [href for href in hrefs if (href or "").startswith("javascript:")]
    page.wait_for_timeout(300)
    assert page.dialogs == []
    assert page.locator("#summary script, #summary img").count() == 0


def test_write_an_incident_from_a_pasted_log_with_a_factor_chain(editor_page, live_server):
    page = editor_page
    page.click("a[href='/incidents/new/']")
    page.fill("#id_title", "決済 API の 502：upstream への接続拒否")
    page.select_option("#id_severity", "sev2")
    page.fill("#id_started_at", "2023-06-22T11:46:00")
    page.fill("#id_summary", "nginx から **upstream** へ接続できず、決済が 6 分間失敗した。")
    page.fill("#id_tags", "nginx, postmortem")

    page.click("details.log-paste summary")
    page.fill("#id_log-log", "2023/06/22 02:46:26 [error] 1234#0: *5 connect() failed (111: Connection refused)\n"
                             "    while connecting to upstream\n"
                             "2023-06-22T02:52:10Z upstream healthy again\n")
    page.fill("#id_log-date", "2023-06-22")
    page.fill("#id_log-zone", "UTC")
    page.click("button[value=parse_log]")
    assert page.locator("#timeline fieldset.row").count() == 2
    assert page.input_value("#id_timeline-0-occurred_at") == "2023-06-22 11:46:26"  # shown in Asia/Tokyo
    assert "while connecting to upstream" in page.input_value("#id_timeline-0-description")

    page.click("button[value='add:factors']")
    page.select_option("#id_factors-0-category", "resource-exhaustion")
    page.fill("#id_factors-0-description", "upstream のコネクションプールが枯渇")
    page.click("button[value='add:factors']")
    page.select_option("#id_factors-1-category", "dependency")
    page.fill("#id_factors-1-description", "決済 API が 502 を返す")
    page.click("button[value='add:factors']")  # a third, left blank, is not stored
    page.check("#factors fieldset.row >> nth=0 >> label.choice:has-text('F2')")
    page.click("button.primary[value=save]")

    incident = Incident.objects.get(title__startswith="決済 API")
    page.wait_for_url(f"{live_server.url}/incidents/{incident.reference}/")
    assert [e.occurred_at.isoformat() for e in incident.timeline.all()] == [
        "2023-06-22T02:46:26+00:00", "2023-06-22T02:52:10+00:00"]
    graph = page.locator("svg.factor-graph >> visible=true")
    assert graph.is_visible() and graph.locator("g.node").count() == 2 and graph.locator("path.edge").count() == 1
    assert "コネクションプールが枯渇" in graph.text_content()
    assert page.locator("#summary strong").inner_text() == "upstream"


def csp_violations(page):
    """Collect what the Content-Security-Policy refused on this page (Chromium reports each on the console)."""
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None)
    return refused


def test_the_language_switcher_changes_the_language_when_a_language_is_picked(editor_page, live_server):
    page = editor_page
    refused = csp_violations(page)
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("form.language noscript").count() == 1  # the button only shows without JavaScript
    page.select_option("#language-select", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.url == f"{live_server.url}/incidents/" and page.locator("h1").first.inner_text() == "Incidents"
    assert refused == []


def test_pages_run_under_the_content_security_policy(page, live_server):
    refused = csp_violations(page)
    eks = Incident.objects.get(title__contains="pid_max")
    aligned = IncidentFactory(summary="| left | middle | right |\n| :-- | :-: | --: |\n| a | b | c |")
    for url in [f"/incidents/{eks.reference}/", f"/incidents/{eks.reference}/edit/", "/retrospectives/", "/patterns/"]:
        page.goto(f"{live_server.url}{url}")
    shades = page.locator("svg.heatmap rect.cell").evaluate_all(
        "cells => cells.map(c => [c.getAttribute('fill-opacity'), getComputedStyle(c).fillOpacity])")
    assert all(float(given) == float(drawn) for given, drawn in shades)
    assert len({drawn for _, drawn in shades}) > 2, "cells are shaded by their count"
    page.goto(f"{live_server.url}/incidents/{aligned.reference}/")
    cells = page.locator("#summary td")
    aligns = [cells.nth(i).evaluate("c => getComputedStyle(c).textAlign") for i in range(3)]
    assert [align.removeprefix("-webkit-") for align in aligns] == ["left", "center", "right"]
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .opblock")  # Swagger UI started and read the schema
    assert refused == []


def test_an_action_item_shows_its_link_and_is_filed_on_github(editor_page, live_server):
    page = editor_page
    """What the link did, a sync problem, and "File on GitHub" (the request only asks: GITHUB_SYNC is off)."""
    from django.utils import timezone

    from incidents.models import ActionItem, GitHubIssueRequest, GitHubReference
    from tests.factories import ActionItemFactory

    incident = IncidentFactory(title="DNS の名前解決に失敗", status="published")
    done = ActionItemFactory(incident=incident, title="resolver の SERVFAIL 率を監視", url="acme/api#42")
    ActionItemFactory(incident=incident, title="TTL の見直し", url="")
    GitHubReference.objects.filter(pk=done.github_id).update(state="closed", state_reason="completed",
                                                            synced_at=timezone.now(), sync_error="GitHub unavailable, try 2 of 8 (HTTP 502)")
    ActionItem.objects.filter(pk=done.pk).update(status="done", link_event="closed", closed_by_link=True,
                                                 link_event_at=timezone.now())
    page.goto(f"{live_server.url}/incidents/{incident.reference}/")
    row = page.locator("#action-items tr", has_text="SERVFAIL")
    assert "acme/api#42 クローズ" in row.inner_text() and "GitHub との同期に失敗" in row.inner_text()
    if os.environ.get("SCREENSHOT_DIR"):
        page.locator("#action-items").screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/github-ja.png")
    other = page.locator("#action-items tr", has_text="TTL")
    other.locator("summary", has_text="GitHub に起票").click()
    other.locator("input[name=repository]").fill("acme/api")
    other.locator("input[name=labels]").fill("postmortem")
    other.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/incidents/{incident.reference}/#action-items")
    assert "acme/api に起票しています" in page.locator("#action-items tr", has_text="TTL").inner_text()
    assert GitHubIssueRequest.objects.get().labels == ["postmortem"]
    if os.environ.get("SCREENSHOT_DIR"):
        page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
        page.goto(f"{live_server.url}/incidents/{incident.reference}/")
        page.locator("#action-items").screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/github-en.png")


LEAVING_WARNS = """() => {
  const leaving = new Event("beforeunload", {cancelable: true});
  window.dispatchEvent(leaving);
  return leaving.defaultPrevented;
}"""


def test_one_save_keeps_every_meeting_note_and_leaving_unsaved_edits_warns(page, live_server):
    import datetime

    from incidents.models import Retrospective

    meeting = Retrospective.objects.create(title="ポストモーテム定例", date=datetime.date(2026, 11, 22),
                                           select_tag="postmortem")
    add_to_agenda(meeting, meeting.apply_selection())
    first, second = meeting.agenda.all()[:2]
    url = f"{live_server.url}/retrospectives/{meeting.pk}/"
    page.goto(url)
    assert not page.evaluate(LEAVING_WARNS)
    page.fill(f"#id_item-{first.pk}-notes", "一つ目のメモ")
    page.fill(f"#id_item-{second.pk}-decisions", "二つ目の決定")
    assert page.evaluate(LEAVING_WARNS), "typed and not saved: leaving asks first"
    page.click(f"#item-{first.pk} button[name=focus]")  # the first item's "Save notes"
    page.wait_for_url(f"{url}#item-{first.pk}")
    assert page.dialogs == [] and not page.evaluate(LEAVING_WARNS)  # saving did not ask, and nothing is unsaved
    page.reload()
    assert page.input_value(f"#id_item-{first.pk}-notes") == "一つ目のメモ"
    assert page.input_value(f"#id_item-{second.pk}-decisions") == "二つ目の決定"
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/agenda-ja.png", full_page=True)
        page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
        page.goto(url)
        page.screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/agenda-en.png", full_page=True)

    page.goto(f"{live_server.url}/incidents/{first.incident.reference}/edit/")
    assert not page.evaluate(LEAVING_WARNS)
    page.fill("#id_title", first.incident.title + "（改）")
    assert page.evaluate(LEAVING_WARNS), "the incident editor warns too"


def test_rows_are_added_in_place_with_the_cursor_in_them(page, live_server):
    """At 1366 px: "Add" makes a timeline row and an action item without a request, the cursor lands in
    each, and what was typed there is saved and shown on the incident page."""
    eks = Incident.objects.get(title__contains="pid_max")
    events, items = eks.timeline.count(), eks.action_items.count()
    page.set_viewport_size({"width": 1366, "height": 900})
    url = f"{live_server.url}/incidents/{eks.reference}/edit/"
    page.goto(url)
    requests = []
    # pages, form posts and fetches only (a favicon or a font the browser asks for is not a round trip)
    page.on("request", lambda request: requests.append(request.url)
            if request.resource_type in ("document", "xhr", "fetch") else None)

    page.click("button[value='add:timeline']")
    assert page.evaluate("document.activeElement.id") == f"id_timeline-{events}-occurred_at"
    page.keyboard.type("2023-11-28 23:45")
    page.fill(f"#id_timeline-{events}-description", "ノードを再起動して復旧を確認")
    factors = eks.factors.count()
    page.click("button[value='add:factors']")  # offered in every other factor's "leads to", and they in its
    assert page.locator(f"#factors-{factors} [data-leads-to] label.choice").count() == factors
    assert page.locator("#factors-0 [data-leads-to] label.choice").last.inner_text() == f"F{factors + 1}"
    page.click("button[value='add:action_items']")
    assert page.evaluate("document.activeElement.id") == f"id_actions-{items}-title"
    assert page.locator(f"#action_items-{items}").evaluate(
        "row => { const box = row.getBoundingClientRect(); return box.top >= 0 && box.bottom <= innerHeight; }")
    page.keyboard.type("pid_max の使用率をアラートにする")
    assert page.url == url and requests == [], "rows were added without asking the server"
    assert page.input_value("#id_timeline-TOTAL_FORMS") == str(events + 1)
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/edit-rows-ja.png")
        page.screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/edit-ja.png", full_page=True)

    page.click("button.primary[value=save]")
    page.wait_for_url(f"{live_server.url}/incidents/{eks.reference}/")
    assert "ノードを再起動して復旧を確認" in page.locator("#timeline").inner_text()
    assert "pid_max の使用率をアラートにする" in page.locator("#action-items").inner_text()
    assert eks.timeline.filter(occurred_at="2023-11-28T14:45:00Z").exists()
    if os.environ.get("SCREENSHOT_DIR"):
        page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
        page.goto(url)
        page.click("button[value='add:timeline']")
        page.screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/edit-rows-en.png")
        page.screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/edit-en.png", full_page=True)


# Every whitespace-separated word of a header, or of a cell shorter than SHORT_CELL characters, whose
# glyphs sit on more than one line: a word the layout split ("Owne r", 「予/防」).
SPLIT_WORDS = """(shortCell) => {
  const split = [];
  for (const cell of document.querySelectorAll("table th, table td")) {
    if (cell.tagName !== "TH" && cell.innerText.trim().length >= shortCell) continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (tops.size > 1) split.push(word[0]);
      }
    }
  }
  return split;
}"""
SHORT_CELL = 12


def test_headers_and_short_cells_never_wrap_inside_a_word(page, live_server):
    """At a laptop's 1366 px, in Japanese and English: the incident list, an incident with action items, and a
    retrospective's agenda, the patterns. The favicon is found (no 404 on the console)."""
    from incidents.models import Retrospective
    from tests.factories import ActionItemFactory

    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.set_viewport_size({"width": 1366, "height": 900})
    eks = Incident.objects.get(title__contains="pid_max")
    ActionItemFactory(incident=eks, title="kubelet の --max-pods と pid_max の関係を runbook に書く", owner="tanaka")
    meeting = Retrospective.objects.create(title="ポストモーテム定例", date=datetime.date(2026, 11, 22), facilitator="tanaka",
                                           select_tag="postmortem")
    add_to_agenda(meeting, meeting.apply_selection())
    pages = {"list": "/incidents/", "incident": f"/incidents/{eks.reference}/", "agenda": f"/retrospectives/{meeting.pk}/",
             "patterns": "/patterns/"}
    shots = os.environ.get("SCREENSHOT_DIR")
    for language in ["ja", "en"]:
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        for name, url in pages.items():
            page.goto(f"{live_server.url}{url}")
            assert page.locator("html").get_attribute("lang") == language
            assert page.locator("table th").count() > 0
            assert page.evaluate(SPLIT_WORDS, SHORT_CELL) == [], f"{language} {url}"
            if shots:
                page.screenshot(path=f"{shots}/{name}-{language}.png", full_page=True)
    assert errors == []
