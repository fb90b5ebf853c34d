"""Stored GitHub references (one row per issue or pull request) and the link fields that point at them."""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from incidents.github import refs


class GitHubReferenceQuerySet(models.QuerySet):
    def for_ref(self, ref):
        """The stored reference for a parsed refs.Ref, created on first use (one row per issue/PR)."""
        same = {"owner__iexact": ref.owner, "repo__iexact": ref.repo, "number": ref.number}
        existing = self.filter(**same).first()
        if existing:
            return existing
        try:  # race-free: a concurrent writer's row wins the unique constraint, and is read back
            with transaction.atomic():
                return self.create(owner=ref.owner, repo=ref.repo, number=ref.number, kind=ref.kind)
        except IntegrityError:
            return self.get(**same)

    def for_url(self, url):
        ref = refs.parse(url)
        return self.for_ref(ref) if ref else None

    def by_short(self, text):
        """References matching ``OWNER/REPO#N`` (or a full URL); empty when the text is not one."""
        try:
            ref = refs.parse(text)
        except ValueError:
            ref = None
        if ref is None:
            return self.none()
        return self.filter(owner__iexact=ref.owner, repo__iexact=ref.repo, number=ref.number)


class GitHubReference(models.Model):
    class Kind(models.TextChoices):
        ISSUE = refs.ISSUE, _("Issue")
        PULL = refs.PULL, _("Pull request")

    class State(models.TextChoices):
        UNKNOWN = "", _("Unknown")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        MERGED = "merged", _("Merged")

    owner = models.CharField(max_length=39)
    repo = models.CharField(max_length=100)
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ISSUE)
    title = models.CharField(max_length=300, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    sync_error = models.CharField(max_length=300, blank=True)

    objects = GitHubReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["owner", "repo", "number"]
        constraints = [
            models.UniqueConstraint(Lower("owner"), Lower("repo"), "number", name="github_reference_unique_ci"),
        ]
        verbose_name = "GitHub reference"

    def __str__(self):
        return self.short

    @property
    def short(self):
        return f"{self.owner}/{self.repo}#{self.number}"

    @property
    def url(self):
        return refs.Ref(self.owner, self.repo, self.number, self.kind).url


def validate_link(value):
    """A link is an http(s) URL or a GitHub short form ``OWNER/REPO#N``."""
    if refs.looks_like_short_form(value):
        pass
    else:
        URLValidator(schemes=["http", "https"], message=_("Enter an http(s) URL or OWNER/REPO#N."))(value)
    try:
        refs.parse(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


class GitHubLinked(models.Model):
    """Something with a ``url`` that, when it names a GitHub issue or PR, shares that stored ``github`` reference."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        ref = refs.parse(self.url) if self.url else None
        if ref and refs.looks_like_short_form(self.url):
            self.url = ref.url
        self.github = GitHubReference.objects.for_ref(ref) if ref else None
        super().save(*args, **kwargs)
