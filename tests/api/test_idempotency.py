"""Idempotency-Key on POST: a retried create returns the first response and the same incident."""

import datetime

import pytest
from django.utils import timezone

from incidents.models import IdempotencyKey, Incident

pytestmark = pytest.mark.django_db


def post(api, body, key):
    return api.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retry_with_the_same_key_returns_the_first_response(editor_api):
    first = post(editor_api, {"title": "DNS が引けない", "tags": ["dns"]}, "c0ffee-1")
    again = post(editor_api, {"title": "DNS が引けない", "tags": ["dns"]}, "c0ffee-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Incident.objects.count() == 1
    assert post(editor_api, {"title": "DNS が引けない"}, "c0ffee-2").status_code == 201  # another key, another incident
    assert Incident.objects.count() == 2


def test_the_same_key_with_another_body_is_refused(editor_api):
    post(editor_api, {"title": "first"}, "k")
    response = post(editor_api, {"title": "second"}, "k")
    assert response.status_code == 422 and "different request" in response.json()["detail"]
    assert list(Incident.objects.values_list("title", flat=True)) == ["first"]


def test_keys_are_per_user_and_expire(editor_api, user, api_as):
    post(editor_api, {"title": "mine"}, "shared-key")
    other = api_as(user("editor", username="other"))
    assert post(other, {"title": "theirs"}, "shared-key").status_code == 201
    IdempotencyKey.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    assert post(editor_api, {"title": "mine"}, "shared-key").status_code == 201  # a day later the key is new again
    assert Incident.objects.filter(title="mine").count() == 2


def test_a_refused_request_keeps_no_key(editor_api):
    assert post(editor_api, {"title": ""}, "bad-first").status_code == 400
    assert not IdempotencyKey.objects.exists()
    assert post(editor_api, {"title": "fixed"}, "bad-first").status_code == 201


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "tab\there"])
def test_a_malformed_key_is_a_400(editor_api, key):
    response = post(editor_api, {"title": "t"}, key)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()
    assert not Incident.objects.exists()
