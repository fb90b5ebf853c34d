"""The company's identity provider (OpenID Connect), through Authlib; no database.

``start`` sends the browser to the provider (authorization-code flow with PKCE S256, ``state`` and ``nonce``
kept in the session); ``finish`` takes the provider's answer at /oidc/callback/, exchanges the code and
returns the checked claims: the ID token's signature against the provider's JWKS (fetched again when a token
names a key id not seen before: key rotation), ``iss`` (the configured issuer, as discovery announced it),
``aud`` (our client id), ``exp`` and ``nonce``. The provider's metadata comes from discovery
(``<issuer>/.well-known/openid-configuration``), kept an hour per process.

Failures are two kinds: ``Unreachable`` (the provider did not answer: try later, or use a password) and
``Refused`` (its answer cannot be trusted or the person was refused there: start again)."""

import logging
import time

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.django_client import OAuth
from django.utils.translation import gettext as _
from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, JoseError

log = logging.getLogger(__name__)
METADATA_MAX_AGE = 3600  # seconds
TIMEOUT = 10  # seconds, for each request to the provider
LEEWAY = 60  # seconds of clock difference tolerated on exp and iat
_clients = {}


class Unreachable(Exception):
    """The provider could not be reached, or answered with something other than OpenID Connect."""


class Refused(Exception):
    """The sign-in cannot be completed: ``reason`` is "state" (an answer for no sign-in started here, e.g. a
    replayed or stale callback), "provider" (refused at the provider, e.g. the person cancelled) or "token"
    (the ID token failed a check: signature, audience, issuer, expiry or nonce)."""

    def __init__(self, reason, detail=""):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


def _client(config):
    """The Authlib client for ``config`` (settings.OIDC), its metadata loaded (again after METADATA_MAX_AGE)."""
    key = (config["issuer"], config["client_id"], config["client_secret"], config["scopes"])
    client = _clients.get(key)
    if client is None:
        client = OAuth().register(
            name="company",
            client_id=config["client_id"],
            client_secret=config["client_secret"],
            server_metadata_url=config["issuer"].rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": config["scopes"], "code_challenge_method": "S256", "default_timeout": TIMEOUT},
        )
        _clients[key] = client
    loaded_at = client.server_metadata.get("_loaded_at")
    if loaded_at and time.time() - loaded_at > METADATA_MAX_AGE:
        client.server_metadata.pop("_loaded_at")
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        raise Unreachable(f"discovery at {client._server_metadata_url}: {error}") from error
    if str(metadata.get("issuer", "")).rstrip("/") != config["issuer"].rstrip("/"):
        client.server_metadata.pop("_loaded_at", None)
        raise Unreachable(f"discovery names the issuer {metadata.get('issuer')!r}, not {config['issuer']!r}")
    missing = [key for key in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not metadata.get(key)]
    if missing:
        client.server_metadata.pop("_loaded_at", None)
        raise Unreachable(f"discovery at {client._server_metadata_url} lacks {', '.join(missing)}")
    return client


def _why(error):
    """What was wrong with the ID token, for the person and the log."""
    claim = getattr(error, "claim", "")
    if isinstance(error, ExpiredTokenError):
        return _("it has expired (exp)")
    if isinstance(error, BadSignatureError):
        return _("its signature does not match the provider's keys")
    if isinstance(error, ClaimError) and claim in ("aud", "azp"):
        return _("it was issued for another application (%(claim)s)") % {"claim": claim}
    if isinstance(error, ClaimError) and claim == "iss":
        return _("it was issued by another provider (iss)")
    if isinstance(error, ClaimError) and claim == "nonce":
        return _("it belongs to another sign-in (nonce)")
    return f"{type(error).__name__}: {error}"


def start(request, config, redirect_uri, **params):
    """The redirect to the provider's sign-in (``params`` such as ui_locales are passed on)."""
    client = _client(config)
    return client.authorize_redirect(request, redirect_uri, **params)


def finish(request, config):
    """The claims of the person the provider signed in (the ID token's, with userinfo's added when the
    provider has that endpoint) and the raw ID token (for sign-out). Refused or Unreachable."""
    client = _client(config)
    claims_options = {
        "iss": {"essential": True, "values": [client.server_metadata["issuer"]]},
        "aud": {"essential": True, "values": [config["client_id"]]},
        "exp": {"essential": True},
    }
    try:
        token = client.authorize_access_token(request, claims_options=claims_options, leeway=LEEWAY)
    except MismatchingStateError as error:
        raise Refused("state", "no sign-in was started here with this state (used already, or expired)") from error
    except OAuthError as error:
        raise Refused("provider", f"{error.error}: {error.description or ''}".strip(": ")) from error
    except JoseError as error:
        raise Refused("token", _why(error)) from error
    except (requests.RequestException, ValueError) as error:
        raise Unreachable(f"token endpoint: {error}") from error
    if "userinfo" not in token:
        raise Refused("token", "the provider's answer held no ID token")
    claims = dict(token["userinfo"])
    if client.server_metadata.get("userinfo_endpoint"):
        try:
            extra = client.userinfo(token=token)
        except (requests.RequestException, ValueError, OAuthError) as error:
            log.warning("OIDC userinfo failed, going on with the ID token's claims: %s", error)
        else:
            if extra.get("sub") == claims["sub"]:  # OpenID Connect Core 5.3.2: else it must not be used
                claims = {**extra, **claims}
    return claims, token.get("id_token", "")


def logout_url(config, id_token, post_logout_redirect_uri):
    """The provider's end-session address for RP-initiated logout, or None when it has none (or is down)."""
    try:
        client = _client(config)
    except Unreachable:
        return None
    if not client.server_metadata.get("end_session_endpoint"):
        return None
    return client.create_logout_url(post_logout_redirect_uri=post_logout_redirect_uri, id_token_hint=id_token,
                                    client_id=config["client_id"])["url"]


def forget():
    """Drop the cached clients and their metadata (tests; a changed configuration)."""
    _clients.clear()
