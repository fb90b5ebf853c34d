"""Adding files to an incident without JavaScript (the edit page's Attachments section, and its own page): one
or more files and an optional alt text. What each file is and whether it is kept is decided when it is added
(incidents.actions.attachments): the form only checks that files were chosen."""

from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.models import MAX_ALT_LENGTH


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A list of uploaded files (Django's FileField takes one)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data] if data else single(None, initial)
        return [single(data, initial)]


class AttachmentForm(forms.Form):
    files = MultipleFileField(
        label=_("Files"), help_text=_("PNG, JPEG, GIF or WebP images, PDFs, plain-text or log files."),
        error_messages={"required": _("Choose a file first.")})
    alt = forms.CharField(
        label=_("Alt text"), max_length=MAX_ALT_LENGTH, required=False,
        help_text=_("What the image shows, for readers who cannot see it. Left empty: the file's name."))


def default_alt(name):
    """The alt text a file gets when none is given: its name without the extension."""
    stem, dot, _extension = name.rpartition(".")
    return (stem if dot and stem else name).strip()
