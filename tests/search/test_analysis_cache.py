"""The tantivy analysis cache (``backends.tantivy_cache``): the follower keeps each document's analysis by
digest, a rebuild reuses it (analysing only what changed) and finds the same incidents, and leaves a cache of
exactly the documents it loaded; a damaged cache file is only a slower rebuild."""

import sqlite3

import pytest

from incidents import search
from incidents.search import backends, follower
from incidents.search.backends import tantivy_cache, tantivy_documents
from incidents.search.documents import document_for, incidents_for_index
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tantivy(settings):
    settings.SEARCH_BACKEND = "tantivy"
    backends.forget()
    follower.create_empty()


def cached():
    with sqlite3.connect(tantivy_cache.path()) as connection:
        return {digest for (digest,) in connection.execute("SELECT digest FROM analysed")}


def digests():
    return {document_for(incident)["digest"] for incident in incidents_for_index()}


def refs(results):
    return sorted(hit.reference for hit in results.hits)


def counting(monkeypatch):
    calls = []
    analyse = tantivy_documents.analyse

    def counted(document):
        calls.append(document["id"])
        return analyse(document)

    monkeypatch.setattr(tantivy_documents, "analyse", counted)
    return calls


@pytest.mark.parametrize("procs", [1, 2])
def test_a_rebuild_analyses_only_what_the_cache_lacks(tantivy, editor, monkeypatch, procs):
    first = IncidentFactory(title="コンテナが応答しない aardvark-dns")
    second = IncidentFactory(title="証明書の期限切れ nginx")
    follower.catch_up()  # the follower's writes fill the cache
    assert cached() == digests()
    third = IncidentFactory(title="コンテナの証明書")  # not indexed yet: not in the cache
    calls = counting(monkeypatch)
    search.rebuild(procs=procs)
    if procs == 1:  # forked workers count in their own memory
        assert calls == [str(third.pk)]
    assert cached() == digests()
    assert refs(search.search("コンテナ", editor)) == sorted([first.reference, third.reference])
    assert refs(search.search("証明書", editor)) == sorted([second.reference, third.reference])
    assert refs(search.search("aardvark-dns", editor)) == [first.reference]

    first.title = "別の題"
    first.save()
    gone = second.pk
    second.delete()
    # as the follower applies the changes: one entry per incident, replaced by its new analysis, removed with it
    backends.current().write(documents=[document_for(incidents_for_index().get(pk=first.pk))], remove_ids=[gone])
    assert cached() == digests()
    calls.clear()
    search.rebuild(procs=procs)
    if procs == 1:
        assert calls == []
    assert cached() == digests()
    assert refs(search.search("aardvark-dns", editor)) == []
    assert refs(search.search("証明書", editor)) == [third.reference]


def test_a_damaged_or_disabled_cache_is_only_a_slower_rebuild(tantivy, editor, monkeypatch, settings):
    incident = IncidentFactory(title="ロードバランサの設定")
    search.rebuild(procs=1)
    tantivy_cache.path().write_bytes(b"not a database" * 100)
    calls = counting(monkeypatch)
    search.rebuild(procs=1)
    assert calls == [str(incident.pk)]
    assert refs(search.search("設定", editor)) == [incident.reference]
    assert cached() == digests()

    settings.SEARCH_ANALYSIS_CACHE = False
    tantivy_cache.path().unlink()
    search.rebuild(procs=1)
    follower.catch_up()
    assert not tantivy_cache.path().exists()
    assert refs(search.search("ロードバランサ", editor)) == [incident.reference]
