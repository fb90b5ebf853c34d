"""Single sign-on, our side: the account and role for the claims the company's provider vouched for
(incidents.oidc.finish), in one transaction.

- The account is the one linked to the provider's ``sub``. Without one, a user whose address equals a
  *verified* ``email`` claim is linked (an invited person's first sign-in); else a new user is made.
- The role comes from the groups claim (or the verified email) through ``OIDC_ROLE_MAP`` (first match
  wins), at every sign-in:
  a role given on /people/ lasts until the person's next sign-in. No match: ``NoAccess``, nothing is created
  or changed. A deactivated account stays deactivated: ``NoAccess`` too.
- A new account, a link by email and a role the provider's groups changed are written to the audit log.
"""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents import roles
from incidents.models import SignInIdentity

from . import audit, people

CREATED, LINKED = "sso_user_created", "sso_identity_linked"


class NoAccess(Exception):
    """The provider signed the person in, but they may not use Postmortem: ``why`` is "role" (no rule of
    OIDC_ROLE_MAP matches their groups) or "deactivated"."""

    def __init__(self, why, name=""):
        super().__init__(why)
        self.why, self.name = why, name


def groups_of(claims, claim):
    """The groups claim as a list of names (providers send a list, or one string)."""
    value = claims.get(claim) or []
    return [value] if isinstance(value, str) else [str(group) for group in value]


def _verified(claims):
    return claims.get("email_verified") in (True, "true", "True") and bool(claims.get("email"))


def _find(issuer, claims):
    """(user, identity) for these claims, either possibly None."""
    identity = SignInIdentity.objects.select_related("user").filter(issuer=issuer, subject=claims["sub"]).first()
    if identity:
        return identity.user, identity
    if _verified(claims):
        matches = list(get_user_model().objects.filter(email__iexact=claims["email"])[:2])
        if len(matches) == 1 and not matches[0].sign_in_identities.filter(issuer=issuer).exists():
            return matches[0], None
    return None, None


@transaction.atomic
def account_for(config, claims):
    """The active user to sign in for ``claims`` (with ``sub``) under ``config`` (settings.OIDC). NoAccess."""
    issuer = config["issuer"]
    # A rule may name a verified email address instead of a group (providers without groups: Google).
    names = groups_of(claims, config["groups_claim"]) + ([claims["email"].lower()] if _verified(claims) else [])
    role = roles.role_for_groups(config["role_map"], names)
    user, identity = _find(issuer, claims)
    name = claims.get("name") or claims.get("email") or claims["sub"]
    if role is None:
        raise NoAccess("role", name)
    if user is not None and not user.is_active:
        raise NoAccess("deactivated", name)
    created = user is None
    if created:
        wanted = claims.get("preferred_username") or (claims.get("email") or "").split("@")[0]
        user = get_user_model().objects.create_user(
            username=people.free_username(wanted), email=claims["email"] if _verified(claims) else "",
            first_name=str(claims.get("given_name") or "")[:150], last_name=str(claims.get("family_name") or "")[:150])
        if not (user.first_name or user.last_name) and claims.get("name"):
            user.first_name = str(claims["name"])[:150]
            user.save(update_fields=["first_name"])
        audit.record(None, CREATED, target_user=user, subject=claims["sub"], role=role)
    elif identity is None:
        audit.record(None, LINKED, target_user=user, subject=claims["sub"], email=claims["email"])
    if identity is None:
        try:
            with transaction.atomic():
                identity = SignInIdentity.objects.create(user=user, issuer=issuer, subject=claims["sub"])
        except IntegrityError:  # the same person's other sign-in, a moment ago: theirs stands
            identity = SignInIdentity.objects.select_related("user").get(issuer=issuer, subject=claims["sub"])
            user = identity.user
    identity.last_sign_in = timezone.now()
    identity.save(update_fields=["last_sign_in"])
    old = roles.role_of(user)
    if old != role and not user.is_superuser:
        people.assign_role(user, role)
        if not created:  # a new account's entry names its role already
            audit.record(None, audit.ROLE_CHANGED, target_user=user, old=old, new=role, source="sso")
    return user
