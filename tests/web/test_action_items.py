"""The action item list across incidents (/action-items/): order, filters, visibility, pages."""

import datetime
import re

import pytest
from django.utils import timezone

from incidents.models import ActionItem, Tag
from tests.factories import ActionItemFactory, IncidentFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def items(db):
    today = timezone.localdate()
    eks = IncidentFactory(title="EKS nodes NotReady")
    eks.tags.set([Tag.objects.get_or_create(name="eks")[0]])
    dns = IncidentFactory(title="DNS timeouts")
    draft = IncidentFactory(title="still a draft", status="draft")
    ActionItemFactory(incident=dns, title="later", owner="sato", due_date=today + 30 * DAY)
    ActionItemFactory(incident=eks, title="no date", owner="tanaka")
    ActionItemFactory(incident=eks, title="late", owner="Tanaka", due_date=today - 2 * DAY, kind="detect",
                      tracker="Bug 5554823")
    ActionItemFactory(incident=dns, title="very late", owner="sato", due_date=today - 9 * DAY, status="in_progress",
                      url="https://tracker.example.com/T-1")
    ActionItemFactory(incident=dns, title="soon", due_date=today + DAY, url="acme/api#42")
    ActionItemFactory(incident=eks, title="done already", owner="tanaka", due_date=today - 5 * DAY, status="done")
    ActionItemFactory(incident=draft, title="draft item", due_date=today - 20 * DAY)


def titles(page):
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    return re.findall(r"<tr[^>]*>\s*<td>([^<]+)</td>", body)


def test_unfinished_items_overdue_first_then_by_due_date_and_none_of_drafts(viewer_client, items):
    page = viewer_client.get("/action-items/").content.decode()
    assert titles(page) == ["very late", "late", "soon", "later", "no date"]
    assert page.count('<span class="overdue">') == 2 and "5 action items" in page
    assert "Bug 5554823" in page and 'href="https://tracker.example.com/T-1"' in page and "acme/api#42" in page
    eks = ActionItem.objects.get(title="late").incident
    assert f'href="/incidents/{eks.reference}/#action-items">{eks.reference}</a>' in page
    assert 'href="/action-items/"' in viewer_client.get("/incidents/").content.decode()  # in the main navigation


def test_an_editor_sees_the_items_of_drafts(editor_client, items):
    assert titles(editor_client.get("/action-items/").content.decode())[0] == "draft item"


@pytest.mark.parametrize("params, expected", [
    ({"owner": "TANAKA"}, ["late", "no date"]),
    ({"status": "all"}, ["very late", "late", "soon", "later", "no date", "done already"]),
    ({"status": "done"}, ["done already"]),
    ({"status": "in_progress"}, ["very late"]),
    ({"kind": "detect"}, ["late"]),
    ({"overdue": "on"}, ["very late", "late"]),
    ({"tag": "eks"}, ["late", "no date"]),
    ({"tag": "eks", "status": "all", "owner": "tanaka"}, ["late", "no date", "done already"]),
])
def test_filters(viewer_client, items, params, expected):
    assert titles(viewer_client.get("/action-items/", params).content.decode()) == expected


def test_a_bad_filter_value_is_a_field_error_and_lists_nothing(viewer_client, items):
    page = viewer_client.get("/action-items/", {"status": "bogus"}).content.decode()
    assert 'class="errorlist"' in page and titles(page) == []


def test_pages_keep_the_filters(viewer_client, items):
    incident = IncidentFactory()
    for number in range(55):
        ActionItemFactory(incident=incident, title=f"bulk {number}", owner="bulk")
    first = viewer_client.get("/action-items/", {"owner": "bulk"}).content.decode()
    assert len(titles(first)) == 50 and 'href="?owner=bulk&amp;page=2"' in first
    assert len(titles(viewer_client.get("/action-items/", {"owner": "bulk", "page": "2"}).content.decode())) == 5


def test_signed_out_is_sent_to_sign_in(client):
    assert client.get("/action-items/").status_code == 302


def test_an_items_title_is_inline_markdown_on_the_list_and_the_incident_page(viewer_client):
    incident = IncidentFactory(status="published")
    ActionItemFactory(incident=incident, title="`zmq4` を修正コミットに固定する <script>x</script>")
    for url in ("/action-items/", f"/incidents/{incident.reference}/"):
        page = viewer_client.get(url).content.decode()
        assert "<code>zmq4</code> を修正コミットに固定する &lt;script&gt;x&lt;/script&gt;" in page, url
        assert "`zmq4`" not in page
