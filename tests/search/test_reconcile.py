"""The follower's periodic reconcile: incidents whose index entry is stale, missing or orphaned (written
behind the change log's back) are fixed by one pass, logged, and reported by /healthz and
check_search_index; an incident whose change the follower has simply not applied yet is fixed but not
counted as drift."""

import io
import logging

import pytest
from django.core.management import call_command
from django.db.models import F

from incidents import search
from incidents.models import Incident
from incidents.search import backends, documents, follower, generations
from tests.conftest import wait_for
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def _titles(text, user):
    return sorted(hit.title for hit in search.search(text, user, page_size=50).hits)


@pytest.mark.django_db(transaction=True)  # committed, so no change of theirs is left unsettled
def test_one_reconcile_pass_fixes_what_was_written_behind_the_logs_back(engine, client, caplog, editor):
    stale, missing, kept, gone = (IncidentFactory(title=f"{name} reconcile") for name in
                                  ("stale", "missing", "kept", "gone"))
    follower.catch_up()
    assert _titles("reconcile", editor) == ["gone reconcile", "kept reconcile", "missing reconcile", "stale reconcile"]
    # Behind the log's back: an UPDATE without signals, an entry lost from the index, a row deleted by SQL.
    Incident.objects.filter(pk=stale.pk).update(title="renamed quietly", version=F("version") + 1)
    backends.current().write(remove_ids=[missing.pk])
    orphan = documents.document_for(Incident.objects.for_document().get(pk=gone.pk))
    Incident.objects.filter(pk=gone.pk).delete()  # logs a change: applied below, so the orphan is re-added
    follower.catch_up()
    backends.current().write(documents=[orphan])
    assert search.check() == ([missing.pk], [stale.pk], [gone.pk])

    with caplog.at_level(logging.WARNING, logger="incidents.search.reconcile"):
        report = search.reconcile()

    assert report["drift"] == 3
    assert (report["missing"], report["stale"], report["orphans"]) == ([missing.pk], [stale.pk], [gone.pk])
    assert search.check() == ([], [], [])
    assert _titles("quietly", editor) == ["renamed quietly"]
    assert _titles("reconcile", editor) == ["kept reconcile", "missing reconcile"]
    assert (f"search index reconcile: fixed 3 incident(s) that differed from the database (missing: INC-{missing.pk}; "
            f"stale: INC-{stale.pk}; not in the database: INC-{gone.pk})") in caplog.text

    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["search_index"]["drift"] == 3
    assert body["search_index"]["reconciled_at"] == report["at"]
    out = io.StringIO()
    call_command("check_search_index", stdout=out)
    assert (f"Last reconcile ({report['at']}): 3 incident(s) differed from the database and were fixed "
            f"(missing: INC-{missing.pk}; stale: INC-{stale.pk}; not in the database: INC-{gone.pk}).") in out.getvalue()
    assert "Search index is up to date." in out.getvalue()

    assert search.reconcile()["drift"] == 0  # nothing left to fix
    assert client.get("/healthz").json()["search_index"]["drift"] == 0


def test_a_change_the_follower_has_not_applied_yet_is_not_drift(client, editor):
    assert client.get("/healthz").json()["search_index"]["drift"] is None  # no reconcile yet
    incident = IncidentFactory(title="not yet applied")  # logged; catch_up not run
    report = follower.reconcile_now()
    assert report["drift"] == 0 and report["missing"] == []
    assert _titles("applied", editor) == ["not yet applied"]  # fixed all the same
    assert generations.read_reconcile() == report
    assert incident.pk


@pytest.mark.django_db(transaction=True)
def test_the_follower_reconciles_every_search_reconcile_seconds(settings, editor):
    settings.SEARCH_POLL_SECONDS = settings.SEARCH_RECONCILE_SECONDS = 1
    incident = IncidentFactory(title="before the quiet update")  # committed: applied in-process (no follower yet)
    assert _titles("quiet", editor) == ["before the quiet update"]
    Incident.objects.filter(pk=incident.pk).update(title="after the quiet update", version=F("version") + 1)
    thread = follower.Follower()
    thread.start()
    try:
        assert wait_for(lambda: _titles("quiet", editor) == ["after the quiet update"], 10)
        assert wait_for(lambda: generations.read_reconcile().get("stale") == [incident.pk], 5)
    finally:
        thread.stop()
        thread.join(10)
