"""Single sign-on settings (OpenID Connect), read from the environment by settings.py into ``settings.OIDC``:
None when ``OIDC_ISSUER`` is unset (password sign-in only), else a dict. A bad value stops start-up with
ImproperlyConfigured naming the variable. Each variable is documented in docs/operations.md."""

import os
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

from incidents.roles import parse_role_map
from postmortem.env import env_bool

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _issuer(raw):
    """An https URL with a host and no query (http only on this machine's own addresses, for a test provider)."""
    parts = urlparse(raw)
    local = parts.hostname in LOCAL_HOSTS
    if parts.scheme not in ({"https", "http"} if local else {"https"}) or not parts.hostname or parts.query \
            or parts.fragment:
        raise ImproperlyConfigured(
            f"OIDC_ISSUER={raw!r} is not an issuer URL: give the provider's https address without a query, "
            "e.g. https://accounts.google.com or https://sso.example.com/realms/staff.")
    return raw


def read():
    """settings.OIDC from the OIDC_* variables."""
    issuer = (os.environ.get("OIDC_ISSUER") or "").strip()
    if not issuer:
        return None
    _issuer(issuer)
    client_id = (os.environ.get("OIDC_CLIENT_ID") or "").strip()
    client_secret = (os.environ.get("OIDC_CLIENT_SECRET") or "").strip()
    for name, value in (("OIDC_CLIENT_ID", client_id), ("OIDC_CLIENT_SECRET", client_secret)):
        if not value:
            raise ImproperlyConfigured(f"{name} must be set when OIDC_ISSUER is (the client registered at the provider).")
    raw_map = os.environ.get("OIDC_ROLE_MAP", "*=viewer")
    try:
        role_map = parse_role_map(raw_map)
    except ValueError as error:
        raise ImproperlyConfigured(f"OIDC_ROLE_MAP={raw_map!r}: {error}.") from None
    if not role_map:
        raise ImproperlyConfigured(f"OIDC_ROLE_MAP={raw_map!r} gives nobody a role; e.g. sre=editor,*=viewer.")
    scopes = (os.environ.get("OIDC_SCOPES") or "openid email profile").split()
    if "openid" not in scopes:
        raise ImproperlyConfigured(f"OIDC_SCOPES={' '.join(scopes)!r} must include openid.")
    return {
        "issuer": issuer,
        "client_id": client_id,
        "client_secret": client_secret,
        "name": (os.environ.get("OIDC_NAME") or "").strip() or urlparse(issuer).hostname,
        "scopes": " ".join(scopes),
        "groups_claim": (os.environ.get("OIDC_GROUPS_CLAIM") or "groups").strip(),
        "role_map": role_map,
        "only": env_bool("OIDC_ONLY", False),
    }


def allow_sign_out(policy, config):
    """The Content-Security-Policy with the provider added to form-action when single sign-on is on: signing
    out (a form's POST) continues at the provider's end-session endpoint, and browsers check form-action
    along the redirects."""
    if not config:
        return policy
    parts = urlparse(config["issuer"])
    directives = {**policy["DIRECTIVES"]}
    directives["form-action"] = [*directives["form-action"], f"{parts.scheme}://{parts.netloc}"]
    return {**policy, "DIRECTIVES": directives}
