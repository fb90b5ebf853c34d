"""Writing the search log (incidents.actions.searchlog): searches and openings stored normalized, the
opener as a digest, nothing for an empty query, and rows older than SEARCH_LOG_DAYS pruned by the
housekeeping sweep."""

import datetime

import pytest
from django.utils import timezone

from incidents.actions import housekeeping, searchlog
from incidents.models import SearchOpen, SearchRecord

pytestmark = pytest.mark.django_db


def test_a_search_and_an_opening_are_stored_normalized_without_the_person(make_incident, viewer, editor):
    incident = make_incident(title="Disk full")
    searchlog.record_search("  ＤＩＳＫ   Full ", 3, True, SearchRecord.Source.API)
    assert list(SearchRecord.objects.values_list("query", "source", "hits", "partial")) == [("disk full", "api", 3, True)]
    first = searchlog.record_open("Full disk tag:db", incident, viewer)
    again = searchlog.record_open("disk full", incident, viewer)
    other = searchlog.record_open("disk full", incident, editor)
    assert (first.query, first.terms) == ("full disk tag:db", "disk full")
    assert first.opener == again.opener != other.opener and len(first.opener) == 16
    assert first.opener == searchlog.opener(viewer) and viewer.username not in first.opener
    assert searchlog.record_search("   ", 0, False, SearchRecord.Source.PAGE) is None
    assert searchlog.record_open("", incident, viewer) is None
    assert (SearchRecord.objects.count(), SearchOpen.objects.count()) == (1, 3)


def test_the_sweep_prunes_the_log_after_search_log_days(make_incident, viewer, settings):
    settings.SEARCH_LOG_DAYS = 10
    now = timezone.now()
    incident = make_incident(title="Disk full")
    for age in (11, 9):
        record = searchlog.record_search("disk", 1, False, SearchRecord.Source.PAGE)
        opened = searchlog.record_open("disk", incident, viewer)
        SearchRecord.objects.filter(pk=record.pk).update(at=now - datetime.timedelta(days=age))
        SearchOpen.objects.filter(pk=opened.pk).update(at=now - datetime.timedelta(days=age))
    assert housekeeping.sweep(now)["search_log"] == 2
    assert (SearchRecord.objects.count(), SearchOpen.objects.count()) == (1, 1)
    assert housekeeping.sweep(now)["search_log"] == 0
