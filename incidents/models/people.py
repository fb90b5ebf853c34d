"""Who a signed-in person is at the company's identity provider: the provider's ``sub`` for a user, so that a
later sign-in finds the same account even when the email changed (accounts are matched by ``sub``; by email
only once, when a verified address meets an invited user who never signed in with single sign-on)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SignInIdentity(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_in_identities")
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="one_user_per_subject")]
        verbose_name = _("single sign-on identity")
        verbose_name_plural = _("single sign-on identities")

    def __str__(self):
        return f"{self.subject} @ {self.issuer}"
