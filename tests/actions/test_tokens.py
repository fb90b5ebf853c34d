"""incidents.actions.tokens: one key per user, created once, replaced (the old key gone), revoked."""

import pytest
from rest_framework.authtoken.models import Token

from incidents.actions.tokens import create_token, regenerate_token, revoke_token

pytestmark = pytest.mark.django_db


def test_create_makes_a_key_once(editor):
    token, created = create_token(editor)
    assert created and len(token.key) == 40 and Token.objects.get(user=editor) == token
    again, created = create_token(editor)
    assert not created and again.key == token.key and Token.objects.count() == 1


def test_regenerate_replaces_the_key_or_makes_the_first(editor, viewer):
    first = regenerate_token(editor)
    assert Token.objects.get(user=editor).key == first.key
    old = create_token(viewer)[0].key
    new = regenerate_token(viewer)
    assert new.key != old and not Token.objects.filter(key=old).exists()
    assert Token.objects.get(user=viewer).key == new.key and Token.objects.get(user=editor).key == first.key


def test_revoke_deletes_only_this_users_key(editor, viewer):
    create_token(editor)
    kept = create_token(viewer)[0].key
    assert revoke_token(editor) is True
    assert not Token.objects.filter(user=editor).exists()
    assert revoke_token(editor) is False
    assert Token.objects.get(user=viewer).key == kept
