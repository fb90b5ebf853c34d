"""/accounts/notifications/: a signed-in user turns email notifications off or on, picks their language and,
when Slack is configured, turns each kind of Slack direct message off or on."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from incidents.actions import preferences
from incidents.forms.notifications import NotificationPreferenceForm
from incidents.models import NotificationPreference


class NotificationPreferencesView(LoginRequiredMixin, View):
    template_name = "notifications/preferences.html"

    def get(self, request):
        form = NotificationPreferenceForm(instance=NotificationPreference.for_user(request.user))
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = NotificationPreferenceForm(request.POST, instance=NotificationPreference.for_user(request.user))
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        saved = preferences.save_notification_preferences(
            request.user, email=form.cleaned_data["email"], language=form.cleaned_data["language"],
            **form.slack_choices())
        messages.success(request, _("Email notifications are on.") if saved.email
                         else _("Email notifications are off."))
        return redirect("notification-preferences")
