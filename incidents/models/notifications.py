"""Notifications: who turned email off, in which language each person gets email, and which due-date
reminders were already sent."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .incidents import Incident


class NotificationPreferenceQuerySet(models.QuerySet):
    def opted_out(self, user_ids):
        """The ids among ``user_ids`` of the users who turned email off."""
        return set(self.filter(user__in=user_ids, email=False).values_list("user_id", flat=True))


def language_name(code):
    """"日本語" for "ja": the name of one of settings.LANGUAGES, or "" for any other code."""
    return dict(settings.LANGUAGES).get(code, "")


class NotificationPreference(models.Model):
    """A user's choice about notifications; a user without a row gets email (the default) in the site's
    default language. The row also remembers the language the user last used on the site (``ui_language``,
    recorded by incidents.web.middleware): their emails are written in it unless they chose one."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_preference", verbose_name=_("user"))
    email = models.BooleanField(_("email me notifications"), default=True,
                                help_text=_("Review requests, reviews and comments on your incidents, publication, "
                                            "reminders of your action items' due dates, and your action items "
                                            "closed or reopened on GitHub."))
    language = models.CharField(_("email language"), max_length=10, blank=True,
                                help_text=_("Blank: the language you last used on this site."))
    ui_language = models.CharField(_("language last used on the site"), max_length=10, blank=True, editable=False)
    # Slack direct messages, one switch per kind (SlackMessage.Kind; "published" goes to a channel, not a person)
    slack_review_requested = models.BooleanField(_("Slack: review requested"), default=True,
                                                 help_text=_("Someone asks you to review a postmortem."))
    slack_mentioned = models.BooleanField(_("Slack: mentioned"), default=True,
                                          help_text=_("Someone mentions you (@your-name) in a comment."))
    slack_due = models.BooleanField(_("Slack: action items due"), default=True,
                                    help_text=_("An action item you own is due soon or overdue."))
    slack_github = models.BooleanField(_("Slack: closed on GitHub"), default=True,
                                       help_text=_("GitHub closes, merges or reopens what an action item you own "
                                                   "follows."))

    objects = NotificationPreferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return f"{self.user}: {'email' if self.email else 'no email'}"

    @classmethod
    def for_user(cls, user):
        """The user's stored preference, or the default one (not saved)."""
        return cls.objects.filter(user=user).first() or cls(user=user)

    @classmethod
    def for_users(cls, users):
        """{user's pk: their stored preference, or the default one} for ``users``, in one query."""
        stored = {preference.user_id: preference for preference in cls.objects.filter(user__in=users)}
        return {user.pk: stored.get(user.pk) or cls(user=user) for user in users}

    def wants_slack(self, kind):
        """Whether this user gets Slack direct messages of ``kind`` (a SlackMessage.Kind value)."""
        return bool(getattr(self, f"slack_{kind}", False))

    @property
    def email_language(self):
        """The language of this user's emails: the one chosen, else the one last used on the site, else the
        site's default (a code no longer in settings.LANGUAGES counts as none)."""
        for code in (self.language, self.ui_language):
            if language_name(code):
                return code
        return settings.LANGUAGE_CODE


class DueReminder(models.Model):
    """A reminder sent to ``user`` about an action item (by its incident and title: action item rows are
    replaced whenever their incident is saved) due on ``due_date``: never sent twice for the same date."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="due_reminders")
    title = models.CharField(max_length=200)
    due_date = models.DateField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="due_reminders")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "title", "due_date", "user"], name="due_reminder_once"),
        ]
        verbose_name = _("due-date reminder")
        verbose_name_plural = _("due-date reminders")

    def __str__(self):
        return f"{self.title} ({self.due_date}) → {self.user}"
