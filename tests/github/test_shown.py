"""What people see of GitHub: the item's state and what moved it on the incident page and in the API, sync
problems, follow-up issues filed from an action item — and no web request waits for GitHub."""

import time

import pytest
from django.utils import timezone

from incidents import background
from incidents.actions.github import poll
from incidents.models import ActionItem, GitHubIssueRequest, GitHubReference
from tests.conftest import wait_for
from tests.factories import ActionItemFactory, IncidentFactory, LinkFactory


def published(**kwargs):
    return IncidentFactory(status="published", **kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize("error, gone, shown", [
    ("GitHub unavailable, try 2 of 8 (<urlopen error [Errno 111] Connection refused>)", False,
     "GitHub との同期に失敗: GitHub に接続できませんでした。しばらくしてから再試行します。"),
    ("GitHub unavailable, gave up after 8 tries (HTTP 502)", False,
     "GitHub との同期に失敗: GitHub に何度も接続できませんでした。次の定期同期で再試行します。"),
    ("refused by GitHub (HTTP 403: Resource protected by organization SAML enforcement)", False,
     "GitHub との同期に失敗: GitHub にアクセスを拒否されました。管理者が GitHub トークンを確認してください。"),
    ("GitHub rate limit: waiting until 2026-11-01 10:00:00 UTC", False,
     "GitHub との同期に失敗: GitHub のレート制限のため待機中です。後で同期します。"),
    ("not found on GitHub (HTTP 404)", True, "GitHub から消えています: 削除されたか、見つかりません。"),
])
def test_a_sync_problem_is_told_in_the_readers_language_with_the_detail_in_a_title(viewer_client, error, gone, shown):
    incident = published()
    item = ActionItemFactory(incident=incident, title="Reap zombies", url="acme/api#42")
    GitHubReference.objects.filter(pk=item.github_id).update(sync_error=error, gone=gone, synced_at=timezone.now())
    page = viewer_client.get(f"/incidents/{incident.reference}/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    page = page.replace("&#x27;", "'").replace("&lt;", "<").replace("&gt;", ">")
    assert f'title="{error}">⚠ {shown}' in page
    assert page.count(error) == 1 and "Errno" not in page.split(f'title="{error}">')[1]


@pytest.mark.django_db
def test_page_and_api_show_what_the_link_did_and_sync_problems(fake_github, viewer_client, viewer_api):
    incident = published()
    item = ActionItemFactory(incident=incident, title="Reap zombies", url="DataDog/datadog-agent#13019")
    LinkFactory(incident=incident, url="o/r#1", relation="related")
    GitHubReference.objects.update(due_at=timezone.now())
    poll.drain()
    page = viewer_client.get(f"/incidents/{incident.reference}/").content.decode()
    assert "Done" in page and "— DataDog/datadog-agent#13019 merged 2026-11-01" in page
    assert "gone from GitHub: GitHub says it was deleted or cannot be found." in page

    document = viewer_api.get(f"/api/v1/incidents/{incident.pk}/").json()
    (action_item,) = document["action_items"]
    assert action_item["status"] == "done"
    assert action_item["followed"]["event"] == "merged" and action_item["followed"]["closed_by_link"] is True
    assert action_item["followed"]["note"] == "DataDog/datadog-agent#13019 merged 2026-11-01"
    github_block = action_item["github"]
    assert {key: github_block[key] for key in ("owner", "repo", "number", "kind", "state", "state_reason", "sync_error")} == {
        "owner": "DataDog", "repo": "datadog-agent", "number": 13019, "kind": "pull", "state": "merged",
        "state_reason": "", "sync_error": ""}
    assert github_block["synced_at"]
    (link,) = document["links"]
    assert link["github"]["sync_error"].startswith("not found on GitHub")
    assert ActionItem.objects.get(pk=item.pk).status == "done"


@pytest.mark.django_db
def test_an_editor_files_a_follow_up_issue_and_it_is_linked(fake_github, editor_client, django_capture_on_commit_callbacks):
    incident = published(title="DNS が引けない")
    item = ActionItemFactory(incident=incident, title="Alert on resolver SERVFAIL rate", url="", owner="tanaka")
    with django_capture_on_commit_callbacks(execute=False):  # the request itself sends nothing
        response = editor_client.post(f"/incidents/{incident.reference}/action-items/{item.pk}/github-issue/",
                                      {"repository": "acme/api", "labels": "postmortem, follow-up"})
    assert response.status_code == 302 and fake_github.requests == []
    request = GitHubIssueRequest.objects.get()
    assert request.status == "pending" and request.labels == ["postmortem", "follow-up"]
    assert "Being filed on acme/api" in editor_client.get(f"/incidents/{incident.reference}/").content.decode()
    assert poll.drain() == {"issue-filed": 1}
    ((owner, repo, posted),) = fake_github.posted
    assert (owner, repo, posted["title"], posted["labels"]) == ("acme", "api", "Alert on resolver SERVFAIL rate",
                                                                ["postmortem", "follow-up"])
    assert f"Follow-up from {incident.reference}: DNS が引けない" in posted["body"]
    assert f"/incidents/{incident.reference}/" in posted["body"] and "Owner: tanaka" in posted["body"]
    item = ActionItem.objects.select_related("github").get(pk=item.pk)
    assert item.url == "https://github.com/acme/api/issues/101"
    assert (item.github.short, item.github.state, item.github.title) == ("acme/api#101", "open", item.title)
    assert GitHubIssueRequest.objects.get().status == "done"
    assert poll.drain() == {}  # filed once


@pytest.mark.django_db
def test_filing_errors_are_shown_plainly(fake_github, editor_client):
    incident = published()
    item = ActionItemFactory(incident=incident, url="")
    fake_github.forbidden.add(("acme", "secret"))
    editor_client.post(f"/incidents/{incident.reference}/action-items/{item.pk}/github-issue/", {"repository": "acme/secret"})
    poll.drain()
    page = editor_client.get(f"/incidents/{incident.reference}/").content.decode()
    assert "Filing on acme/secret failed" in page and "check GITHUB_TOKEN" in page
    assert "File on GitHub" in page  # may be asked again
    response = editor_client.post(f"/incidents/{incident.reference}/action-items/{item.pk}/github-issue/",
                                  {"repository": "not a repository"}, follow=True)
    assert "is not a repository: write OWNER/REPO" in response.content.decode()


@pytest.mark.django_db
def test_a_filing_interrupted_mid_call_is_not_sent_twice(fake_github):
    item = ActionItemFactory(url="")
    GitHubIssueRequest.objects.create(incident=item.incident, action_item=item, item_title=item.title, owner="acme",
                                      repo="api", title=item.title, status="sending",
                                      sent_at=timezone.now() - timezone.timedelta(hours=1))
    poll.drain()
    request = GitHubIssueRequest.objects.get()
    assert request.status == "failed" and "check the repository" in request.error
    assert fake_github.posted == []


@pytest.mark.django_db
def test_viewers_cannot_file_issues(fake_github, viewer_client):
    incident = published()
    item = ActionItemFactory(incident=incident, url="")
    assert "File on GitHub" not in viewer_client.get(f"/incidents/{incident.reference}/").content.decode()
    response = viewer_client.post(f"/incidents/{incident.reference}/action-items/{item.pk}/github-issue/", {"repository": "acme/api"})
    assert response.status_code == 403 and not GitHubIssueRequest.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_no_web_request_waits_for_a_slow_github(fake_github, settings, user, api_as):
    """The embedded default (no broker): the background thread of the app process calls GitHub."""
    settings.GITHUB_TIMEOUT_SECONDS = 10
    fake_github.delay = 3
    runner = background.start()
    try:
        api = api_as(user("editor", username="writer"))
        started = time.monotonic()
        response = api.post("/api/v1/incidents/", {"title": "x", "action_items": [
            {"title": "Reap zombies", "url": "DataDog/datadog-agent#13019"}]}, format="json")
        elapsed = time.monotonic() - started
        assert response.status_code == 201 and elapsed < 2, elapsed
        assert response.json()["action_items"][0]["github"]["synced_at"] is None
        assert wait_for(lambda: ActionItem.objects.get().status == "done", seconds=20)
    finally:
        background.stop()
    assert runner.runs >= 1
