"""The upload form of the import page: Markdown write-ups (.md, .markdown) or zips of them, with the status
and time zone to import them with. Cleaning unpacks the uploads (incidents.imports.files), so every problem
with a file (its type, a broken zip, its size) is a form error, never a failed request."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.imports.files import UPLOAD_SUFFIXES, SourceError, from_upload
from incidents.models import Status

MAX_UPLOADS = 100


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; cleans to a list of uploaded files (at least one when required)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ",".join(UPLOAD_SUFFIXES)}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        uploads = [upload for upload in (data if isinstance(data, (list, tuple)) else [data]) if upload]
        if not uploads and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(upload, initial) for upload in uploads]


class ImportForm(forms.Form):
    files = MultipleFileField(
        label=_("Files"), allow_empty_file=True,
        help_text=_("Markdown write-ups (.md, .markdown) or .zip archives of them; several at once."),
        error_messages={"required": _("Choose at least one file.")},
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("As each file says (else draft)"))] + Status.choices,
        help_text=_("A status you may not set (such as published, before a review) is left out with a warning."),
    )
    time_zone = forms.CharField(
        label=_("Time zone"), required=False, max_length=64, widget=forms.TextInput(attrs={"placeholder": "Asia/Tokyo"}),
        help_text=_("For times the files give without a zone; empty means the site's time zone."),
    )

    def clean_files(self):
        """The uploads unpacked: ``sources`` (incidents.imports.files.Source), in upload order."""
        uploads = self.cleaned_data["files"]
        if len(uploads) > MAX_UPLOADS:
            raise forms.ValidationError(_("At most %(count)d files at once; put more into a zip.") % {"count": MAX_UPLOADS})
        sources, problems = [], []
        for upload in uploads:
            try:
                sources += from_upload(upload.name, upload.read())
            except SourceError as exc:
                problems.append(str(exc))
        if problems:
            raise forms.ValidationError(problems)
        return sources

    def clean_time_zone(self):
        name = self.cleaned_data["time_zone"].strip()
        if name:
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                raise forms.ValidationError(_("“%(name)s” is not a known time zone (e.g. UTC, Asia/Tokyo).")
                                            % {"name": name}) from None
        return name
