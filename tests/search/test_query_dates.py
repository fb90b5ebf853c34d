"""Dates in the query language and in the list filters, at and beyond what the index and the database hold:
never an overflow, a message when the date cannot be searched."""

import datetime

import pytest

from incidents import dates, search
from incidents.search.query import parse
from tests.factories import IncidentFactory

RANGE = "Enter a date from 1000-01-02 to 9999-12-30."
PLUS_14 = datetime.timezone(datetime.timedelta(hours=14))
MINUS_14 = datetime.timezone(-datetime.timedelta(hours=14))


@pytest.mark.parametrize("text, problems", [
    ("after:0001-01-01 dns", [f"after:0001-01-01: {RANGE}"]),
    ("before:9999-12-31", [f"before:9999-12-31: {RANGE}"]),
    ("After:0999-12-31 before:0001-01-01", [f"After:0999-12-31: {RANGE}", f"before:0001-01-01: {RANGE}"]),
    ("a\x00b", ["Null characters are not allowed."]),
])
def test_dates_that_cannot_be_searched_are_problems_and_left_out(text, problems):
    parsed = parse(text)
    assert parsed.problems == problems
    assert (parsed.after, parsed.before) == (None, None)
    assert not any(":" in word for word in parsed.words)


def test_dates_at_the_edges_and_malformed_dates_are_no_problem():
    parsed = parse("after:1000-01-02 before:9999-12-30 dns")
    assert (parsed.after, parsed.before, parsed.problems) == (dates.EARLIEST_DATE, dates.LATEST_DATE, [])
    parsed = parse("after:2023-13-45 -after:0001-01-01")  # not dates: plain text, as before
    assert (parsed.words, parsed.excluded, parsed.problems) == (["after:2023-13-45"], ["after:0001-01-01"], [])


@pytest.mark.parametrize("day", [datetime.date.min, datetime.date(1, 1, 2), datetime.date(999, 12, 31),
                                 datetime.date(9999, 12, 31), datetime.date.max])
def test_index_bounds_from_any_date_never_overflow(day, settings):
    for zone in ("Asia/Tokyo", "Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"):
        settings.TIME_ZONE = zone
        bound = dates.day_start(day)
        assert bound.tzinfo is None
        assert datetime.datetime.min <= bound <= datetime.datetime.max


@pytest.mark.parametrize("moment", [datetime.datetime(1, 1, 1, tzinfo=PLUS_14),
                                    datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=MINUS_14),
                                    datetime.datetime.min.replace(tzinfo=datetime.UTC)])
def test_filter_bounds_beyond_utc_are_moved_to_its_ends(moment):
    assert dates.as_naive_utc(moment) in (datetime.datetime.min, datetime.datetime.max)


def test_search_with_bounds_beyond_the_range_finds_everything_between(db, django_capture_on_commit_callbacks, editor):
    with django_capture_on_commit_callbacks(execute=True):
        early = IncidentFactory(title="dns early", started_at=dates.EARLIEST)
        late = IncidentFactory(title="dns late", started_at=dates.LATEST)
    started = (datetime.datetime(1, 1, 1, tzinfo=PLUS_14), datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=MINUS_14))
    results = search.search("dns", editor, started=started)
    assert {hit.id for hit in results.hits} == {early.pk, late.pk}
    # the query's own out-of-range dates are left out rather than raising (callers show parse().problems)
    assert results.count == search.search("dns after:0001-01-01 before:9999-12-31", editor).count == 2
    assert [hit.id for hit in search.search("dns after:1000-01-02 before:1000-01-03", editor).hits] == [early.pk]
