"""Where imported write-ups come from: files and directories on disk (the command) or an uploaded ``.md`` or
``.zip`` (the API and the upload page; the command reads a ``.zip`` too). Only ``.md`` and ``.markdown`` files are
read as write-ups; a zip is checked before it is unpacked (its size, its number of files), so an upload cannot
fill the memory. The files a write-up names under ``attachments/`` (a bundle: incidents.imports.bundles), in
the zip or beside the file on disk, come with it (``Source.files``)."""

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.utils.translation import gettext as _

from . import bundles

SUFFIXES = (".md", ".markdown")
UPLOAD_SUFFIXES = (*SUFFIXES, ".zip")  # what an upload may be
MAX_FILE_BYTES = 2 * 1024 * 1024  # one write-up
MAX_FILES = 2000
MAX_TOTAL_BYTES = 50 * 1024 * 1024  # everything one upload or zip unpacks to


@dataclass
class Source:
    """One file to import: a name to report it by and its bytes."""

    name: str
    data: bytes
    files: list = field(default_factory=list)  # [bundles.BundleFile] the write-up names and that are there


class SourceError(ValueError):
    """A path or upload that cannot be read at all; the message names it."""


def is_markdown(name):
    return str(name).lower().endswith(SUFFIXES)


def from_paths(paths):
    """(sources, problems): every Markdown file under ``paths`` (files, or directories searched recursively,
    in name order), and ``"path: problem"`` lines for paths that cannot be read."""
    sources, problems = [], []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and is_markdown(p.name))
            if not files:
                problems.append(f"{path}: no .md or .markdown file in this directory")
        elif path.is_file() and path.suffix.lower() == ".zip":
            try:
                sources.extend(from_zip(str(path), path.read_bytes()))
            except (SourceError, OSError) as exc:
                problems.append(str(exc) if isinstance(exc, SourceError) else f"{path}: cannot be read: {exc}")
            continue
        elif path.is_file():
            files = [path]
        else:
            problems.append(f"{path}: no such file or directory")
            continue
        for file in files:
            try:
                if file.stat().st_size > MAX_FILE_BYTES:
                    problems.append(f"{file}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; not a write-up")
                    continue
                data = file.read_bytes()
                sources.append(Source(str(file), data, _files_beside(file, data)))
            except OSError as exc:
                problems.append(f"{file}: cannot be read: {exc.strerror or exc}")
    return sources, problems


def from_upload(name, data):
    """The sources in one uploaded file: itself if it is Markdown, its Markdown files if it is a zip."""
    if is_markdown(name):
        if len(data) > MAX_FILE_BYTES:
            raise SourceError(f"{name}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; not a write-up")
        return [Source(name, data)]
    if str(name).lower().endswith(".zip"):
        return from_zip(name, data)
    raise SourceError(_("%(name)s: only .md, .markdown and .zip files can be imported.") % {"name": name})


def from_zip(name, data):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [info for info in archive.infolist()
                   if not info.is_dir() and is_markdown(info.filename) and not _hidden(info.filename)]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SourceError(f"{name}: not a readable zip file ({exc})") from None
    if not members:
        raise SourceError(f"{name}: no .md or .markdown file in this zip")
    if len(members) > MAX_FILES:
        raise SourceError(f"{name}: {len(members)} files; at most {MAX_FILES} at once")
    if sum(info.file_size for info in members) > MAX_TOTAL_BYTES:
        raise SourceError(f"{name}: unpacks to more than {MAX_TOTAL_BYTES // (1024 * 1024)} MB")
    sources = []
    for info in sorted(members, key=lambda info: info.filename):
        if info.file_size > MAX_FILE_BYTES:
            raise SourceError(f"{name}/{info.filename}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        try:
            with archive.open(info) as member:
                content = member.read(MAX_FILE_BYTES + 1)  # never more than declared, whatever the header says
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
            raise SourceError(f"{name}/{info.filename}: cannot be unpacked ({exc})") from None
        if len(content) > MAX_FILE_BYTES:
            raise SourceError(f"{name}/{info.filename}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        sources.append(Source(f"{name}/{info.filename}", content, _files_in(archive, name, info.filename, content)))
    return sources


def _attachment_limit():
    return settings.POSTMORTEM_MAX_ATTACHMENT_BYTES + 1  # one byte more: add_attachment refuses it, naming it


def _named(data):
    try:
        return bundles.named(data.decode("utf-8-sig"))
    except UnicodeDecodeError:  # reported when the file is parsed
        return []


def _files_in(archive, name, markdown_name, data):
    """The files the write-up ``markdown_name`` names that are in the zip, read (at most MAX_TOTAL_BYTES in all)."""
    found, total = [], 0
    for file in _named(data):
        path = bundles.member(markdown_name, file.path)
        try:
            info = archive.getinfo(path) if path else None
        except KeyError:
            info = None
        if info is None or info.is_dir():
            continue
        total += min(info.file_size, _attachment_limit())
        if total > MAX_TOTAL_BYTES:
            raise SourceError(f"{name}: unpacks to more than {MAX_TOTAL_BYTES // (1024 * 1024)} MB")
        try:
            with archive.open(info) as handle:
                file.data = handle.read(_attachment_limit())
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
            raise SourceError(f"{name}/{path}: cannot be unpacked ({exc})") from None
        found.append(file)
    return found


def _files_beside(markdown, data):
    """The files the write-up on disk names, under its own folder."""
    found = []
    for file in _named(data):
        path = bundles.member(markdown.name, file.path)
        target = markdown.parent / path if path else None
        if target is None or not target.is_file():
            continue
        with target.open("rb") as handle:
            file.data = handle.read(_attachment_limit())
        found.append(file)
    return found


def _hidden(member):
    """macOS resource forks and dot files that archivers add (``__MACOSX/…``, ``._x.md``)."""
    return any(part.startswith(".") or part == "__MACOSX" for part in PurePosixPath(member).parts)
