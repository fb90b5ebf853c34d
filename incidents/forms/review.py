"""Forms of the review workflow: who reviews, and a review."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from incidents.models import Review


def candidate_reviewers(incident):
    """Users who may review ``incident``: editors and admins who are not its authors."""
    users = get_user_model().objects.filter(is_active=True).filter(
        Q(groups__permissions__codename="change_incident") | Q(user_permissions__codename="change_incident")
        | Q(is_superuser=True)).distinct()
    return users.exclude(pk__in=incident.authors.values("pk")).order_by("username")


class ReviewRequestForm(forms.Form):
    reviewers = forms.ModelMultipleChoiceField(
        label=_("Reviewers"), queryset=get_user_model().objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one reviewer.")})

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = candidate_reviewers(incident)
        self.fields["reviewers"].label_from_instance = lambda user: user.get_full_name() or user.get_username()
        self.initial.setdefault("reviewers", list(incident.reviewers.values_list("pk", flat=True)))


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Review.Decision.choices)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 3}))
