"""Single sign-on against a real OpenID Connect provider process (tests/oidc_provider: panva's certified
oidc-provider run with node), our side driven with Django's test client: the provider's own discovery, sign-in,
token endpoint (PKCE required), JWKS, userinfo and end-session endpoint answer every request."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from incidents import oidc, roles
from incidents.models import AuditEntry, SignInIdentity
from tests.oidc_provider import ACCOUNTS, CLIENT_ID, Provider, sign_in_at_provider

CALLBACK = "http://testserver/oidc/callback/"


@pytest.fixture(scope="module")
def provider():
    provider = Provider([CALLBACK], ["http://testserver/accounts/login/"])
    yield provider
    provider.stop()


@pytest.fixture(autouse=True)
def _configured(provider, settings, db):
    settings.OIDC = provider.settings()
    oidc.forget()
    provider.set_mode(None)
    provider.set_accounts(ACCOUNTS)
    yield
    oidc.forget()


def start(client, next_url=""):
    response = client.get("/oidc/login/" + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def sign_in(account, client=None, next_url=""):
    """The whole round trip: (client, our callback's response, the callback URL)."""
    client = client or Client()
    callback = sign_in_at_provider(start(client, next_url), account)
    parts = urlsplit(callback)
    return client, client.get(f"{parts.path}?{parts.query}"), callback


def test_a_first_sign_in_makes_the_account_with_the_role_its_groups_give(provider):
    client = Client()
    authorize = urlsplit(start(client, "/action-items/"))
    asked = parse_qs(authorize.query)
    assert authorize.netloc == f"127.0.0.1:{provider.port}" and authorize.path == "/auth"
    assert asked["client_id"] == [CLIENT_ID] and asked["redirect_uri"] == [CALLBACK]
    assert asked["code_challenge_method"] == ["S256"] and len(asked["code_challenge"][0]) == 43
    assert asked["state"][0] and asked["nonce"][0] and asked["scope"] == ["openid email profile groups"]

    client, response, _ = sign_in("alice", client, "/action-items/")
    assert response.status_code == 302 and response["Location"] == "/action-items/"
    alice = get_user_model().objects.get(username="alice")
    assert (alice.email, alice.first_name, roles.role_of(alice)) == ("alice@example.com", "Alice Example", "editor")
    assert not alice.has_usable_password()
    assert SignInIdentity.objects.get(user=alice).subject == "alice"
    assert "Sign out alice" in client.get("/incidents/").content.decode()
    assert list(AuditEntry.objects.filter(target_user=alice).values_list("action", flat=True)) == ["sso_user_created"]


def test_the_role_follows_the_groups_at_the_next_sign_in(provider):
    sign_in("alice")
    provider.set_accounts({**ACCOUNTS, "alice": {**ACCOUNTS["alice"], "groups": ["sre-leads"]}})
    client, response, _ = sign_in("alice")
    assert response.status_code == 302
    alice = get_user_model().objects.get(username="alice")
    assert roles.role_of(alice) == "admin" and roles.is_admin(alice)
    changed = AuditEntry.objects.get(action="role_changed", target_user=alice)
    assert changed.details == {"old": "editor", "new": "admin", "source": "sso"} and changed.actor is None
    assert get_user_model().objects.count() == 1  # the same account: matched by sub


def test_no_matching_group_is_no_access_with_whom_to_ask_and_nothing_created(user):
    user("admin", username="boss", email="boss@example.com", first_name="Bo", last_name="Boss")
    before = get_user_model().objects.count()
    client, response, _ = sign_in("sales")
    page = response.content.decode()
    assert response.status_code == 403
    assert "Sam Sales signed you in, but none of your groups gives access to Postmortem." in page
    assert "Bo Boss" in page and "boss@example.com" in page
    assert get_user_model().objects.count() == before and not SignInIdentity.objects.exists()
    assert "_auth_user_id" not in client.session


def test_the_refusal_is_in_japanese_for_a_japanese_browser():
    client = Client(headers={"accept-language": "ja"})
    _, response, _ = sign_in("sales", client)
    assert "Sam Sales でサインインしましたが、Postmortem を使えるグループに入っていません。" in response.content.decode()


@pytest.mark.parametrize("mode, detail", [
    ("wrong-audience", "(it was issued for another application (aud))"),
    ("expired", "(it has expired (exp))"),
    ("bad-signature", "(its signature does not match the provider&#x27;s keys)"),
])
def test_an_id_token_that_fails_a_check_signs_nobody_in(provider, mode, detail):
    provider.set_mode(mode)
    client, response, _ = sign_in("alice")
    page = response.content.decode()
    assert response.status_code == 400
    assert f"The answer from Test IdP could not be verified {detail}" in page
    assert "so you were not signed in and nothing was changed." in page
    assert not get_user_model().objects.exists() and not SignInIdentity.objects.exists()
    assert "_auth_user_id" not in client.session


def test_a_replayed_callback_is_refused(provider):
    client, response, callback = sign_in("alice")
    assert response.status_code == 302
    client.post("/accounts/logout/")
    parts = urlsplit(callback)
    again = client.get(f"{parts.path}?{parts.query}")
    assert again.status_code == 400
    assert "This sign-in link was already used or has expired" in again.content.decode()
    assert "_auth_user_id" not in client.session
    # In another browser (no sign-in started there) it is refused the same way.
    other = Client().get(f"{parts.path}?{parts.query}")
    assert other.status_code == 400 and "already used or has expired" in other.content.decode()


def test_a_new_signing_key_at_the_provider_is_fetched(provider):
    sign_in("alice")
    old_kid = provider.kid
    provider.restart()  # a new key with a new key id; our cached JWKS has only the old one
    assert provider.kid != old_kid
    _, response, _ = sign_in("alice")
    assert response.status_code == 302 and response["Location"] == "/"


def test_an_invited_person_is_found_by_verified_email_an_unverified_one_is_not(user):
    invited = user("viewer", username="alice.invited", email="Alice@Example.com")
    writer = user("editor", username="writer", email="writer@example.com")
    sign_in("alice")
    assert SignInIdentity.objects.get(subject="alice").user == invited
    assert AuditEntry.objects.filter(action="sso_identity_linked", target_user=invited).exists()
    invited.refresh_from_db()
    assert roles.role_of(invited) == "editor"  # the provider's groups decide from now on
    sign_in("unverified")  # claims writer@example.com without the provider vouching for it
    assert SignInIdentity.objects.get(subject="unverified").user != writer


def test_a_deactivated_account_stays_out(user):
    sign_in("alice")
    get_user_model().objects.filter(username="alice").update(is_active=False)
    client, response, _ = sign_in("alice")
    assert response.status_code == 403
    assert "Your account here is deactivated, so you cannot sign in." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_unreachable_provider_is_said_and_passwords_still_work(settings, user):
    settings.OIDC = {**settings.OIDC, "issuer": "http://127.0.0.1:9"}  # the discard port: nothing listens
    user("editor")
    client = Client()
    response = client.get("/oidc/login/")
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert "Test IdP cannot be reached just now, so signing in with it does not work." in response.content.decode()
    assert 'id="id_password"' in response.content.decode()
    signed_in = client.post("/accounts/login/", {"username": "editor", "password": "pw"})
    assert signed_in.status_code == 302 and client.session["_auth_user_id"]


def test_sign_out_ends_both_sessions(provider):
    client, _, _ = sign_in("alice")
    response = client.post("/accounts/logout/")
    end = urlsplit(response["Location"])
    assert (end.netloc, end.path) == (f"127.0.0.1:{provider.port}", "/session/end")
    asked = parse_qs(end.query)
    assert asked["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"] and asked["id_token_hint"][0]
    assert "_auth_user_id" not in client.session


def test_oidc_only_hides_the_password_form_but_not_for_break_glass_superusers(settings, user, django_user_model):
    settings.OIDC = {**settings.OIDC, "only": True}
    user("editor")
    django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    page = Client().get("/accounts/login/").content.decode()
    assert "Sign in with Test IdP" in page and 'id="id_password"' not in page
    assert 'id="id_password"' in Client().get("/accounts/login/?password=1").content.decode()
    refused = Client().post("/accounts/login/?password=1", {"username": "editor", "password": "pw"})
    assert "Sign-in with a password is turned off here: use “Sign in with Test IdP”." in refused.content.decode()
    assert Client().post("/accounts/login/?password=1", {"username": "root", "password": "pw"}).status_code == 302


def test_without_single_sign_on_there_is_no_button_and_no_oidc_pages(settings):
    settings.OIDC = None
    assert "Sign in with" not in Client().get("/accounts/login/").content.decode()
    assert Client().get("/oidc/login/").status_code == 404
    assert Client().get("/oidc/callback/?code=x&state=y").status_code == 404


def test_an_invite_offers_single_sign_on_and_the_invited_person_uses_it(
        settings, admin_client, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        page = admin_client.post("/people/", {"action": "invite", "email": "alice@example.com", "role": "viewer"},
                                 HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "People sign in with Test IdP: each sign-in sets their role from their groups (OIDC_ROLE_MAP)" in page
    body = mailoutbox[0].body
    assert "Choose your password within 7 days" in body
    assert "Or sign in with Test IdP, using this email address:\n\nhttp://testserver/oidc/login/\n" in body
    invite_path = urlsplit(next(line for line in body.splitlines() if "/accounts/invite/" in line)).path
    invite_page = Client().get(invite_path, follow=True, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sign in with Test IdP using alice@example.com:" in invite_page and "Set my password" in invite_page
    invited = get_user_model().objects.get(email="alice@example.com")
    client, response, _ = sign_in("alice")
    assert response.status_code == 302 and int(client.session["_auth_user_id"]) == invited.pk
    assert roles.role_of(invited) == "editor" and get_user_model().objects.filter(email="alice@example.com").count() == 1


def test_with_oidc_only_an_invite_is_single_sign_on_only(
        settings, admin_client, django_capture_on_commit_callbacks, mailoutbox):
    settings.OIDC = {**settings.OIDC, "only": True}
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/people/", {"action": "invite", "email": "kim@example.com", "role": "viewer"},
                          HTTP_ACCEPT_LANGUAGE="en")
    body = mailoutbox[0].body
    assert "Sign in with Test IdP, using this email address:\n\nhttp://testserver/oidc/login/\n" in body
    assert "/accounts/invite/" not in body and "password" not in body


def test_a_provider_that_is_not_what_the_settings_say_counts_as_unreachable(settings, provider):
    # The same provider by another name: its discovery names http://127.0.0.1:…, not this issuer.
    settings.OIDC = {**settings.OIDC, "issuer": f"http://localhost:{provider.port}"}
    response = Client().get("/oidc/login/")
    assert response.status_code == 503 and "Test IdP cannot be reached just now" in response.content.decode()


def test_a_cancelled_sign_in_at_the_provider_says_so(provider):
    client = Client()
    state = parse_qs(urlsplit(start(client)).query)["state"][0]
    response = client.get(f"/oidc/callback/?error=access_denied&error_description=cancelled&state={state}")
    assert response.status_code == 400
    assert "Test IdP did not sign you in (access_denied: cancelled)." in response.content.decode()


def test_the_audit_log_says_who_came_in_through_single_sign_on(admin_client):
    sign_in("alice")
    page = admin_client.get("/people/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "account made at the first single sign-on" in page
    japanese = admin_client.get("/people/audit/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "初回のシングルサインオンでアカウントを作成" in japanese
