"""Stored GitHub references (one row per issue or pull request) and the link fields that point at them.

A reference is also the outbox of its own sync: ``due_at`` set means "ask GitHub about it at or after this
time" (set in the transaction that linked it, by the poll schedule, or by a retry's backoff); the drain
(incidents.actions.github.poll) claims due rows and clears ``due_at`` once GitHub answered for good."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.regex_helper import _lazy_re_compile
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

    def in_repository(self, owner, repo):
        return self.filter(owner__iexact=owner, repo__iexact=repo)

    def at(self, owner, repo, number):
        return self.in_repository(owner, repo).filter(number=number)

    def due(self, now):
        """References whose sync is wanted now, oldest wish first."""
        return self.filter(due_at__lte=now).order_by("due_at", "pk")

    def request_sync(self, now=None):
        """Ask for a sync of these references as soon as possible (kept if one is already due earlier);
        the ones GitHub said are gone are left alone. Returns how many were asked."""
        now = now or timezone.now()
        wanted = self.filter(gone=False).filter(Q(due_at__isnull=True) | Q(due_at__gt=now))
        return wanted.update(due_at=now)

    def stale(self, older_than):
        """Never synced or last synced before ``older_than``, and not known to be gone."""
        return self.filter(gone=False).filter(Q(synced_at__isnull=True) | Q(synced_at__lt=older_than))

    def by_short(self, text):
        """References matching ``OWNER/REPO#N`` (or a full URL); empty when the text is not one."""
        try:
            ref = refs.parse(text)
        except ValueError:
            ref = None
        if ref is None:
            return self.none()
        return self.filter(owner__iexact=ref.owner, repo__iexact=ref.repo, number=ref.number)


# How incidents.actions.github.poll's sync_error texts begin (the rest is GitHub's technical answer) → what
# a reader is told; the first prefix that matches wins.
SYNC_PROBLEMS = (
    ("GitHub rate limit", _("GitHub's rate limit is reached; it will be synced later.")),
    ("refused by GitHub", _("GitHub refused access: an administrator should check the GitHub token.")),
    ("GitHub unavailable, gave up", _("GitHub could not be reached several times; the next regular sync tries again.")),
    ("GitHub unavailable", _("GitHub could not be reached; it will be tried again shortly.")),
)


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
    state_reason = models.CharField(max_length=20, blank=True, help_text="GitHub's state_reason: completed, not_planned, …")
    changed_at = models.DateTimeField(null=True, blank=True, help_text="When GitHub says the state last changed.")
    synced_at = models.DateTimeField(null=True, blank=True, help_text="When GitHub last answered for this reference.")
    sync_error = models.CharField(max_length=300, blank=True, help_text="Why the last sync failed (empty when it worked).")
    gone = models.BooleanField(default=False, help_text="GitHub answered 404/410 or the issue was deleted: not polled.")
    etag = models.CharField(max_length=200, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True, help_text="A sync is wanted at or after this time.")
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Failed tries in a row (reset by an answer).")

    objects = GitHubReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["owner", "repo", "number"]
        constraints = [
            models.UniqueConstraint(Lower("owner"), Lower("repo"), "number", name="github_reference_unique_ci"),
        ]
        verbose_name = _("GitHub reference")
        verbose_name_plural = _("GitHub references")

    def __str__(self):
        return self.short

    @property
    def is_closed(self):
        return self.state in (self.State.CLOSED, self.State.MERGED)

    @property
    def sync_problem(self):
        """Why the last sync failed, in the reader's language ("" when it worked); ``sync_error`` keeps GitHub's
        technical answer (the API, the admin, a tooltip; the log has it too)."""
        if not self.sync_error:
            return ""
        if self.gone:
            return _("GitHub says it was deleted or cannot be found.")
        for prefix, message in SYNC_PROBLEMS:
            if self.sync_error.startswith(prefix):
                return message
        return _("GitHub did not answer as expected; it will be tried again.")

    @property
    def state_label(self):
        """What people read: "Merged", "Closed (not planned)", "Open", "" when never synced."""
        label = str(self.get_state_display()) if self.state else ""
        if self.state == self.State.CLOSED and self.state_reason == "not_planned":
            label = str(_("Closed (not planned)"))
        return label

    @property
    def short(self):
        return f"{self.owner}/{self.repo}#{self.number}"

    @property
    def url(self):
        return refs.Ref(self.owner, self.repo, self.number, self.kind).url


class LinkURLValidator(URLValidator):
    """Django's URL check, but a host need not have a dot: write-ups link intranet hosts such as
    ``https://monitor/shakespeare?…`` or ``http://grafana:3000/d/…``. Only http(s) (``javascript:`` never)."""

    host_re = "(" + URLValidator.hostname_re + "(?:" + URLValidator.domain_re + URLValidator.tld_re + ")?|localhost)"
    regex = _lazy_re_compile(
        r"^(?:[a-z0-9.+-]*)://"  # the scheme is checked separately
        r"(?:[^\s:@/]+(?::[^\s:@/]*)?@)?"  # user:password
        r"(?:" + URLValidator.ipv4_re + "|" + URLValidator.ipv6_re + "|" + host_re + ")"
        r"(?::[0-9]{1,5})?"  # port
        r"(?:[/?#][^\s]*)?"  # path, query, fragment
        r"\Z",
        re.IGNORECASE,
    )


def broken_reference(value):
    """The error for text that looks like a GitHub issue or PR but is not one (``/issues/abc``, ``#0``), in the
    reader's language, saying what to write instead."""
    return ValidationError(
        _("“%(value)s” is not a valid GitHub issue or pull request (OWNER/REPO#N or "
          "https://github.com/OWNER/REPO/issues/N)."),
        code="github_reference", params={"value": value})


def validate_link(value):
    """A link is an http(s) URL (the host may be an intranet name without a dot) or ``OWNER/REPO#N``. A GitHub
    issue or PR becomes a followed reference; any other URL, a GitHub repository's included, is a plain link."""
    if not refs.looks_like_short_form(value):
        LinkURLValidator(schemes=["http", "https"], message=_("Enter an http(s) URL or OWNER/REPO#N."))(value)
    try:
        refs.parse(value)
    except ValueError:
        raise broken_reference(value) from None


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


class GitHubPause(models.Model):
    """GitHub asked us to wait (rate limit, retry-after): no call to GitHub from any process before
    ``until``. One row (pk 1), so every worker and web node honours the same pause."""

    until = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("GitHub pause")
        verbose_name_plural = _("GitHub pauses")

    def __str__(self):
        return f"paused until {self.until:%Y-%m-%d %H:%M:%S} ({self.reason})" if self.until else "not paused"

    @classmethod
    def active_until(cls, now=None):
        """The time calls may start again, or None when not paused."""
        now = now or timezone.now()
        until = cls.objects.filter(pk=1, until__gt=now).values_list("until", flat=True).first()
        return until

    @classmethod
    def pause(cls, until, reason):
        until = min(until, timezone.now() + datetime.timedelta(hours=2))  # a wrong reset header must not stop sync for days
        try:
            with transaction.atomic():
                cls.objects.update_or_create(pk=1, defaults={"until": until, "reason": reason[:300]})
        except IntegrityError:  # another process created the row at the same moment: its pause stands
            pass
