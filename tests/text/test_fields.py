"""incidents.text.fields, without the database: each kind's canonical form, the check of a whole ``fields`` dict
(required, unknown keys, retired fields kept), and the conversions a kind change may use."""

import datetime
import decimal

import pytest

from incidents.text import fields
from incidents.text.fields import FieldError, canonical, check, convert

CHOICES = ["ap-northeast-1", "us-east-1"]


@pytest.mark.parametrize("kind, value, expected", [
    ("text", "  hello ", "hello"),
    ("markdown", "a\r\nb\n", "a\nb"),
    ("number", "12", 12),
    ("number", "1,200", 1200),
    ("number", 2.0, 2),
    ("number", decimal.Decimal("2.5"), 2.5),
    ("number", " -3.25 ", -3.25),
    ("choice", "us-east-1", "us-east-1"),
    ("multi_choice", ["us-east-1", "ap-northeast-1", "us-east-1"], ["ap-northeast-1", "us-east-1"]),
    ("multi_choice", "us-east-1", ["us-east-1"]),
    ("date", "2026-12-07", "2026-12-07"),
    ("date", datetime.date(2026, 1, 2), "2026-01-02"),
    ("datetime", "2026-12-07T15:30:00+09:00", "2026-12-07T06:30:00Z"),
    ("datetime", "2026-12-07T06:30:00.123Z", "2026-12-07T06:30:00Z"),
    ("datetime", datetime.datetime(2026, 12, 7, 6, 30, tzinfo=datetime.UTC), "2026-12-07T06:30:00Z"),
    ("user", " ann ", "ann"),
    ("url", "https://example.com/a b".replace(" ", "%20"), "https://example.com/a%20b"),
    ("text", "", None),
    ("number", None, None),
    ("multi_choice", [], None),
])
def test_canonical_forms(kind, value, expected):
    assert canonical(kind, value, choices=CHOICES) == expected


@pytest.mark.parametrize("kind, value", [
    ("text", 12), ("text", "x" * 201), ("number", "many"), ("number", True), ("number", float("nan")),
    ("number", 1e16), ("choice", "mars-1"), ("choice", ["us-east-1"]), ("multi_choice", ["mars-1"]),
    ("multi_choice", [1]), ("date", "2026-13-01"), ("date", "0001-01-01"), ("datetime", "yesterday"),
    ("datetime", 5), ("url", "ftp://example.com"), ("url", "javascript:alert(1)"), ("url", "https://"),
    ("user", 5), ("weather", "sunny"),
])
def test_bad_values(kind, value):
    with pytest.raises(FieldError):
        canonical(kind, value, choices=CHOICES)


def test_a_time_without_an_offset_is_read_in_time_zone(settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    assert canonical("datetime", "2026-12-07T15:30") == "2026-12-07T06:30:00Z"


def test_a_user_must_exist_when_the_caller_can_tell():
    assert canonical("user", "ann", user_exists={"ann"}.__contains__) == "ann"
    with pytest.raises(FieldError, match="No such user: bob"):
        canonical("user", "bob", user_exists={"ann"}.__contains__)


DEFINITIONS = [
    {"key": "region", "kind": "choice", "choices": CHOICES, "required": True, "retired": False},
    {"key": "customers", "kind": "number", "choices": [], "required": False, "retired": False},
    {"key": "old", "kind": "text", "choices": [], "required": False, "retired": True},
]


def test_check_canonicalises_and_keeps_what_a_write_leaves_out():
    values, errors = check(DEFINITIONS, {"customers": "3"}, stored={"region": "us-east-1", "old": "kept"})
    assert errors == {} and values == {"region": "us-east-1", "customers": 3, "old": "kept"}


def test_check_without_partial_unsets_active_fields_left_out_but_keeps_retired_ones():
    values, errors = check(DEFINITIONS, {"region": "us-east-1"}, stored={"customers": 3, "old": "kept"}, partial=False)
    assert errors == {} and values == {"region": "us-east-1", "old": "kept"}


def test_check_errors_by_key():
    values, errors = check(DEFINITIONS, {"customers": "x", "colour": "red", "old": "changed"}, stored={"old": "kept"})
    assert errors == {"customers": ["Must be a number."], "colour": ["Unknown field for this incident type."],
                      "old": ["This field is retired and cannot be changed."], "region": ["This field is required."]}
    assert values["old"] == "kept"


def test_writing_back_what_was_read_is_no_change():
    stored = {"region": "us-east-1", "old": "kept", "gone": ["a", "b"]}  # "gone": a key of another type
    values, errors = check(DEFINITIONS, {"old": "kept", "gone": ["b", "a"]}, stored=stored)
    assert errors == {} and values == stored


def test_null_unsets():
    values, errors = check(DEFINITIONS, {"customers": None}, stored={"region": "us-east-1", "customers": 3})
    assert errors == {} and values == {"region": "us-east-1"}


@pytest.mark.parametrize("old, new, value, expected", [
    ("text", "choice", "us-east-1", "us-east-1"),
    ("number", "text", 12, "12"),
    ("number", "text", 2.5, "2.5"),
    ("choice", "multi_choice", "us-east-1", ["us-east-1"]),
    ("choice", "text", "us-east-1", "us-east-1"),
    ("text", "markdown", "a *b*", "a *b*"),
])
def test_conversions(old, new, value, expected):
    assert convert(old, new, value, choices=CHOICES) == expected


def test_conversions_refused():
    with pytest.raises(FieldError, match="cannot be converted"):
        convert("number", "date", 3)
    with pytest.raises(FieldError):
        convert("text", "choice", "mars-1", choices=CHOICES)
    assert ("date", "number") not in fields.CONVERSIONS
