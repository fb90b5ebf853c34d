"""/accounts/token/: a signed-in user sees, creates, regenerates and revokes their own API token.

DRF's authtoken keeps one key per user, stored in clear, so the page can show it again; scripts send it as
`Authorization: Token <key>`. Each change is a POST (one `action` field) answered with a redirect to the
page, and the page is never cached, since it shows a secret.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from rest_framework.authtoken.models import Token

from incidents.actions import tokens


@method_decorator(never_cache, name="dispatch")
class TokenView(LoginRequiredMixin, View):
    template_name = "registration/token.html"

    def get(self, request):
        token = Token.objects.filter(user=request.user).first()
        return render(request, self.template_name, {
            "token": token,
            "api_url": request.build_absolute_uri(reverse("api-incident-list")),
        })

    def post(self, request):
        action = {"create": self._create, "regenerate": self._regenerate, "revoke": self._revoke}.get(
            request.POST.get("action"))
        if action is None:
            return HttpResponseBadRequest(_("Unknown action."))
        messages.success(request, action(request.user))
        return redirect("api-token")

    @staticmethod
    def _create(user):
        _token, created = tokens.create_token(user)
        return _("Your API token was created.") if created else _("You already have an API token.")

    @staticmethod
    def _regenerate(user):
        tokens.regenerate_token(user)
        return _("Your API token was regenerated: the old one no longer works.")

    @staticmethod
    def _revoke(user):
        return _("Your API token was revoked.") if tokens.revoke_token(user) else _("You had no API token.")
