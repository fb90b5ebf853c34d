"""incidents.actions.document: the incident document's rules, without the database (``check``): fields cleaned by
the models' rules, factor refs and cycles, links listed twice in any spelling, milestones in order (stored ones
counting), sizes, dates, child ids; errors by field path."""

import datetime

import pytest

from incidents.actions.document import MAX_ROWS, check, lines, same_link

UTC = datetime.UTC


def errors_of(data, **options):
    return check(data, **options)[1]


def factor(ref, *leads_to, **fields):
    return {"ref": ref, "category": "defect", "description": f"factor {ref}", "leads_to": list(leads_to), **fields}


def test_a_good_document_is_cleaned_text_stripped_times_read_in_time_zone_and_refs_given(settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    cleaned, errors = check({
        "title": "  DNS outage  ", "severity": "sev2", "started_at": "2024-03-05 10:00",
        "postmortem_date": "2024-03-08", "tags": [" dns ", ""], "author_names": ["山田"],
        "factors": [{"category": "defect", "description": " x "}, factor("b")],
        "authors": ["kept as given"], "version": 3,
    })
    assert errors == {}
    assert cleaned["title"] == "DNS outage" and cleaned["tags"] == ["dns"]
    assert cleaned["started_at"] == datetime.datetime(2024, 3, 5, 1, 0, tzinfo=UTC)
    assert cleaned["postmortem_date"] == datetime.date(2024, 3, 8)
    assert cleaned["factors"][0] == {"ref": "#0", "category": "defect", "description": "x", "leads_to": []}
    assert (cleaned["authors"], cleaned["version"]) == (["kept as given"], 3)


@pytest.mark.parametrize("data, path, message", [
    ({"title": ""}, "title", "This field cannot be blank."),
    ({"title": "x" * 201}, "title", "Ensure this value has at most 200 characters (it has 201)."),
    ({"severity": "sev9"}, "severity", "'sev9' is not a severity of this scale: sev1, sev2, sev3, sev4."),
    ({"summary": "a\x00b"}, "summary", "Null characters are not allowed."),
    ({"started_at": "yesterday"}, "started_at", "“yesterday” value has an invalid format. It must be in "
                                                "YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ] format."),
    ({"started_at": datetime.datetime(999, 1, 1, tzinfo=UTC)}, "started_at", "Enter a date from 1000-01-02 to 9999-12-30."),
    ({"tags": "dns"}, "tags", "Expected a list of items but got type “str”."),
    ({"author_names": ["x"] * 51}, "author_names", "Ensure this field has no more than 50 elements."),
    ({"timeline": [{"kind": "trigger"}]}, "timeline[0].occurred_at", "This field is required."),
    ({"lessons": [{"kind": "meh", "text": "x"}]}, "lessons[0].kind", "Value 'meh' is not a valid choice."),
    ({"links": [{"url": "javascript:alert(1)"}]}, "links[0].url", "Enter an http(s) URL or OWNER/REPO#N."),
    ({"action_items": [{"title": "x", "url": "owner/repo#0"}]}, "action_items[0].url",
     "“owner/repo#0” is not a valid GitHub issue or pull request (OWNER/REPO#N or "
     "https://github.com/OWNER/REPO/issues/N)."),
    ({"links": [{"id": "3", "url": "https://a.example"}]}, "links[0].id", "A valid integer is required."),
    ({"lessons": [{"kind": "lucky", "text": "x"}] * (MAX_ROWS + 1)}, "lessons", f"At most {MAX_ROWS} rows."),
])
def test_a_bad_field_is_named_by_its_path(data, path, message):
    assert errors_of(data) == {path: [message]}


@pytest.mark.parametrize("factors, message", [
    ([factor("a"), factor("a")], "Duplicate factor refs: a."),
    ([factor("a", "nope")], "Factor “a” leads to unknown ref(s): nope."),
    ([factor("a", "a")], "Factor “a” cannot lead to itself."),
    ([factor("a", "b"), factor("b", "a")], "These causes form a cycle: a → b → a. A factor cannot end up causing itself."),
])
def test_factor_refs_must_be_unique_known_and_never_loop(factors, message):
    assert errors_of({"factors": factors}) == {"factors": [message]}


def test_a_longer_cycle_is_named_whole():
    [message] = errors_of({"factors": [factor("a", "b"), factor("b", "c"), factor("c", "a")]})["factors"]
    path = message.removeprefix("These causes form a cycle: ").split(".")[0].split(" → ")
    assert len(path) == 4 and path[0] == path[-1] and sorted(path[:-1]) == ["a", "b", "c"]


@pytest.mark.parametrize("first, second", [
    ("acme/api#7", "https://github.com/ACME/api/issues/7"),
    ("https://github.com/acme/api/pull/7", "acme/API#7"),
    ("https://example.com/x", "https://example.com/x"),
])
def test_a_link_listed_twice_in_any_spelling_is_refused_at_the_second(first, second):
    assert same_link(first) == same_link(second)
    assert errors_of({"links": [{"url": first}, {"url": second}]}) == {
        "links[1].url": [f"The link {second} is listed twice."]}


def test_different_links_are_different():
    assert errors_of({"links": [{"url": "acme/api#7"}, {"url": "acme/api#8"}, {"url": "https://example.com/X"},
                                {"url": "https://example.com/x"}]}) == {}


def test_milestones_in_order_counting_the_stored_ones_a_write_leaves_out():
    stored = {"started_at": datetime.datetime(2024, 1, 2, tzinfo=UTC), "resolved_at": datetime.datetime(2024, 1, 5, tzinfo=UTC)}
    assert errors_of({"detected_at": datetime.datetime(2024, 1, 1, tzinfo=UTC)}, milestones=stored) == {
        "detected_at": ["Must not be before started at."]}
    assert errors_of({"mitigated_at": datetime.datetime(2024, 1, 6, tzinfo=UTC)}, milestones=stored) == {
        "resolved_at": ["Must not be before mitigated at."]}
    assert errors_of({"detected_at": datetime.datetime(2024, 1, 3, tzinfo=UTC)}, milestones=stored) == {}
    out_of_order = {"started_at": stored["resolved_at"], "detected_at": stored["started_at"]}
    assert errors_of({"title": "a write without milestones"}, milestones=out_of_order) == {}


def test_child_ids_must_be_the_incidents_own_rows_once():
    rows = [{"id": 1, "kind": "lucky", "text": "a"}, {"id": 9, "text": "b"}, {"id": 1}, {"kind": "went_well", "text": "new"}]
    assert errors_of({"lessons": rows}, child_ids={"lessons": {1, 2}}) == {
        "lessons[1].id": ["No row with id 9 belongs to this incident."], "lessons[2].id": ["The id 1 is listed twice."]}
    assert errors_of({"lessons": [{"id": 1}]}) == {"lessons[0].id": ["No row with id 1 belongs to this incident."]}


def test_an_update_of_a_row_needs_only_what_changes_a_new_row_its_required_fields():
    assert errors_of({"lessons": [{"id": 1}]}, child_ids={"lessons": {1}}) == {}
    assert errors_of({"lessons": [{"text": "x"}]}) == {"lessons[0].kind": ["This field is required."]}


def test_rules_are_not_checked_over_fields_already_wrong_and_errors_read_as_lines():
    errors = errors_of({"severity": "sev9", "factors": [factor("a", "b")], "links": [{"url": "ftp://x"}, {"url": "ftp://x"}]})
    assert lines(errors) == [
        "severity: 'sev9' is not a severity of this scale: sev1, sev2, sev3, sev4.",
        "links[0].url: Enter an http(s) URL or OWNER/REPO#N.",
        "links[1].url: Enter an http(s) URL or OWNER/REPO#N.",
        "factors: Factor “a” leads to unknown ref(s): b.",
    ]


def test_messages_are_in_the_active_language():
    from django.utils import translation

    with translation.override("ja"):
        message = errors_of({"factors": [factor("a", "b"), factor("b", "a")]})["factors"][0]
    assert message.startswith("この因果関係は循環しています: a → b → a")
