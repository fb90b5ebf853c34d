"""/accounts/token/: a signed-in user sees, creates, regenerates and revokes their own API token.

DRF's authtoken keeps one key per user, stored in clear, so the page can show it again; scripts send it as
`Authorization: Token <key>`. Each change is a POST (one `action` field) answered with a redirect to the
page, and the page is never cached, since it shows a secret.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from rest_framework.authtoken.models import Token


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
        _token, created = Token.objects.get_or_create(user=user)
        return _("Your API token was created.") if created else _("You already have an API token.")

    @staticmethod
    def _regenerate(user):
        """A new key replaces the old one, which stops working at once."""
        with transaction.atomic():
            Token.objects.filter(user=user).delete()
            Token.objects.create(user=user)
        return _("Your API token was regenerated: the old one no longer works.")

    @staticmethod
    def _revoke(user):
        deleted, _rows = Token.objects.filter(user=user).delete()
        return _("Your API token was revoked.") if deleted else _("You had no API token.")
