"""GitHub's webhook endpoint and the "file on GitHub" button of an action item."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from incidents.actions.github import events as github_events, issues as github_issues
from incidents.github import webhooks
from incidents.models import ActionItem, Incident

from .shortcuts import incident_or_404

log = logging.getLogger(__name__)


@method_decorator(csrf_exempt, name="dispatch")
class WebhookView(View):
    """POST /github/webhook/: the signature over the raw body is checked before the body is read as JSON."""

    http_method_names = ["post"]

    def post(self, request):
        secret = settings.GITHUB_WEBHOOK_SECRET
        if not secret:
            log.warning("GitHub webhook delivery refused: GITHUB_WEBHOOK_SECRET is not set")
            return JsonResponse({"detail": "Webhooks are not configured (GITHUB_WEBHOOK_SECRET)."}, status=503)
        body = request.body
        try:
            webhooks.verify(secret, body, request.headers.get("X-Hub-Signature-256"))
        except webhooks.BadSignature as exc:
            log.warning("GitHub webhook delivery %s refused: %s", request.headers.get("X-GitHub-Delivery"), exc)
            return JsonResponse({"detail": f"Bad signature: {exc}."}, status=401)
        status, outcome = github_events.receive(
            request.headers.get("X-GitHub-Delivery"), request.headers.get("X-GitHub-Event"), body)
        if status == 204:
            return JsonResponse({}, status=204)
        return JsonResponse({"detail": outcome}, status=status)


class FileIssueView(PermissionRequiredMixin, View):
    """Ask for an action item to be filed as an issue on GitHub (editors only); the drain files it."""

    permission_required = "incidents.change_incident"
    http_method_names = ["post"]

    def post(self, request, reference, item):
        incident = incident_or_404(Incident.objects.visible_to(request.user), reference)
        action_item = get_object_or_404(ActionItem, pk=item, incident=incident)
        target = reverse("incident-detail", args=[incident.reference])
        labels = request.POST.get("labels", "").split(",")
        try:
            github_issues.request_issue(
                action_item, request.POST.get("repository", ""), labels=labels,
                incident_url=request.build_absolute_uri(target), user=request.user)
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The issue will be filed on GitHub in a moment; this page shows when it is."))
        return redirect(f"{target}#action-items")
