from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.models import ContributingFactor, Incident, Service, Tag
from tests.factories import FactorFactory, IncidentFactory

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


def test_labels_are_normalized_and_shared():
    tags = Tag.objects.resolve(["DNS", " dns ", "resource exhaustion", ""])
    assert [t.name for t in tags] == ["dns", "resource-exhaustion"]
    assert Tag.objects.resolve(["Dns"])[0] == tags[0]
    services = Service.objects.resolve(["aws-node", "AWS-node", "nginx"])
    assert [s.name for s in services] == ["aws-node", "nginx"]
    assert Service.objects.count() == 2


def chain(incident, n):
    factors = [FactorFactory(incident=incident) for _ in range(n)]
    for cause, effect in zip(factors, factors[1:]):
        cause.set_leads_to([effect])
    return factors


def test_factor_chain_is_stored_as_a_graph():
    incident = IncidentFactory()
    zombies, pid_max, aws_node, not_ready = chain(incident, 4)
    assert list(zombies.leads_to.all()) == [pid_max]
    assert list(not_ready.caused_by.all()) == [aws_node]


def test_factor_cycle_is_rejected():
    incident = IncidentFactory()
    first, _, last = chain(incident, 3)
    with pytest.raises(ValidationError, match="cycle"):
        last.set_leads_to([first])
    assert not last.leads_to.exists()


def test_factor_cycle_is_rejected_on_any_write_path():
    incident = IncidentFactory()
    first, last = chain(incident, 2)
    # Django's m2m writes run in a transaction; each refused write rolls back only its own savepoint.
    with pytest.raises(ValidationError, match="cycle"), transaction.atomic():
        first.caused_by.add(last)  # the reverse side of the relation, as the admin or a shell might use it
    with pytest.raises(ValidationError, match="itself"), transaction.atomic():
        first.leads_to.add(first)
    assert list(first.leads_to.all()) == [last]


def test_factor_cannot_point_at_another_incident():
    mine, theirs = FactorFactory(), FactorFactory()
    with pytest.raises(ValidationError, match="same incident"):
        mine.set_leads_to([theirs])
    with pytest.raises(ValidationError, match="same incident"), transaction.atomic():
        mine.leads_to.add(theirs)
    new = ContributingFactor(incident=mine.incident, category="defect", description="new")
    with pytest.raises(ValidationError, match="same incident"):
        new.validate_leads_to([theirs])


def test_deleting_an_incident_removes_its_children():
    incident = IncidentFactory()
    chain(incident, 2)
    incident.delete()
    assert ContributingFactor.objects.count() == 0


def test_visibility_of_drafts(editor, viewer, user):
    author = user("viewer", username="author")
    published = IncidentFactory(status="published")
    draft = IncidentFactory(status="draft")
    review = IncidentFactory(status="in_review")
    review.authors.add(author)
    assert set(Incident.objects.visible_to(viewer)) == {published}
    assert set(Incident.objects.visible_to(author)) == {published, review}
    assert set(Incident.objects.visible_to(editor)) == {published, draft, review}


def test_label_names_never_contain_commas():
    assert [t.name for t in Tag.objects.resolve(["dns,network"])] == ["dns-network"]
    assert [s.name for s in Service.objects.resolve(["a, b"])] == ["a b"]
