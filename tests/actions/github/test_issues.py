"""incidents.actions.github_issues: asking for a follow-up issue (the refusals people read, the issue's text),
filing what waits (GitHub answers through a stand-in for client.create_issue) and linking the new issue to
the action item, found again by its title when the incident was saved meanwhile."""

import datetime

import pytest
from django.utils import timezone

from incidents.actions.github import issues as github_issues
from incidents.github import client
from incidents.models import ActionItem, GitHubIssueRequest, GitHubPause, GitHubReference, Incident
from tests.factories import ActionItemFactory, IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db
CLOSED_AT = datetime.datetime(2026, 11, 3, 16, 20, tzinfo=datetime.timezone.utc)


@pytest.fixture(autouse=True)
def _nothing_drained(monkeypatch):
    monkeypatch.setattr("incidents.jobs.drain_github", lambda: None)


def remote(html_url="https://github.com/acme/api/issues/77", state="open"):
    return client.Remote(owner="acme", repo="api", number=77, kind="issue", title="Add a retry budget",
                         state=state, state_reason="", changed_at=CLOSED_AT, etag='W/"e1"', html_url=html_url,
                         exhausted_until=None)


@pytest.fixture
def github(monkeypatch):
    """client.create_issue answering with ``answer`` (a Remote, or an exception to raise); records the calls."""
    class Stand:
        answer = remote()
        calls = []

    def create_issue(owner, repo, title, body, labels=()):
        Stand.calls.append((owner, repo, title, body, list(labels)))
        Stand.seen = list(GitHubIssueRequest.objects.values_list("status", "sent_at"))  # while GitHub is asked
        if isinstance(Stand.answer, Exception):
            raise Stand.answer
        return Stand.answer

    monkeypatch.setattr(client, "create_issue", create_issue)
    return Stand


def an_item(**fields):
    return ActionItemFactory(incident=IncidentFactory(title="Cache failover"), title="Add a retry budget", **fields)


# Asking


@pytest.mark.parametrize("repository", ["nope", "", None, "acme/", "/api", "a b/c", "acme/api#5"])
def test_not_a_repository(repository):
    with pytest.raises(ValueError) as refused:
        github_issues.request_issue(an_item(), repository)
    assert str(refused.value) == f"{repository!r} is not a repository: write OWNER/REPO."
    assert not GitHubIssueRequest.objects.exists()


def test_an_item_already_linked_or_already_asked_for_is_refused():
    with pytest.raises(ValueError) as refused:
        github_issues.request_issue(an_item(url="acme/api#42"), "acme/api")
    assert str(refused.value) == "This action item is already linked to acme/api#42."
    item = an_item()
    github_issues.request_issue(item, "acme/api")
    with pytest.raises(ValueError) as refused:
        github_issues.request_issue(item, "acme/api")
    assert str(refused.value) == "An issue for this action item is already being filed."
    GitHubIssueRequest.objects.update(status=GitHubIssueRequest.Status.SENDING)
    with pytest.raises(ValueError):
        github_issues.request_issue(item, "acme/api")
    GitHubIssueRequest.objects.update(status=GitHubIssueRequest.Status.FAILED)
    assert github_issues.request_issue(item, "acme/api").status == GitHubIssueRequest.Status.PENDING


def test_the_issue_says_where_it_comes_from_who_owns_it_and_when_it_is_due():
    item = an_item(owner="tanaka", due_date=datetime.date(2026, 12, 1))
    labels = [" postmortem ", "", "  "] + [f"l{n}" for n in range(12)]
    asker = UserFactory(username="asker")
    request = github_issues.request_issue(item, " acme/api ", labels=labels, incident_url="https://pm.example.com/x/",
                                          user=asker)
    assert GitHubIssueRequest.objects.get().requested_by == asker
    assert (request.owner, request.repo, request.title, request.item_title) == ("acme", "api", "Add a retry budget",
                                                                                "Add a retry budget")
    assert request.body == (f"Follow-up from {item.incident.reference}: Cache failover\n\nhttps://pm.example.com/x/\n\n"
                            "Owner: tanaka\nDue: 2026-12-01")
    assert request.labels == ["postmortem"] + [f"l{n}" for n in range(9)]


def test_without_owner_due_date_or_page_the_issue_has_only_its_origin():
    item = an_item()
    assert github_issues.request_issue(item, "acme/api").body == f"Follow-up from {item.incident.reference}: Cache failover"


# Filing and linking


def test_a_filed_issue_is_linked_to_its_item_which_follows_it(github):
    item = an_item()
    request = github_issues.request_issue(item, "acme/api", labels=["postmortem"])
    version = Incident.objects.get(pk=item.incident_id).version
    assert github_issues.file_pending_issues() == {"issue-filed": 1}
    assert github.calls == [("acme", "api", "Add a retry budget", request.body, ["postmortem"])]
    item = ActionItem.objects.get(pk=item.pk)
    assert (item.url, item.status) == ("https://github.com/acme/api/issues/77", "open")
    reference = GitHubReference.objects.get()
    assert (reference.title, reference.state, reference.changed_at, reference.kind, reference.etag) == (
        "Add a retry budget", "open", CLOSED_AT, "issue", 'W/"e1"')
    assert Incident.objects.get(pk=item.incident_id).version == version + 1  # an editor's old copy now conflicts
    request = GitHubIssueRequest.objects.get()
    assert (request.status, request.issue_url, request.error, request.action_item_id) == (
        "done", "https://github.com/acme/api/issues/77", "", item.pk)
    assert github_issues.file_issue(request.pk) == ""  # done: never sent again
    ((status, sent_at),) = github.seen
    assert status == "sending" and sent_at is not None  # a worker killed mid-call leaves it marked


def test_without_an_html_url_the_issue_url_is_made_from_its_place(github):
    github.answer = remote(html_url="")
    github_issues.request_issue(an_item(), "acme/api")
    github_issues.file_pending_issues()
    assert GitHubIssueRequest.objects.get().issue_url == "https://github.com/acme/api/issues/77"


def test_an_issue_already_closed_when_filed_closes_its_item(github):
    github.answer = remote(state="closed")
    item = an_item()
    github_issues.request_issue(item, "acme/api")
    github_issues.file_pending_issues()
    assert ActionItem.objects.get(pk=item.pk).status == "done"


def test_an_item_replaced_by_a_save_is_found_again_by_its_title(github):
    item = an_item()
    github_issues.request_issue(item, "acme/api")
    incident = item.incident
    item.delete()  # the incident saved: its items are new rows
    ActionItemFactory(incident=incident, title="Something else")
    ActionItemFactory(incident=IncidentFactory(), title="Add a retry budget")  # another incident's: not this one
    again = ActionItemFactory(incident=incident, title="Add a retry budget")
    github_issues.file_pending_issues()
    assert list(ActionItem.objects.filter(url__contains="/77").values_list("pk", flat=True)) == [again.pk]
    assert GitHubIssueRequest.objects.get().action_item_id == again.pk


def test_an_item_renamed_meanwhile_is_still_the_one_linked(github):
    item = an_item()
    github_issues.request_issue(item, "acme/api")
    ActionItem.objects.filter(pk=item.pk).update(title="Add a retry budget (and alerts)")
    github_issues.file_pending_issues()
    assert ActionItem.objects.get(pk=item.pk).url == "https://github.com/acme/api/issues/77"
    assert GitHubIssueRequest.objects.get().action_item_id == item.pk


def test_an_incident_deleted_while_its_issue_was_filed_breaks_nothing(github):
    item = an_item()
    github_issues.request_issue(item, "acme/api")
    request = GitHubIssueRequest.objects.get()
    Incident.objects.filter(pk=item.incident_id).delete()  # and its request with it
    github_issues._link(request, remote())
    assert not GitHubIssueRequest.objects.exists() and not ActionItem.objects.exists()


def test_an_item_linked_meanwhile_is_left_alone(github):
    item = an_item()
    github_issues.request_issue(item, "acme/api")
    ActionItem.objects.filter(pk=item.pk).update(url="https://example.com/elsewhere")
    github_issues.file_pending_issues()
    assert ActionItem.objects.get(pk=item.pk).url == "https://example.com/elsewhere"
    assert GitHubIssueRequest.objects.get().status == "done"


def test_an_item_replaced_by_one_already_linked_elsewhere_is_not_taken_over(github):
    item = an_item()
    github_issues.request_issue(item, "acme/api")
    incident = item.incident
    item.delete()
    linked = ActionItemFactory(incident=incident, title="Add a retry budget", url="https://example.com/ticket/9")
    github_issues.file_pending_issues()
    assert ActionItem.objects.get(pk=linked.pk).url == "https://example.com/ticket/9"
    request = GitHubIssueRequest.objects.get()
    assert (request.error, request.action_item_id) == ("Filed, but the action item was gone: link it by hand.", None)


def test_an_item_gone_for_good_is_reported_on_the_request(github):
    item = an_item()
    github_issues.request_issue(item, "acme/api")
    ActionItem.objects.filter(pk=item.pk).delete()
    github_issues.file_pending_issues()
    request = GitHubIssueRequest.objects.get()
    assert (request.status, request.error, request.action_item_id) == (
        "done", "Filed, but the action item was gone: link it by hand.", None)
    assert request.issue_url == "https://github.com/acme/api/issues/77"


# When GitHub refuses, fails, or asks us to wait


@pytest.mark.parametrize("error, message", [
    (client.GitHubNotFound("404 Not Found"),
     "GitHub does not know this repository, or the token may not see it (404 Not Found)."),
    (client.GitHubForbidden("403 Forbidden"),
     "GitHub refused: check GITHUB_TOKEN and its permissions on the repository (403 Forbidden)."),
    (client.GitHubUnavailable("timed out"),
     "GitHub did not answer; it may or may not have filed the issue: check before asking again (timed out)."),
])
def test_a_failure_is_final_and_explained(github, error, message):
    github.answer = error
    item = an_item()
    github_issues.request_issue(item, "acme/api")
    assert github_issues.file_pending_issues() == {"issue-failed": 1}
    request = GitHubIssueRequest.objects.get()
    assert (request.status, request.error) == ("failed", message)
    assert ActionItem.objects.get(pk=item.pk).url == ""
    assert github_issues.file_pending_issues() == {}  # never sent again by itself


def test_a_long_explanation_is_cut_to_300_characters(github):
    github.answer = client.GitHubUnavailable("x" * 400)
    github_issues.request_issue(an_item(), "acme/api")
    github_issues.file_pending_issues()
    error = GitHubIssueRequest.objects.get().error
    assert len(error) == 300 and error.startswith("GitHub did not answer; it may or may not have filed the issue")


def test_a_rate_limit_puts_the_request_back_and_pauses_the_rest(github):
    until = timezone.now().replace(microsecond=0) + datetime.timedelta(minutes=30)
    github.answer = client.RateLimited("rate limited", until)
    github_issues.request_issue(an_item(), "acme/api")
    github_issues.request_issue(an_item(), "acme/api")
    assert github_issues.file_pending_issues() == {"issue-waiting": 1}  # the second is not tried while paused
    assert len(github.calls) == 1
    first, second = GitHubIssueRequest.objects.order_by("pk")
    assert (first.status, first.error) == ("pending", f"GitHub rate limit: waiting until {until:%H:%M} UTC")
    assert (second.status, second.error) == ("pending", "")
    assert (GitHubPause.active_until(), GitHubPause.objects.get().reason) == (until, "rate limited")


def test_several_requests_are_counted_by_outcome(github):
    for _ in range(3):
        github_issues.request_issue(an_item(), "acme/api")
    assert github_issues.file_pending_issues() == {"issue-filed": 3}


def test_a_filing_interrupted_more_than_ten_minutes_ago_fails_with_a_warning(github):
    now = timezone.now()
    for minutes in (11, 9):
        github_issues.request_issue(an_item(), "acme/api")
        GitHubIssueRequest.objects.filter(status="pending").update(
            status=GitHubIssueRequest.Status.SENDING, sent_at=now - datetime.timedelta(minutes=minutes))
    filed = github_issues.request_issue(an_item(), "acme/api")
    GitHubIssueRequest.objects.filter(pk=filed.pk).update(status=GitHubIssueRequest.Status.DONE,
                                                          sent_at=now - datetime.timedelta(hours=1))
    assert github_issues.file_pending_issues(now) == {}
    assert GitHubIssueRequest.objects.get(pk=filed.pk).status == "done"  # only one being filed is interrupted
    old, recent = GitHubIssueRequest.objects.exclude(pk=filed.pk).order_by("pk")
    assert (old.status, old.error) == (
        "failed", "Interrupted while filing: check the repository on GitHub before asking again.")
    assert (recent.status, recent.error) == ("sending", "")
    assert github.calls == []
