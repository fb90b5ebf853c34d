"""``Idempotency-Key`` on POST (the IETF httpapi draft; Stripe's convention). A client that retries a
create with the same key gets the first response again, and the same incident, instead of a duplicate.
Keys are per user and kept for IdempotencyKey.KEEP (24 h); the same key with a different request body is
refused with 422. This module is the HTTP part; the key row is written by incidents.actions.idempotency, in
the same transaction as what the request stores, so a request that fails stores neither and may be retried
with its key."""

import hashlib

from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from incidents.actions import idempotency
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

        def create():
            response = super(IdempotentCreateMixin, self).create(request, *args, **kwargs)
            return response, idempotency.Answer(response.status_code, response.data, response.get("Location", ""))

        try:
            response, stored = idempotency.create_once(request.user, key, method=request.method, path=request.path,
                                                       fingerprint=_fingerprint(request), create=create)
        except idempotency.KeyReused:
            raise KeyReused() from None
        if stored is not None:
            return self._replay(key, stored)
        response[HEADER] = key
        return response

    @staticmethod
    def _replay(key, stored):
        response = Response(stored.body, status=stored.status)
        response[HEADER] = key
        response["Idempotent-Replayed"] = "true"
        if stored.location:
            response["Location"] = stored.location
        return response
