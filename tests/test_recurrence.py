"""Recurrence (issue #29, incidents/recurrence.py): an incident similar to an earlier one says which of the
earlier one's action items were meant to prevent or mitigate it and their state, on the page (English and
Japanese), in the API and in the meeting pack; /patterns/ shows the recurrence rate per quarter and
/action-items/ filters to the items of incidents that recurred."""

import datetime
import html

import pytest
from django.utils import translation

from incidents import recurrence
from incidents.export import markdown, pack
from incidents.models import ActionItem, Incident
from tests.factories import ActionItemFactory, make_incident

pytestmark = pytest.mark.django_db


def at(year, month, day):
    return datetime.datetime(year, month, day, 12, tzinfo=datetime.UTC)


@pytest.fixture
def pid(engine, django_capture_on_commit_callbacks):
    """INC-a (2024-01) planned a pid limit; INC-b (2024-04) is the same failure again; INC-c (2025-01) too, over
    180 days after INC-b, and INC-d is unrelated. Indexed by the engine under test."""
    with django_capture_on_commit_callbacks(execute=True):
        common = {"tags": ["eks", "datadog", "pid-exhaustion"], "services": ["datadog-agent"]}
        first = make_incident(title="datadog-agent zombies exhaust pid_max on EKS nodes",
                              summary="Zombie processes of datadog-agent filled pid_max; aws-node could not fork.",
                              started_at=at(2024, 1, 10), **common)
        ActionItemFactory(incident=first, title="Set a pid limit", kind="prevent", status="open",
                          due_date=datetime.date(2024, 3, 1), url="https://tracker.example/PID-1")
        ActionItemFactory(incident=first, title="Alert on the pid count", kind="mitigate", status="done")
        ActionItemFactory(incident=first, title="Dashboard of pids", kind="detect", status="open")
        second = make_incident(title="pid_max exhausted again by datadog-agent zombies on EKS",
                               summary="datadog-agent zombie processes used up pid_max once more.",
                               started_at=at(2024, 4, 1), **common)
        ActionItemFactory(incident=second, title="Upgrade datadog-agent", kind="prevent", status="wont_do")
        third = make_incident(title="EKS nodes NotReady: datadog-agent zombies and pid_max", summary="pid_max again.",
                              started_at=at(2025, 1, 15), **common)
        ActionItemFactory(incident=third, title="Reap zombies in the agent", kind="prevent")
        unrelated = make_incident(title="Office printer jammed", summary="The printer jammed.",
                                  started_at=at(2024, 5, 1), tags=["office"])
    return first, second, third, unrelated


def lines(first):
    return {"en": [f"{first.reference}'s action “Set a pid limit” is not done (due 2024-03-01)",
                   f"{first.reference}'s action “Alert on the pid count” is done"],
            "ja": [f"{first.reference} の対応『Set a pid limit』は未完了（期限 2024-03-01）",
                   f"{first.reference} の対応『Alert on the pid count』は完了"]}


def test_the_page_says_what_the_earlier_incident_planned(pid, client_as, editor):
    first, second, _third, unrelated = pid
    for language, expected in lines(first).items():
        page = client_as(editor).get(f"/incidents/{second.reference}/related/", HTTP_ACCEPT_LANGUAGE=language)
        text = html.unescape(page.content.decode())
        section = text[text.index('id="recurrence"'):text.index('id="similar"')]
        for line in expected:
            assert line in section, (language, line)
        assert "Dashboard of pids" not in section  # a detect item is not meant to prevent it
        assert {"en": "This happened before", "ja": "以前にも起きています"}[language] in section
    for incident in (first, unrelated):  # nothing earlier is like them
        assert 'id="recurrence"' not in client_as(editor).get(f"/incidents/{incident.reference}/related/").content.decode()


def test_every_state_in_both_languages(db):
    incident = make_incident(title="x")
    cases = [("open", datetime.date(2024, 3, 1), "INC-{n}'s action “T” is not done (due 2024-03-01)",
              "INC-{n} の対応『T』は未完了（期限 2024-03-01）"),
             ("in_progress", None, "INC-{n}'s action “T” is not done (no due date)", "INC-{n} の対応『T』は未完了（期限なし）"),
             ("done", None, "INC-{n}'s action “T” is done", "INC-{n} の対応『T』は完了"),
             ("wont_do", None, "INC-{n}'s action “T” was dropped (won't do)", "INC-{n} の対応『T』は見送り（実施しない）")]
    for status, due, english, japanese in cases:
        item = ActionItem(incident=incident, title="T", status=status, due_date=due)
        assert recurrence.sentence(incident, item) == english.format(n=incident.pk)
        with translation.override("ja"):
            assert recurrence.sentence(incident, item) == japanese.format(n=incident.pk)


def test_the_api_lists_earlier_incidents_with_preventive_items(pid, api_as, editor):
    first, second, third, unrelated = pid
    body = api_as(editor).get(f"/api/v1/incidents/{second.pk}/similar/").json()
    assert set(body) == {"results", "recurrence"}
    assert body["recurrence"] == [{"reference": first.reference, "action_items": [
        {"title": "Set a pid limit", "kind": "prevent", "status": "open", "due_date": "2024-03-01",
         "url": "https://tracker.example/PID-1"},
        {"title": "Alert on the pid count", "kind": "mitigate", "status": "done", "due_date": None, "url": ""}]}]
    later = api_as(editor).get(f"/api/v1/incidents/{third.pk}/similar/").json()["recurrence"]
    assert {entry["reference"] for entry in later} == {first.reference, second.reference}
    assert next(e for e in later if e["reference"] == second.reference)["action_items"] == [
        {"title": "Upgrade datadog-agent", "kind": "prevent", "status": "wont_do", "due_date": None, "url": ""}]
    for incident in (first, unrelated):
        assert api_as(editor).get(f"/api/v1/incidents/{incident.pk}/similar/").json()["recurrence"] == []


def test_the_pack_says_it_too(pid, editor):
    first, second, _third, _unrelated = pid
    for language, expected in lines(first).items():
        with translation.override(language):
            section = pack.incident_section(second, editor, Incident.objects.visible_to(editor), datetime.date(2024, 4, 10))
            assert [other.incident for other in section.earlier] == [first]
            assert section.earlier[0].sentences == expected
            text = markdown.pack_markdown(pack.Pack("Weekly", datetime.date(2024, 4, 10), "", [section], [], 0,
                                                    datetime.date(2024, 4, 10)))
            prefix = {"en": "Meant to prevent or mitigate this:", "ja": "これを防ぐ・和らげるための対応:"}[language]
            for line in expected:
                assert f"  - {prefix} {line}" in text, (language, line)


def test_patterns_show_the_recurrence_rate_per_quarter(pid, client_as, editor):
    page = client_as(editor).get("/patterns/")
    rates = {rate.quarter: (rate.total, rate.recurred, rate.percent) for rate in page.context["recurrence_rates"]}
    assert rates["2024-Q1"] == (1, 0, 0)  # the first: nothing earlier
    assert rates["2024-Q2"] == (2, 1, 50)  # the second (82 days after the first) and the unrelated one
    assert rates["2024-Q3"] == (0, 0, None)
    assert rates["2025-Q1"] == (1, 0, 0)  # the third: similar, but 289 days after the second (window 180)
    text = page.content.decode()
    assert "<tr><th scope=\"row\">2024-Q2</th><td>2</td><td>1</td><td>50%</td></tr>" in text
    japanese = client_as(editor).get("/patterns/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "再発率" in japanese


def test_the_patterns_api_gives_the_same_rates(pid, api_as, editor):
    body = api_as(editor).get("/api/v1/patterns/").json()
    rates = {rate["quarter"]: (rate["total"], rate["recurred"], rate["percent"]) for rate in body["recurrence"]}
    assert rates["2024-Q2"] == (2, 1, 50) and rates["2024-Q3"] == (0, 0, None) and rates["2025-Q1"] == (1, 0, 0)


def test_action_items_of_incidents_that_recurred(pid, client_as, editor):
    first, second, third, _unrelated = pid
    page = client_as(editor).get("/action-items/", {"status": "all", "recurred": "on"})
    titles = [item.title for item in page.context["page"]]
    # first and second recurred (third is like both); third did not, nor the unrelated one
    assert sorted(titles) == ["Alert on the pid count", "Dashboard of pids", "Set a pid limit", "Upgrade datadog-agent"]
    assert "Incident recurred only" in page.content.decode()
    assert len(client_as(editor).get("/action-items/", {"status": "all"}).context["page"].object_list) == 5


def test_the_schema_documents_recurrence(db):
    from rest_framework.test import APIClient

    schema = APIClient().get("/api/v1/schema/?format=json").json()
    similar = schema["components"]["schemas"]["SimilarIncidents"]
    assert set(similar["properties"]) == {"results", "recurrence"}
    entry = schema["components"]["schemas"][similar["properties"]["recurrence"]["items"]["$ref"].rsplit("/", 1)[1]]
    items = schema["components"]["schemas"][entry["properties"]["action_items"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert set(items["properties"]) == {"title", "kind", "status", "due_date", "url"}
    assert items["properties"]["due_date"]["nullable"] is True


def test_every_incidents_similar_ids_are_computed_once_per_version(pid, settings, monkeypatch,
                                                                   django_capture_on_commit_callbacks):
    from incidents.search import backends

    calls = []
    real = backends.similar
    monkeypatch.setattr(backends, "similar", lambda *args, **kwargs: calls.append(1) or real(*args, **kwargs))
    settings.POSTMORTEM_RECURRENCE_CACHE_SECONDS = 60
    first = recurrence.recurred(Incident.objects.all())
    assert first == {pid[0].pk, pid[1].pk} and len(calls) == 4  # one per dated incident
    assert recurrence.recurred(Incident.objects.all()) == first and len(calls) == 4  # kept
    with django_capture_on_commit_callbacks(execute=True):
        Incident.objects.get(pk=pid[3].pk).save()  # a new version: that incident's are read again
    assert recurrence.recurred(Incident.objects.all()) == first and len(calls) == 5
