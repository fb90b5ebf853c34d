"""Stored similar incidents (incidents/actions/similarity.py, models.SimilarIds) and their use by the
recurrence rate and filter (incidents/recurrence.py): a page never computes them all."""

import datetime

import pytest
from django.utils import timezone

from incidents import patterns, recurrence
from incidents.actions import housekeeping, similarity
from incidents.models import Incident, SimilarIds
from tests.factories import make_incident

pytestmark = pytest.mark.django_db


def at(year, month, day):
    return datetime.datetime(year, month, day, 12, tzinfo=datetime.UTC)


@pytest.fixture
def three(search_index, settings, django_capture_on_commit_callbacks):
    settings.POSTMORTEM_RECURRENCE_CACHE_SECONDS = 3600  # rows older than this are computed again
    with django_capture_on_commit_callbacks(execute=True):
        common = {"tags": ["eks", "pid-exhaustion"], "services": ["datadog-agent"]}
        first = make_incident(title="datadog-agent zombies exhaust pid_max on EKS nodes", started_at=at(2024, 1, 10),
                              summary="Zombie processes of datadog-agent filled pid_max.", **common)
        second = make_incident(title="pid_max exhausted again by datadog-agent zombies", started_at=at(2024, 4, 1),
                               summary="datadog-agent zombie processes used up pid_max once more.", **common)
        other = make_incident(title="Certificate expired on the billing portal", started_at=at(2024, 5, 1),
                              summary="The TLS certificate lapsed over the weekend.", tags=["tls"])
    return first, second, other


def test_the_sweep_stores_every_dated_incidents_similar_incidents_once(three):
    first, second, other = three
    assert housekeeping.sweep()["similar"] == 3
    rows = {row.incident_id: row for row in SimilarIds.objects.all()}
    assert second.pk in rows[first.pk].ids and first.pk in rows[second.pk].ids
    assert rows[first.pk].version == first.version
    assert similarity.refresh() == 0  # nothing stale: idempotent


def test_a_changed_incident_and_old_rows_are_computed_again(three):
    first, second, other = three
    similarity.refresh()
    Incident.objects.filter(pk=other.pk).update(version=other.version + 1)
    assert similarity.refresh() == 1 and SimilarIds.objects.get(incident=other).version == other.version + 1
    later = timezone.now() + datetime.timedelta(hours=2)
    assert similarity.refresh(now=later) == 3
    assert similarity.refresh(limit=1, now=later + datetime.timedelta(hours=2)) == 1  # a bounded sweep


def test_the_rate_reads_the_stored_rows_and_computes_only_a_few_itself(three, monkeypatch):
    first, second, other = three
    # A stored row is believed (here: other is said to be like first), not computed again.
    SimilarIds.objects.create(incident=other, version=other.version, ids=[first.pk], computed_at=timezone.now())
    monkeypatch.setattr(recurrence, "INLINE", 0)  # nothing may be computed on the page
    found, _started = recurrence.pairs(Incident.objects.all())
    assert found == {other.pk: [first.pk]}  # first and second have no row yet: left out, not guessed
    rates = patterns.recurrence_rates(Incident.objects.all(), ["2024-Q1", "2024-Q2"])
    assert [(r.quarter, r.total, r.recurred) for r in rates] == [("2024-Q1", 0, 0), ("2024-Q2", 1, 1)]
    monkeypatch.setattr(recurrence, "INLINE", 40)
    found, _started = recurrence.pairs(Incident.objects.all())
    assert found[second.pk] == [first.pk] and found[first.pk] == []
