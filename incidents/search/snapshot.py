"""A copy of this machine's current index generation as one stream, for a node that joins with an empty data
directory (served at GET /search-index/snapshot/ by incidents.web.snapshot, fetched by search.peers).

Taken consistently: ``cursor.json`` is read first, then the index's files are hard-linked into a staging
directory beside the generations while the engine's write lock is held (``writes_held``), so no commit can
land half-way through the copy. The copy's index is thus at or past its cursor, never behind it (as after a
crash between a commit and its cursor: applying a change twice is harmless). Committed index files are never
rewritten, only replaced or removed, so the links keep the copy intact after the lock is released, while it
is streamed.

The stream is an uncompressed tar of plain files ending with ``snapshot.json`` (every other file's name and
size): a copy cut short, even at a file boundary, is told from a whole one.
"""

import json
import os
import re
import shutil
import tarfile
import tempfile
import time
from pathlib import Path

from . import backends, generations

MANIFEST = "snapshot.json"
STAGING_PREFIX = ".snapshot-"
STALE_SECONDS = 3600  # a staging directory left by a process that died while streaming it
CHUNK = 1 << 20
BLOCK = tarfile.BLOCKSIZE
NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}|\.managed\.json")  # tantivy's list of its files


class Unavailable(Exception):
    """This machine has no generation to copy (none yet, or it was replaced while being copied)."""


class Invalid(Exception):
    """What was received is not a whole snapshot."""


def _copied(name):
    """Whether a file of a generation belongs in its copy: not a lock, not a temporary file."""
    lowered = name.lower()
    return (name != generations.CURSOR and NAME.fullmatch(name) is not None
            and not lowered.endswith(("lock", ".tmp")))


def _sweep():
    """Remove staging directories left behind by a process that died (or was stopped) while streaming."""
    for old in generations.root().glob(f"{STAGING_PREFIX}*"):
        try:
            if time.time() - old.stat().st_mtime > STALE_SECONDS:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass


def _link(source, target):
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copy2(source, target)


def stage():
    """A consistent copy of the current generation in a new staging directory: (that directory, the engine
    that built it, the length of its stream). The caller streams it (``stream``, which removes it).
    Unavailable when there is none."""
    directory = generations.current()
    if directory is None:
        raise Unavailable("there is no index on this node yet")
    if generations.damaged():
        raise Unavailable("this node's index was reported damaged and is being rebuilt")
    _sweep()
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=generations.root()))
    try:
        place = generations.read_state(directory)  # first: the index copied below is at or past it
        engine_name = generations.read_engine(directory)
        if place is None:
            raise Unavailable(f"{directory.name} has no cursor")
        with backends.engine(engine_name).writes_held(directory):
            for path in directory.iterdir():
                if _copied(path.name) and path.is_file():
                    _link(path, staging / path.name)
        generations.write_cursor(staging, *place)
        length = contents(staging)[2]
    except FileNotFoundError as exc:  # replaced by a rebuild meanwhile
        shutil.rmtree(staging, ignore_errors=True)
        raise Unavailable(f"{directory.name} went away while it was copied") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging, engine_name, length


def _header(name, size):
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o644, int(time.time())
    return info.tobuf(format=tarfile.USTAR_FORMAT)


def _padding(size):
    return b"\0" * (-size % BLOCK)


def contents(staging):
    """(the files' names and sizes, the manifest's bytes, the length of the whole stream)."""
    files = sorted((path.name, path.stat().st_size) for path in staging.iterdir())
    manifest = json.dumps({"files": dict(files)}).encode()
    length = sum(BLOCK + size + len(_padding(size)) for _name, size in [*files, (MANIFEST, len(manifest))])
    return files, manifest, length + 2 * BLOCK


def stream(staging):
    """The tar of ``staging`` in chunks of at most CHUNK bytes; removes ``staging`` once done or abandoned."""
    try:
        files, manifest, _length = contents(staging)
        for name, size in files:
            yield _header(name, size)
            with (staging / name).open("rb") as source:
                left = size
                while left:
                    chunk = source.read(min(CHUNK, left))
                    if not chunk:
                        raise Invalid(f"{name} shrank while it was sent")
                    left -= len(chunk)
                    yield chunk
            yield _padding(size)
        yield _header(MANIFEST, len(manifest)) + manifest + _padding(len(manifest)) + b"\0" * (2 * BLOCK)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _read(source, size):
    """Exactly ``size`` bytes of ``source``; Invalid when it ends first."""
    parts, left = [], size
    while left:
        part = source.read(min(CHUNK, left))
        if not part:
            raise Invalid("it was cut short")
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def unpack(source, into):
    """Write the files of a snapshot read from ``source`` (a binary file object) into the directory ``into``;
    returns the bytes written. Invalid when it is not a whole snapshot (cut short, a file missing or of another
    size, a member that is not a plain file of a generation). Read here rather than by tarfile's stream mode,
    which costs several times the transfer itself."""
    written = {}
    while True:
        header = source.read(BLOCK)
        if len(header) < BLOCK or header == b"\0" * BLOCK:
            raise Invalid(f"it ended before {MANIFEST}")
        try:
            member = tarfile.TarInfo.frombuf(header, "utf-8", "surrogateescape")
        except tarfile.HeaderError as exc:
            raise Invalid(f"not a tar header ({exc})") from exc
        if not member.isfile() or not (member.name in (MANIFEST, generations.CURSOR) or _copied(member.name)):
            raise Invalid(f"unexpected member {member.name!r}")
        if member.name == MANIFEST:
            manifest = json.loads(_read(source, member.size))
            break
        with (into / member.name).open("xb") as target:
            left = member.size
            while left:
                left -= target.write(_read(source, min(CHUNK, left)))
            written[member.name] = member.size
        _read(source, -member.size % BLOCK)
    if not isinstance(manifest, dict) or manifest.get("files") != written:
        raise Invalid(f"the files received differ from {MANIFEST}")
    return sum(written.values())
