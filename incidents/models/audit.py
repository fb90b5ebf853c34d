"""The audit log: who changed whose role, deactivated or invited someone (and, later, who changed an
incident's visibility or exported a restricted one). Entries are kept at least a year (actions.housekeeping)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .incidents import Incident


class AuditEntry(models.Model):
    """One audited change. ``actor_name`` and ``target_name`` keep the names should the users be deleted."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="audit_entries_made", verbose_name=_("by"))
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=50)
    target_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="audit_entries", verbose_name=_("user"))
    target_name = models.CharField(max_length=150, blank=True)
    incident = models.ForeignKey(Incident, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="audit_entries", verbose_name=_("incident"))
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.target_name}"
