"""incidents.actions.audit: a change of an incident's visibility or members is one audit entry, whichever path
makes it (the API, the edit page, the Django admin, a restore, an import), with who, which incident, the old and
new visibility and the members added and removed; a save that changes neither records nothing. What an admin
then reads on /people/audit/ (English and Japanese) and in /api/v1/audit/."""

import re

import pytest
from django.urls import reverse

from incidents.actions.history import restore_revision
from incidents.actions.imports import import_sources
from incidents.imports.files import Source
from incidents.models import AuditEntry, Incident, IncidentRevision
from tests.admin.test_incidents import _post_data
from tests.factories import make_incident
from tests.imports.helpers import exported
from tests.web.test_incidents_edit import page_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(user):
    return {"admin": user("admin", is_staff=True), "writer": user("editor", username="writer"),
            "ann": user("viewer", username="ann"), "bob": user("viewer", username="bob")}


@pytest.fixture
def incident(people):
    return make_incident(title="Payroll export leaked", authors=[people["writer"]])


def entries():
    return [(e.actor_name, e.action, e.incident_id, e.details) for e in AuditEntry.objects.order_by("pk")]


def test_the_api_records_visibility_then_members_once_each_and_nothing_else(people, incident, api_as):
    api, url = api_as(people["writer"]), f"/api/v1/incidents/{incident.pk}/"
    assert api.patch(url, {"visibility": "restricted", "members": ["ann"]}, format="json").status_code == 200
    assert api.patch(url, {"visibility": "restricted", "members": ["ann"]}, format="json").status_code == 200
    assert api.patch(url, {"title": "Payroll export leaked (2)"}, format="json").status_code == 200
    assert api.patch(url, {"members": ["bob"]}, format="json").status_code == 200
    assert api.patch(url, {"visibility": "internal", "members": []}, format="json").status_code == 200
    assert entries() == [
        ("writer", "visibility_changed", incident.pk, {"old": "internal", "new": "restricted", "added": ["ann"],
                                                       "removed": []}),
        ("writer", "members_changed", incident.pk, {"old": "restricted", "new": "restricted", "added": ["bob"],
                                                    "removed": ["ann"]}),
        ("writer", "visibility_changed", incident.pk, {"old": "restricted", "new": "internal", "added": [],
                                                       "removed": ["bob"]}),
    ]


def test_a_refused_write_records_nothing(people, incident, api_as):
    answer = api_as(people["writer"]).patch(f"/api/v1/incidents/{incident.pk}/",
                                            {"visibility": "restricted", "members": ["ghost"]}, format="json")
    assert answer.status_code == 400 and not AuditEntry.objects.exists()


def test_a_new_incident_is_recorded_only_when_made_restricted(people, api_as):
    api = api_as(people["writer"])
    internal = api.post("/api/v1/incidents/", {"title": "Plain outage"}, format="json").json()
    restricted = api.post("/api/v1/incidents/", {"title": "HR mistake", "visibility": "restricted",
                                                 "members": ["bob"]}, format="json").json()
    assert entries() == [("writer", "visibility_changed", restricted["id"],
                          {"old": "internal", "new": "restricted", "added": ["bob"], "removed": []})]
    assert internal["id"] != restricted["id"]


def test_the_edit_page(people, incident, client_as):
    client = client_as(people["writer"])
    data = page_data(client.get(f"/incidents/{incident.reference}/edit/"))
    data.update({"visibility": "restricted", "members": "bob, ann"})
    assert client.post(f"/incidents/{incident.reference}/edit/", data).status_code == 302
    data = page_data(client.get(f"/incidents/{incident.reference}/edit/"))
    assert client.post(f"/incidents/{incident.reference}/edit/", data).status_code == 302  # saved unchanged
    assert entries() == [("writer", "visibility_changed", incident.pk,
                          {"old": "internal", "new": "restricted", "added": ["ann", "bob"], "removed": []})]


def test_the_django_admin(people, incident, client_as):
    client = client_as(people["admin"])
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert 'name="visibility"' in page.content.decode() and 'name="members"' in page.content.decode()
    data = _post_data(page.context) | {"visibility": "restricted", "members": [people["ann"].pk]}
    assert client.post(url, data).status_code == 302
    data = _post_data(client.get(url).context) | {"title": "Payroll export leaked, again"}
    assert client.post(url, data).status_code == 302  # access left as it is
    assert entries() == [("admin", "visibility_changed", incident.pk,
                          {"old": "internal", "new": "restricted", "added": ["ann"], "removed": []})]
    assert Incident.objects.get(pk=incident.pk).title == "Payroll export leaked, again"


def test_a_restore_leaves_access_alone_and_records_nothing(people, incident, api_as):
    api = api_as(people["writer"])
    api.patch(f"/api/v1/incidents/{incident.pk}/", {"summary": "first words"}, format="json")
    api.patch(f"/api/v1/incidents/{incident.pk}/", {"summary": "second words", "visibility": "restricted",
                                                   "members": ["ann"]}, format="json")
    AuditEntry.objects.all().delete()
    first = IncidentRevision.objects.filter(incident_id=incident.pk).order_by("number").first()
    restore_revision(Incident.objects.get(pk=incident.pk), first, user=people["writer"])
    restored = Incident.objects.get(pk=incident.pk)
    assert restored.summary == "first words" and restored.visibility == "restricted"
    assert not AuditEntry.objects.exists()


def test_an_import_of_a_restricted_write_up_is_recorded_by_the_importer(people, incident, api_as):
    api_as(people["writer"]).patch(f"/api/v1/incidents/{incident.pk}/", {"visibility": "restricted"}, format="json")
    [(uid, data)] = exported([Incident.objects.get(pk=incident.pk)], people["admin"]).items()
    assert import_sources([Source(f"{uid}.md", data)], user=people["admin"]).counts["unchanged"] == 1
    assert [action for _actor, action, _pk, _details in entries()] == ["visibility_changed"]  # the PATCH only
    Incident.objects.filter(pk=incident.pk).delete()
    report = import_sources([Source(f"{uid}.md", data)], user=people["admin"])
    assert report.counts["imported"] == 1, report.as_dict()
    created = Incident.objects.get(uid=uid)
    assert created.visibility == "restricted"
    assert entries()[-1] == ("admin", "visibility_changed", created.pk,
                             {"old": "internal", "new": "restricted", "added": [], "removed": []})


def test_what_an_admin_reads(people, incident, api_as, client_as):
    api = api_as(people["writer"])
    api.patch(f"/api/v1/incidents/{incident.pk}/", {"visibility": "restricted", "members": ["ann", "bob"]},
              format="json")
    api.patch(f"/api/v1/incidents/{incident.pk}/", {"members": ["bob"]}, format="json")
    answer = api_as(people["admin"]).get("/api/v1/audit/").json()
    assert [(e["actor"], e["action"], e["target_user"], e["incident"], e["details"]) for e in answer["results"]] == [
        ("writer", "members_changed", "", incident.pk,
         {"old": "restricted", "new": "restricted", "added": [], "removed": ["ann"]}),
        ("writer", "visibility_changed", "", incident.pk,
         {"old": "internal", "new": "restricted", "added": ["ann", "bob"], "removed": []}),
    ]
    client = client_as(people["admin"])
    page = client.get("/people/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    rows = re.findall(r"<tr>\s*<td>[^<]+</td>(.*?)</tr>", page, re.S)
    link = f'<td><a href="/incidents/{incident.reference}/">{incident.reference}</a></td>'
    assert [re.sub(r"\s+", " ", row).strip() for row in rows] == [
        f"<td>writer</td><td>members changed</td> <td>—</td> {link} <td>members removed: ann</td>",
        f"<td>writer</td><td>visibility changed</td> <td>—</td> {link} "
        "<td>internal → restricted; members added: ann, bob</td>",
    ]
    page = client.get("/people/audit/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "<td>メンバーを変更</td>" in page and "<td>外したメンバー: ann</td>" in page
    assert "<td>公開範囲を変更</td>" in page and "<td>社内 → 限定公開; 追加したメンバー: ann, bob</td>" in page
