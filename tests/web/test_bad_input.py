"""Bad input in the browser pages gets a form error or a visible message naming the problem, never a 500,
and a refused save stores nothing."""

import datetime

import pytest
from django.utils import timezone

from incidents.models import Incident, Retrospective
from tests.factories import IncidentFactory, RetrospectiveFactory, TimelineEventFactory
from tests.web.test_incidents_edit import new_incident, page_data, rows

pytestmark = pytest.mark.django_db

RANGE = "Enter a date from 1000-01-02 to 9999-12-30."
NUL = "Null characters are not allowed."


def stored_state():
    """Everything an edit could change, to compare before and after a refused save."""
    return [(i.pk, i.version, i.title, i.started_at, sorted(t.name for t in i.tags.all()),
             list(i.timeline.values_list("occurred_at", "description")), list(i.factors.values_list("description")),
             list(i.lessons.values_list("text")), list(i.action_items.values_list("title", "due_date")),
             list(i.links.values_list("title"))) for i in Incident.objects.order_by("pk")]


def errors_of(response):
    """Every error on the edit page: the incident form's and each row's, as (where, messages) pairs."""
    found = [(f"form.{name}", list(errors)) for name, errors in response.context["form"].errors.items()]
    for key, _title, formset in response.context["sections"]:
        for index, form in enumerate(formset.forms):
            found += [(f"{key}[{index}].{name}", list(errors)) for name, errors in form.errors.items()]
    return found


# --- NUL characters in the edit page -------------------------------------------------------------------


@pytest.mark.parametrize("field, value, where", [
    ("title", "aardvark\x00", "form.title"),
    ("summary", "名前解決\x00", "form.summary"),
    ("tags", "dns, a\x00b", "form.tags"),
    ("services", "podman\x00", "form.services"),
    ("timeline-0-description", "connect()\x00 failed", "timeline[0].description"),
    ("timeline-0-source", "log\x00", "timeline[0].source"),
    ("factors-1-description", "\x00", "factors[1].description"),
    ("lessons-0-text", "ログ\x00", "lessons[0].text"),
    ("actions-0-title", "pid\x00", "action_items[0].title"),
    ("actions-0-owner", "sre\x00", "action_items[0].owner"),
    ("links-0-title", "chat\x00", "links[0].title"),
    ("links-0-url", "https://example.com/\x00", "links[0].url"),
])
def test_nul_characters_are_a_form_error_naming_the_field(editor_client, field, value, where):
    existing = IncidentFactory(title="stored")
    before = stored_state()
    for url in ("/incidents/new/", f"/incidents/{existing.reference}/edit/"):
        data = new_incident(**{field: value})
        if "edit" in url:
            data["version"] = str(existing.version)
        response = editor_client.post(url, data)
        assert response.status_code == 200
        assert (where, [NUL]) in errors_of(response)
        assert NUL in response.content.decode()
        assert stored_state() == before


# --- dates the application cannot hold -----------------------------------------------------------------


@pytest.mark.parametrize("field, value, where", [
    ("started_at", "0001-01-01T00:00:00", "form.started_at"),  # year 1 in Tokyo is year 0 in UTC
    ("started_at", "0999-12-31T23:59:59", "form.started_at"),
    ("resolved_at", "9999-12-31T23:59:59", "form.resolved_at"),
    ("timeline-0-occurred_at", "0001-01-01T09:00:00", "timeline[0].occurred_at"),
    ("actions-0-due_date", "0001-01-01", "action_items[0].due_date"),
    ("actions-0-due_date", "9999-12-31", "action_items[0].due_date"),
])
def test_dates_out_of_range_are_a_form_error(editor_client, field, value, where):
    existing = IncidentFactory(title="stored")
    before = stored_state()
    data = new_incident(**{field: value})
    response = editor_client.post("/incidents/new/", data)
    assert response.status_code == 200 and (where, [RANGE]) in errors_of(response)
    assert RANGE in response.content.decode()
    response = editor_client.post(f"/incidents/{existing.reference}/edit/", {**data, "version": str(existing.version)})
    assert response.status_code == 200 and (where, [RANGE]) in errors_of(response)
    assert stored_state() == before


def test_dates_at_the_edges_of_the_range_are_stored_and_shown(editor_client):
    # Tokyo's offset in year 1000 is its local mean time, +09:18:59
    response = editor_client.post("/incidents/new/", new_incident(
        started_at="1000-01-02T09:18:59", detected_at="", resolved_at="9999-12-31T08:59:59",
        **rows("timeline", {"occurred_at": "9999-12-31T08:59:59", "kind": "other", "description": "last"})))
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert incident.started_at == datetime.datetime(1000, 1, 2, tzinfo=datetime.UTC)
    assert incident.resolved_at == datetime.datetime(9999, 12, 30, 23, 59, 59, tzinfo=datetime.UTC)
    for url in (incident.get_absolute_url(), f"{incident.get_absolute_url()}edit/", "/incidents/", "/patterns/",
                f"{incident.get_absolute_url()}export.md"):
        assert editor_client.get(url).status_code == 200, url
    # and saved again from the page as shown, nothing changes
    edit = editor_client.get(f"{incident.get_absolute_url()}edit/")
    assert editor_client.post(f"{incident.get_absolute_url()}edit/", page_data(edit)).status_code == 302
    incident.refresh_from_db()
    assert (incident.started_at.year, incident.resolved_at.year) == (1000, 9999)


def test_log_lines_with_times_out_of_range_stay_in_the_box(editor_client):
    data = new_incident(**{"action": "parse_log", "log-date": "2023-06-22", "log-zone": "UTC",
                           "log-log": "0001-01-01T00:00:00+14:00 too early\n"
                                      "2023-06-22T02:46:26Z connect() failed\n"
                                      "9999-12-31T23:59:59-14:00 too late"})
    response = editor_client.post("/incidents/new/", data)
    assert response.status_code == 200 and not Incident.objects.exists()
    assert response.context["log_form"].initial["log"] == "0001-01-01T00:00:00+14:00 too early"
    timeline = response.context["sections"][0][2]
    descriptions = [form["description"].value() for form in timeline.forms]
    assert descriptions[-1] == "connect() failed\n9999-12-31T23:59:59-14:00 too late"


def test_log_paste_date_out_of_range_is_a_form_error(editor_client):
    data = new_incident(**{"action": "parse_log", "log-date": "0001-01-01", "log-zone": "Asia/Tokyo",
                           "log-log": "00:10 boom"})
    response = editor_client.post("/incidents/new/", data)
    assert response.status_code == 200 and response.context["log_form"].errors == {"date": [RANGE]}
    assert not Incident.objects.exists()


# --- the list: filters and the search box ---------------------------------------------------------------


@pytest.mark.parametrize("params, field", [
    ({"started_after": "0001-01-01T00:00:00+14:00"}, "started_after"),
    ({"started_after": "0001-01-01"}, "started_after"),
    ({"started_before": "9999-12-31T23:59:59-14:00"}, "started_before"),
    ({"started_before": "9999-12-31T23:00:00", "q": "dns"}, "started_before"),  # 14:00 UTC
])
def test_list_filter_dates_out_of_range_are_a_form_error(editor_client, params, field):
    IncidentFactory(title="dns outage")
    response = editor_client.get("/incidents/", params)
    assert response.status_code == 200
    assert response.context["filter"].form.errors == {field: [RANGE]}
    assert response.context["rows"] == [] and RANGE in response.content.decode()


@pytest.mark.parametrize("q, message", [
    ("after:0001-01-01 dns", f"after:0001-01-01: {RANGE}"),
    ("dns before:9999-12-31", f"before:9999-12-31: {RANGE}"),
    ("dns\x00", NUL),
])
def test_list_search_that_cannot_run_says_why(editor_client, q, message):
    IncidentFactory(title="dns outage")
    response = editor_client.get("/incidents/", {"q": q})
    assert response.status_code == 200 and response.context["query_problems"] == [message]
    assert response.context["rows"] == []
    page = response.content.decode()
    assert f'<span class="errorlist" role="alert">{message}</span>' in page
    assert "incidents match" not in page


def test_list_search_dates_within_range_still_work(editor_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        IncidentFactory(title="dns outage", started_at=datetime.datetime(2023, 5, 1, tzinfo=datetime.UTC))
    response = editor_client.get("/incidents/", {"q": "dns after:1000-01-02 before:9999-12-30"})
    assert response.context["query_problems"] == [] and response.context["count"] == 1


def test_invalid_utf8_in_the_query_string_is_read_with_replacement_characters(editor_client):
    IncidentFactory(title="dns outage")
    for query in ("q=%ff", "q=dns%ff", "tag=%ff", "q=%ED%A0%80"):
        response = editor_client.get(f"/incidents/?{query}")
        assert response.status_code == 200, query
        assert "\ufffd" in response.content.decode()


# --- retrospective meetings ------------------------------------------------------------------------------


@pytest.mark.parametrize("field, value", [("date", "0001-01-01"), ("select_since", "0001-01-01"),
                                          ("select_since", "9999-12-31"), ("title", "retro\x00")])
def test_meeting_form_refuses_bad_dates_and_nul(editor_client, field, value):
    data = {"title": "retro", "date": "2024-01-10", "facilitator": "", "select_tag": "", "select_status": "",
            "select_since": "", field: value}
    response = editor_client.post("/retrospectives/new/", data)
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [NUL if "\x00" in value else RANGE]}
    assert not Retrospective.objects.exists()


def test_meetings_stored_with_dates_out_of_range_still_select(editor_client):
    """Meetings saved before the range check keep working: selection bounds are moved into range."""
    with timezone.override(datetime.UTC):
        incident = IncidentFactory(title="old", started_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    TimelineEventFactory(incident=incident)
    RetrospectiveFactory(title="ancient", date=datetime.date(1, 1, 1))
    meeting = RetrospectiveFactory(title="now", date=datetime.date(2024, 1, 1), select_since=datetime.date(1, 1, 1),
                                   select_since_previous=True)
    assert list(meeting.apply_selection()) == [incident]
    assert list(Incident.objects.selected(since=datetime.date(1, 1, 1), until=datetime.date.max)) == [incident]
    response = editor_client.post(f"/retrospectives/{meeting.pk}/agenda/", {"action": "select"})
    assert response.status_code == 302 and list(meeting.agenda.values_list("incident", flat=True)) == [incident.pk]

