"""incidents.actions.idempotency.create_once: the work runs once per user and key, its answer is kept for
the retries, another request with the same key is refused, a failure keeps no key, an expired key is new."""

import datetime

import pytest
from django.utils import timezone

from incidents.actions.idempotency import Answer, KeyReused, create_once
from incidents.models import IdempotencyKey, Tag

pytestmark = pytest.mark.django_db


def once(user, key="k-1", fingerprint="f" * 64, name="dns"):
    def create():
        tag = Tag.objects.create(name=name)
        return tag, Answer(201, {"id": tag.pk, "name": name}, f"/tags/{tag.pk}/")

    return create_once(user, key, method="POST", path="/api/v1/tags/", fingerprint=fingerprint, create=create)


def test_the_first_call_runs_and_keeps_its_answer(editor):
    tag, stored = once(editor)
    assert stored is None and tag.name == "dns"
    record = IdempotencyKey.objects.get()
    assert (record.user, record.key, record.method, record.path) == (editor, "k-1", "POST", "/api/v1/tags/")
    assert (record.status, record.body, record.location) == (201, {"id": tag.pk, "name": "dns"}, f"/tags/{tag.pk}/")


def test_a_retry_gets_the_stored_answer_without_running_again(editor):
    tag, _ = once(editor)
    result, stored = once(editor, name="never made")
    assert result is None
    assert stored == Answer(201, {"id": tag.pk, "name": "dns"}, f"/tags/{tag.pk}/")
    assert list(Tag.objects.values_list("name", flat=True)) == ["dns"]


def test_the_same_key_with_another_request_is_refused_and_changes_nothing(editor):
    once(editor)
    with pytest.raises(KeyReused):
        once(editor, fingerprint="0" * 64, name="other")
    assert list(Tag.objects.values_list("name", flat=True)) == ["dns"]
    assert IdempotencyKey.objects.get().fingerprint == "f" * 64


def test_keys_are_per_user(editor, viewer):
    once(editor)
    result, stored = once(viewer, name="theirs")
    assert stored is None and result.name == "theirs"
    assert IdempotencyKey.objects.filter(key="k-1").count() == 2


def test_a_failed_create_keeps_no_key_and_the_key_may_be_used_again(editor):
    def fail():
        Tag.objects.create(name="half")
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        create_once(editor, "k-1", method="POST", path="/p", fingerprint="f" * 64, create=fail)
    assert not IdempotencyKey.objects.exists() and not Tag.objects.exists()
    assert once(editor)[1] is None


def test_an_expired_key_counts_as_new(editor):
    once(editor)
    IdempotencyKey.objects.update(created_at=timezone.now() - IdempotencyKey.KEEP - datetime.timedelta(minutes=1))
    result, stored = once(editor, fingerprint="0" * 64, name="a day later")
    assert stored is None and result.name == "a day later"
    assert IdempotencyKey.objects.get().fingerprint == "0" * 64


def test_a_long_path_is_cut_to_the_column(editor):
    create_once(editor, "k", method="POST", path="/" + "p" * 600, fingerprint="f",
                create=lambda: (None, Answer(400, {"title": ["This field is required."]})))
    record = IdempotencyKey.objects.get()
    assert len(record.path) == 500 and (record.status, record.location) == (400, "")
