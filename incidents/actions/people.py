"""People managed in the app (/people/ and /api/v1/users/, admins only): invite by email, change a role,
deactivate and reactivate. Each is one transaction and writes an audit entry (actions.audit).

An invited user has no usable password until they follow their invite link (valid INVITE_VALID, usable once:
the token is Django's password-reset token, salted differently, and it stops matching once a password is set).
A deactivated user's sessions (ModelBackend.get_user) and API token (DRF's TokenAuthentication) are refused
at their next request; their authored incidents keep their name.

The Django admin's user pages save through ``save_from_admin``, audited like the changes made here.
"""

import datetime
import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode
from django.utils.translation import gettext as _

from incidents import roles

from . import audit

INVITE_VALID = datetime.timedelta(days=7)


class InviteTokenGenerator(PasswordResetTokenGenerator):
    """Django's password-reset tokens with their own salt and a validity of INVITE_VALID (not
    settings.PASSWORD_RESET_TIMEOUT): a reset link cannot serve as an invite, nor the reverse."""

    key_salt = "incidents.actions.people.InviteTokenGenerator"

    def check_token(self, user, token):
        if not (user and token):
            return False
        try:
            ts = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        if self._num_seconds(self._now()) - ts > INVITE_VALID.total_seconds():
            return False
        return any(constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
                   for secret in [self.secret, *self.secret_fallbacks])


invite_tokens = InviteTokenGenerator()


def invite_path(user):
    """The path of ``user``'s one-time link to set their password (absolute it with the site's address)."""
    return reverse("people-invite", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": invite_tokens.make_token(user)})


def check_role(role):
    if role not in roles.ROLES:
        raise ValidationError({"role": _("Unknown role “%(role)s”: choose one of %(choices)s.") % {
            "role": role, "choices": ", ".join(roles.ROLES)}})


def free_username(wanted):
    """``wanted`` as a user name no one has yet: only what Django's validator allows, then 2, 3 … appended."""
    users = get_user_model().objects
    base = re.sub(r"[^\w.+-]", "", str(wanted))[:140] or "user"
    name, n = base, 1
    while users.filter(username__iexact=name).exists():
        n += 1
        name = f"{base}{n}"
    return name


@transaction.atomic
def invite(actor, email, role, *, site_url=""):
    """Create a user for ``email`` with ``role`` and no usable password, email them their invite link and
    return (user, invite URL). ValidationError keyed "email" or "role" for bad input."""
    check_role(role)
    email = (email or "").strip()
    if get_user_model().objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("A user with the email address %(email)s already exists.") % {
            "email": email}})
    user = get_user_model().objects.create_user(username=free_username(email.split("@")[0]), email=email)  # unusable password
    assign_role(user, role)
    url = site_url.rstrip("/") + invite_path(user)
    audit.record(actor, audit.INVITED, target_user=user, email=email, role=role)
    transaction.on_commit(lambda: _send_invite(actor, user, url))
    return user, url


def is_invited(user):
    """Whether ``user`` was invited and has not chosen a password yet."""
    return user.is_active and not user.has_usable_password() and user.last_login is None


@transaction.atomic
def reinvite(actor, user, *, site_url=""):
    """A new invite link for someone invited who has not chosen a password yet (emailed again); the URL."""
    if not is_invited(user):
        raise ValidationError({"username": _("%(name)s is not waiting for an invite.") % {"name": user.get_username()}})
    url = site_url.rstrip("/") + invite_path(user)
    audit.record(actor, audit.REINVITED, target_user=user, email=user.email)
    transaction.on_commit(lambda: _send_invite(actor, user, url))
    return url


def _send_invite(actor, user, url):
    names = {"actor": actor.get_full_name() or actor.get_username(), "url": url, "username": user.get_username()}
    sso = settings.OIDC
    if sso and sso["only"]:
        body = _("%(actor)s invited you to Postmortem. Sign in with %(name)s, using this email address:\n\n"
                 "%(sign_in)s\n") % {**names, "name": sso["name"], "sign_in": _sign_in_url(url)}
    else:
        body = _("%(actor)s invited you to Postmortem. Choose your password within 7 days (the link works once):\n\n"
                 "%(url)s\n\nYour user name: %(username)s\n") % names
        if sso:
            body += "\n" + _("Or sign in with %(name)s, using this email address:\n\n%(sign_in)s\n") % {
                "name": sso["name"], "sign_in": _sign_in_url(url)}
    try:
        EmailMessage(_("Your invitation to Postmortem"), body, to=[user.email],
                     headers={"Auto-Submitted": "auto-generated"}).send()
    except OSError:  # the admin sees the link on the page and can pass it on themselves
        pass


def _sign_in_url(invite_url):
    """The single sign-on start on the same site as ``invite_url``."""
    return invite_url.split("/accounts/invite/")[0] + reverse("oidc-login")


def assign_role(user, role):
    user.groups.remove(*Group.objects.filter(name__in=roles.ROLES))
    user.groups.add(Group.objects.get(name=role))
    if not user.is_superuser and user.is_staff != (role == roles.ADMIN):
        user.is_staff = role == roles.ADMIN  # admins also reach /admin/
        user.save(update_fields=["is_staff"])


@transaction.atomic
def change_role(actor, user, role):
    """Give ``user`` the role ``role`` (replacing their role group); whether it changed."""
    check_role(role)
    old = roles.role_of(user)
    if old == role:
        return False
    if user.pk == actor.pk:
        raise ValidationError({"role": _("You cannot change your own role.")})
    if user.is_superuser:
        raise ValidationError({"role": _("%(name)s is a superuser: they have every permission whatever their role.") % {
            "name": user.get_username()}})
    assign_role(user, role)
    audit.record(actor, audit.ROLE_CHANGED, target_user=user, old=old, new=role)
    return True


@transaction.atomic
def set_active(actor, user, active):
    """Deactivate (``active`` False) or reactivate ``user``; whether it changed. A deactivated user's
    sessions and API token stop working at their next request."""
    if user.is_active == active:
        return False
    if user.pk == actor.pk:
        raise ValidationError({"is_active": _("You cannot deactivate yourself.")})
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit.record(actor, audit.REACTIVATED if active else audit.DEACTIVATED, target_user=user)
    return True


@transaction.atomic
def accept_invite(form):
    """Save the password chosen on the invite page (a SetPasswordForm): the link stops working."""
    user = form.save()
    audit.record(user, audit.INVITE_ACCEPTED, target_user=user)
    return user


@transaction.atomic
def update(actor, user, *, role=None, is_active=None):
    """Change ``user``'s role and/or status together (the API's PATCH): both or neither."""
    if role is not None:
        change_role(actor, user, role)
    if is_active is not None:
        set_active(actor, user, is_active)


def _role_group(user):
    """The highest role group ``user`` is in ("" for none), superuser or not."""
    names = set(user.groups.filter(name__in=roles.ROLES).values_list("name", flat=True))  # a query: as stored
    return next((role for role in reversed(roles.ROLES) if role in names), "")


@transaction.atomic
def save_from_admin(form, formsets, *, by):
    """Store a user saved on the Django admin's user pages (the form validated, its instance carrying the new
    values), and audit what /people/ audits: a new user, a role (its role group), deactivation and
    reactivation, and besides a superuser status given or taken away."""
    user = form.instance
    stored = get_user_model().objects.select_for_update().filter(pk=user.pk).first() if user.pk else None
    before = (stored.is_active, stored.is_superuser, _role_group(stored)) if stored else None
    grants_before = _grants(stored) if stored else (set(), set())
    user.save()
    form.save_m2m()
    for formset in formsets:
        formset.save()
    role = _role_group(user)
    if before is None:
        audit.record(by, audit.USER_CREATED, target_user=user, role=role)
        return user
    was_active, was_superuser, old_role = before
    if old_role != role:
        audit.record(by, audit.ROLE_CHANGED, target_user=user, old=old_role, new=role)
    if was_superuser != user.is_superuser:
        audit.record(by, audit.SUPERUSER_GRANTED if user.is_superuser else audit.SUPERUSER_REVOKED, target_user=user)
    if was_active != user.is_active:
        audit.record(by, audit.REACTIVATED if user.is_active else audit.DEACTIVATED, target_user=user)
    (old_groups, old_perms), (groups, perms) = grants_before, _grants(user)
    if (old_groups, old_perms) != (groups, perms):  # other groups or permissions can grant as much as a role
        audit.record(by, audit.PERMISSIONS_CHANGED, target_user=user,
                     groups_added=sorted(groups - old_groups), groups_removed=sorted(old_groups - groups),
                     permissions_added=sorted(perms - old_perms), permissions_removed=sorted(old_perms - perms))
    return user


def _grants(user):
    """(names of the user's groups other than the role groups, "app.codename" of their own permissions)."""
    groups = set(user.groups.exclude(name__in=roles.ROLES).values_list("name", flat=True))
    perms = {f"{app}.{code}" for app, code in user.user_permissions.values_list("content_type__app_label", "codename")}
    return groups, perms


@transaction.atomic
def delete_from_admin(user, *, by):
    """Delete a user from the admin site's user pages, in the audit log (which keeps their name)."""
    audit.record(by, audit.USER_DELETED, target_user=user, email=user.email, role=roles.role_of(user))
    user.delete()
