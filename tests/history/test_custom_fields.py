"""History of incident types and custom fields: the page shows a type change by the type's name and each custom
field's change by its label with the values as the incident page shows them; a restore brings back the type and
the active fields' values and keeps the current value of retired fields (never refusing over one)."""

import pytest

from incidents.actions.history import restore_revision
from incidents.actions.incidents import save_incident
from incidents.models import CustomField, Incident, IncidentRevision, Source
from tests.factories import near_miss_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def near_miss(db):
    return near_miss_type()


@pytest.fixture
def incident(near_miss, editor):
    """Revision 1: the default type; 2: a near miss in ap-northeast-1 (legacy code X-1, retired since);
    3: us-east-1, 120 customers."""
    CustomField.objects.filter(key="legacy_code").update(retired=False)  # retired after revision 2
    created = save_incident(Incident(), {"title": "Certificate nearly expired", "severity": "sev3"}, user=editor,
                            source=Source.WEB)
    save_incident(created, {"type": "near-miss", "fields": {"region": "ap-northeast-1", "legacy_code": "X-1"}},
                  user=editor, source=Source.WEB)
    CustomField.objects.filter(key="legacy_code").update(retired=True)
    return save_incident(Incident.objects.get(pk=created.pk),
                         {"fields": {"region": "us-east-1", "affected_customers": 120}}, user=editor, source=Source.WEB)


def revision(incident, number):
    return IncidentRevision.objects.get(incident=incident, number=number)


def test_revisions_list_type_and_fields_as_changed(incident):
    first = revision(incident, 1)
    assert "type" not in first.changed and "fields" not in first.changed  # the default type, no fields
    assert first.document()["type"] == "postmortem" and revision(incident, 2).document()["type"] == "near-miss"
    assert revision(incident, 2).changed == ["type", "fields"]
    assert revision(incident, 3).changed == ["fields"]
    assert revision(incident, 3).diff(revision(incident, 2))["fields"] == {
        "from": {"region": "ap-northeast-1", "legacy_code": "X-1"},
        "to": {"region": "us-east-1", "legacy_code": "X-1", "affected_customers": 120}}


def test_the_history_page_shows_the_type_by_name_and_each_field_by_label(incident, editor_client):
    page = editor_client.get(f"/incidents/{incident.reference}/history/", HTTP_ACCEPT_LANGUAGE="ja")
    text = page.content.decode()
    assert "<dt>Region</dt>" not in text
    assert "<dt>リージョン</dt>\n      <dd><del>ap-northeast-1</del> → <ins>us-east-1</ins></dd>" in text
    assert "<dt>影響顧客数</dt>\n      <dd><del>—</del> → <ins>120 社</ins></dd>" in text
    assert "<del>障害ポストモーテム</del> → <ins>ニアミス</ins>" in text
    english = editor_client.get(f"/incidents/{incident.reference}/history/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<dt>Region</dt>\n      <dd><del>ap-northeast-1</del> → <ins>us-east-1</ins></dd>" in english
    assert "<del>Postmortem</del> → <ins>Near miss</ins>" in english


def test_restoring_brings_back_active_fields_and_keeps_retired_ones(incident, editor):
    Incident.objects.filter(pk=incident.pk).update(fields={**incident.fields, "legacy_code": "X-2"})  # e.g. an import
    current = Incident.objects.get(pk=incident.pk)
    restored = restore_revision(current, revision(incident, 2), user=editor)
    restored = Incident.objects.get(pk=restored.pk)
    assert restored.type.key == "near-miss"
    assert restored.fields == {"region": "ap-northeast-1", "legacy_code": "X-2"}  # customers emptied, retired kept


def test_restoring_the_first_revision_brings_back_the_default_type(incident, editor):
    restored = Incident.objects.get(pk=restore_revision(incident, revision(incident, 1), user=editor).pk)
    assert restored.type.key == "postmortem"
    assert restored.fields == {"region": "us-east-1", "legacy_code": "X-1", "affected_customers": 120}  # not its type's
    latest = IncidentRevision.objects.of(restored).first()
    assert latest.changed == ["type"]


def test_the_restore_page_restores_through_the_form(incident, editor_client):
    response = editor_client.post(f"/incidents/{incident.reference}/history/2/restore/",
                                  {"version": str(Incident.objects.get(pk=incident.pk).version)})
    assert response.status_code == 302
    assert Incident.objects.get(pk=incident.pk).fields["region"] == "ap-northeast-1"
