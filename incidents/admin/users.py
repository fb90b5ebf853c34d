"""The admin site's user pages (/admin/auth/user/…): Django's own, saved through incidents.actions.people so
that a change of role (role group), status (active), superuser status, other groups or permissions, and a
deletion are in the audit log, as on /people/."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from incidents.actions import people


class AuditedUserAdmin(UserAdmin):
    def save_model(self, request, obj, form, change):
        """Nothing yet: save_related stores the user with their groups, in one action."""

    def save_related(self, request, form, formsets, change):
        people.save_from_admin(form, formsets, by=request.user)

    def delete_model(self, request, obj):
        people.delete_from_admin(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            people.delete_from_admin(user, by=request.user)


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), AuditedUserAdmin)
