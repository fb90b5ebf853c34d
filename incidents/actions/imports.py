"""Importing write-ups: each file is read (incidents.imports.formats, the parsing half), then saved through
save_incident, which checks it by the same rules as every other writer (incidents.actions.document), each
file in its own transaction, so one broken file is reported and the others still import.

Identity: a file names the incident it is by the uuid in its front matter, else by its source URL, else by
its content; that becomes the incident's ``uid`` (uuid5 for a URL or a content hash). Importing the same
source again updates that incident: the fields the file states replace the stored ones, the rest is kept;
a row the file states as it is stored (an action item: same link and status) keeps its id and what its
GitHub link did (``match_rows``).
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
from django.utils.translation import gettext as _, pgettext

from incidents.imports import bundles as bundle_text
from incidents.imports.formats import ImportProblem, no_severity, parse_document
from incidents.imports.outline import outline
from incidents.models import ActionItem, Attachment, Incident, Source as RevisionSource, Status
from incidents.models.history import CHILDREN, SCALARS

from . import bundles
from . import document as rules
from . import import_fields
from . import workflow
from .incidents import save_incident

IMPORTED, UPDATED, UNCHANGED, FAILED = "imported", "updated", "unchanged", "failed"
OUTCOMES = (IMPORTED, UPDATED, UNCHANGED, FAILED)
CONTENT_NAMESPACE = uuid.UUID("6f1c3c7e-3d0a-5a8e-9a53-6a2f2d0c1e01")  # uid of a file known only by its content


@dataclass
class FileReport:
    name: str
    outcome: str
    reference: str = ""
    format: str = ""
    problems: list = field(default_factory=list)  # why it failed, "name: line N: problem" each
    warnings: list = field(default_factory=list)  # what was guessed or kept elsewhere, "name: line N: note" each
    outline: dict | None = None  # where each part of the file lands (incidents.imports.outline), for the preview

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
        return pgettext("import result", "%(counts)s.") % {"counts": text}  # 。 in Japanese

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
    report = FileReport(name, FAILED, format=parsed.format, outline=outline(parsed),
                        warnings=[_located(name, line, message) for line, message in parsed.warnings])
    files = getattr(source, "files", [])
    refused = bundles.problems(files)
    if refused:  # nothing of this write-up is stored
        report.problems = [f"{name}: {line}" for line in refused]
        return report
    uid = identity(parsed, text)
    stored = []  # the files of attachments added, deleted again unless the write-up commits
    committed = False
    try:
        with transaction.atomic():
            existing = Incident.objects.select_for_update().filter(uid=uid).first()
            if existing is not None:  # an update keeps the stored severity when the file states none
                report.warnings = [w for w in report.warnings if not w.endswith(no_severity())]
            data = _document(parsed.document, existing, status=status, user=user, review_gate=review_gate,
                             notes=report.warnings, name=name)
            seed = import_fields.typed(data, existing, notes=report.warnings, name=name)
            data = _cleaned(data, name=name, notes=report.warnings)
            before = None
            if existing is not None:
                before = comparable(existing)
                data = bundle_text.rewrite(data, _attached(existing, files, user, stored))
                match_rows(existing, data)
            incident = _save(existing or Incident(uid=uid, fields=seed), data, user, review_gate)
            if existing is None and files:  # its files need its id; their references are then rewritten
                data = bundle_text.rewrite(data, _attached(incident, files, user, stored))
                match_rows(incident, data)
                incident = _save(incident, data, user, review_gate)
            report.reference = incident.reference
            report.outcome = IMPORTED if existing is None else UPDATED
            if before is not None and not stored and comparable(Incident.objects.get(pk=incident.pk)) == before:
                report.outcome = UNCHANGED
                raise _RollBack
            if dry_run:
                if existing is None:
                    report.reference = ""  # the id a rolled-back insert took is not the one a real import gets
                raise _RollBack
        committed = True
    except _RollBack:
        pass
    except _Invalid as invalid:
        report.problems = [f"{name}: {line}" for line in invalid.lines]
    except IntegrityError:  # another writer imported the same source at this moment
        why = _("imported by another writer at the same time; run the import again")  # not in an f-string: xgettext
        report.problems = [f"{name}: {why}"]
    except DatabaseError as exc:
        why = _("could not be stored")
        report.problems = [f"{name}: {why}: {exc}".strip()]
    if not committed:
        Attachment.forget_stored(stored)
    if report.problems:
        report.outcome, report.reference = FAILED, report.reference if report.outcome == UPDATED else ""
    return report


def _save(incident, data, user, review_gate):
    try:
        return save_incident(incident, data, user=user, source=RevisionSource.IMPORT, review_gate=review_gate)
    except rules.DocumentInvalid as invalid:
        raise _Invalid(rules.lines(invalid.errors)) from None
    except workflow.Refused as refused:  # the gate changed its mind since _document asked it
        raise _Invalid([f"status: {refused}"]) from None


def _attached(incident, files, user, stored):
    """{path: attachment id} for the bundle's files (incidents.actions.bundles); a refused one fails the file."""
    try:
        return bundles.attach(incident, files, user=user, stored=stored)
    except bundles.BundleRefused as refused:
        raise _Invalid(refused.lines) from None


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
    """The parsed document as save_incident's input: authors split into accounts and names, the status decided."""
    data = dict(document)
    if "authors" in data:
        accounts, names = _accounts(data.pop("authors"))
        data["authors"], data["author_names"] = accounts, names
    if status:
        data["status"] = status
    wanted = data.get("status")
    if wanted:  # the workflow's steps hold for every import, the review gate only when asked
        probe = existing or Incident()
        reason = probe.check_transition(user, wanted, gate=review_gate)
        if reason:
            data.pop("status")
            kept = existing.get_status_display() if existing else Status(Status.DRAFT).label
            notes.append(f"{name}: " + _("status “%(status)s” not applied (%(reason)s); it stays %(kept)s")
                         % {"status": wanted, "reason": reason, "kept": kept})
    return data


def _accounts(names):
    """(accounts, names without one) for the authors as written: an author is an account when the name is its
    user name or email address (case-insensitively)."""
    users = get_user_model().objects
    accounts, others = [], []
    for raw in names:
        author = " ".join(str(raw).split())[:100]
        if not author:
            continue
        match = users.filter(username__iexact=author).first() or (
            users.filter(email__iexact=author).first() if "@" in author else None)
        if match and match not in accounts:
            accounts.append(match)
        elif not match and author not in others:
            others.append(author)
    return accounts, others


def _cleaned(data, *, name, notes):
    """``data`` with its fields cleaned (incidents.actions.document); links and action item URLs refused are kept
    as text (the analysis, the item's tracker) and cleaned again. Raises _Invalid when a field is still wrong."""
    cleaned, errors = rules.clean_fields(data)
    if errors and _keep_refused_links_as_text(data, errors, name, notes):
        cleaned, errors = rules.clean_fields(data)
    if errors:
        raise _Invalid(rules.lines(errors))
    return cleaned


def _keep_refused_links_as_text(data, errors, name, notes):
    """Move links whose URL was refused into the analysis, and refused action item URLs into the tracker
    text; True when anything moved. Nothing the file says is dropped."""
    moved = False
    if isinstance(data.get("links"), list):
        kept, lines = [], []
        for index, link in enumerate(data["links"]):
            if f"links[{index}].url" in errors:
                lines.append(f"- {link.get('title') or ''} {link.get('url', '')}".replace("-  ", "- ", 1))
                notes.append(f"{name}: " + _("link %(url)s is not an http(s) URL; kept in the analysis")
                             % {"url": link.get("url", "")})
            else:
                kept.append(link)
        if lines:
            heading = "### " + _("Supporting information")
            data["analysis"] = "\n\n".join(part for part in (data.get("analysis", "").rstrip(), heading, "\n".join(lines)) if part)
            data["links"], moved = kept, True
    if isinstance(data.get("action_items"), list):
        for index, item in enumerate(data["action_items"]):
            if f"action_items[{index}].url" in errors and item.get("url"):
                item["tracker"] = " ".join(part for part in (item.get("tracker", ""), item.pop("url")) if part)[:100]
                item["url"], moved = "", True
    return moved


def match_rows(incident, data):
    """Give the rows ``data`` states as ``incident`` stores them their ids, so a re-import keeps them (and what
    GitHub did to an action item): a row with the same fields, else an action item with the same link (in any
    spelling) and status, or a link with the same URL. Other rows are new; stored rows left unmatched go."""
    for key, (_model, names) in CHILDREN.items():
        if not isinstance(data.get(key), list):
            continue
        stored = list(getattr(incident, key).all())
        for entry in data[key]:
            entry.pop("id", None)
        for same in (_same_fields(names), _same_item if key == "action_items" else None,
                     _same_url if key == "links" else None):
            if same is None:
                continue
            for entry in data[key]:
                row = next((row for row in stored if "id" not in entry and same(row, entry)), None)
                if row is not None:
                    entry["id"] = row.pk
                    stored.remove(row)


def _same_fields(names):
    return lambda row, entry: all(getattr(row, name) == entry.get(name, _default(row, name)) for name in names)


def _default(row, name):
    return type(row)._meta.get_field(name).get_default()


def _same_item(item, entry):
    return bool(item.url) and (rules.same_link(item.url), item.status) == (
        rules.same_link(entry.get("url", "")), entry.get("status", ActionItem.Status.OPEN))


def _same_url(link, entry):
    return rules.same_link(link.url) == rules.same_link(entry.get("url", ""))


def comparable(incident):
    """What an import can change, as plain data: the incident's fields, labels, authors and rows without their
    ids (factors' causes by position), and what GitHub did to action items (GitHub's own state is re-read from
    GitHub, never imported)."""
    incident = Incident.objects.for_document().get(pk=incident.pk)
    document = {name: getattr(incident, name) for name in SCALARS}
    document.update(type=incident.type_id, fields=incident.fields, extra=incident.extra)
    document.update(tags=[tag.name for tag in incident.tags.all()],
                    services=[service.name for service in incident.services.all()],
                    authors=sorted(user.pk for user in incident.authors.all()),
                    reviewers=sorted(user.pk for user in incident.reviewers.all()))
    for key, (_model, names) in CHILDREN.items():
        extra = ActionItem.LINK_KEPT if key == "action_items" else ()
        document[key] = [{name: getattr(row, name) for name in (*names, *extra)} for row in getattr(incident, key).all()]
    position = {factor.pk: index for index, factor in enumerate(incident.factors.all())}
    for factor, row in zip(document["factors"], incident.factors.all()):
        factor["leads_to"] = sorted(position[effect.pk] for effect in row.leads_to.all())
    return document
