"""In a real browser (Debian's Chromium driven by Playwright): reading, searching, and no script runs
from incident text. Skipped only when Chromium is missing and REQUIRE_BROWSER is not set."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

from incidents.models import Incident
from tests.factories import IncidentFactory

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


@pytest.fixture
def page(browser, live_server):
    call_command("load_demo")
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "demo")
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/incidents/")
    yield page
    context.close()


def test_search_then_read_the_incident_with_its_factor_chain(page, live_server):
    page.fill("#id_q", "ゾンビプロセス")
    page.press("#id_q", "Enter")
    eks = Incident.objects.get(title__contains="pid_max")
    assert page.locator("mark").first.inner_text().startswith("ゾンビ")
    page.click(f"text={eks.title}")
    page.wait_for_url(f"{live_server.url}/incidents/{eks.reference}/")
    graph = page.locator("svg.factor-graph")
    assert graph.is_visible()
    assert graph.locator("line.edge").count() == sum(f.leads_to.count() for f in eks.factors.all())
    assert page.locator("#similar li").count() >= 1


def test_markup_in_incident_text_never_runs(page, live_server):
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
