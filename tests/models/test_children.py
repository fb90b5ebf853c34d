"""An incident's children (incidents/models/children.py): the contributing factors' causal graph, whichever way it
is written, never a cycle nor a link to another incident's factor, and removed with their incident."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from incidents.models import ContributingFactor
from tests.factories import FactorFactory, IncidentFactory

pytestmark = pytest.mark.django_db


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
