"""The public icco/postmortems corpus (242 write-ups with YAML front matter) imports whole, and importing it
again changes nothing. The corpus is not in the repository: POSTMORTEM_CORPUS_DIR, else the shared copy; the
test is skipped without it, except on CI where it must be there."""

import os
from pathlib import Path

import pytest

from incidents.imports.files import from_paths
from incidents.actions.imports import import_sources
from incidents.models import Incident

CORPUS = Path(os.environ.get("POSTMORTEM_CORPUS_DIR") or "/work/shared/corpora/icco-postmortems/data")
SIZE = 242


@pytest.fixture
def corpus():
    if not CORPUS.is_dir():
        message = f"the icco postmortem corpus is not at {CORPUS} (set POSTMORTEM_CORPUS_DIR)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    sources, problems = from_paths([CORPUS])
    assert problems == [] and len(sources) == SIZE
    return sources


@pytest.mark.django_db  # one test for both imports: the first takes most of a minute
def test_the_whole_corpus_imports_and_a_second_import_is_all_unchanged(corpus):
    first = import_sources(corpus)
    assert [file.problems for file in first.files if file.problems] == []
    assert first.counts == {"imported": SIZE, "updated": 0, "unchanged": 0, "failed": 0}
    assert Incident.objects.count() == SIZE

    second = import_sources(corpus)
    assert second.counts == {"imported": 0, "updated": 0, "unchanged": SIZE, "failed": 0}
    assert Incident.objects.count() == SIZE


@pytest.mark.django_db
def test_a_file_listing_several_products_gives_one_service_each_and_keeps_the_company(corpus):
    [source] = [source for source in corpus if source.name.endswith("99d5650b-6c18-4c33-b5e5-683b10054a7d.md")]
    report = import_sources([source])
    assert report.counts["imported"] == 1, report.files[0].problems
    incident = Incident.objects.get()
    assert sorted(service.name for service in incident.services.all()) == ["EBS", "EC2"]
    assert "company:amazon" in [tag.name for tag in incident.tags.all()]
    assert Incident.objects.filter(services__name="EC2").exists()
