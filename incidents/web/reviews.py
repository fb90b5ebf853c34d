"""The review workflow's buttons on the incident page: ask for a review, approve or request changes."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View

from incidents.actions import reviews, workflow
from incidents.forms.review import ReviewForm, ReviewRequestForm
from incidents.models import Incident

from .comments import tell_mentions
from .shortcuts import incident_or_404


class ReviewRequestView(PermissionRequiredMixin, View):
    permission_required = "incidents.change_incident"
    http_method_names = ["post"]

    def post(self, request, reference):
        incident = incident_or_404(Incident.objects.visible_to(request.user), reference)
        form = ReviewRequestForm(request.POST, incident=incident)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        else:
            try:
                reviews.request_review(incident, form.cleaned_data["reviewers"], by=request.user)
            except workflow.Refused as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Review requested."))
        return redirect(f"{incident.get_absolute_url()}#review")


class ReviewView(PermissionRequiredMixin, View):
    permission_required = "incidents.change_incident"
    http_method_names = ["post"]

    def post(self, request, reference):
        incident = incident_or_404(Incident.objects.visible_to(request.user), reference)
        form = ReviewForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        else:
            try:
                made = reviews.review(incident, request.user, form.cleaned_data["decision"], form.cleaned_data["comment"])
            except workflow.Refused as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Approved: it can be published now.") if made.decision == "approved"
                                 else _("Changes requested: the incident is a draft again."))
                tell_mentions(request, made.mentions)
        return redirect(f"{incident.get_absolute_url()}#review")
