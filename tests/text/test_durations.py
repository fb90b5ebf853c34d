"""Durations for people (incidents/text/durations.py), in English and Japanese: the pages' durations and the
plots' axis labels. Pure functions: no database."""

import datetime

import pytest
from django.utils import translation

from incidents.text.durations import seconds_duration, whole_duration

DAY, HOUR, MINUTE = 86400, 3600, 60


@pytest.mark.parametrize(("seconds", "english", "japanese"), [
    (2 * DAY, "2 d", "2 日"),
    (6 * HOUR, "6 h", "6 時間"),
    (30 * MINUTE, "30 min", "30 分"),
    (0, "0 min", "0 分"),
    (HOUR + 30 * MINUTE, "90 min", "90 分"),  # not a whole hour: minutes
    (25 * HOUR, "25 h", "25 時間"),
])
def test_whole_duration_is_a_round_duration_in_its_largest_unit_in_each_language(seconds, english, japanese):
    with translation.override("en"):
        assert whole_duration(seconds) == english
    with translation.override("ja"):
        assert whole_duration(seconds) == japanese


@pytest.mark.parametrize(("value", "english", "japanese"), [
    (3 * DAY + 4 * HOUR + 5 * MINUTE, "3 d 4 h", "3 日 4 時間"),
    (datetime.timedelta(hours=2, minutes=7, seconds=59), "2 h 7 min", "2 時間 7 分"),
    (12 * MINUTE + 30, "12 min", "12 分"),
    (None, "—", "—"),
    ("", "—", "—"),
])
def test_seconds_duration_in_each_language(value, english, japanese):
    with translation.override("en"):
        assert seconds_duration(value) == english
    with translation.override("ja"):
        assert seconds_duration(value) == japanese
