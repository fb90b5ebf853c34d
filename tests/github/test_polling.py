"""Polling done right, against the local GitHub: rate limits stop the whole run, permanent refusals and
gone items are recorded and not retried, temporary failures back off and finally give up visibly,
redirects move the reference without leaking the token, ETags make unchanged answers free."""

import datetime
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from incidents.actions.github import poll
from incidents.models import ActionItem, GitHubPause, GitHubReference
from tests.factories import ActionItemFactory, IncidentFactory, LinkFactory
from tests.github_fake import FakeGitHub

pytestmark = pytest.mark.django_db


def due(*numbers, repo="datadog-agent"):
    now = timezone.now()
    return [GitHubReference.objects.create(owner="DataDog", repo=repo, number=n, due_at=now) for n in numbers]


def fresh(ref):
    return GitHubReference.objects.get(pk=ref.pk)


def test_a_rate_limit_stops_the_whole_run_until_reset(fake_github):
    refs = due(12997, 13019, 1)
    reset = int(time.time()) + 600
    fake_github.failures = [{"status": 403, "headers": {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)}}]
    done = poll.drain()
    assert len(fake_github.requests) == 1  # the other references were not asked
    assert done["rate-limited"] == 1 and "paused_until" in done
    until = GitHubPause.active_until()
    assert until == datetime.datetime.fromtimestamp(reset, datetime.timezone.utc)
    first = fresh(refs[0])
    assert first.due_at == until and "rate limit" in first.sync_error
    # Any process's next run waits too.
    assert "paused_until" in poll.drain() and len(fake_github.requests) == 1
    GitHubPause.objects.update(until=timezone.now() - datetime.timedelta(seconds=1))
    GitHubReference.objects.update(due_at=timezone.now())
    assert poll.drain()["changed"] == 2 and fresh(refs[0]).sync_error == ""


def test_retry_after_is_honoured(fake_github):
    due(12997)
    fake_github.failures = [{"status": 429, "headers": {"retry-after": "60"}}]
    poll.drain()
    wait = (GitHubPause.active_until() - timezone.now()).total_seconds()
    assert 50 < wait <= 60


def test_a_used_up_limit_on_a_good_answer_pauses_before_the_next_call(fake_github):
    due(12997, 13019)
    fake_github.rate_remaining = "0"
    poll.drain()
    assert len(fake_github.requests) == 1 and GitHubPause.active_until() is not None


def test_a_refusal_that_is_not_a_rate_limit_is_permanent_and_visible(fake_github):
    saml, other = due(12997, 13019)
    fake_github.failures = [{"status": 403, "body": {"message": "Resource protected by organization SAML enforcement."}}]
    done = poll.drain()
    assert done == {"refused": 1, "changed": 1}
    saml = fresh(saml)
    assert saml.due_at is None and "SAML enforcement" in saml.sync_error and saml.sync_error.startswith("refused by GitHub")
    assert fresh(other).state == "merged"
    assert poll.drain() == {} and len(fake_github.requests) == 2  # not retried


@pytest.mark.parametrize("status", [404, 410])
def test_gone_items_are_recorded_and_not_polled(fake_github, status):
    (ref,) = due(12997)
    fake_github.failures = [status]
    assert poll.drain() == {"gone": 1}
    ref = fresh(ref)
    assert ref.gone and ref.due_at is None and f"HTTP {status}" in ref.sync_error
    assert GitHubReference.objects.stale(timezone.now()).count() == 0
    assert poll.poll(timezone.now() + datetime.timedelta(days=1)) == 0


def test_temporary_failures_back_off_then_give_up_visibly(fake_github):
    (ref,) = due(12997)
    fake_github.failures = [502, 503]
    poll.drain()
    first = fresh(ref)
    assert first.attempts == 1 and 20 < (first.due_at - timezone.now()).total_seconds() <= 36
    GitHubReference.objects.update(due_at=timezone.now())
    poll.drain()
    second = fresh(ref)
    assert second.attempts == 2 and 45 < (second.due_at - timezone.now()).total_seconds() <= 72
    GitHubReference.objects.update(due_at=timezone.now(), attempts=poll.MAX_ATTEMPTS - 1)
    fake_github.failures = [500]
    assert poll.drain() == {"failed": 1}
    last = fresh(ref)
    assert last.due_at is None and last.sync_error.startswith("GitHub unavailable, gave up after 8 tries")


def test_a_slow_github_times_out_as_a_temporary_failure(fake_github, settings):
    (ref,) = due(12997)
    settings.GITHUB_TIMEOUT_SECONDS = 1
    fake_github.delay = 2
    assert poll.drain() == {"retrying": 1}
    assert "timed out" in fresh(ref).sync_error


def test_a_renamed_repository_is_followed_and_stored(fake_github):
    incident = IncidentFactory()
    item = ActionItemFactory(incident=incident, url="https://github.com/DataDog/old-agent/issues/12997")
    LinkFactory(incident=incident, url="DataDog/old-agent#12997")
    fake_github.moved[("datadog", "old-agent")] = ("DataDog", "datadog-agent")
    GitHubReference.objects.update(due_at=timezone.now())
    version = incident.version
    poll.drain()
    ref = GitHubReference.objects.get()
    assert (ref.short, ref.state, ref.title) == ("DataDog/datadog-agent#12997", "closed", "Zombie processes with process agent")
    item.refresh_from_db()
    assert item.url == "https://github.com/DataDog/datadog-agent/issues/12997" and item.status == "done"
    assert incident.links.get().url == item.url
    incident.refresh_from_db()
    assert incident.version == version + 1
    assert [auth for _, _, auth, _ in fake_github.requests] == ["Bearer t0ken", "Bearer t0ken"]


def test_the_token_is_never_sent_to_another_host(fake_github):
    with FakeGitHub() as elsewhere:
        elsewhere.add("evil", "repo", 12997, "Phished")
        fake_github.moved[("datadog", "datadog-agent")] = ("evil", "repo")
        fake_github.redirect_to = elsewhere.url
        due(12997)
        poll.drain()
        assert fake_github.requests[0][2] == "Bearer t0ken"
        assert elsewhere.requests and all(auth is None for _, _, auth, _ in elsewhere.requests)


def test_etags_make_an_unchanged_answer_free(fake_github):
    (ref,) = due(12997)
    poll.drain()
    etag = fresh(ref).etag
    assert etag.startswith('"')
    before = fresh(ref).synced_at
    GitHubReference.objects.update(due_at=timezone.now())
    assert poll.drain() == {"not-modified": 1}
    assert fake_github.requests[-1][3] == etag
    assert fresh(ref).synced_at > before
    fake_github.add("DataDog", "datadog-agent", 12997, "Zombie processes with process agent", state="open")
    GitHubReference.objects.update(due_at=timezone.now())
    assert poll.drain() == {"changed": 1} and fresh(ref).state == "open"


def test_a_drain_killed_mid_call_leaves_the_reference_to_the_next_one_after_the_lease(fake_github):
    (ref,) = due(12997)
    now = timezone.now()
    assert poll._claim(now).pk == ref.pk  # … and the process dies here
    assert poll._claim(now) is None  # another drain does not call GitHub for it meanwhile
    assert poll._claim(now + poll.LEASE + datetime.timedelta(seconds=1)).pk == ref.pk


def test_the_poll_asks_about_references_not_heard_of(fake_github, settings):
    settings.GITHUB_POLL_MINUTES = 60
    old, recent, never = due(12997, 13019, 1)
    GitHubReference.objects.update(due_at=None)
    GitHubReference.objects.filter(pk=old.pk).update(synced_at=timezone.now() - datetime.timedelta(hours=2))
    GitHubReference.objects.filter(pk=recent.pk).update(synced_at=timezone.now())
    assert set(GitHubReference.objects.stale(timezone.now() - datetime.timedelta(hours=1))) == {fresh(old), fresh(never)}
    assert poll.poll() == 2


def test_action_items_follow_a_poll(fake_github):
    item = ActionItemFactory(url="DataDog/datadog-agent#12997", status="in_progress")
    GitHubReference.objects.update(due_at=timezone.now())
    poll.drain()
    item = ActionItem.objects.get(pk=item.pk)
    assert (item.status, item.link_event, item.closed_by_link) == ("done", "closed", True)
    assert item.link_note == "DataDog/datadog-agent#12997 closed 2026-11-01"


@pytest.mark.django_db(transaction=True)
def test_sync_github_command_reports_what_it_did(fake_github):
    due(12997, 13019, 1)
    GitHubReference.objects.update(due_at=None)
    from io import StringIO

    out = StringIO()
    call_command("sync_github", "--older-than-hours", "0", stdout=out)
    assert "Asked GitHub about 3 reference(s): changed 2, gone 1." in out.getvalue()
    assert "1 reference(s) have a sync problem" in out.getvalue()


def test_github_enterprise_api_path(fake_github, settings):
    fake_github.prefix = "/api/v3"
    settings.GITHUB_API_URL = f"{fake_github.url}/api/v3"
    fake_github.moved[("datadog", "old-agent")] = ("DataDog", "datadog-agent")
    (ref,) = due(12997, repo="old-agent")
    assert poll.drain() == {"changed": 1}
    assert fresh(ref).short == "DataDog/datadog-agent#12997"
    assert [path for _, path, _, _ in fake_github.requests] == [
        "/api/v3/repos/DataDog/old-agent/issues/12997", "/api/v3/repos/DataDog/datadog-agent/issues/12997"]
