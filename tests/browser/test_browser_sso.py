"""Single sign-on in Chromium, end to end against a real OpenID Connect provider process (tests/oidc_provider):
the button on our sign-in page, the provider's own sign-in form, back signed in with the role the groups give;
then signing out continues at the provider (the CSP lets that form go there). In English and Japanese."""

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from incidents import oidc, roles
from postmortem import sso
from tests.browser.test_browser import browser  # noqa: F401 (the module's Chromium)
from tests.oidc_provider import Provider

pytestmark = pytest.mark.django_db(transaction=True)
SCREENS = Path(os.environ.get("POSTMORTEM_SCREENSHOTS", "var/screens"))


@pytest.fixture(scope="module")
def provider(live_server):
    provider = Provider([f"{live_server.url}/oidc/callback/"], [f"{live_server.url}/accounts/login/"])
    yield provider
    provider.stop()


@pytest.fixture(autouse=True)
def _configured(provider, settings):
    settings.OIDC = provider.settings(name="Keycloak")
    settings.CONTENT_SECURITY_POLICY = sso.allow_sign_out(settings.CONTENT_SECURITY_POLICY, settings.OIDC)
    oidc.forget()
    yield
    oidc.forget()


@pytest.mark.parametrize("locale, account, role, button, signed_in", [
    ("en-US", "alice", "editor", "Sign in with Keycloak", "Sign out alice"),
    ("ja-JP", "lead", "admin", "Keycloak でサインイン", "lead をサインアウト"),
])
def test_sign_in_through_the_provider_and_out_again(browser, live_server, provider,  # noqa: F811
                                                     locale, account, role, button, signed_in):
    context = browser.new_context(locale=locale, viewport={"width": 1366, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/action-items/")
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"sso-sign-in-{locale}.png"), full_page=True)
    page.click(f"text={button}")
    page.wait_for_url(f"{provider.issuer}/interaction/*")
    page.fill("#login", account)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/action-items/")
    assert page.locator("header button", has_text=signed_in).is_visible()
    user = get_user_model().objects.get(username=account)
    assert roles.role_of(user) == role
    page.click("header button")  # sign out: here, then at the provider
    page.wait_for_url(f"{provider.issuer}/session/end*")
    assert "Do you want to sign-out from" in page.content()
    page.goto(f"{live_server.url}/action-items/")
    assert "/accounts/login/" in page.url  # the local session is over
    context.close()
