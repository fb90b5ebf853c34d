"""Read-your-writes (incidents/search/freshness.py): right after a create or an edit, the writer's next search
finds it, although no follower has applied the change yet; other people see it within the follower's lag."""

import time

import pytest
from incidents.search import follower, generations

pytestmark = pytest.mark.django_db


def refs(body):
    return [hit["reference"] for hit in body["results"]]


def test_the_writer_finds_what_the_api_created_at_once(engine, editor_api, api_as, user):
    """No follower runs, and the commit's wake-up never comes (the test's transaction does not commit): the
    writer's search applies the change itself; another editor's search is as today (not applied yet)."""
    other = api_as(user("editor", username="other-editor"))
    created = editor_api.post("/api/v1/incidents/", {"title": "カーネルパニック kdump-ryw"}, format="json")
    assert created.status_code == 201
    body = other.get("/api/v1/search/", {"q": "kdump-ryw"}).json()
    assert refs(body) == []  # someone else: within the follower's lag, as before
    body = editor_api.get("/api/v1/search/", {"q": "kdump-ryw"}).json()
    assert refs(body) == [created.json()["reference"]]
    assert refs(other.get("/api/v1/search/", {"q": "kdump-ryw"}).json()) == [created.json()["reference"]]


@pytest.mark.django_db(transaction=True)
def test_the_writer_finds_an_edit_at_once(editor_api, monkeypatch):
    """Each request commits; the follower (elsewhere) is not woken by the commits and has not polled yet."""
    monkeypatch.setattr(follower, "wake", lambda: None)
    created = editor_api.post("/api/v1/incidents/", {"title": "before the edit"}, format="json").json()
    editor_api.get("/api/v1/search/", {"q": "before"})  # applied now
    changed = editor_api.patch(f"/api/v1/incidents/{created['id']}/", {"title": "after the edit zzryw"}, format="json")
    assert changed.status_code == 200
    assert refs(editor_api.get("/api/v1/search/", {"q": "zzryw"}).json()) == [created["reference"]]
    assert refs(editor_api.get("/api/v1/search/", {"q": "before"}).json()) == []


def test_the_list_page_finds_what_its_user_just_created(editor_client):
    from tests.web.test_incidents_edit import new_incident

    response = editor_client.post("/incidents/new/", new_incident(title="ページから作った ryw-page"))
    assert response.status_code == 302
    page = editor_client.get("/incidents/", {"q": "ryw-page"})
    assert "ページから作った ryw-page" in page.content.decode()


def test_waits_bounded_for_a_follower_in_another_process(editor, editor_api, settings):
    """Another process holds the follower lock and has not applied the change: the search waits at most
    SEARCH_READ_YOUR_WRITES_SECONDS, then answers from the index as it is."""
    settings.SEARCH_READ_YOUR_WRITES_SECONDS = 0.3
    editor_api.post("/api/v1/incidents/", {"title": "held-lock-ryw"}, format="json")
    elsewhere = generations.FollowerLock()
    assert elsewhere.acquire()
    try:
        started = time.monotonic()
        body = editor_api.get("/api/v1/search/", {"q": "held-lock-ryw"}).json()
        waited = time.monotonic() - started
    finally:
        elsewhere.release()
    assert refs(body) == [] and 0.3 <= waited < 2
    assert len(refs(editor_api.get("/api/v1/search/", {"q": "held-lock-ryw"}).json())) == 1  # lock free: applied


@pytest.mark.django_db(transaction=True)
def test_a_follower_thread_of_this_process_is_asked_for_a_pass(settings, editor, editor_api, monkeypatch):
    """The process's follower thread polls rarely and missed the commit's wake-up: the search asks it for a
    pass and waits for it."""
    settings.SEARCH_POLL_SECONDS = 60
    thread = follower.start()
    try:
        deadline = time.monotonic() + 10
        while not thread.lock.held and time.monotonic() < deadline:
            time.sleep(0.05)
        assert thread.lock.held
        time.sleep(0.2)  # its first pass is over; it now waits up to a minute
        monkeypatch.setattr(follower, "wake", lambda: None)  # the wake-up is lost
        created = editor_api.post("/api/v1/incidents/", {"title": "thread-ryw"}, format="json").json()
        assert refs(editor_api.get("/api/v1/search/", {"q": "thread-ryw"}).json()) == [created["reference"]]
    finally:
        thread.stop()
        thread.join(10)
        follower._thread = None
