"""The comment form of an incident page (posting, and the small page that edits a comment)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.models import MAX_COMMENT_LENGTH, Comment


class CommentForm(forms.ModelForm):
    body = forms.CharField(
        label=_("Comment"), max_length=MAX_COMMENT_LENGTH, strip=False,
        widget=forms.Textarea(attrs={"rows": 4}), help_text=_("Markdown."),
    )

    class Meta:
        model = Comment
        fields = ["body"]

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError(_("Write something first."), code="blank")
        return body
