"""Similar incidents are kept for SEARCH_SIMILAR_CACHE_SECONDS per incident version, language and who may
see what: a detail page does not run the similar query on every view."""

import pytest
from django.utils import translation

from incidents import search
from incidents.search import backends


@pytest.fixture
def counted(monkeypatch):
    calls = []
    real = backends.similar

    def similar(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(backends, "similar", similar)
    return calls


def test_kept_per_version_language_and_audience(settings, django_capture_on_commit_callbacks, counted, make_incident,
                                                editor, viewer):
    settings.SEARCH_SIMILAR_CACHE_SECONDS = 60
    with django_capture_on_commit_callbacks(execute=True):
        leak = make_incident(title="メモリリークで OOM", summary="ワーカーのメモリが漏れ続けた", status="published")
        make_incident(title="別のメモリリーク", summary="メモリが漏れ続けて OOM になった", status="published")
    first = search.similar(leak, editor)
    assert search.similar(leak, editor) == first and len(counted) == 1
    search.similar(leak, viewer)  # another audience: drafts it may not see
    with translation.override("ja"):
        search.similar(leak, editor)  # reasons are in the reader's language
    assert len(counted) == 3
    with django_capture_on_commit_callbacks(execute=True):
        leak.summary += " 追記"
        leak.save()  # a new version is computed again
    search.similar(leak, editor)
    assert len(counted) == 4
    settings.SEARCH_SIMILAR_CACHE_SECONDS = 0
    search.similar(leak, editor)
    search.similar(leak, editor)
    assert len(counted) == 6
