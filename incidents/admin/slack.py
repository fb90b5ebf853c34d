"""The admin site's Slack pages: channel routes (saved and deleted through incidents.actions.slack_routes, which
checks the channel and refuses a duplicate, as /people/slack/ does) and the outbox of Slack messages, looked at
and sent again (incidents.actions.slack.retry), never edited by hand."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from incidents.actions import slack, slack_routes
from incidents.models import SlackMessage, SlackRoute


class SlackRouteForm(forms.ModelForm):
    class Meta:
        model = SlackRoute
        fields = ["match", "name", "channel"]

    def _post_clean(self):
        super()._post_clean()
        if self._errors:
            return
        try:
            slack_routes.check_route(self.instance)
        except ValidationError as exc:
            self._update_errors(exc)


@admin.register(SlackRoute)
class SlackRouteAdmin(admin.ModelAdmin):
    form = SlackRouteForm
    list_display = ["match", "name", "channel", "created_at"]
    list_filter = ["match"]
    search_fields = ["name", "channel"]

    def save_model(self, request, obj, form, change):
        slack_routes.save_route(obj)

    def delete_model(self, request, obj):
        slack_routes.delete_route(obj)

    def delete_queryset(self, request, queryset):
        for route in queryset:
            slack_routes.delete_route(route)


@admin.register(SlackMessage)
class SlackMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "target", "incident", "state", "attempts", "error_code"]
    list_filter = ["state", "kind"]
    list_select_related = ["incident", "user"]
    search_fields = ["channel", "user__username", "error_code", "last_error"]
    date_hierarchy = "created_at"
    actions = ["try_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("channel or person"))
    def target(self, message):
        return message.target

    @admin.action(description=_("Try again"))
    def try_again(self, request, queryset):
        count = slack.retry(queryset)
        self.message_user(request, ngettext("%(count)d message will be sent again.",
                                            "%(count)d messages will be sent again.", count) % {"count": count})
