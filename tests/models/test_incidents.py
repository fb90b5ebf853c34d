"""The incident (incidents/models/incidents.py): its fields' checks, derived durations, version, reference, and
who may see a draft."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents.models import Incident
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0) - timedelta(days=3)


def test_title_is_required_and_japanese_is_fine():
    with pytest.raises(ValidationError) as exc:
        Incident(title="").full_clean()
    assert "title" in exc.value.message_dict
    Incident(title="名前解決が不整合になり nginx が遅延").full_clean()


def test_milestones_must_be_in_order():
    incident = Incident(title="x", started_at=T0, resolved_at=T0 - timedelta(minutes=5))
    with pytest.raises(ValidationError) as exc:
        incident.full_clean()
    assert list(exc.value.message_dict) == ["resolved_at"]
    assert "started at" in exc.value.message_dict["resolved_at"][0]


def test_order_is_checked_across_missing_milestones():
    incident = Incident(title="x", detected_at=T0, resolved_at=T0 - timedelta(seconds=1))
    with pytest.raises(ValidationError) as exc:
        incident.full_clean()
    assert "resolved_at" in exc.value.message_dict
    Incident(title="x", started_at=T0, resolved_at=T0).full_clean()  # equal is allowed


def test_durations_are_derived_on_save():
    incident = IncidentFactory(
        started_at=T0, detected_at=T0 + timedelta(minutes=7),
        mitigated_at=T0 + timedelta(minutes=30), resolved_at=T0 + timedelta(hours=2),
    )
    incident.refresh_from_db()
    assert incident.time_to_detect == timedelta(minutes=7)
    assert incident.time_to_mitigate == timedelta(minutes=30)
    assert incident.time_to_resolve == timedelta(hours=2)
    incident.started_at = None
    incident.save()
    assert incident.time_to_detect is None


def test_version_counts_saves():
    incident = IncidentFactory()
    assert incident.version == 1
    incident.title = "changed"
    incident.save()
    incident.refresh_from_db()
    assert incident.version == 2


def test_reference_is_stable_and_resolvable():
    incident = IncidentFactory()
    assert incident.reference == f"INC-{incident.pk}"
    assert Incident.objects.by_reference(incident.reference) == incident
    assert Incident.objects.by_reference(f"inc-{incident.pk}") == incident
    assert Incident.objects.by_reference(str(incident.pk)) == incident
    with pytest.raises(Incident.DoesNotExist):
        Incident.objects.by_reference("INC-abc")


def test_visibility_of_drafts(editor, viewer, user):
    author = user("viewer", username="author")
    published = IncidentFactory(status="published")
    draft = IncidentFactory(status="draft")
    review = IncidentFactory(status="in_review")
    review.authors.add(author)
    assert set(Incident.objects.visible_to(viewer)) == {published}
    assert set(Incident.objects.visible_to(author)) == {published, review}
    assert set(Incident.objects.visible_to(editor)) == {published, draft, review}
