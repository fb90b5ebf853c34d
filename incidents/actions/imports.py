"""Importing write-ups: each file is read (incidents.imports.formats), validated by the API's own serializer
and saved in its own transaction, so one broken file is reported and the others still import.

Identity: a file names the incident it is by the uuid in its front matter, else by its source URL, else by
its content; that becomes the incident's ``uid`` (uuid5 for a URL or a content hash). Importing the same
source again updates that incident: the fields the file states replace the stored ones, the rest is kept.
An import that would change nothing writes nothing (the save is rolled back and the file is "unchanged");
a dry run rolls every file back and reports what would happen.

The caller (the command, the API, the upload page) passes sources (incidents.imports.files) and gets an
``ImportReport`` it can print or serialize."""

import hashlib
import uuid
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, IntegrityError, transaction
from django.utils.translation import gettext as _

from incidents.api.serializers import IncidentSerializer, error_lines
from incidents.models import Incident, Source as RevisionSource, Status

from .formats import ImportProblem, no_severity, parse_document

IMPORTED, UPDATED, UNCHANGED, FAILED = "imported", "updated", "unchanged", "failed"
OUTCOMES = (IMPORTED, UPDATED, UNCHANGED, FAILED)
CONTENT_NAMESPACE = uuid.UUID("6f1c3c7e-3d0a-5a8e-9a53-6a2f2d0c1e01")  # uid of a file known only by its content
VOLATILE = ("id", "url", "version", "created_at", "updated_at", "reviews", "time_to_detect", "time_to_resolve")


@dataclass
class FileReport:
    name: str
    outcome: str
    reference: str = ""
    format: str = ""
    problems: list = field(default_factory=list)  # why it failed, "name: line N: problem" each
    warnings: list = field(default_factory=list)  # what was guessed or kept elsewhere, "name: line N: note" each

    def as_dict(self):
        return {"name": self.name, "outcome": self.outcome, "reference": self.reference or None,
                "format": self.format or None, "problems": self.problems, "warnings": self.warnings}


@dataclass
class ImportReport:
    files: list = field(default_factory=list)
    dry_run: bool = False

    @property
    def counts(self):
        return {outcome: sum(1 for file in self.files if file.outcome == outcome) for outcome in OUTCOMES}

    @property
    def failed(self):
        return self.counts[FAILED] > 0

    def summary(self):
        counts = self.counts
        text = _("%(imported)d imported, %(updated)d updated, %(unchanged)d unchanged, %(failed)d failed") % counts
        if self.dry_run:
            return _("Dry run: %(counts)s; nothing was written.") % {"counts": text}
        return text + "."

    def as_dict(self):
        return {"dry_run": self.dry_run, "summary": self.summary(), "counts": self.counts,
                "files": [file.as_dict() for file in self.files]}


class _RollBack(Exception):
    """Leaves a file's transaction without writing (unchanged, or a dry run)."""


def import_sources(sources, *, user=None, status=None, dry_run=False, time_zone=None, review_gate=False):
    """Import every source; never raises for a bad file. ``status`` overrides the files' statuses;
    ``review_gate`` applies the review gate for ``user`` (the API and the upload page; the command, an
    administrator's tool, does not). ``time_zone`` (a name) reads times that state no zone."""
    zone = ZoneInfo(time_zone or settings.TIME_ZONE)
    report = ImportReport(dry_run=dry_run)
    for source in sources:
        report.files.append(_import_one(source, user=user, status=status, dry_run=dry_run, zone=zone,
                                        review_gate=review_gate))
    return report


def _import_one(source, *, user, status, dry_run, zone, review_gate):
    name = source.name
    try:
        text = source.data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return FileReport(name, FAILED, problems=[f"{name}: byte {exc.start}: not UTF-8 text"])
    if "\x00" in text:
        return FileReport(name, FAILED, problems=[f"{name}: not a text file (it holds NUL characters)"])
    try:
        parsed = parse_document(text, name=name, default_zone=zone)
    except ImportProblem as problem:
        return FileReport(name, FAILED, problems=[f"{name}: {problem}"])
    report = FileReport(name, FAILED, format=parsed.format,
                        warnings=[_located(name, line, message) for line, message in parsed.warnings])
    uid = identity(parsed, text)
    try:
        with transaction.atomic():
            existing = Incident.objects.select_for_update().filter(uid=uid).first()
            if existing is not None:  # an update keeps the stored severity when the file states none
                report.warnings = [w for w in report.warnings if not w.endswith(no_severity())]
            data = _document(parsed.document, existing, status=status, user=user, review_gate=review_gate,
                             notes=report.warnings, name=name)
            serializer = _validated(data, existing, uid=uid, user=user, review_gate=review_gate, name=name,
                                    notes=report.warnings)
            before = comparable(existing) if existing else None
            incident = serializer.save()
            report.reference = incident.reference
            report.outcome = IMPORTED if existing is None else UPDATED
            if before is not None and comparable(Incident.objects.for_document().get(pk=incident.pk)) == before:
                report.outcome = UNCHANGED
                raise _RollBack
            if dry_run:
                if existing is None:
                    report.reference = ""  # the id a rolled-back insert took is not the one a real import gets
                raise _RollBack
    except _RollBack:
        pass
    except _Invalid as invalid:
        report.problems = [f"{name}: {line}" for line in invalid.lines]
    except IntegrityError:  # another writer imported the same source at this moment
        report.problems = [f"{name}: {_('imported by another writer at the same time; run the import again')}"]
    except DatabaseError as exc:
        report.problems = [f"{name}: {_('could not be stored')}: {exc}".strip()]
    if report.problems:
        report.outcome, report.reference = FAILED, report.reference if report.outcome == UPDATED else ""
    return report


class _Invalid(Exception):
    """The document is refused; ``lines`` say why (``field: problem``)."""

    def __init__(self, lines):
        super().__init__("; ".join(lines))
        self.lines = lines


def identity(parsed, text):
    """The uid a file's incident has: its front-matter uuid, else one from its source URL, else from its text."""
    if parsed.key:
        try:
            return uuid.UUID(str(parsed.key))
        except ValueError:
            return uuid.uuid5(uuid.NAMESPACE_URL, f"urn:postmortem:key:{parsed.key}")
    if parsed.source_url:
        return uuid.uuid5(uuid.NAMESPACE_URL, parsed.source_url)
    normalized = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").strip().splitlines())
    return uuid.uuid5(CONTENT_NAMESPACE, hashlib.sha256(normalized.encode()).hexdigest())


def _located(name, line, message):
    return f"{name}: " + (_("line %(line)d: %(message)s") % {"line": line, "message": message} if line else message)


def _document(document, existing, *, status, user, review_gate, notes, name):
    """The parsed document as API input: authors split into accounts and names, the status decided."""
    data = dict(document)
    if "authors" in data:
        accounts, names = _accounts(data.pop("authors"))
        data["authors"], data["author_names"] = accounts, names
    if status:
        data["status"] = status
    wanted = data.get("status")
    if wanted and review_gate:
        probe = existing or Incident()
        reason = probe.check_transition(user, wanted)
        if reason:
            data.pop("status")
            kept = existing.get_status_display() if existing else Status(Status.DRAFT).label
            notes.append(f"{name}: " + _("status “%(status)s” not applied (%(reason)s); it stays %(kept)s")
                         % {"status": wanted, "reason": reason, "kept": kept})
    return data


def _accounts(names):
    """(user names of accounts, names without one) for the authors as written: an author is an account when
    the name is its user name or email address (case-insensitively)."""
    users = get_user_model().objects
    accounts, others = [], []
    for raw in names:
        author = " ".join(str(raw).split())[:100]
        if not author:
            continue
        match = users.filter(username__iexact=author).first() or (
            users.filter(email__iexact=author).first() if "@" in author else None)
        if match and match.get_username() not in accounts:
            accounts.append(match.get_username())
        elif not match and author not in others:
            others.append(author)
    return accounts, others


def _validated(data, existing, *, uid, user, review_gate, name, notes):
    """The serializer for ``data``, valid; links and action item URLs it refuses are kept as text (the
    analysis, the item's tracker) and validated again. Raises _Invalid when it is still refused."""
    context = {"sync_github": True, "source": RevisionSource.IMPORT, "skip_review_gate": not review_gate,
               "user": user, "uid": uid, "caller_is_author": False}
    serializer = IncidentSerializer(existing, data=data, partial=existing is not None, context=context)
    if serializer.is_valid():
        return serializer
    if _keep_refused_links_as_text(data, serializer.errors, name, notes):
        serializer = IncidentSerializer(existing, data=data, partial=existing is not None, context=context)
        if serializer.is_valid():
            return serializer
    raise _Invalid(error_lines(serializer.errors))


def _keep_refused_links_as_text(data, errors, name, notes):
    """Move links whose URL was refused into the analysis, and refused action item URLs into the tracker
    text; True when anything moved. Nothing the file says is dropped."""
    moved = False
    link_errors = errors.get("links") if isinstance(errors, dict) else None
    if isinstance(link_errors, list) and len(link_errors) == len(data.get("links", [])):
        kept, lines = [], []
        for link, error in zip(data["links"], link_errors):
            if error and "url" in error:
                lines.append(f"- {link.get('title') or ''} {link.get('url', '')}".replace("-  ", "- ", 1))
                notes.append(f"{name}: " + _("link %(url)s is not an http(s) URL; kept in the analysis")
                             % {"url": link.get("url", "")})
            else:
                kept.append(link)
        if lines:
            heading = "### " + _("Supporting information")
            data["analysis"] = "\n\n".join(part for part in (data.get("analysis", "").rstrip(), heading, "\n".join(lines)) if part)
            data["links"], moved = kept, True
    item_errors = errors.get("action_items") if isinstance(errors, dict) else None
    if isinstance(item_errors, list) and len(item_errors) == len(data.get("action_items", [])):
        for item, error in zip(data["action_items"], item_errors):
            if error and "url" in error and item.get("url"):
                item["tracker"] = " ".join(part for part in (item.get("tracker", ""), item.pop("url")) if part)[:100]
                item["url"], moved = "", True
    return moved


def comparable(incident):
    """What an import can change, as plain data: the incident document without its ids, versions and
    times of writing, factors named by position, and GitHub state (re-read from GitHub, never imported)."""
    document = dict(IncidentSerializer(incident).data)
    for key in VOLATILE:
        document.pop(key, None)
    refs = {factor["ref"]: str(position) for position, factor in enumerate(document.get("factors", []))}
    document["factors"] = [{**factor, "ref": refs[factor["ref"]], "leads_to": sorted(refs[r] for r in factor["leads_to"])}
                           for factor in document.get("factors", [])]
    for key in ("action_items", "links"):
        document[key] = [{k: v for k, v in item.items() if k != "github"} for item in document.get(key, [])]
    return document

