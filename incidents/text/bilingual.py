"""Texts admins write in both languages (severity labels, incident types, custom fields): the one to show."""

from django.utils.translation import get_language


def localized(ja, en):
    """The Japanese text when the active language is Japanese, else the English one; the other when one is blank."""
    first, second = (ja, en) if (get_language() or "").startswith("ja") else (en, ja)
    return first or second
