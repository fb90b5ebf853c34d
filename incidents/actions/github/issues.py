"""Follow-up issues filed on GitHub from an action item: asked for in a web request (a GitHubIssueRequest
row, nothing sent yet), filed by the drain, then linked to the item so it follows the issue from then on.
A request is sent at most once: a call that may have reached GitHub is never repeated automatically."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import jobs
from incidents.github import client, refs

from . import apply
from incidents.models import ActionItem, GitHubIssueRequest, GitHubPause, Incident

INTERRUPTED_AFTER = datetime.timedelta(minutes=10)


def request_issue(item, repository, *, labels=(), incident_url="", user=None):
    """Ask for ``item`` to be filed as an issue in ``repository`` ("OWNER/REPO"). Raises ValueError with a
    message for people when it cannot be asked (bad repository, item already linked, a request waiting)."""
    owner, _slash, repo = (repository or "").strip().partition("/")
    try:
        refs.parse(f"{owner}/{repo}#1")
    except ValueError:
        owner = ""
    if not owner or not refs.looks_like_short_form(f"{owner}/{repo}#1"):
        raise ValueError(_("%(repository)s is not a repository: write OWNER/REPO.") % {"repository": repr(repository)})
    if item.github_id:
        raise ValueError(_("This action item is already linked to %(reference)s.") % {"reference": item.github.short})
    if item.github_issue_requests.filter(status__in=[GitHubIssueRequest.Status.PENDING,
                                                     GitHubIssueRequest.Status.SENDING]).exists():
        raise ValueError(_("An issue for this action item is already being filed."))
    incident = item.incident
    # A restricted incident's title stays here: the issue's readers are GitHub's, not the incident's members.
    lines = [f"Follow-up from {incident.reference}: {incident.title}" if incident.visibility == "internal"
             else f"Follow-up from {incident.reference} (restricted)", ""]
    if incident_url:
        lines += [incident_url, ""]
    if item.owner:
        lines.append(f"Owner: {item.owner}")
    if item.due_date:
        lines.append(f"Due: {item.due_date:%Y-%m-%d}")
    request = GitHubIssueRequest.objects.create(
        incident=incident, action_item=item, item_title=item.title, owner=owner, repo=repo, title=item.title[:256],
        body="\n".join(lines).strip(), labels=[label.strip() for label in labels if label.strip()][:10],
        requested_by=user,
    )
    jobs.drain_github()
    return request


def file_pending_issues(now=None):
    """File every waiting request (unless GitHub asked us to pause); returns counts per outcome."""
    now = now or timezone.now()
    done = {}
    interrupted = GitHubIssueRequest.objects.filter(status=GitHubIssueRequest.Status.SENDING,
                                                    sent_at__lt=now - INTERRUPTED_AFTER)
    for request in interrupted:
        _fail(request, "Interrupted while filing: check the repository on GitHub before asking again.")
    for pk in GitHubIssueRequest.objects.pending().order_by("pk").values_list("pk", flat=True):
        if GitHubPause.active_until():
            break
        outcome = file_issue(pk)
        done[f"issue-{outcome}"] = done.get(f"issue-{outcome}", 0) + 1
    return done


def file_issue(request_pk):
    """Send one request to GitHub; its outcome ("filed", "failed", "waiting", or "" when not pending)."""
    if not GitHubIssueRequest.objects.filter(pk=request_pk, status=GitHubIssueRequest.Status.PENDING).update(
            status=GitHubIssueRequest.Status.SENDING, sent_at=timezone.now()):
        return ""
    request = GitHubIssueRequest.objects.get(pk=request_pk)
    try:
        remote = client.create_issue(request.owner, request.repo, request.title, request.body, request.labels)
    except client.RateLimited as exc:  # refused before anything was created: send it again later
        GitHubPause.pause(exc.until, str(exc))
        GitHubIssueRequest.objects.filter(pk=request_pk).update(
            status=GitHubIssueRequest.Status.PENDING, error=f"GitHub rate limit: waiting until {exc.until:%H:%M} UTC")
        return "waiting"
    except client.GitHubError as exc:
        _fail(request, _explain(exc))
        return "failed"
    _link(request, remote)
    return "filed"


def _explain(exc):
    if isinstance(exc, client.GitHubNotFound):
        return f"GitHub does not know this repository, or the token may not see it ({exc})."
    if isinstance(exc, client.GitHubForbidden):
        return f"GitHub refused: check GITHUB_TOKEN and its permissions on the repository ({exc})."
    return f"GitHub did not answer; it may or may not have filed the issue: check before asking again ({exc})."


def _fail(request, message):
    GitHubIssueRequest.objects.filter(pk=request.pk).update(status=GitHubIssueRequest.Status.FAILED, error=message[:300])


def _link(request, remote):
    """Link the action item (found again by title if the incident was saved meanwhile) to the new issue."""
    short = f"{remote.owner}/{remote.repo}#{remote.number}"
    with transaction.atomic():
        incident = Incident.objects.select_for_update().filter(pk=request.incident_id).first()
        item = None
        if incident is not None:
            item = (ActionItem.objects.filter(pk=request.action_item_id, incident=incident).first()
                    or ActionItem.objects.filter(incident=incident, title=request.item_title, url="").first())
        if item is not None and not item.url:
            item.url = short
            item.save()
            apply.apply_state(item.github, title=remote.title, state=remote.state, changed_at=remote.changed_at,
                             kind=remote.kind, etag=remote.etag)
            apply.touch(Incident.objects.filter(pk=incident.pk), bump=True)
        GitHubIssueRequest.objects.filter(pk=request.pk).update(
            status=GitHubIssueRequest.Status.DONE, issue_url=remote.html_url or refs.Ref(
                remote.owner, remote.repo, remote.number, refs.ISSUE).url,
            error="" if item is not None else "Filed, but the action item was gone: link it by hand.",
            action_item=item)
