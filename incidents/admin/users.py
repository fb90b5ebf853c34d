"""The admin site's user pages (/admin/auth/user/…): Django's own, saved through incidents.actions.people so
that a change of role (role group), status (active) or superuser status is in the audit log, exactly as on
/people/."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from incidents.actions import people


class AuditedUserAdmin(UserAdmin):
    def save_model(self, request, obj, form, change):
        """Nothing yet: save_related stores the user with their groups, in one action."""

    def save_related(self, request, form, formsets, change):
        people.save_from_admin(form, formsets, by=request.user)


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), AuditedUserAdmin)
