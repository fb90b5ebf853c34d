"""The severity scale: the seeded levels, the one rule of an incident's severity, the cached copy, the labels in
both languages, and the writes (incidents.actions.scales): one default, stale versions, levels in use."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from incidents.actions import scales
from incidents.models import DEFAULT_LEVELS, Incident, Level, Scale, SeverityLevel, current_scale, localized
from incidents.models.scales import _cache


def test_localized_prefers_the_active_language_and_falls_back_to_the_other():
    with translation.override("ja"):
        assert localized("重大", "major") == "重大"
        assert localized("", "major") == "major"
    with translation.override("en"):
        assert localized("重大", "major") == "major"
        assert localized("重大", "") == "重大"


def test_the_scale_without_the_database_names_its_keys_and_styles_its_badges():
    scale = Scale([Level("p1", "", "P1", 2, "#000001"), Level("p0", "P0 最優先", "P0", 1, "#abcdef", default=True)])
    assert [level.key for level in scale.levels] == ["p0", "p1"]  # by order
    assert scale.default_key() == "p0"
    assert scale.problem("p1") == ""
    assert scale.problem("sev1") == "'sev1' is not a severity of this scale: p0, p1."
    assert scale.label("gone") == "gone"
    with translation.override("ja"):
        assert scale.label("p0") == "P0 最優先" and scale.label("p1") == "P1"
    assert scale.stylesheet() == ".sev-p0 { color: #abcdef; }\n.sev-p1 { color: #000001; }\n"
    assert scale.etag() != Scale(DEFAULT_LEVELS).etag()


def test_a_test_without_the_database_sees_the_default_scale():
    assert current_scale().default_key() == "sev3"
    assert Incident(title="x").severity == "sev3"


@pytest.mark.django_db
def test_the_migration_seeds_todays_scale_exactly():
    rows = list(SeverityLevel.objects.ordered().values_list("key", "label_ja", "label_en", "order", "color", "default"))
    assert rows == [
        ("sev1", "SEV1 – 致命的", "SEV1 – critical", 1, "#b3261e", False),
        ("sev2", "SEV2 – 重大", "SEV2 – major", 2, "#c4420c", False),
        ("sev3", "SEV3 – 軽微", "SEV3 – minor", 3, "#8a5300", True),
        ("sev4", "SEV4 – 低", "SEV4 – low", 4, "#59636e", False),
    ]
    assert SeverityLevel.objects.default_key() == "sev3"
    assert Incident._meta.get_field("severity").max_length == 20
    assert not Incident._meta.get_field("severity").choices


@pytest.mark.django_db
def test_get_severity_display_is_the_levels_label_or_the_key_once_the_level_is_gone(make_incident):
    incident = make_incident(severity="sev2")
    with translation.override("ja"):
        assert incident.get_severity_display() == "SEV2 – 重大"
    with translation.override("en"):
        assert incident.get_severity_display() == "SEV2 – major"
    SeverityLevel.objects.filter(key="sev2").delete()  # behind the actions' back
    assert incident.get_severity_display() == "sev2"


@pytest.mark.django_db
def test_labels_come_from_the_cache_not_a_query_per_row(make_incident, django_assert_num_queries):
    incidents = [make_incident(severity=key) for key in ("sev1", "sev2", "sev4")]
    current_scale()
    with django_assert_num_queries(0):
        labels = [incident.get_severity_display() for incident in incidents * 20]
    assert labels[:3] == ["SEV1 – critical", "SEV2 – major", "SEV4 – low"]


@pytest.mark.django_db
def test_a_write_in_this_process_is_seen_at_once_and_another_process_within_seconds():
    assert SeverityLevel.objects.label("p0") == "p0"
    scales.create_level(key="p0", label_en="P0 – outage", order=0, color="#000000")
    assert SeverityLevel.objects.label("p0") == "P0 – outage"
    SeverityLevel.objects.filter(key="p0").update(label_en="P0 – total outage", updated_at=timezone.now())  # another process's action
    _cache["checked"] = 0.0  # its CHECK_SECONDS have passed
    assert SeverityLevel.objects.label("p0") == "P0 – total outage"


@pytest.mark.django_db
def test_new_incidents_get_the_default_level_and_making_another_the_default_moves_it():
    level = SeverityLevel.objects.get(key="sev2")
    moved = scales.update_level(level, version=level.version, default=True)
    assert moved.default and moved.version == level.version + 1
    assert list(SeverityLevel.objects.filter(default=True).values_list("key", flat=True)) == ["sev2"]
    assert Incident.objects.create(title="new").severity == "sev2"
    with pytest.raises(ValidationError) as refused:
        scales.update_level(moved, version=moved.version, default=False)
    assert "default" in refused.value.message_dict


@pytest.mark.django_db
def test_a_new_level_made_the_default_takes_it_from_the_previous_one():
    scales.create_level(key="p0", label_ja="P0 緊急", order=0, color="#112233", default=True)
    assert SeverityLevel.objects.default_key() == "p0"
    assert SeverityLevel.objects.filter(default=True).count() == 1


@pytest.mark.parametrize("fields, field", [
    ({"key": "sev1"}, "key"),
    ({"order": 1}, "order"),
    ({"color": "red"}, "color"),
    ({"color": "#12345g"}, "color"),
    ({"label_en": "", "label_ja": " "}, "label_en"),
    ({"key": "not a slug"}, "key"),
    ({"key": "k" * 21}, "key"),
])
@pytest.mark.django_db
def test_bad_levels_are_refused_by_field(fields, field):
    data = {"key": "p0", "label_en": "P0", "order": 0, "color": "#000000", **fields}
    with pytest.raises(ValidationError) as refused:
        scales.create_level(**data)
    assert field in refused.value.message_dict
    assert SeverityLevel.objects.count() == 4


@pytest.mark.django_db
def test_a_stale_version_is_a_conflict_and_changes_nothing():
    level = SeverityLevel.objects.get(key="sev1")
    scales.update_level(level, version=1, label_en="SEV1 – everything is down")
    with pytest.raises(scales.LevelConflict) as conflict:
        scales.update_level(level, version=1, label_en="SEV1 – lost edit")
    assert conflict.value.current_version == 2
    assert SeverityLevel.objects.get(key="sev1").label_en == "SEV1 – everything is down"


@pytest.mark.django_db
def test_a_level_in_use_is_not_removed_and_the_message_counts_the_incidents(make_incident):
    for _ in range(12):
        make_incident(severity="sev2")
    level = SeverityLevel.objects.get(key="sev2")
    with translation.override("ja"), pytest.raises(scales.LevelInUse) as refused:
        scales.delete_level(level)
    assert str(refused.value).startswith("SEV2 – 重大 ")  # the level's Japanese label
    assert "12" in str(refused.value)
    with translation.override("en"), pytest.raises(scales.LevelInUse) as refused:
        scales.delete_level(level)
    assert str(refused.value) == ("SEV2 – major is used by 12 incidents: change their severity before removing "
                                  "the level.")
    assert SeverityLevel.objects.filter(key="sev2").exists()
    with pytest.raises(scales.LevelInUse):
        scales.delete_level(SeverityLevel.objects.get(key="sev3"))  # the default
    scales.delete_level(SeverityLevel.objects.get(key="sev4"))
    assert list(SeverityLevel.objects.ordered().values_list("key", flat=True)) == ["sev1", "sev2", "sev3"]
    assert SeverityLevel.objects.problem("sev4") == "'sev4' is not a severity of this scale: sev1, sev2, sev3."


@pytest.mark.django_db
def test_while_the_database_is_down_pages_get_the_last_scale_read(monkeypatch):
    """The scale is read by every page (base.html links /severities.css?v=…), the 503 page included: a failing
    database must not turn the 503 into a 500. (tests/processes/test_database_restart.py stops a real one.)"""
    from django.db import OperationalError

    from incidents.models import forget_scale, scales as scale_module

    forget_scale()
    SeverityLevel.objects.filter(key="sev1").update(label_en="P0 – everything down")
    read = current_scale()
    assert read.by_key["sev1"].label_en == "P0 – everything down"

    def down():
        raise OperationalError("connection refused")

    monkeypatch.setattr(scale_module, "_stamp", down)
    monkeypatch.setitem(_cache, "checked", 0.0)  # due for a check
    assert current_scale() is read
    forget_scale()
    assert [level.key for level in current_scale().levels] == [level.key for level in DEFAULT_LEVELS]
