"""The words an imported write-up uses for its severity: a level of the admins' scale by key or label (either
language, any case), else the usual words (SEV-1, P1, critical, 重大) when the scale has the key they mean."""

import pytest

from incidents.actions import scales
from incidents.imports import vocabulary
from incidents.imports.formats import parse_document
from incidents.models import SeverityLevel


@pytest.mark.parametrize("text, key", [
    ("sev2", "sev2"), ("SEV2 – major", "sev2"), ("sev2 – MAJOR", "sev2"), ("SEV2 – 重大", "sev2"),
    ("SEV-1", "sev1"), ("P0", "sev1"), ("critical", "sev1"), ("重大", "sev1"), ("軽微", "sev3"),
    ("purple", None), ("", None),
])
def test_the_default_scale_without_the_database(text, key):
    assert vocabulary.severity(text) == key


@pytest.mark.django_db
def test_an_admins_level_is_found_by_its_key_or_either_label():
    scales.create_level(key="near-miss", label_ja="ニアミス", label_en="Near miss", order=10, color="#336699")
    assert vocabulary.severity("near-miss") == "near-miss"
    assert vocabulary.severity("NEAR MISS") == "near-miss"
    assert vocabulary.severity("ニアミス") == "near-miss"


@pytest.mark.django_db
def test_a_guess_the_scale_does_not_have_is_the_existing_warning():
    SeverityLevel.objects.filter(key="sev1").delete()
    assert vocabulary.severity("critical") is None
    parsed = parse_document("# T\n\n- Severity: critical\n")
    assert parsed.document.get("severity") is None
    assert any("critical" in message for _line, message in parsed.warnings)
