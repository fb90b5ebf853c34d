"""incidents.actions.github with a stand-in for client.fetch (tests/github/test_polling.py runs the same
against a local GitHub): each outcome of a sync and the reason recorded for people, word for word, the
backoff's bounds, the drain's summary and lease, and which references a poll asks about."""

import datetime

import pytest
from django.utils import timezone

from incidents.actions.github import poll
from incidents.github import client
from incidents.models import GitHubPause, GitHubReference

pytestmark = pytest.mark.django_db
UNTIL = (timezone.now() + datetime.timedelta(minutes=30)).replace(microsecond=0)
CHANGED_AT = datetime.datetime(2026, 11, 3, 16, 20, tzinfo=datetime.timezone.utc)


@pytest.fixture(autouse=True)
def _sync_on(settings, monkeypatch):
    settings.GITHUB_SYNC = True
    monkeypatch.setattr("incidents.jobs.drain_github", lambda: None)


@pytest.fixture
def answers(monkeypatch):
    """client.fetch answering from a list (a Remote, NOT_MODIFIED, or an exception to raise), in order."""
    queue = []

    def fetch(owner, repo, number, etag=""):
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(client, "fetch", fetch)
    return queue


def remote(state="closed", exhausted_until=None, title="Retry storm"):
    return client.Remote(owner="acme", repo="api", number=42, kind="issue", title=title, state=state,
                         state_reason="completed", changed_at=CHANGED_AT, etag='W/"e2"', html_url="",
                         exhausted_until=exhausted_until)


def reference(**fields):
    return GitHubReference.objects.create(owner="acme", repo="api", number=fields.pop("number", 42), kind="issue",
                                          **fields)


def fresh(ref):
    return GitHubReference.objects.get(pk=ref.pk)


def test_a_changed_answer_is_stored_and_an_unchanged_one_is_not_a_change(answers):
    ref = reference(etag='W/"e1"', attempts=3, sync_error="earlier")
    answers += [remote(), remote()]
    assert poll.sync_one(ref) == "changed"
    stored = fresh(ref)
    assert (stored.title, stored.state, stored.etag, stored.attempts, stored.sync_error) == (
        "Retry storm", "closed", 'W/"e2"', 0, "")
    assert poll.sync_one(stored) == "unchanged"


def test_not_modified_clears_the_errors_and_the_due_time(answers):
    ref = reference(attempts=2, sync_error="earlier", due_at=timezone.now())
    answers.append(client.NOT_MODIFIED)
    assert poll.sync_one(ref) == "not-modified"
    stored = fresh(ref)
    assert (stored.attempts, stored.sync_error, stored.due_at) == (0, "", None) and stored.synced_at is not None


def test_a_used_up_rate_limit_on_a_good_answer_pauses_every_process(answers):
    answers.append(remote(exhausted_until=UNTIL))
    assert poll.sync_one(reference()) == "changed"
    assert GitHubPause.active_until() == UNTIL
    assert GitHubPause.objects.get().reason == "x-ratelimit-remaining: 0"


def test_a_rate_limit_pauses_and_asks_again_when_it_ends(answers):
    ref = reference()
    answers.append(client.RateLimited("403 rate limit exceeded", UNTIL))
    assert poll.sync_one(ref) == "rate-limited"
    stored = fresh(ref)
    assert (stored.sync_error, stored.due_at) == (f"GitHub rate limit: waiting until {UNTIL:%Y-%m-%d %H:%M:%S} UTC", UNTIL)
    assert (GitHubPause.active_until(), GitHubPause.objects.get().reason) == (UNTIL, "403 rate limit exceeded")


def test_a_missing_item_is_gone_and_a_refusal_is_not_retried(answers):
    gone, refused = reference(number=1, due_at=timezone.now()), reference(number=2, due_at=timezone.now(), attempts=4)
    answers += [client.GitHubNotFound("HTTP 404"), client.GitHubForbidden("HTTP 403: SAML")]
    assert poll.sync_one(gone) == "gone"
    assert (fresh(gone).gone, fresh(gone).sync_error) == (True, "not found on GitHub (HTTP 404)")
    assert poll.sync_one(refused) == "refused"
    stored = fresh(refused)
    assert (stored.sync_error, stored.due_at, stored.attempts) == ("refused by GitHub (HTTP 403: SAML)", None, 0)


def test_an_unavailable_github_is_tried_again_later_then_given_up(answers):
    ref = reference(attempts=0)
    answers.append(client.GitHubUnavailable("HTTP 502"))
    before = timezone.now()
    assert poll.sync_one(ref) == "retrying"
    stored = fresh(ref)
    assert (stored.sync_error, stored.attempts) == ("GitHub unavailable, try 1 of 8 (HTTP 502)", 1)
    assert 24 <= (stored.due_at - before).total_seconds() <= 37
    GitHubReference.objects.filter(pk=ref.pk).update(attempts=poll.MAX_ATTEMPTS - 2)
    answers.append(client.GitHubUnavailable("HTTP 503"))
    assert poll.sync_one(fresh(ref)) == "retrying"
    assert fresh(ref).sync_error == "GitHub unavailable, try 7 of 8 (HTTP 503)"
    answers.append(client.GitHubUnavailable("timed out"))
    assert poll.sync_one(fresh(ref)) == "failed"
    stored = fresh(ref)
    assert (stored.sync_error, stored.due_at, stored.attempts) == (
        "GitHub unavailable, gave up after 8 tries (timed out)", None, 8)


@pytest.mark.parametrize("attempts, seconds", [(1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (20, 3600)])
def test_the_backoff_doubles_from_30_seconds_to_an_hour_with_20_percent_jitter(attempts, seconds):
    waits = [poll.backoff(attempts) for _ in range(300)]
    assert seconds * 0.8 <= min(waits) < seconds * 0.85 and seconds * 1.15 < max(waits) <= seconds * 1.2


@pytest.mark.parametrize("jitter, first, capped", [(0.8, 24, 2880), (1.0, 30, 3600), (1.2, 36, 4320)])
def test_the_backoff_at_the_ends_of_its_jitter(monkeypatch, jitter, first, capped):
    monkeypatch.setattr(poll.random, "uniform", lambda low, high: {0.8: low, 1.0: 1.0, 1.2: high}[jitter])
    assert (poll.backoff(1), poll.backoff(8), poll.backoff(30)) == pytest.approx((first, capped, capped))


def test_the_drain_syncs_what_is_due_and_summarises(answers):
    now = timezone.now()
    reference(number=1, due_at=now - datetime.timedelta(minutes=1))
    reference(number=2, due_at=now)
    reference(number=3, due_at=now + datetime.timedelta(minutes=10))
    answers += [remote(), client.NOT_MODIFIED]
    assert poll.drain() == {"changed": 1, "not-modified": 1}
    assert answers == []


def test_the_drain_stops_at_its_limit_and_says_more_is_left(answers):
    for number in (1, 2, 3):
        reference(number=number, due_at=timezone.now())
    answers += [client.NOT_MODIFIED, client.NOT_MODIFIED]
    assert poll.drain(limit=2) == {"not-modified": 2, "more": 1}
    answers.append(client.NOT_MODIFIED)
    assert poll.drain(limit=2) == {"not-modified": 1}


def test_the_drain_waits_while_paused_and_does_nothing_when_sync_is_off(answers, settings):
    reference(due_at=timezone.now())
    GitHubPause.pause(UNTIL, "rate limit")
    assert poll.drain() == {"paused_until": UNTIL.isoformat()}
    settings.GITHUB_SYNC = False
    assert poll.drain() == {"disabled": 1}
    assert poll.queue_github_sync(GitHubReference.objects.all()) == 0


def test_a_claimed_reference_is_leased_for_five_minutes():
    now = timezone.now()
    ref = reference(due_at=now - datetime.timedelta(seconds=1))
    assert poll._claim(now) == ref
    assert fresh(ref).due_at == now + poll.LEASE == now + datetime.timedelta(minutes=5)
    assert poll._claim(now) is None  # another drain skips it until the lease ends


def test_the_poll_asks_about_references_not_heard_of_for_the_poll_interval(settings):
    settings.GITHUB_POLL_MINUTES = 60
    now = timezone.now()
    old = reference(number=1, synced_at=now - datetime.timedelta(minutes=61))
    recent = reference(number=2, synced_at=now - datetime.timedelta(minutes=59))
    never = reference(number=3)
    assert poll.poll(now) == 2
    assert {ref.number for ref in GitHubReference.objects.exclude(due_at=None)} == {old.number, never.number}
    assert fresh(recent).due_at is None


def test_a_reference_another_drain_leased_after_this_one_read_it_is_not_taken_again(monkeypatch):
    now = timezone.now()
    ref = reference(due_at=now - datetime.timedelta(seconds=1))
    read = list(GitHubReference.objects.due(now).values_list("pk", "due_at"))
    other_lease = now + datetime.timedelta(minutes=4)

    class ReadBeforeTheOtherDrain:
        def values_list(self, *fields):
            GitHubReference.objects.filter(pk=ref.pk).update(due_at=other_lease)  # the other drain claims it now
            return read

    monkeypatch.setattr(GitHubReference.objects, "due", lambda when: ReadBeforeTheOtherDrain())
    assert poll._claim(now) is None
    assert fresh(ref).due_at == other_lease  # its lease is left as the other drain set it
