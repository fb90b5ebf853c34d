"""A person's notification preferences: what they chose on /accounts/notifications/, and the language they
last used on the site (recorded by incidents.web.middleware.LocaleMiddleware), which their emails
are written in unless they chose one. One row per user (NotificationPreference), made on the first write."""

from django.db import IntegrityError, transaction

from incidents.models import NotificationPreference
from incidents.models.notifications import language_name


SLACK_FIELDS = ("slack_review_requested", "slack_mentioned", "slack_due", "slack_github")


def save_notification_preferences(user, *, email, language="", slack_review_requested=None, slack_mentioned=None,
                                  slack_due=None, slack_github=None):
    """Store ``user``'s choices: email on or off, the language of their emails ("" for the one they
    last used on the site), and each kind of Slack direct message on or off (None: left as it is).
    Raises ValueError for a language the site does not speak."""
    if language and not language_name(language):
        raise ValueError(f"{language!r} is not one of the site's languages")
    slack = {"slack_review_requested": slack_review_requested, "slack_mentioned": slack_mentioned,
             "slack_due": slack_due, "slack_github": slack_github}
    defaults = {"email": bool(email), "language": language,
                **{name: bool(value) for name, value in slack.items() if value is not None}}
    preference, _ = NotificationPreference.objects.update_or_create(user=user, defaults=defaults)
    return preference


def record_ui_language(user, language):
    """Remember that ``user`` used the site in ``language``; writes only when it differs from the stored
    one. Returns True when something was written (a code the site does not speak is not recorded)."""
    if not language_name(language):
        return False
    stored = NotificationPreference.objects.filter(user=user).values_list("ui_language", flat=True).first()
    if stored == language:
        return False
    if stored is not None:
        NotificationPreference.objects.filter(user=user).update(ui_language=language)
        return True
    try:
        with transaction.atomic():
            NotificationPreference.objects.create(user=user, ui_language=language)
    except IntegrityError:  # another request of the same user made the row at the same moment
        return record_ui_language(user, language)
    return True
