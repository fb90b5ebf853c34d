"""Signing in and out. /accounts/login/: the password form and, when single sign-on is set up
(settings.OIDC), a "Sign in with <OIDC_NAME>" button; with OIDC_ONLY the form is gone and a password works
only for superusers (break-glass: ``manage.py createsuperuser``; their form is at /accounts/login/?password=1).
/oidc/login/ sends the browser to the provider, /oidc/callback/ signs the person in (incidents.oidc,
incidents.actions.sign_in); signing out also ends the provider's session when it offers RP-initiated logout."""

import logging

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model, login
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, LogoutView
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from incidents import oidc, roles
from incidents.actions import sign_in

log = logging.getLogger(__name__)
NEXT_KEY, ID_TOKEN_KEY = "oidc_next", "oidc_id_token"
# The backend whose get_user refuses a deactivated account at its next request (as for password sign-ins).
SESSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


def password_allowed(user):
    """Whether ``user`` may sign in with a password: always, except under OIDC_ONLY (then superusers only)."""
    return not (settings.OIDC and settings.OIDC["only"]) or user.is_superuser


class SsoOnlyMixin:
    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not password_allowed(user):
            raise ValidationError(_("Sign-in with a password is turned off here: use “Sign in with %(name)s”.")
                                  % {"name": settings.OIDC["name"]}, code="sso_only")


class SignInForm(SsoOnlyMixin, AuthenticationForm):
    pass


class AdminSignInForm(SsoOnlyMixin, AdminAuthenticationForm):
    pass


def _sso_context(request, **extra):
    config = settings.OIDC
    show_password = not (config and config["only"]) or request.GET.get("password") == "1"
    return {"sso": config, "show_password": show_password, **extra}


class SignInView(LoginView):
    form_class = SignInForm

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **_sso_context(self.request)}


class SignOutView(LogoutView):
    """Ends the local session; after a single sign-on, continues at the provider's end-session endpoint."""

    def post(self, request, *args, **kwargs):
        id_token = request.session.get(ID_TOKEN_KEY)
        response = super().post(request, *args, **kwargs)
        if id_token and settings.OIDC:
            url = oidc.logout_url(settings.OIDC, id_token, request.build_absolute_uri(reverse("login")))
            if url:
                return HttpResponseRedirect(url)
        return response


def _refused(request, message, status, *, admins=()):
    return render(request, "registration/sso_refused.html", _sso_context(
        request, message=message, admins=admins), status=status)


def _unreachable(request, error):
    log.warning("OIDC provider unreachable: %s", error)
    form = SignInForm(request)
    response = render(request, "registration/login.html", {
        **_sso_context(request), "form": form, "next": request.session.get(NEXT_KEY, ""),
        "sso_error": _("%(name)s cannot be reached just now, so signing in with it does not work. Try again in a "
                       "few minutes.") % {"name": settings.OIDC["name"]}}, status=503)
    response["Retry-After"] = "60"
    return response


@never_cache
def start(request):
    """GET /oidc/login/?next=…: off to the provider."""
    if not settings.OIDC:
        raise Http404
    wanted = request.GET.get(REDIRECT_FIELD_NAME, "")
    safe = url_has_allowed_host_and_scheme(wanted, {request.get_host()}, require_https=request.is_secure())
    request.session[NEXT_KEY] = wanted if safe else ""
    try:
        return oidc.start(request, settings.OIDC, request.build_absolute_uri(reverse("oidc-callback")),
                          ui_locales=get_language() or settings.LANGUAGE_CODE)
    except oidc.Unreachable as error:
        return _unreachable(request, error)


def _admins():
    users = get_user_model().objects.filter(is_active=True)
    return list(users.filter(Q(is_superuser=True) | Q(groups__name=roles.ADMIN)).distinct().order_by("username")[:5])


@never_cache
def callback(request):
    """GET /oidc/callback/?code=…&state=…: check the provider's answer, then sign the person in."""
    if not settings.OIDC:
        raise Http404
    name = settings.OIDC["name"]
    try:
        claims, id_token = oidc.finish(request, settings.OIDC)
        user = sign_in.account_for(settings.OIDC, claims)
    except oidc.Unreachable as error:
        return _unreachable(request, error)
    except oidc.Refused as error:
        log.warning("OIDC sign-in refused (%s): %s", error.reason, error.detail)
        messages = {
            "state": _("This sign-in link was already used or has expired, so it was not accepted. Start again."),
            "provider": _("%(name)s did not sign you in (%(detail)s). Start again, or ask an administrator.") % {
                "name": name, "detail": error.detail},
            "token": _("The answer from %(name)s could not be verified (%(detail)s), so you were not signed in and "
                       "nothing was changed. Start again; if it happens again, tell an administrator.") % {
                "name": name, "detail": error.detail},
        }
        return _refused(request, messages[error.reason], 400)
    except sign_in.NoAccess as error:
        if error.why == "deactivated":
            message = _("Your account here is deactivated, so you cannot sign in. An administrator can reactivate it.")
        else:
            message = _("%(name)s signed you in, but none of your groups gives access to Postmortem. Ask an "
                        "administrator to add you to a group that does.") % {"name": error.name}
        return _refused(request, message, 403, admins=_admins())
    next_url = request.session.pop(NEXT_KEY, "") or settings.LOGIN_REDIRECT_URL
    login(request, user, backend=SESSION_BACKEND)  # a new session key; the provider's ID token kept for sign-out
    request.session[ID_TOKEN_KEY] = id_token
    return HttpResponseRedirect(next_url)
