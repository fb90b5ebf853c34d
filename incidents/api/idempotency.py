"""``Idempotency-Key`` on POST (the IETF httpapi draft; Stripe's convention). A client that retries a
create with the same key gets the first response again, and the same incident, instead of a duplicate.
Keys are per user and kept for IdempotencyKey.KEEP (24 h); the same key with a different request body is
refused with 422. The key row is written in the same transaction as what the request stores, so a
request that fails stores neither and may be retried with its key."""

import hashlib

from django.db import IntegrityError, transaction
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from incidents.models import IdempotencyKey

HEADER = "Idempotency-Key"


class KeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was already used with a different request."
    default_code = "idempotency_key_reused"


def _fingerprint(request):
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(request.body)
    return digest.hexdigest()


class IdempotentCreateMixin:
    def create(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return super().create(request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > IdempotencyKey.MAX_LENGTH or not key.isprintable():
            raise ValidationError({HEADER: [f"Must be 1 to {IdempotencyKey.MAX_LENGTH} printable characters."]})
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            IdempotencyKey.objects.expired().filter(user=request.user, key=key).delete()
            try:
                with transaction.atomic():
                    record = IdempotencyKey.objects.create(user=request.user, key=key, method=request.method,
                                                           path=request.path[:500], fingerprint=fingerprint)
            except IntegrityError:  # used before (or by a concurrent retry, which has committed by now)
                return self._replay(IdempotencyKey.objects.get(user=request.user, key=key), fingerprint)
            response = super().create(request, *args, **kwargs)
            record.status, record.body = response.status_code, response.data
            record.location = response.get("Location", "")
            record.save(update_fields=["status", "body", "location"])
        response[HEADER] = key
        return response

    @staticmethod
    def _replay(record, fingerprint):
        if record.fingerprint != fingerprint:
            raise KeyReused()
        response = Response(record.body, status=record.status)
        response[HEADER] = record.key
        response["Idempotent-Replayed"] = "true"
        if record.location:
            response["Location"] = record.location
        return response
