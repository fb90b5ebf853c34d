"""Front matter files: the icco/postmortems corpus shape, generic front matter, and the whole corpus."""

import datetime
import os
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from incidents.imports.formats import parse_document
from incidents.imports.items import is_http_url

CORPUS = Path(os.environ.get("POSTMORTEM_CORPUS_DIR", "/work/shared/corpora/icco-postmortems/data"))
KEY = "00000000-1111-4222-8333-444444444444"


def icco(front, body="Something broke.\n\nIt was fixed.\n"):
    return f"---\nuuid: {KEY}\nurl: https://example.com/post\n{front}\n---\n\n{body}"


def test_icco_entry():
    parsed = parse_document(icco(
        "title: Cache outage\ncategories:\n- cloud\nkeywords:\n- cache\n- 2147483647\ncompany: Acme\nproduct: Cache\n"
        "summary: A short summary.\nstart_time: 2020-01-02T03:04:05Z\nend_time: 2020-01-02T05:00:00Z\n"
        "archive_url: https://web.archive.org/web/2020/https://example.com/post\n"
        "source_fetched_at: 2026-05-04T19:51:05.703409Z\nsource_published_at: 2020-01-03T00:00:00Z"))
    assert parsed.format == "front-matter"
    assert parsed.key == KEY and parsed.source_url == "https://example.com/post"
    document = parsed.document
    assert document["title"] == "Cache outage"
    assert document["summary"] == "A short summary."
    assert document["analysis"] == "Something broke.\n\nIt was fixed."
    assert document["tags"] == ["cache", "2147483647", "cloud", "company:Acme"]
    assert document["services"] == ["Cache"]
    assert document["started_at"] == datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    assert document["resolved_at"] == datetime.datetime(2020, 1, 2, 5, tzinfo=datetime.UTC)
    assert document["links"] == [
        {"url": "https://example.com/post", "relation": "related", "title": "Original postmortem"},
        {"url": "https://web.archive.org/web/2020/https://example.com/post", "relation": "related", "title": "Archived copy"}]
    assert parsed.warnings == [(None, "The document states no severity: SEV3 will be used.")]


def test_icco_without_title_or_product():
    parsed = parse_document(icco('categories: []\ncompany: Joyent\nproduct: ""\nstart_time: ""'))
    assert parsed.document["title"] == "Joyent postmortem"
    assert parsed.document["services"] == ["Joyent"] and parsed.document["tags"] == ["company:Joyent"]
    assert "started_at" not in parsed.document


@pytest.mark.parametrize("front", [
    "product: EC2, EBS", "product: [EC2, EBS]", "product:\n- EC2\n- EBS", "product: EC2、EBS"])
def test_each_product_is_one_service_and_the_company_a_tag(front):
    document = parse_document(icco(f"title: T\ncompany: Amazon\n{front}")).document
    assert document["services"] == ["EC2", "EBS"] and document["tags"] == ["company:Amazon"]


def test_list_values_as_comma_separated_text_or_yaml_lists():
    document = parse_document(icco("title: T\nservices: nginx, app\ntags: [dns, network]\nkeywords: cache, redis\n"
                                   "product: Amazon EBS (io1, io2), EC2\ncompany: Amazon")).document
    assert document["services"] == ["nginx", "app"]  # stated services win over the product
    assert document["tags"] == ["dns", "network", "cache", "redis", "company:Amazon"]
    products = parse_document(icco("title: T\nproduct: Amazon EBS (io1, io2), EC2")).document["services"]
    assert products == ["Amazon EBS (io1, io2)", "EC2"]


def test_the_own_export_reads_comma_separated_labels_too():
    text = "---\npostmortem: 1\ntitle: T\nservices: EC2, EBS\ntags: dns\n---\n"
    document = parse_document(text).document
    assert (document["services"], document["tags"]) == (["EC2", "EBS"], ["dns"])


def test_title_from_the_body_when_nothing_else_names_it():
    body = "Operations were blocked for hours. A lock could not be taken.\n"
    assert parse_document(icco("categories: []", body)).document["title"] == "Operations were blocked for hours."
    heading = "## The big outage\n\nText.\n"
    assert parse_document(icco("categories: []", heading)).document["title"] == "The big outage"
    long = "word " * 100
    parsed = parse_document(icco("categories: []", long))
    assert len(parsed.document["title"]) == 200


def test_end_before_start_is_dropped():
    parsed = parse_document(icco("title: T\nstart_time: 2020-01-02T05:00:00Z\nend_time: 2020-01-02T03:00:00Z"))
    assert "resolved_at" not in parsed.document and "started_at" in parsed.document
    assert (6, "The end time is before the start time: the end time is not used.") in parsed.warnings


def test_a_url_that_is_not_http_is_kept_as_text():
    parsed = parse_document(icco("title: T\narchive_url: ftp://archive/x").replace("https://example.com/post", "gopher://x/y"))
    assert parsed.document["analysis"].endswith("\n\nSource: gopher://x/y\n\nArchived copy: ftp://archive/x")
    assert "links" not in parsed.document
    assert parsed.source_url == "gopher://x/y"
    assert [line for line, _ in parsed.warnings if line] == [3, 5]


def test_icco_body_is_verbatim_even_with_labels():
    body = "Impact: big.\n\n## Timeline\n\n- 10:00 it broke\n"
    assert parse_document(icco("title: T", body)).document["analysis"] == body.strip()


def test_generic_front_matter_with_a_structured_body():
    text = ("---\ntitle: From front matter\nseverity: P2\ntags: db, postgres\ndate: 2024-03-05\n---\n"
            "# Body title\n\n## Summary\n\nBody summary.\n\n## Timeline\n\n- 10:00 alert fired (UTC)\n\n"
            "## Impact\n\nNone.\n")
    parsed = parse_document(text, default_zone=ZoneInfo("Asia/Tokyo"))
    document = parsed.document
    assert parsed.format == "front-matter" and parsed.key is None
    assert document["title"] == "From front matter"
    assert document["severity"] == "sev2"
    assert document["tags"] == ["db", "postgres"]
    assert document["postmortem_date"] == datetime.date(2024, 3, 5)
    assert document["summary"] == "Body summary." and document["impact"] == "None."
    assert document["timeline"][0]["occurred_at"] == datetime.datetime(2024, 3, 5, 10, tzinfo=ZoneInfo("UTC"))
    assert document["detected_at"] == document["timeline"][0]["occurred_at"]


def test_generic_front_matter_wins_and_keeps_unknown_keys():
    text = "---\ntitle: T\nsummary: From front matter\nlayout: post\nseverity: whatever\n---\n## Summary\n\nFrom body\n"
    parsed = parse_document(text)
    assert parsed.document["summary"] == "From front matter"
    assert parsed.document["unmatched"] == {"layout": "post"}  # a custom field's value, or extra (actions.imports)
    assert (5, "'severity': 'whatever' is not understood: ignored.") in parsed.warnings


def _corpus_files():
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the corpus is missing at {CORPUS}")
        pytest.skip(f"no corpus at {CORPUS}")
    return sorted(CORPUS.glob("*.md"))


def test_the_whole_corpus_parses_quickly():
    files = _corpus_files()
    texts = [(path, path.read_text(encoding="utf-8")) for path in files]
    begun = time.perf_counter()
    results = [(path, parse_document(text, name=path.name, default_zone=ZoneInfo("Asia/Tokyo"))) for path, text in texts]
    elapsed = time.perf_counter() - begun
    assert len(results) == len(files) > 0
    for path, parsed in results:
        assert parsed.format == "front-matter", path.name
        assert parsed.key == path.stem, path.name
        assert 0 < len(parsed.document["title"]) <= 200, path.name
        assert parsed.source_url, path.name
        if is_http_url(parsed.source_url):
            assert parsed.document["links"][0]["url"] == parsed.source_url, path.name
        else:  # two entries hold Markdown in their url: kept as text
            assert f"Source: {parsed.source_url}" in parsed.document["analysis"], path.name
    assert elapsed < 1.0, f"the corpus took {elapsed:.2f} s"
