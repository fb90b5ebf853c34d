"""A copy of the current generation (search.snapshot): taken under the engine's write lock, so copies taken
while another thread commits are whole indexes; read back only when whole (a copy cut short, even at a file
boundary, is refused)."""

import io
import tarfile
import threading
import time

import pytest

from incidents.search import backends, follower, generations, snapshot
from incidents.search.documents import document_for, incidents_for_index
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def taken():
    """The bytes of a snapshot of the current generation, and their announced length."""
    staging, _engine, length = snapshot.stage()
    return b"".join(snapshot.stream(staging)), length


def test_a_whole_copy_is_read_back_and_one_cut_short_anywhere_is_refused(engine, tmp_path):
    IncidentFactory(title="snapshot")
    follower.catch_up()
    data, length = taken()
    assert len(data) == length
    assert not list(generations.root().glob(f"{snapshot.STAGING_PREFIX}*"))  # the staging directory is gone

    whole = tmp_path / "whole"
    whole.mkdir()
    assert snapshot.unpack(io.BytesIO(data), whole) > 0
    assert generations.read_state(whole) == generations.read_state(generations.current())
    assert generations.read_engine(whole) == engine
    backends.current().check_readable(whole)

    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = tar.getmembers()
    assert members[-1].name == snapshot.MANIFEST
    cuts = {"mid-file": members[0].offset_data + 1,
            "at a file boundary, before the manifest": members[-1].offset,
            "in the manifest": members[-1].offset_data + 10}
    for where, cut in cuts.items():
        target = tmp_path / where.replace(" ", "-").replace(",", "")
        target.mkdir()
        with pytest.raises(snapshot.Invalid):
            snapshot.unpack(io.BytesIO(data[:cut]), target)
            pytest.fail(f"a copy cut {where} was accepted")


def test_a_copy_is_not_taken_while_a_writer_holds_the_index(engine):
    directory = generations.current()
    held, release = threading.Event(), threading.Event()

    def writer():
        with backends.current().writes_held(directory):
            held.set()
            release.wait(5)

    thread = threading.Thread(target=writer)
    thread.start()
    held.wait(5)
    threading.Timer(0.5, release.set).start()
    began = time.monotonic()
    staging, _engine, _length = snapshot.stage()
    waited = time.monotonic() - began
    thread.join(5)
    list(snapshot.stream(staging))  # removes it
    assert waited >= 0.4


def test_copies_taken_while_another_thread_commits_are_whole_indexes(engine, tmp_path):
    for n in range(10):
        IncidentFactory(title=f"busy {n}")
    follower.catch_up()
    documents = [document_for(incident) for incident in incidents_for_index()]
    directory, stop = generations.current(), threading.Event()

    def keep_writing():
        while not stop.is_set():
            for document in documents:
                backends.current().write(documents=[document], directory=directory)
                time.sleep(0.005)  # as the follower: a commit now and then, not a busy loop

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        for n in range(3):
            data, _length = taken()
            copy = tmp_path / f"copy-{n}"
            copy.mkdir()
            snapshot.unpack(io.BytesIO(data), copy)
            backends.current().check_readable(copy)
            assert len(backends.current().stamps(copy)) == len(documents)
            backends.forget()
    finally:
        stop.set()
        thread.join(30)


@pytest.mark.parametrize("name", ["../outside", "sub/dir", "/etc/passwd", "MAIN_WRITELOCK", ".cursor.json.1.2.tmp"])
def test_a_member_that_is_not_a_file_of_a_generation_is_refused(tmp_path, name):
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        member = tarfile.TarInfo(name)
        member.size = 2
        tar.addfile(member, io.BytesIO(b"hi"))
    data.seek(0)
    into = tmp_path / "into"
    into.mkdir()
    with pytest.raises(snapshot.Invalid, match="unexpected member"):
        snapshot.unpack(data, into)
    assert list(into.iterdir()) == [] and not (tmp_path / "outside").exists()
