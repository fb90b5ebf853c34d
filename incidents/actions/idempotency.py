"""Creating something once per ``Idempotency-Key`` (the IETF httpapi draft; Stripe's convention): the key's
row and whatever the request stores are written in one transaction, so a request that fails stores neither
and may be retried with its key; a retry of one that succeeded gets the stored answer back. The HTTP part
(reading the header, the fingerprint of the body, building the response) is incidents.api.idempotency."""

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from incidents.models import IdempotencyKey


class KeyReused(Exception):
    """The key was used before with a different request (another fingerprint)."""


@dataclass
class Answer:
    """What a create answered, kept with its key for the retries: the status, the body, the Location."""

    status: int
    body: Any
    location: str = ""


@transaction.atomic
def create_once(user, key, *, method, path, fingerprint, create):
    """Run ``create()`` once for ``user``'s ``key``, in this transaction, and keep its Answer.

    ``create()`` does the request's work and returns (result, Answer). The first time, this returns
    (result, None); a retry of the same request (same ``fingerprint``) returns (None, the stored Answer)
    without calling ``create``; the same key with another fingerprint raises KeyReused. A key older than
    IdempotencyKey.KEEP counts as new. Whatever ``create`` raises rolls back the key with the rest."""
    IdempotencyKey.objects.expired().filter(user=user, key=key).delete()
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(user=user, key=key, method=method, path=path[:500],
                                                   fingerprint=fingerprint)
    except IntegrityError:  # used before (or by a concurrent retry, which has committed by now)
        record = IdempotencyKey.objects.get(user=user, key=key)
        if record.fingerprint != fingerprint:
            raise KeyReused() from None
        return None, Answer(record.status, record.body, record.location)
    result, answer = create()
    record.status, record.body, record.location = answer.status, answer.body, answer.location
    record.save(update_fields=["status", "body", "location"])
    return result, None
