"""Tags and services (incidents/models/labels.py): names normalized, shared, and never with a comma."""

import pytest

from incidents.models import Service, Tag

pytestmark = pytest.mark.django_db


def test_labels_are_normalized_and_shared():
    tags = Tag.objects.resolve(["DNS", " dns ", "resource exhaustion", ""])
    assert [t.name for t in tags] == ["dns", "resource-exhaustion"]
    assert Tag.objects.resolve(["Dns"])[0] == tags[0]
    services = Service.objects.resolve(["aws-node", "AWS-node", "nginx"])
    assert [s.name for s in services] == ["aws-node", "nginx"]
    assert Service.objects.count() == 2


def test_label_names_never_contain_commas():
    assert [t.name for t in Tag.objects.resolve(["dns,network"])] == ["dns-network"]
    assert [s.name for s in Service.objects.resolve(["a, b"])] == ["a b"]
