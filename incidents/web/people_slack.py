"""/people/slack/ (admins only): which channel a published incident is announced in (SlackRoute: add and
delete, through incidents.actions.slack_routes), where the others go (SLACK_DEFAULT_CHANNEL), and the Slack
messages that failed or are waiting after a failure, with Slack's error, a hint for the usual permanent ones and
buttons to try again (incidents.actions.slack.retry). Works without Slack configured (the routes can be set up
before), saying so."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.decorators.cache import never_cache

from incidents.actions import slack, slack_routes
from incidents.forms.slack import SlackRouteForm
from incidents.models import SlackMessage, SlackRoute

from .people import AdminOnlyMixin

TOKEN_HINT = gettext_lazy("The bot token is wrong or was revoked: check SLACK_BOT_TOKEN.")
HINTS = {
    "channel_not_found": gettext_lazy("The channel does not exist or was renamed."),
    "not_in_channel": gettext_lazy("Invite the app to the channel (/invite @app)."),
    "invalid_auth": TOKEN_HINT,
    "token_revoked": TOKEN_HINT,
}
PER_PAGE = 50


def _pk(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@method_decorator(never_cache, name="dispatch")
class SlackSettingsView(AdminOnlyMixin, View):
    template_name = "people/slack.html"

    def get(self, request, form=None, status=200):
        undelivered = SlackMessage.objects.undelivered().select_related("incident", "user").order_by("-created_at", "-pk")
        page = Paginator(undelivered, PER_PAGE).get_page(request.GET.get("page"))
        rows = [(message, HINTS.get(message.error_code, "")) for message in page.object_list]
        week_ago = timezone.now() - datetime.timedelta(days=7)
        return render(request, self.template_name, {
            "slack": settings.SLACK,
            "default_channel": settings.SLACK["default_channel"] if settings.SLACK else "",
            "routes": SlackRoute.objects.all(),
            "form": form or SlackRouteForm(),
            "page": page,
            "rows": rows,
            "sent_this_week": SlackMessage.objects.filter(state=SlackMessage.State.SENT,
                                                          sent_at__gte=week_ago).count(),
            "waiting": SlackMessage.objects.filter(state=SlackMessage.State.PENDING).count(),
        }, status=status)

    def post(self, request):
        action = request.POST.get("action")
        if action == "add":
            return self._add(request)
        if action == "delete":
            if slack_routes.delete_route(_pk(request.POST.get("route"))):
                messages.success(request, _("The route was deleted."))
        elif action in ("retry", "retry-all"):
            chosen = SlackMessage.objects.undelivered()
            if action == "retry":
                chosen = chosen.filter(pk=_pk(request.POST.get("message")))
            count = slack.retry(chosen)
            messages.success(request, ngettext("%(count)d message will be sent again.",
                                               "%(count)d messages will be sent again.", count) % {"count": count}
                             if count else _("There was no message to send again."))
        else:
            return HttpResponseBadRequest(_("Unknown action."))
        return redirect("people-slack")

    def _add(self, request):
        form = SlackRouteForm(request.POST)
        if form.is_valid():
            try:
                route = slack_routes.add_route(**form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("Publications with %(match)s %(name)s now go to %(channel)s.") % {
                    "match": route.get_match_display(), "name": route.name, "channel": route.channel})
                return redirect("people-slack")
        return self.get(request, form=form, status=400)
