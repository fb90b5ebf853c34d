"""API tokens (DRF's authtoken: one key per user, sent as `Authorization: Token <key>`): created, replaced
and revoked by their user on /accounts/token/ (incidents.web.tokens) or for any user from the shell
(`manage.py api_token`, `make token`). Each is one transaction."""

from django.db import transaction
from rest_framework.authtoken.models import Token


@transaction.atomic
def create_token(user):
    """``user``'s token, made if they have none: (token, whether it was made now)."""
    return Token.objects.get_or_create(user=user)


@transaction.atomic
def regenerate_token(user):
    """A new key for ``user``, replacing the old one (which stops working at once), or the first one."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


@transaction.atomic
def revoke_token(user):
    """Delete ``user``'s token; whether they had one."""
    deleted, _rows = Token.objects.filter(user=user).delete()
    return bool(deleted)
