"""Forms of the retrospective meeting pages."""

import hashlib

from django import forms
from django.utils.translation import gettext_lazy as _

from incidents import dates
from incidents.models import AgendaItem, Incident, Retrospective


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class RetrospectiveForm(forms.ModelForm):
    class Meta:
        model = Retrospective
        fields = ["title", "date", "facilitator", "select_tag", "select_status", "select_since", "select_since_previous"]
        widgets = {"date": DateInput(), "select_since": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dates.limit_form_fields(self)


class AgendaAddForm(forms.Form):
    reference = forms.CharField(label=_("Incident"), max_length=30, help_text=_("INC-42 or 42"))

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_reference(self):
        try:
            return Incident.objects.visible_to(self.user).by_reference(self.cleaned_data["reference"])
        except Incident.DoesNotExist:
            raise forms.ValidationError(_("No such incident, or you may not see it.")) from None


def _same_text(text):
    """Text as compared between saves: browsers send CRLF line ends and the form strips the ends."""
    return (text or "").replace("\r\n", "\n").strip()


def fingerprint(text):
    """A short digest of a box's text as the page showed it, sent back with the form to detect edits made
    by someone else in the meantime."""
    return hashlib.sha256(_same_text(text).encode()).hexdigest()[:16]


class AgendaNotesForm(forms.ModelForm):
    """One agenda item's boxes on the meeting page, where every item's boxes are saved together.

    A hidden ``seen_*`` field carries the fingerprint of each box as the page showed it, so that a save
    stores only the boxes the user changed (a box they left alone never overwrites another editor's text)
    and refuses to overwrite a box someone else changed meanwhile (``conflicts``: the user's text stays in
    the box and the page shows theirs; the fingerprint is moved on, so saving again replaces theirs).
    Bind it to a mutable copy of the POST data: a conflict writes the new fingerprint into it."""

    BOXES = ("notes", "decisions")
    seen_notes = forms.CharField(widget=forms.HiddenInput, required=False)
    seen_decisions = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = AgendaItem
        fields = ["notes", "decisions"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3}), "decisions": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored = {name: getattr(self.instance, name) for name in self.BOXES}
        self.conflicts = {}
        for name in self.BOXES:
            self.initial[f"seen_{name}"] = fingerprint(self.stored[name])

    def boxes(self):
        """[(bound field, the other editor's text when it conflicts, else None)] for the template."""
        return [(self[name], self.conflicts.get(name)) for name in self.BOXES]

    def changed_boxes(self):
        """After ``is_valid()``: the names of the boxes to store (the instance holds their new text; the
        others are put back as stored), recording ``conflicts`` on the way."""
        changed = []
        for name in self.BOXES:
            stored, typed = self.stored[name], self.cleaned_data[name]
            seen = self.cleaned_data[f"seen_{name}"]
            if _same_text(typed) == _same_text(stored) or (seen and fingerprint(typed) == seen):
                setattr(self.instance, name, stored)  # unchanged here (perhaps changed by someone else)
            elif seen and fingerprint(stored) != seen:
                setattr(self.instance, name, stored)
                self.conflicts[name] = stored
                self.data[self.add_prefix(f"seen_{name}")] = fingerprint(stored)
                self.add_error(name, _("Someone else changed this box after you opened the page: your text is "
                                       "still in it, theirs is below. Save again to replace theirs with yours."))
            else:
                changed.append(name)
        return changed


class CloseForm(forms.Form):
    publish = forms.BooleanField(label=_("Publish the incidents on the agenda that are in review"), required=False,
                                 initial=True)
