"""incidents.actions.children through save_incident: rows kept by id (updated in place, new ones created, left-out
ones deleted), unchanged rows not written, factors' causes rewired whatever the order, links swapped between rows."""

import datetime

import pytest

from incidents.actions.incidents import save_incident
from incidents.models import Incident, IncidentRevision
from tests.factories import FactorFactory, IncidentFactory, LessonFactory, LinkFactory, TimelineEventFactory

pytestmark = pytest.mark.django_db
AT = datetime.datetime(2024, 3, 4, 9, 0, tzinfo=datetime.UTC)


def timeline(incident):
    return [(event.pk, event.description) for event in Incident.objects.get(pk=incident.pk).timeline.all()]


@pytest.fixture
def incident():
    incident = IncidentFactory()
    for minute, text in enumerate(["alert", "page", "rollback"]):
        TimelineEventFactory(incident=incident, occurred_at=AT + datetime.timedelta(minutes=minute), description=text)
    return incident


def test_an_entry_with_an_id_updates_that_row_one_without_is_new_and_rows_left_out_go(incident):
    (alert, _), (page, _), (rollback, _) = timeline(incident)
    save_incident(incident, {"timeline": [
        {"id": alert, "description": "latency alert"},  # only what it carries changes
        {"id": rollback, "occurred_at": AT + datetime.timedelta(minutes=2), "kind": "mitigation", "description": "rollback"},
        {"occurred_at": AT + datetime.timedelta(minutes=3), "description": "resolved"},
    ]}, sync_github=False)
    rows = timeline(incident)
    assert rows[:2] == [(alert, "latency alert"), (rollback, "rollback")]
    assert rows[2][1] == "resolved" and rows[2][0] not in (alert, page, rollback)
    stored = Incident.objects.get(pk=incident.pk).timeline.get(pk=alert)
    assert (stored.occurred_at, stored.kind) == (AT, "trigger")


def test_a_save_that_changes_only_the_summary_keeps_every_row_and_its_id(incident):
    lesson, link = LessonFactory(incident=incident), LinkFactory(incident=incident)
    before = timeline(incident)
    save_incident(incident, {"summary": "new"}, sync_github=False)
    assert timeline(incident) == before
    assert list(incident.lessons.values_list("pk", flat=True)) == [lesson.pk]
    assert list(incident.links.values_list("pk", flat=True)) == [link.pk]


def test_rows_saved_back_unchanged_are_not_written_again(incident, django_assert_max_num_queries):
    rows = [{"id": pk, "description": text} for pk, text in timeline(incident)]
    with django_assert_max_num_queries(40) as captured:
        save_incident(incident, {"timeline": rows}, sync_github=False)
    assert not [query for query in captured.captured_queries if query["sql"].startswith('UPDATE "incidents_timelineevent"')]


def test_factors_keep_their_ids_and_their_causes_can_be_turned_around():
    incident = IncidentFactory()
    cause, effect = FactorFactory(incident=incident, description="cause"), FactorFactory(incident=incident, description="effect")
    cause.set_leads_to([effect])
    save_incident(incident, {}, sync_github=False)  # the first revision, to compare with
    # the effect now causes the cause: written in either order, no intermediate state is a cycle
    save_incident(incident, {"factors": [
        {"id": effect.pk, "ref": "e", "category": "defect", "description": "effect", "leads_to": ["c"]},
        {"id": cause.pk, "ref": "c", "category": "process", "description": "cause", "leads_to": []},
    ]}, sync_github=False)
    factors = {factor.pk: (factor.category, [f.pk for f in factor.leads_to.all()])
               for factor in Incident.objects.get(pk=incident.pk).factors.all()}
    assert factors == {cause.pk: ("process", []), effect.pk: ("defect", [cause.pk])}
    revision = IncidentRevision.objects.of(incident).first()
    assert revision.changed == ["factors"]


def test_two_links_can_swap_their_urls():
    incident = IncidentFactory()
    first, second = LinkFactory(incident=incident, url="acme/api#1"), LinkFactory(incident=incident, url="https://b.example")
    save_incident(incident, {"links": [{"id": first.pk, "url": "https://b.example"}, {"id": second.pk, "url": "acme/api#1"},
                                       {"url": "https://c.example"}]}, sync_github=False)
    links = dict(Incident.objects.get(pk=incident.pk).links.values_list("pk", "url"))
    assert links.pop(first.pk) == "https://b.example"
    assert links.pop(second.pk) == "https://github.com/acme/api/issues/1"
    assert list(links.values()) == ["https://c.example"]
