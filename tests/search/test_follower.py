"""The change log and the follower that applies it: one change per incident per transaction, none for a
rolled-back one, changes that become visible out of id order, pruning, the machine-wide writer lock, a
follower thread woken by commits, and a damaged index (503 while it is repaired, pages still served)."""

import datetime
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from incidents import search
from incidents.models import Incident, IndexChange, IndexCursor
from incidents.models.changes import PRUNED
from incidents.search import backends, follower, generations
from tests.conftest import follower_lock_held, wait_for
from tests.factories import IncidentFactory, LessonFactory, UserFactory


def refs(results):
    return [hit.reference for hit in results.hits]


def test_one_change_per_incident_per_transaction_and_none_when_rolled_back(editor):
    with transaction.atomic():
        incident = IncidentFactory(title="one change")
        for n in range(5):
            LessonFactory(incident=incident, text=f"lesson {n}")
    assert list(IndexChange.objects.values_list("incident_id", flat=True)) == [incident.pk]
    with pytest.raises(RuntimeError), transaction.atomic():
        IncidentFactory(title="never committed")
        raise RuntimeError
    assert IndexChange.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serializes writers: a lower id never "
                    "becomes visible after a higher one (tests/processes/test_long_transactions.py shows it)")
def test_catch_up_applies_changes_that_become_visible_out_of_id_order(editor):
    first, second = IncidentFactory(title="最初の障害"), IncidentFactory(title="二番目の障害")
    IndexChange.objects.all().delete()
    early = IndexChange.objects.create(incident_id=first.pk)  # a lower id …
    late = IndexChange.objects.create(incident_id=second.pk)
    early_pk = early.pk
    early.delete()  # … whose transaction has not committed yet
    assert follower.catch_up() == 1
    assert refs(search.search("障害", editor)) == [second.reference]
    # Now it commits. Its transaction (this test's, still open) is at or above the horizon: read again.
    IndexChange.objects.create(pk=early_pk, incident_id=first.pk)
    assert follower.catch_up() == 1
    assert sorted(refs(search.search("障害", editor))) == sorted([first.reference, second.reference])
    assert follower.catch_up() == 0  # each change once
    assert late.pk > early_pk


def test_the_place_is_stored_with_the_index_and_mirrored_in_the_database(editor):
    incident = IncidentFactory(title="カーソル")
    newest = IndexChange.objects.create(incident_id=incident.pk)
    follower.catch_up()
    place = follower.stored_place(generations.current())
    assert place.position == newest.pk
    mirror = IndexCursor.objects.get(name=follower.cursor_name())
    assert (mirror.position, mirror.horizon) == (place.position, place.horizon)
    if connection.vendor == "postgresql":  # the change's transaction (this test's) is still open: not settled
        txid = IndexChange.objects.values_list("txid", flat=True).get(pk=newest.pk)
        assert txid is not None and 0 < place.horizon <= txid
        assert follower.cursor.pending(place).filter(pk=newest.pk).exists()
    else:
        assert place.horizon == 0 and not follower.cursor.pending(place).exists()


def test_prune_keeps_what_a_live_index_has_not_passed(editor, settings):
    incident = IncidentFactory(title="prune")
    for _ in range(3):
        IndexChange.objects.create(incident_id=incident.pk)
    ids = list(IndexChange.objects.values_list("pk", flat=True))
    ended = 2**62  # as if every transaction below had ended (this test's own is still open)
    IndexCursor.objects.create(name="other-machine:/index", position=ids[1], horizon=ended)
    IndexCursor.objects.create(name="this-machine:/index", position=ids[-1], horizon=ended + 1)
    assert follower.prune() == 2
    assert list(IndexChange.objects.values_list("pk", flat=True)) == ids[2:]
    assert IndexCursor.objects.get(name=PRUNED).position == ids[1]
    # Past the retention period everything goes, and an index that had not applied it rebuilds itself.
    follower.prune(now=timezone.now() + datetime.timedelta(days=settings.SEARCH_CHANGE_RETENTION_DAYS + 1))
    assert not IndexChange.objects.exists()
    assert "pruned" in follower.needs_rebuild()
    assert follower.repair() and follower.needs_rebuild() == ""
    assert refs(search.search("prune", editor)) == [incident.reference]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="transaction ids are recorded on PostgreSQL only")
def test_prune_keeps_changes_whose_transactions_a_live_index_has_not_seen_end(editor):
    incident = IncidentFactory(title="prune horizon")
    change = IndexChange.objects.order_by("pk").last()
    own = IndexChange.objects.values_list("txid", flat=True).get(pk=change.pk)  # this test's open transaction
    # An index whose position passed the change's id while its transaction was still open
    IndexCursor.objects.create(name="machine:/index", position=change.pk, horizon=own)
    assert follower.prune() == 0 and IndexChange.objects.filter(pk=change.pk).exists()
    IndexCursor.objects.filter(name="machine:/index").update(horizon=own + 1)  # it has seen it end
    passed = IndexChange.objects.filter(pk__lte=change.pk).count()
    assert follower.prune() == passed > 0
    assert not IndexChange.objects.filter(pk=change.pk).exists()
    pruned = IndexCursor.objects.get(name=PRUNED)
    assert (pruned.position, pruned.horizon) == (change.pk, own + 1)
    assert incident.pk


def test_one_writer_per_machine(search_index):
    first, second = generations.FollowerLock(), generations.FollowerLock()
    assert first.acquire() and not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


@pytest.mark.django_db(transaction=True)
def test_a_follower_thread_is_woken_by_commits(settings, editor):
    settings.SEARCH_POLL_SECONDS = 1
    thread = follower.start()
    try:
        assert wait_for(lambda: thread.lock.held, 10)
        incident = IncidentFactory(title="スレッドが索引する")
        assert wait_for(lambda: refs(search.search("索引", editor)) == [incident.reference], 10)
        Incident.objects.filter(pk=incident.pk).delete()
        assert wait_for(lambda: search.search("索引", editor).count == 0, 10)
    finally:
        thread.stop()
        thread.join(10)
        follower._thread = None
    assert not thread.is_alive()


@pytest.mark.django_db(transaction=True)
def test_a_damaged_index_costs_no_page_answers_503_and_repairs_itself(editor_client, editor, editor_api):
    incident = IncidentFactory(title="復旧できるか", summary="ディスクが壊れた")
    other = IncidentFactory(title="復旧の別件", summary="ディスクが壊れた")
    assert refs(search.search("復旧", editor))
    for path in generations.current().iterdir():  # every file of the engine's (not the cursor, nor the engine's name)
        if path.is_file() and path.name not in {generations.CURSOR, generations.ENGINE}:
            path.write_bytes(b"garbage" * 50)
    backends.forget()

    with pytest.raises(search.SearchUnavailable):
        search.search("復旧", editor)
    assert generations.damaged()
    response = editor_api.get("/api/v1/search/", {"q": "復旧"})
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert editor_api.get(f"/api/v1/incidents/{incident.pk}/similar/").status_code == 503
    page = editor_client.get(f"/incidents/{incident.reference}/")
    assert page.status_code == 200 and 'id="timeline"' in page.content.decode()  # the page does not need the index
    related = editor_client.get(f"/incidents/{incident.reference}/related/?part=1")  # its similar incidents do
    assert related.status_code == 200 and "the search index is being rebuilt" in related.content.decode()
    listing = editor_client.get("/incidents/", {"q": "復旧"})
    assert listing.status_code == 503 and "Search is being rebuilt" in listing.content.decode()
    assert editor_client.get("/incidents/").status_code == 200  # the list without a search
    with pytest.raises(CommandError) as exc:
        call_command("check_search_index")
    assert exc.value.returncode == 1

    assert "unreadable" in follower.repair()  # what the follower's repair sweep does
    assert sorted(refs(search.search("復旧", editor))) == sorted([incident.reference, other.reference])
    call_command("check_search_index")


@pytest.mark.django_db(transaction=True)
def test_searches_during_a_rebuild_are_served_by_the_old_generation(monkeypatch, editor):
    incident = IncidentFactory(title="古い世代で答える")
    seen_during = []
    engine = backends.current()
    bulk_load = engine.bulk_load

    def slow_load(directory, documents, **kwargs):
        seen_during.append(refs(search.search("世代", editor)))
        return bulk_load(directory, documents, **kwargs)

    monkeypatch.setattr(engine, "bulk_load", slow_load)
    before = generations.current()
    search.rebuild(procs=1)
    assert seen_during == [[incident.reference]]
    assert generations.current() != before and not before.exists()
    assert refs(search.search("世代", editor)) == [incident.reference]


def test_the_database_decides_who_sees_a_hit(editor, viewer):
    incident = IncidentFactory(title="公開後に下書きへ", status="published")
    follower.catch_up()
    assert refs(search.search("下書き", viewer)) == [incident.reference]
    Incident.objects.filter(pk=incident.pk).update(status="draft")  # the index has not heard of it
    results = search.search("下書き", viewer)
    assert refs(results) == [] and results.count == 0
    assert refs(search.search("下書き", editor)) == [incident.reference]


@pytest.mark.django_db(transaction=True)
def test_a_follower_in_another_process_applies_commits_from_this_one(search_index):
    """The machine's follower is another process (it holds the lock; this one only reads). On PostgreSQL
    the commit's NOTIFY wakes it long before its poll; on SQLite it polls every second."""
    import os
    import subprocess
    import sys

    from django.db import connection

    from tests.conftest import ROOT, _database_url_for_worker

    postgres = connection.vendor == "postgresql"
    follower_process = subprocess.Popen(
        [sys.executable, "manage.py", "follow_search_index"], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "DATABASE_URL": _database_url_for_worker(), "POSTMORTEM_DATA_DIR": str(search_index.parent),
             "SEARCH_POLL_SECONDS": "60" if postgres else "1", "SEARCH_REPAIR_SECONDS": "600"})
    try:
        assert wait_for(follower_lock_held, 30), "the follower process did not take the lock"
        time.sleep(3)  # past its first pass: from now on only a wake-up (or a 60 s poll) makes it look
        editor = UserFactory(role="editor")
        incident = IncidentFactory(title="別プロセスの追従者")
        assert wait_for(lambda: refs(search.search("追従者", editor)) == [incident.reference], 15)
    finally:
        follower_process.terminate()
        output, _ = follower_process.communicate(timeout=30)
        print(output[-3000:])


def test_an_index_of_an_older_format_is_rebuilt(db):
    """A generation built before documents.FORMAT changed (plain text, identifier forms) is rebuilt by the
    repair check; the one it builds has the current format."""
    from incidents.search import documents, generations

    incident = IncidentFactory(title="kubelet v1.27.3")
    follower.rebuild()
    old = generations.current()
    generations.write_format(old, documents.FORMAT - 1)
    assert "older version" in follower.needs_rebuild()
    assert "older version" in follower.repair()
    assert generations.current() != old
    assert generations.read_format(generations.current()) == documents.FORMAT
    assert follower.needs_rebuild() == ""
    assert [hit.id for hit in search.search("1.27", UserFactory()).hits] == [incident.pk]
